"""Every column of every table, classified: what kind of data it holds. There is no default: a column missing here
fails the suite (tests/data_protection/test_article30.py), so a new column is classified when it is added.
"""
from __future__ import annotations

import enum


class Classification(enum.Enum):
    PERSONAL = "personal"  # identifies or is about a living person (a name, an email, a date of birth)
    SPECIAL_CATEGORY = "special category"  # Article 9: health, SEN and disability, safeguarding
    PSEUDONYMOUS = "pseudonymous"  # a public id, a blind index, a key: personal only with other data
    NONE = "none"  # holds nothing about a person (a count, a flag, a time with no one attached)


PERSONAL = Classification.PERSONAL
SPECIAL_CATEGORY = Classification.SPECIAL_CATEGORY
PSEUDONYMOUS = Classification.PSEUDONYMOUS
NONE = Classification.NONE

# table -> column -> classification. One block per table, tables in alphabetical order.
COLUMNS: dict[str, dict[str, Classification]] = {
    "consent": {
        "id": NONE,
        "public_id": PSEUDONYMOUS,
        "learner_id": PSEUDONYMOUS,
        "given_by_id": PSEUDONYMOUS,
        "given_by_name_sealed": PERSONAL,
        "giver_relationship_sealed": PERSONAL,
        "given_on": PERSONAL,
        "purpose": PERSONAL,  # that a child was referred on (with agency_id) is about the child
        "agency_id": PERSONAL,  # which service (an NHS therapy, an EP service) says something about the child
        "recipient_name_sealed": PERSONAL,
        "method": NONE,
        "recorded_by_id": PSEUDONYMOUS,
        "recorded_at": PERSONAL,
        "withdrawn_at": PERSONAL,
        "withdrawn_by_id": PSEUDONYMOUS,
        "withdrawal_method": NONE,
        "withdrawal_reason_sealed": SPECIAL_CATEGORY,  # a family's reasons may speak of health or safeguarding
    },
    "contribution": {
        # The lawful basis of the processing: a fact about it, not about the child.
        "lawful_basis": NONE,
        "special_category_condition": NONE,
        "lawful_basis_assumed": NONE,
    },
    "invitation": {
        "lawful_basis": NONE,
        "special_category_condition": NONE,
        "lawful_basis_assumed": NONE,
        "consent_id": PSEUDONYMOUS,
    },
    "team_membership": {
        "lawful_basis": NONE,
        "special_category_condition": NONE,
        "lawful_basis_assumed": NONE,
        "consent_id": PSEUDONYMOUS,
    },
    "transfer_bundle": {
        "lawful_basis": NONE,
        "special_category_condition": NONE,
        "lawful_basis_assumed": NONE,
    },
}
