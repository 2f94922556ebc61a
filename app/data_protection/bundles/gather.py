"""Everything Braid holds about one learner that a subject access requester is entitled to, as plain data.

The PDF and the JSON of a bundle are both drawn from this one structure, so they cannot disagree. Every query here
starts from the learner (their id, or rows of their own case): nothing of another learner is ever read. What the
requester is not entitled to stays out: withdrawn (misfiled) contributions, safeguarding concerns the DSL has not
released for the request, the practitioners' own reflections (CPD links are pseudonymous), and the openings of
the record the DSL withholds from the family (app.audit.family decides, as for the family's own page).
"""
from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import or_, select

from app.agencies.accounts.models import User
from app.audit.family.services import family_of, family_openings
from app.cases.access_summary.services import describe, names_staff
from app.cases.attachments.models import Attachment
from app.cases.concerns.models import SafeguardingConcern
from app.cases.contributions.models import Contribution
from app.cases.family_profile.models import SECTIONS, FamilyProfile
from app.cases.learners.models import Learner, LearnerRevision
from app.cases.meetings.models import Meeting, MeetingRecord
from app.cases.plans.models import PlanCycle, SupportPlan
from app.cases.restrictions.models import ProcessingRestriction
from app.cases.team.models import TeamMembership
from app.cases.transfers.models import TransferBundle
from app.core import dates
from app.cpd.entries.models import CaseEvidence, ReflectiveEntry
from app.extensions import db
from app.security.crypto import blind_index

# The kinds of item, in the order the bundle shows them: (kind, heading).
SECTION_TITLES = (
    ("details", "The learner's details"),
    ("details_history", "Corrections of the learner's details"),
    ("plan_cycle", "Support plan cycles"),
    ("outcome", "Outcomes (targets)"),
    ("provision", "Provision"),
    ("contribution", "Contributions"),
    ("contribution_revision", "Earlier versions of contributions"),
    ("meeting", "Meetings"),
    ("meeting_record", "Signed-off meeting records"),
    ("meeting_action", "Meeting actions"),
    ("family_profile", "One-page profile"),
    ("restriction", "Restrictions of processing"),
    ("transfer", "Transfers to another school"),
    ("team", "The team around the child"),
    ("concern", "Safeguarding concerns released by the designated safeguarding lead"),
    ("cpd_link", "Practitioners' CPD records that cite this learner's case (pseudonymous)"),
    ("access", "Who has opened the record"),
)
KIND_TITLES = dict(SECTION_TITLES)
_TAG = re.compile(r"<[^>]+>")


@dataclass
class Field:
    name: str  # stable, for redactions: "body", "minutes"
    label: str
    text: str


@dataclass
class AttachedFile:
    public_id: str
    name: str
    kind: str
    size_bytes: int
    path: str  # inside the ZIP: attachments/<public id>-<safe name>
    attachment_id: int  # to load the bytes when the ZIP is written (never in the JSON)


@dataclass
class Item:
    key: str  # "<kind>:<public id>": what a redaction names
    kind: str
    title: str
    fields: list[Field] = field(default_factory=list)
    files: list[AttachedFile] = field(default_factory=list)

    def add(self, name: str, label: str, text) -> None:
        """A field with something in it (an empty field says nothing and gives nothing to redact)."""
        if text is None or text == "" or text == []:
            return
        if isinstance(text, (list, tuple)):
            text = ", ".join(str(part) for part in text)
        self.fields.append(Field(name, label, str(text)))

    def text_of(self, name: str) -> str | None:
        return next((one.text for one in self.fields if one.name == name), None)


@dataclass
class Gathered:
    learner_public_id: str
    items: list[Item]

    def sections(self) -> list[tuple[str, str, list[Item]]]:
        """(kind, heading, items) of every kind with an item, in the bundle's order."""
        return [(kind, title, [item for item in self.items if item.kind == kind])
                for kind, title in SECTION_TITLES if any(item.kind == kind for item in self.items)]

    def item(self, key: str) -> Item | None:
        return next((item for item in self.items if item.key == key), None)

    @property
    def files(self) -> list[AttachedFile]:
        return [one for item in self.items for one in item.files]


