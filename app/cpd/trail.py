"""How the audit trail labels CPD records and the purposes of a CPD record's export."""
from __future__ import annotations

from app.audit import directory
from app.cpd.export.models import ExportPurpose


def register() -> None:
    directory.label("purpose", {purpose.value: f"CPD record export: {purpose.label.lower()}"
                                for purpose in ExportPurpose})
    directory.label("object_type", {
        "cpd_entry": "CPD reflective entry",
        "cpd_goal": "CPD development goal",
        "cpd_progress_review": "CPD progress review",
    })
