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
    "bundle_redaction": {
        "id": NONE,
        "public_id": PSEUDONYMOUS,
        "request_id": PSEUDONYMOUS,
        "item_key": PSEUDONYMOUS,  # "<kind>:<public id>" of the redacted record
        "field": NONE,
        "occurrence": NONE,
        "reason": PERSONAL,  # that a passage is about another child, a member of staff, or could cause harm
        "made_by_id": PSEUDONYMOUS,
        "made_at": PERSONAL,
        "removed_at": PERSONAL,
        "removed_by_id": PSEUDONYMOUS,
        "passage_sealed": SPECIAL_CATEGORY,  # third-party text from a SEND record (another child's name, needs)
        "details_sealed": PERSONAL,
    },
    "concern_release": {
        "id": NONE,
        "public_id": PSEUDONYMOUS,
        "request_id": PSEUDONYMOUS,
        "concern_id": PSEUDONYMOUS,
        "released": SPECIAL_CATEGORY,  # the DSL's safeguarding judgement about a concern
        "decided_by_id": PSEUDONYMOUS,
        "decided_at": PERSONAL,
        "reason_sealed": SPECIAL_CATEGORY,
    },
    "subject_access_bundle": {
        "id": NONE,
        "public_id": PSEUDONYMOUS,
        "request_id": PSEUDONYMOUS,
        "status": PERSONAL,
        "progress_done": NONE,
        "progress_total": NONE,
        "requested_by_id": PSEUDONYMOUS,
        "requested_at": PERSONAL,
        "built_at": PERSONAL,
        "redactions_seen": NONE,
        "sha256": PSEUDONYMOUS,
        "size_bytes": NONE,
        "finalised_at": PERSONAL,
        "finalised_by_id": PSEUDONYMOUS,
        "content_sealed": SPECIAL_CATEGORY,  # everything held about the learner: the SEND record itself
    },
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