def plain(markup: str | None) -> str:
    """Safe HTML (a frozen meeting record) as plain text."""
    if not markup:
        return ""
    text = re.sub(r"</(p|li|h\d|div)>|<br\s*/?>", "\n", markup)
    return html.unescape(_TAG.sub("", text)).strip()


def _person(user: User | None) -> str:
    if user is None:
        return "Not recorded"
    agency = user.agency.name if user.agency is not None else None
    return f"{user.display_name} ({user.role.label}{', ' + agency if agency else ''})"


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name or "file").strip("-.")[:80] or "file"


def _files(attachments: Iterable[Attachment]) -> list[AttachedFile]:
    return [AttachedFile(one.public_id, one.name, one.kind.value, one.size_bytes,
                         f"attachments/{one.public_id}-{_safe(one.name)}", one.id) for one in attachments]


def _attachments(column, ids: list[int]) -> dict[int, list[Attachment]]:
    found: dict[int, list[Attachment]] = {}
    if not ids:
        return found
    for one in db.session.scalars(select(Attachment).where(column.in_(ids)).order_by(Attachment.id)):
        found.setdefault(getattr(one, column.key), []).append(one)
    return found


# --- each kind of record -------------------------------------------------------------------------------------


def _details(learner: Learner) -> list[Item]:
    item = Item(f"details:{learner.public_id}", "details", "Details held about the learner")
    item.add("name", "Name", learner.name)
    item.add("preferred_name", "Known as", learner.preferred_name)
    item.add("date_of_birth", "Date of birth", dates.long_day(learner.date_of_birth))
    item.add("upn", "Unique pupil number", learner.upn)
    item.add("year_group", "Year group", learner.year_group_label)
    item.add("registration_group", "Registration group", learner.registration_group)
    item.add("sen_status", "SEN status", learner.sen_status.label if learner.sen_status else None)
    item.add("needs", "Types of need", [need.label for need in learner.needs or ()])
    item.add("areas_of_need", "Areas of need", [area.label for area in learner.areas_of_need or ()])
    item.add("notes", "Notes", learner.notes)
    item.add("registered", "Registered on", dates.long_day(learner.created_at))
    return [item]


def _details_history(learner: Learner) -> list[Item]:
    items = []
    for revision in db.session.scalars(select(LearnerRevision).where(LearnerRevision.learner_id == learner.id)
                                       .order_by(LearnerRevision.id)):
        item = Item(f"details_history:{revision.public_id}", "details_history",
                    f"Correction on {dates.day_and_time(revision.changed_at)}")
        item.add("changed_by", "Changed by", _person(revision.changed_by))
        item.add("fields", "Fields changed", ", ".join(revision.field_names))
        item.add("reason", "Reason", revision.reason)
        for name, value in sorted((revision.earlier or {}).items()):
            item.add(f"earlier_{name}", f"Earlier {name.replace('_', ' ')}", value)
        items.append(item)
    return items


CYCLE_FIELDS = (("learner_views", "The learner's views"), ("family_views", "The family's views"),
                ("aspirations", "Aspirations"), ("needs_communication", "Needs: communication and interaction"),
                ("needs_cognition", "Needs: cognition and learning"),
                ("needs_semh", "Needs: social, emotional and mental health"),
                ("needs_sensory", "Needs: sensory and/or physical"), ("review_summary", "Review summary"))


