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
        # What a refused request asked to see or do (app.policy.attempts)
        "cpd_log": "CPD log",
        "cpd_log_form": "CPD entry or goal form",
        "cpd_withdraw_form": "Withdraw a CPD entry form",
        "cpd_report_list": "Line reports' CPD logs",
        "progress_review_form": "CPD progress review form",
    })
