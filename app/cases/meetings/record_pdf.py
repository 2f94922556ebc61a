"""A meeting record's snapshot drawn as an A4 PDF: the same display strings the record page shows."""
from __future__ import annotations

from app.core.pdf import Document, Writer

DRAFT_MARK = "Draft — not signed off"


def meeting_record_pdf(shot: dict, *, draft: bool) -> bytes:
    state = DRAFT_MARK if draft else f"Version {shot['number']}, signed off"
    pdf = Document(footer=f"Meeting record, {shot['held_on']} - {state} - confidential")
    pdf.set_title("Meeting record")  # metadata names no child
    pdf.add_page()
    out = Writer(pdf)
    out.title(f"{shot['kind']} meeting for {shot['learner']}")
    if draft:
        out.para(f"{DRAFT_MARK}. This record may still change.", style="B", size=12)
    else:
        out.para(f"Version {shot['number']}, signed off {shot.get('signed_off_at') or ''} "
                 f"by {shot.get('signed_off_by') or ''}.", style="B")
    out.para(f"{shot['held_on']} at {shot['starts_at']}, {shot['duration']}. Chaired by {shot['chair']}.")
    people = [f"{row['name']} ({row['role']}): {row['attendance']}" for row in shot["attendees"]] + list(shot["others"])
    out.field("Attendees", "\n".join(people))
    out.rich("Agenda", shot.get("agenda"))
    out.rich("Minutes", shot.get("minutes"))
    out.rich("Decisions", shot.get("decisions"))
    if shot["outcomes"]:
        out.heading("Outcomes reviewed")
        for row in shot["outcomes"]:
            comment = [("", row["comment"])] if row["comment"] else []
            out.item([("B", row["description"]), ("", f"Rating: {row['rating']}"), *comment])
    if shot["actions"]:
        out.heading("Actions")
        for action in shot["actions"]:
            out.item([("B", action["description"]), ("", f"Owner: {action['owner']} · Due: {action['due_on']}")])
    return bytes(pdf.output())
