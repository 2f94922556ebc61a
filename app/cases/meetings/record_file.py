"""A meeting record as a PDF: a signed-off record exactly as it was signed, otherwise the draft, marked as one.

The PDF is drawn by `record_pdf`, loaded only when a file is made (app.cases.printing).
"""
from __future__ import annotations

from app.agencies.accounts.models import User
from app.audit.events import record
from app.audit.models import AuditAction
from app.cases.meetings.models import Meeting
from app.cases.meetings.services import load_snapshot, snapshot_of
from app.cases.printing import builders
from app.core.downloads import safe_filename
from app.policy import Action, require


def signed_snapshot(meeting: Meeting) -> dict | None:
    """What was signed of the meeting's current version, or None while that version is a draft."""
    current = next((row for row in meeting.records if row.number == meeting.record_number), None)
    return load_snapshot(current) if meeting.is_signed_off and current is not None else None


def export_meeting_record(actor: User, meeting: Meeting) -> tuple[str, bytes]:
    """(file name, PDF) of the meeting's record, its export audited (flushes; the view commits before it leaves).

    :raise 403/404 (through the policy): for anyone who may not view the meeting.
    """
    require(actor, Action.EXPORT_CASE_DOCUMENT, meeting)
    signed = signed_snapshot(meeting)
    shot = signed if signed is not None else snapshot_of(meeting)
    content = builders().meeting_record_pdf(shot, draft=signed is None)
    record(actor, AuditAction.EXPORT, meeting, fields=["record"])
    state = f"version-{shot['number']}" if signed is not None else "draft"
    return safe_filename("meeting-record", meeting.held_on.isoformat(), state, extension="pdf"), content
