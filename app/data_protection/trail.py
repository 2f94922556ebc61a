"""How the audit trail names what data protection records and shows."""
from __future__ import annotations

from app.audit import directory


def register() -> None:
    directory.label("object_type", {
        "record_of_processing": "Record of processing (Article 30)",
    })