def _plans(learner: Learner) -> list[Item]:
    items = []
    cycles = db.session.scalars(select(PlanCycle).join(SupportPlan, SupportPlan.id == PlanCycle.plan_id)
                                .where(SupportPlan.learner_id == learner.id).order_by(PlanCycle.number)).all()
    for cycle in cycles:
        item = Item(f"plan_cycle:{cycle.public_id}", "plan_cycle", f"Cycle {cycle.number} ({cycle.stage.label})")
        item.add("opened", "Opened", dates.long_day(cycle.opened_at))
        item.add("review_on", "Review due", dates.long_day(cycle.review_on))
        item.add("closed", "Closed", dates.long_day(cycle.closed_at))
        for name, label in CYCLE_FIELDS:
            item.add(name, label, getattr(cycle, name))
        items.append(item)
    for cycle in cycles:
        for outcome in cycle.outcomes:
            item = Item(f"outcome:{outcome.public_id}", "outcome", f"Outcome in cycle {cycle.number}")
            item.add("description", "Outcome", outcome.description)
            item.add("measure", "How it is measured", outcome.measure)
            item.add("target_on", "By", dates.long_day(outcome.target_on))
            item.add("progress", "Progress", outcome.progress.label)
            items.append(item)
        for provision in cycle.provisions:
            item = Item(f"provision:{provision.public_id}", "provision", f"Provision in cycle {cycle.number}")
            item.add("description", "Provision", provision.description)
            item.add("delivered_by", "Delivered by", provision.delivered_by)
            item.add("frequency", "How often", provision.frequency)
            item.add("starts_on", "From", dates.long_day(provision.starts_on))
            item.add("ends_on", "Until", dates.long_day(provision.ends_on))
            items.append(item)
    return items


def _contributions(learner: Learner) -> tuple[list[Item], list[Contribution]]:
    contributions = db.session.scalars(select(Contribution).where(
        Contribution.learner_id == learner.id, Contribution.withdrawn_at.is_(None)).order_by(Contribution.id)).all()
    files = _attachments(Attachment.contribution_id, [one.id for one in contributions])
    items, revisions = [], []
    for one in contributions:
        item = Item(f"contribution:{one.public_id}", "contribution", f"{one.kind.label}: {one.title}")
        item.add("title", "Title", one.title)
        item.add("author", "Written by", _person(one.author))
        item.add("written", "Last changed", dates.day_and_time(one.updated_at))
        item.add("visibility", "Shared with", one.visibility.label)
        item.add("body", "Text", one.body)
        item.files = _files(files.get(one.id, ()))
        items.append(item)
        for revision in one.revisions:
            earlier = Item(f"contribution_revision:{revision.public_id}", "contribution_revision",
                           f"{one.kind.label}, version {revision.version}: {revision.title}")
            earlier.add("title", "Title", revision.title)
            earlier.add("written", "Written", dates.day_and_time(revision.written_at))
            earlier.add("body", "Text", revision.body)
            revisions.append(earlier)
    return items + revisions, list(contributions)


def _meetings(learner: Learner) -> tuple[list[Item], list[Meeting]]:
    meetings = db.session.scalars(select(Meeting).where(Meeting.learner_id == learner.id)
                                  .order_by(Meeting.held_on, Meeting.id)).all()
    files = _attachments(Attachment.meeting_id, [one.id for one in meetings])
    items, records, actions = [], [], []
    for meeting in meetings:
        item = Item(f"meeting:{meeting.public_id}", "meeting",
                    f"{meeting.kind.label} on {dates.long_day(meeting.held_on)}")
        item.add("chair", "Chair", _person(meeting.chair))
        item.add("attendees", "Attendees", [f"{row.user.display_name} ({row.attendance.label})"
                                            for row in meeting.attendees])
        item.add("other_attendees", "Others present", meeting.other_attendees)
        item.add("agenda", "Agenda", meeting.agenda)
        item.add("minutes", "Minutes", meeting.minutes)
        item.add("decisions", "Decisions", meeting.decisions)
        for review in meeting.outcome_reviews:
            item.add(f"review_{review.public_id}", f"Outcome reviewed: {review.outcome.description}",
                     f"{review.rating.label}. {review.comment or ''}".strip())
        item.files = _files(files.get(meeting.id, ()))
        items.append(item)
        for signed in meeting.records:
            records.append(_meeting_record(meeting, signed))
        for action in meeting.actions:
            done = Item(f"meeting_action:{action.public_id}", "meeting_action",
                        f"Action from the meeting on {dates.long_day(meeting.held_on)}")
            done.add("description", "Action", action.description)
            done.add("owner", "Owner", _person(action.owner))
            done.add("due_on", "Due", dates.long_day(action.due_on))
            done.add("status", "Status", action.status.label)
            actions.append(done)
    return items + records + actions, list(meetings)


