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
    "subject_access_request": {
        "id": NONE,
        "public_id": PSEUDONYMOUS,
        "agency_id": NONE,
        "learner_id": PSEUDONYMOUS,
        "kind": PERSONAL,  # that someone asked about this learner, and under which law
        "requester_name_sealed": PERSONAL,
        "requester_relationship": PERSONAL,
        "entitlement_sealed": PERSONAL,  # may reveal family circumstances ("named on the birth certificate")
        "received_on": PERSONAL,
        "registered_by_id": PSEUDONYMOUS,
        "registered_at": PERSONAL,
        "identity_confirmed_on": PERSONAL,
        "identity_note_sealed": PERSONAL,  # how identity was checked (a passport seen, a known address)
        "identity_checked_by_id": PSEUDONYMOUS,
        "identity_checked_at": PERSONAL,
        "clock_start": NONE,
        "clock_starts_on": PERSONAL,
        "due_on": PERSONAL,
        "extended_to": PERSONAL,
        "extension_reason_sealed": PERSONAL,
        "extended_by_id": PSEUDONYMOUS,
        "extended_at": PERSONAL,
        "status": PERSONAL,
        "completed_at": PERSONAL,
        "closed_at": PERSONAL,
        "closed_by_id": PSEUDONYMOUS,
        "refusal_reason_sealed": PERSONAL,
        "version": NONE,
    },
}
