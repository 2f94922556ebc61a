"""How the audit trail names data protection's records and pages."""
from __future__ import annotations

from app.audit import directory


def register() -> None:
    directory.label("object_type", {
        "subject_access_request": "Subject access request",
        "subject_access_register": "Register of subject access requests",
        "subject_access_request_form": "Subject access request form",
    })