def _meeting_record(meeting: Meeting, signed: MeetingRecord) -> Item:
    snapshot = json.loads(signed.snapshot or "{}")
    item = Item(f"meeting_record:{signed.public_id}", "meeting_record",
                f"Record {signed.number} of the meeting on {dates.long_day(meeting.held_on)}, signed off "
                f"{dates.day_and_time(signed.signed_off_at)}")
    item.add("signed_off_by", "Signed off by", snapshot.get("signed_off_by"))
    item.add("attendees", "Attendees", [f"{row.get('name')} ({row.get('attendance')})"
                                        for row in snapshot.get("attendees", ())])
    item.add("others", "Others present", snapshot.get("others"))
    for name in ("agenda", "minutes", "decisions"):
        item.add(name, name.capitalize(), plain(snapshot.get(name)))
    for number, action in enumerate(snapshot.get("actions", ()), start=1):
        item.add(f"action_{number}", f"Action {number}",
                 f"{action.get('description')} ({action.get('owner')}, by {action.get('due_on')})")
    return item


def _family_profile(learner: Learner) -> list[Item]:
    profile = db.session.scalars(select(FamilyProfile).where(FamilyProfile.learner_id == learner.id)).first()
    if profile is None:
        return []
    item = Item(f"family_profile:{profile.public_id}", "family_profile", "One-page profile")
    for name, heading in SECTIONS:
        item.add(name, heading.format(name=learner.known_as), getattr(profile, name))
    item.add("shared", "Shared with the family", dates.long_day(profile.published_at) or "Not yet")
    return [item]


def _restrictions(learner: Learner) -> list[Item]:
    items = []
    for one in db.session.scalars(select(ProcessingRestriction).where(ProcessingRestriction.learner_id == learner.id)
                                  .order_by(ProcessingRestriction.id)):
        item = Item(f"restriction:{one.public_id}", "restriction",
                    f"Processing restricted on {dates.long_day(one.restricted_at)}")
        item.add("restricted_by", "Restricted by", _person(one.restricted_by))
        item.add("reason", "Reason", one.reason)
        item.add("lifted", "Lifted", dates.long_day(one.lifted_at))
        item.add("lift_reason", "Why it was lifted", one.lift_reason)
        items.append(item)
    return items


def _transfers(learner: Learner) -> list[Item]:
    # The educational record sent on; the child-protection file's movements are the DSL's (KCSIE) and stay out.
    items = []
    for one in db.session.scalars(select(TransferBundle).where(TransferBundle.learner_id == learner.id)
                                  .order_by(TransferBundle.id)):
        item = Item(f"transfer:{one.public_id}", "transfer", f"Transfer file made on {dates.long_day(one.made_at)}")
        item.add("receiving_school", "For", one.receiving_school)
        item.add("made_by", "Made by", _person(one.made_by))
        items.append(item)
    return items


def _team(learner: Learner) -> list[Item]:
    items = []
    for one in db.session.scalars(select(TeamMembership).where(TeamMembership.learner_id == learner.id)
                                  .order_by(TeamMembership.starts_at, TeamMembership.id)):
        item = Item(f"team:{one.public_id}", "team", f"{one.role.label}, from {dates.long_day(one.starts_at)}")
        item.add("person", "Who", one.user.display_name)
        item.add("role", "Role", one.role.label)
        item.add("organisation", "Organisation", one.user.agency.name if one.user.agency else None)
        item.add("until", "Until", dates.long_day(one.ended_at or one.ends_at))
        items.append(item)
    return items


def concerns_of(learner: Learner) -> list[SafeguardingConcern]:
    """Every safeguarding concern about the learner (for the DSL's release page), oldest first."""
    return list(db.session.scalars(select(SafeguardingConcern).where(SafeguardingConcern.learner_id == learner.id)
                                   .order_by(SafeguardingConcern.id)))


