"""The transfer bundle's file: the educational record and SEND file of one learner as an AES-256 encrypted PDF.

Why a PDF encrypted with a passphrase: the receiving school opens it in any PDF reader (Adobe Reader, Edge,
Chrome, macOS Preview) without Braid or an account, and AES-256 (PDF 2.0, revision 6) is the strongest
encryption the format has. Safeguarding concerns are never in it: the DSL transfers the child-protection file
separately. Restricted contributions (the author, the SENCo and the DSL only) and unsigned meeting drafts stay out.
"""
from __future__ import annotations

import json
import secrets
from dataclasses import dataclass

from fpdf.enums import AccessPermission, EncryptionMethod
from sqlalchemy import select

from app.cases.attachments.models import Attachment
from app.cases.contributions.models import Contribution, Visibility
from app.cases.learners.models import YEAR_GROUPS, Learner
from app.cases.meetings.models import Meeting
from app.core import dates, writing
from app.core.pdf import Document, Writer, plain
from app.extensions import db

# Lower-case letters and digits that cannot be misread for one another when read out over the phone.
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_GROUPS, _GROUP = 5, 5  # 25 characters: about 124 bits


def new_passphrase() -> str:
    return "-".join("".join(secrets.choice(_ALPHABET) for _ in range(_GROUP)) for _ in range(_GROUPS))


@dataclass(frozen=True)
class Made:
    content: bytes
    sections: tuple[str, ...]  # the headings the file holds, for the page that shows it was made


def make_bundle_pdf(learner: Learner, *, made_by: str, made_on, receiving_school: str, passphrase: str) -> Made:
    """The learner's record as a PDF opened only with `passphrase` (AES-256); nothing in it names Braid's keys."""
    pdf = Document(footer=f"Transfer record made {dates.day(made_on)} - confidential")
    # Metadata is encrypted too and names no child: a file listing shows only "Transfer record".
    pdf.set_title("Transfer record")
    pdf.add_page()
    out = Writer(pdf)
    out.title(f"Transfer record: {learner.name}")
    out.para(f"Educational record and SEND file for {receiving_school}, made on {dates.day(made_on)} by {made_by}. "
             "Child-protection records are not included: the designated safeguarding lead transfers them separately.")
    _details(out, learner)
    _plan(out, learner)
    _contributions(out, learner)
    _meetings(out, learner)
    pdf.set_encryption(
        owner_password=secrets.token_urlsafe(32),  # never kept: nobody can lift the passphrase off the file
        user_password=passphrase, encryption_method=EncryptionMethod.AES_256, encrypt_metadata=True,
        permissions=AccessPermission.PRINT_LOW_RES | AccessPermission.PRINT_HIGH_RES | AccessPermission.COPY
        | AccessPermission.COPY_FOR_ACCESSIBILITY)
    return Made(bytes(pdf.output()), tuple(out.sections))


def _details(out: Writer, learner: Learner) -> None:
    out.heading("Learner details")
    out.field("Full name", learner.name)
    out.field("Preferred name", learner.preferred_name)
    out.field("Date of birth", dates.day(learner.date_of_birth))
    out.field("Unique pupil number (UPN)", learner.upn)
    out.field("Year group", YEAR_GROUPS.get(learner.year_group))
    out.field("Registration group", learner.registration_group)
    out.field("SEN status", learner.sen_status.label if learner.sen_status else None)
    out.field("Areas of need", ", ".join(area.label for area in learner.areas_of_need or []))
    out.field("Notes", plain(writing.shown(learner, "notes")))


