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
    "child_protection_review": {
        "id": NONE, "public_id": PSEUDONYMOUS, "learner_id": PSEUDONYMOUS, "decided_by_id": PSEUDONYMOUS,
        "decided_at": PERSONAL, "decision": SPECIAL_CATEGORY, "keep_until": SPECIAL_CATEGORY,
        "reason_sealed": SPECIAL_CATEGORY,
    },
    "destruction_register": {
        "id": NONE, "public_id": NONE, "school_id": NONE, "record_class": PSEUDONYMOUS,
        "learner_public_id": PSEUDONYMOUS, "rule": NONE, "destroyed_at": PSEUDONYMOUS,
        "destroyed_by_id": PSEUDONYMOUS, "rows_destroyed": NONE,
    },
    "erasure_request": {
        "id": NONE, "public_id": PSEUDONYMOUS, "school_id": NONE, "learner_id": PSEUDONYMOUS,
        "learner_public_id": PSEUDONYMOUS, "requested_by_sealed": PERSONAL, "received_on": PERSONAL,
        "recorded_by_id": PSEUDONYMOUS, "recorded_at": PERSONAL, "outcome": PERSONAL, "ground": PERSONAL,
        "ground_detail": PERSONAL,
    },
    "legal_hold": {
        "id": NONE, "public_id": PSEUDONYMOUS, "learner_id": PSEUDONYMOUS, "placed_by_id": PSEUDONYMOUS,
        "placed_at": PERSONAL, "reason_sealed": PERSONAL, "reference_sealed": PERSONAL,
        "lifted_by_id": PSEUDONYMOUS, "lifted_at": PERSONAL, "lift_reason_sealed": PERSONAL,
    },
    "retention_rule": {
        "id": NONE, "public_id": NONE, "school_id": NONE, "record_class": NONE, "years": NONE, "action": NONE,
        "changed_by_id": PSEUDONYMOUS, "changed_at": PSEUDONYMOUS,
    },
}