def _concerns(learner: Learner, released: set[int]) -> list[Item]:
    chosen = [one for one in concerns_of(learner) if one.id in released]
    files = _attachments(Attachment.concern_id, [one.id for one in chosen])
    items = []
    for one in chosen:
        item = Item(f"concern:{one.public_id}", "concern", f"Concern recorded on {dates.long_day(one.recorded_at)}")
        item.add("author", "Recorded by", _person(one.author))
        item.add("concern", "Concern", one.concern)
        item.add("action_taken", "Action taken", one.action_taken)
        item.files = _files(files.get(one.id, ()))
        items.append(item)
    return items


def _cpd_links(learner: Learner, contributions: list[Contribution], meetings: list[Meeting]) -> list[Item]:
    """Which practitioners' reflective records cite this learner's case: a letter per practitioner and a keyed
    reference per entry, never a name or the reflection (the practitioner's own data)."""
    contribution_ids = {one.id: one for one in contributions}
    meeting_ids = {one.id: one for one in meetings}
    if not contribution_ids and not meeting_ids:
        return []
    links = db.session.scalars(
        select(CaseEvidence).join(ReflectiveEntry, ReflectiveEntry.id == CaseEvidence.entry_id)
        .where(or_(CaseEvidence.contribution_id.in_(sorted(contribution_ids) or [0]),
                   CaseEvidence.meeting_id.in_(sorted(meeting_ids) or [0])),
               ReflectiveEntry.withdrawn_at.is_(None))
        .order_by(CaseEvidence.owner_id, CaseEvidence.id)).all()
    letters: dict[int, str] = {}
    items = []
    for link in links:
        letter = letters.setdefault(link.owner_id, _letter(len(letters)))
        reference = blind_index("subject_access_cpd_entry", f"{learner.public_id}|{link.entry_id}")[:12]
        if link.contribution_id is not None:
            work = f"contribution {contribution_ids[link.contribution_id].public_id}"
        else:
            work = f"meeting {meeting_ids[link.meeting_id].public_id}"
        item = Item(f"cpd_link:{reference}", "cpd_link", f"Practitioner {letter}")
        item.add("link", "Link", f"Practitioner {letter}, entry reference {reference}, linked to {work} on "
                                 f"{dates.long_day(link.work_on)}")
        items.append(item)
    return items


def _letter(number: int) -> str:
    letters = ""
    number += 1
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _access(learner: Learner) -> list[Item]:
    """Every opening of the record the family may see (app.audit.family's filter, the DSL's decisions honoured)."""
    family, named, rows, before = family_of(learner), names_staff(learner), [], None
    while True:
        page = family_openings(learner, family_ids=family, before=before, limit=200)
        rows.extend(page.rows)
        if page.older is None:
            break
        before = page.older
    items = []
    for opening in reversed(describe(rows, named=named)):  # oldest first, like the rest of the bundle
        item = Item(f"access:{opening.event_id}", "access",
                    f"{dates.day_and_time(opening.occurred_at)}: {opening.did}")
        item.add("who", "Who", opening.who)
        item.add("organisation", "Organisation", opening.organisation)
        item.add("purpose", "Why", opening.purpose)
        items.append(item)
    return items


def gather(learner: Learner, *, released_concern_ids: Iterable[int] = ()) -> Gathered:
    """Everything held about `learner` that a requester is entitled to; concerns only those released."""
    contributions, contribution_rows = _contributions(learner)
    meetings, meeting_rows = _meetings(learner)
    items = (_details(learner) + _details_history(learner) + _plans(learner) + contributions + meetings
             + _family_profile(learner) + _restrictions(learner) + _transfers(learner) + _team(learner)
             + _concerns(learner, set(released_concern_ids))
             + _cpd_links(learner, contribution_rows, meeting_rows) + _access(learner))
    order = {kind: number for number, (kind, _title) in enumerate(SECTION_TITLES)}
    items.sort(key=lambda item: order[item.kind])  # stable: each kind keeps its own order
    return Gathered(learner.public_id, items)