def _plan(out: Writer, learner: Learner) -> None:
    out.heading("Support plan")
    plan = learner.plan
    if plan is None or not plan.cycles:
        out.para("No support plan was started.")
        return
    for cycle in plan.cycles:
        state = f"closed {dates.day(cycle.closed_at)}" if cycle.is_closed else f"open, at {cycle.stage.label.lower()}"
        out.heading(f"Cycle {cycle.number} ({state})", level=2)
        out.field("Review date", dates.day(cycle.review_on) if cycle.review_on else None)
        for label, name in (("The learner's views", "learner_views"), ("The family's views", "family_views"),
                            ("Aspirations", "aspirations"),
                            ("Communication and interaction", "needs_communication"),
                            ("Cognition and learning", "needs_cognition"),
                            ("Social, emotional and mental health", "needs_semh"),
                            ("Sensory and/or physical", "needs_sensory")):
            if getattr(cycle, name):
                out.field(label, plain(writing.shown(cycle, name)))
        for number, outcome in enumerate(cycle.outcomes, 1):
            out.field(f"Outcome {number}", f"{plain(outcome.description)}\nMeasured by: {plain(outcome.measure)}\n"
                                           f"By {dates.day(outcome.target_on)}. Progress: {outcome.progress.label}")
        for number, provision in enumerate(cycle.provisions, 1):
            until = f" until {dates.day(provision.ends_on)}" if provision.ends_on else ""
            out.field(f"Provision {number}", f"{plain(provision.description)}\nBy {provision.delivered_by}, "
                                             f"{provision.frequency}, from {dates.day(provision.starts_on)}{until}")
        if cycle.review_summary:
            out.field("Review", plain(writing.shown(cycle, "review_summary")))


def _contributions(out: Writer, learner: Learner) -> None:
    out.heading("Contributions")
    found = db.session.scalars(
        select(Contribution).where(Contribution.learner_id == learner.id, Contribution.withdrawn_at.is_(None),
                                   Contribution.visibility.in_((Visibility.TEAM, Visibility.TEAM_AND_FAMILY)))
        .order_by(Contribution.created_at, Contribution.id)).all()
    if not found:
        out.para("No contributions shared with the team.")
    files: dict[int, list[Attachment]] = {}
    for attached in db.session.scalars(select(Attachment).where(
            Attachment.contribution_id.in_([contribution.id for contribution in found]))
            .order_by(Attachment.uploaded_at, Attachment.id)):
        files.setdefault(attached.contribution_id, []).append(attached)
    for contribution in found:
        out.heading(f"{contribution.title} ({contribution.kind.label})", level=2)
        out.para(f"By {contribution.author.display_name}, {contribution.author.role.label}, "
                 f"{dates.day(contribution.updated_at)}", style="I")
        out.para(plain(writing.shown(contribution, "body")))
        if contribution.id in files:
            # Listed, not embedded: the receiving school asks for the files it needs.
            out.para("Attached files (kept in Braid, not in this bundle): " + "; ".join(
                f"{item.name} ({item.kind.label}, {item.size_in_words})" for item in files[contribution.id]))


def _meetings(out: Writer, learner: Learner) -> None:
    out.heading("Meeting records (as signed off)")
    meetings = db.session.scalars(select(Meeting).where(Meeting.learner_id == learner.id)
                                  .order_by(Meeting.held_on, Meeting.starts_at, Meeting.id)).all()
    signed = [meeting.records[-1] for meeting in meetings if meeting.records]
    if not signed:
        out.para("No meeting records were signed off.")
    for record in signed:
        shot = json.loads(record.snapshot)
        out.heading(f"{shot['kind']} meeting, {shot['held_on']} (version {shot['number']})", level=2)
        out.para(f"Signed off {shot.get('signed_off_at') or ''} by {shot.get('signed_off_by') or ''}. "
                 f"Chaired by {shot['chair']}.", style="I")
        people = [f"{row['name']} ({row['role']}): {row['attendance']}" for row in shot["attendees"]] + shot["others"]
        out.field("Attendees", "\n".join(people))
        for label, key in (("Agenda", "agenda"), ("Minutes", "minutes"), ("Decisions", "decisions")):
            if shot.get(key):
                out.field(label, plain(shot[key]))
        for row in shot["outcomes"]:
            comment = f" - {row['comment']}" if row["comment"] else ""
            out.field("Outcome reviewed", f"{plain(row['description'])}: {row['rating']}{comment}")
        for action in shot["actions"]:
            out.field("Action", f"{plain(action['description'])} ({action['owner']}, by {action['due_on']})")
