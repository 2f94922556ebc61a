"""Writing and reading the reflective CPD log. Services take the acting user, check the policy,
record the audit event and flush; views commit once."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from functools import partial

from sqlalchemy import bindparam, case, extract, func, or_, select, union_all
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.agencies.accounts.models import User
from app.audit.events import record
from app.audit.models import AuditAction
from app.cases.contributions.models import Contribution
from app.cases.meetings.models import Attendance, Meeting, MeetingAttendee
from app.cases.merges.signals import learners_merged
from app.core.conflicts import check_version
from app.core.dates import school_day
from app.core.dates import today as school_today
from app.core.wording import in_a_sentence, with_article
from app.cpd.entries.models import (
    ActivityType,
    CaseEvidence,
    EvidenceKind,
    ReflectiveEntry,
    ReflectiveModel,
    Standard,
    entry_standard,
)
from app.cpd.hours import CpdYear, HoursSummary, LoggedHours, Participation, cpd_year_containing, summarise
from app.extensions import db
from app.policy import Action, bound_statement, params_of, require, visible_contributions, visible_meetings
from app.problems import Refusal
from app.security.crypto import blind_index
from app.types import utcnow

TITLE_MAX = 200
TEXT_MAX = 10_000
WITHDRAW_REASON_MAX = 500
HOURS_MAX = Decimal("24")
UNREFLECTED_SINCE = timedelta(days=180)


class CpdError(Refusal):
    """A CPD entry or goal that cannot be saved as given."""


class AlreadyReflected(Exception):
    """The actor's log already has an entry on this piece of work: a second would claim its hours twice."""

    def __init__(self, entry: ReflectiveEntry):
        super().__init__(entry.public_id)
        self.entry = entry


# --- entries -----------------------------------------------------------------------------------


@dataclass
class EntryDraft:
    """What an entry form says. Values arrive as typed; `clean_entry` checks them all."""

    activity_on: date | None
    hours: str | Decimal | None
    activity_type: str | ActivityType | None
    participation: str | Participation | None
    reflective_model: str | ReflectiveModel | None
    title: str | None
    content: str | None
    reflection: dict[str, str] = field(default_factory=dict)
    action_what: str | None = None
    action_how: str | None = None
    action_by: date | None = None
    standard_codes: list[str] = field(default_factory=list)


def text_value(value, *, field_name: str, missing: str, limit: int = TEXT_MAX, label: str = "This") -> str:
    text = (value or "").replace("\r\n", "\n").strip()
    if not text:
        raise CpdError(missing, field_name)
    if len(text) > limit:
        raise CpdError(f"{label} must be {limit:,} characters or fewer", field_name)
    return text


def choice_value(enum_class, value, *, field_name: str, missing: str):
    if isinstance(value, enum_class):
        return value
    try:
        return enum_class(value)
    except ValueError:
        raise CpdError(missing, field_name) from None


def parse_hours(value) -> Decimal:
    try:
        hours = value if isinstance(value, Decimal) else Decimal(str(value or "").strip())
    except InvalidOperation:
        raise CpdError("Enter the length of the activity in hours, like 1.5", "hours") from None
    if not hours.is_finite() or hours <= 0:
        raise CpdError("The length of the activity must be more than 0 hours", "hours")
    if hours > HOURS_MAX:
        raise CpdError("The length of the activity must be 24 hours or fewer (record a longer course day by day)",
                       "hours")
    if hours != hours.quantize(Decimal("0.01")):
        raise CpdError("Give the length in hours to at most two decimal places, like 1.25", "hours")
    return hours


def clean_entry(draft: EntryDraft, today: date) -> dict:
    """Every field checked, in the form's order, so the first problem is the first on the page."""
    if draft.activity_on is None:
        raise CpdError("Enter the date of the activity", "activity_on")
    if draft.activity_on > today:
        raise CpdError("The date of the activity must be today or in the past", "activity_on")
    hours = parse_hours(draft.hours)
    activity_type = choice_value(ActivityType, draft.activity_type, field_name="activity_type",
                            missing="Choose the type of activity")
    participation = choice_value(Participation, draft.participation, field_name="participation",
                            missing="Say whether you did this with others or on your own")
    model = choice_value(ReflectiveModel, draft.reflective_model, field_name="reflective_model",
                    missing="Choose a reflective model")
    title = text_value(draft.title, field_name="title", missing="Enter the activity title", limit=TITLE_MAX,
                  label="The activity title")
    content = text_value(draft.content, field_name="content", missing="Enter the content and what you learned",
                    label="Content and learning")
    reflection = {}
    for prompt in model.prompts:
        reflection[prompt.key] = text_value(draft.reflection.get(prompt.key), field_name=f"prompt_{prompt.key}",
                                       missing=f"Answer '{prompt.label}': {model.label} asks it", label=prompt.label)
    action_what = text_value(draft.action_what, field_name="action_what", missing="Say what you will do differently",
                        label="What you will do differently")
    action_how = text_value(draft.action_how, field_name="action_how", missing="Say how you will do it",
                       label="How you will do it")
    if draft.action_by is None:
        raise CpdError("Enter the date by which you will do it", "action_by")
    if draft.action_by < draft.activity_on:
        raise CpdError("The action plan's date must be on or after the date of the activity", "action_by")
    standards = _standards_named(draft.standard_codes)
    return dict(activity_on=draft.activity_on, hours=hours, activity_type=activity_type, participation=participation,
                reflective_model=model, title=title, content=content, reflection=reflection,
                action_what=action_what, action_how=action_how, action_by=draft.action_by, standards=standards)


def _standards_named(codes) -> list[Standard]:
    codes = sorted(set(codes or []))
    if not codes:
        return []
    found = db.session.scalars(select(Standard).where(Standard.code.in_(codes)).order_by(Standard.sort_key)).all()
    if len(found) != len(codes):
        raise CpdError("Choose standards from the list", "standard_codes")
    return list(found)


def apply_values(entry: ReflectiveEntry, values: dict) -> None:
    for name, value in values.items():
        setattr(entry, name, value)


_ENTRY_FIELDS = ("activity_on", "hours", "activity_type", "participation", "reflective_model", "title", "content",
                 "reflection", "action_what", "action_how", "action_by", "standards")


def record_entry(actor: User, draft: EntryDraft, *, work=None, today: date | None = None) -> ReflectiveEntry:
    """A new entry in `actor`'s own log; with `work` (their contribution or meeting), a case-work entry linked to it.

    :raise CpdError: for anything the form must ask again.
    """
    require(actor, Action.KEEP_CPD_LOG)
    if work is not None:
        require(actor, Action.REFLECT_ON_WORK, work)
    values = clean_entry(draft, today or school_today())
    if work is None and values["activity_type"] is ActivityType.CASE_WORK:
        raise CpdError("Start a case-work entry from one of your own contributions or meetings", "activity_type")
    if work is not None and values["activity_type"] is not ActivityType.CASE_WORK:
        raise CpdError("An entry about your own case work has the type 'Case work'", "activity_type")
    if work is not None and (existing := entry_for_work(actor, work)) is not None:
        raise AlreadyReflected(existing)
    entry = ReflectiveEntry(owner_id=actor.id)
    apply_values(entry, values)
    if work is None:
        db.session.add(entry)
        db.session.flush()
    else:
        # A request racing this one past the check above meets the unique constraint on the link: the
        # savepoint takes back only this entry, and the actor is sent to the one that won.
        try:
            with db.session.begin_nested():
                db.session.add(entry)
                db.session.add(_evidence_for(actor, entry, work))
        except IntegrityError:
            existing = entry_for_work(actor, work)
            if existing is None:
                raise
            raise AlreadyReflected(existing) from None
    # Linking reads the work: the event names its learner, so their access history shows it.
    record(actor, AuditAction.CREATE, entry, fields=[*_ENTRY_FIELDS, *(["evidence"] if work is not None else [])],
           learners=[work.learner] if work is not None else [])
    return entry


def update_entry(actor: User, entry: ReflectiveEntry, draft: EntryDraft, *, version, today: date | None = None):
    """:raise EditConflict: when the entry was saved elsewhere after `version` was loaded."""
    require(actor, Action.EDIT_CPD_RECORD, entry)
    check_version(entry, version)
    values = clean_entry(draft, today or school_today())
    linked = entry.evidence is not None
    if values["activity_type"] is ActivityType.CASE_WORK and not linked:
        raise CpdError("Start a case-work entry from one of your own contributions or meetings", "activity_type")
    if linked and values["activity_type"] is not ActivityType.CASE_WORK:
        raise CpdError("An entry about your own case work has the type 'Case work'", "activity_type")
    changed = [name for name in _ENTRY_FIELDS if getattr(entry, name) != values[name]]
    apply_values(entry, values)
    if changed:
        entry.updated_at = utcnow()
    db.session.flush()
    record(actor, AuditAction.UPDATE, entry, fields=changed)
    return entry


def withdraw_entry(actor: User, entry: ReflectiveEntry, reason) -> ReflectiveEntry:
    """Withdraw `entry` from `actor`'s own log: kept, shown as withdrawn with the reason, counted for nothing.

    :raise 403: anyone but the owner, or an entry already withdrawn. :raise CpdError: no reason, or too long.
    """
    require(actor, Action.WITHDRAW_CPD_ENTRY, entry)
    reason = text_value(reason, field_name="reason", missing="Enter why you are withdrawing this entry",
                        limit=WITHDRAW_REASON_MAX, label="The reason")
    entry.withdrawn_at = utcnow()
    entry.withdrawn_reason = reason
    entry.updated_at = entry.withdrawn_at
    db.session.flush()
    record(actor, AuditAction.UPDATE, entry, fields=("withdrawn",))
    return entry


def entry_for_work(owner: User, work) -> ReflectiveEntry | None:
    """`owner`'s entry on this contribution or meeting (withdrawn or not), if they have one: there is at most one."""
    link = CaseEvidence.meeting_id if isinstance(work, Meeting) else CaseEvidence.contribution_id
    return db.session.scalar(select(ReflectiveEntry).join(CaseEvidence, CaseEvidence.entry_id == ReflectiveEntry.id)
                             .where(CaseEvidence.owner_id == owner.id, link == work.id))


# --- evidence from real cases -------------------------------------------------------------------


def learner_reference(owner: User, learner) -> str:
    """A learner as one practitioner's log names them: keyed, stable in that log, meaningless outside it."""
    digest = blind_index("cpd_learner_reference", f"{owner.public_id}|{learner.public_id}")
    return f"{digest[:4]}-{digest[4:8]}".upper()


@dataclass(frozen=True)
class WorkOffer:
    """What starting an entry from a piece of case work fills in (the practitioner can change it)."""

    kind: EvidenceKind
    work: object
    work_label: str
    work_on: date
    role_label: str
    title: str
    hours: Decimal | None
    participation: Participation


def _role_in_meeting(user: User, meeting: Meeting) -> str:
    roles = []
    if meeting.chair_id == user.id:
        roles.append("Chaired the meeting")
    if meeting.recorded_by_id == user.id:
        roles.append("Recorded the meeting")
    if not roles:
        roles.append("Attended the meeting")
    return f"{' and '.join(roles)} as {user.role.in_a_sentence}"


def offer_for(actor: User, work) -> WorkOffer:
    """:raise 403/404 (through the policy): work that is not the actor's own."""
    require(actor, Action.REFLECT_ON_WORK, work)
    if isinstance(work, Meeting):
        # A joint-planning meeting counts as participatory time for every member of staff who was there.
        hours = (Decimal(work.duration_minutes) / Decimal(60)).quantize(Decimal("0.01"))
        return WorkOffer(EvidenceKind.MEETING, work, work.kind.label, work.held_on, _role_in_meeting(actor, work),
                         f"Reflection on {with_article(in_a_sentence(work.kind.label))}", hours,
                         Participation.PARTICIPATORY)
    on = school_day(work.created_at)  # the day the school saw it written, not UTC's
    return WorkOffer(EvidenceKind.CONTRIBUTION, work, work.kind.label, on, f"Wrote it as {actor.role.in_a_sentence}",
                     f"Reflection on my {in_a_sentence(work.kind.label)}", None, Participation.INDIVIDUAL)


def _evidence_for(actor: User, entry: ReflectiveEntry, work) -> CaseEvidence:
    offer = offer_for(actor, work)
    meeting = work if offer.kind is EvidenceKind.MEETING else None
    return CaseEvidence(
        entry=entry, owner_id=actor.id, kind=offer.kind,
        contribution_id=None if meeting is not None else work.id,
        meeting_id=meeting.id if meeting is not None else None,
        work_label=offer.work_label, work_on=offer.work_on, role_label=offer.role_label,
        learner_reference=_reference_in_log(actor, work.learner),
        participatory_minutes=meeting.duration_minutes if meeting is not None else None,
    )


def _reference_in_log(owner: User, learner) -> str:
    """The reference this log already uses for `learner` (kept if the key ever changes), else a new one."""

    used = db.session.scalar(
        select(CaseEvidence.learner_reference)
        .outerjoin(Contribution, Contribution.id == CaseEvidence.contribution_id)
        .outerjoin(Meeting, Meeting.id == CaseEvidence.meeting_id)
        .where(CaseEvidence.owner_id == owner.id,
               or_(Contribution.learner_id == learner.id, Meeting.learner_id == learner.id))
        .order_by(CaseEvidence.id).limit(1))
    return used or learner_reference(owner, learner)


@learners_merged.connect
def _one_reference_per_learner(survivor, other=None, **_) -> None:
    """Two records of a child merged into one: each log then names the child by one reference, its oldest."""
    linked = (select(CaseEvidence)
              .outerjoin(Contribution, Contribution.id == CaseEvidence.contribution_id)
              .outerjoin(Meeting, Meeting.id == CaseEvidence.meeting_id)
              .where(or_(Contribution.learner_id == survivor.id, Meeting.learner_id == survivor.id))
              .order_by(CaseEvidence.id))
    oldest: dict[int, str] = {}
    for evidence in db.session.scalars(linked):
        evidence.learner_reference = oldest.setdefault(evidence.owner_id, evidence.learner_reference)
    db.session.flush()


def _unreflected_scopes(actor: User, since_at, since, today):
    """The actor's own contributions and meetings from the start of the window (`since_at`, the instant of the day
    `since`) to `today` that they can still read and that no entry of theirs links yet: (contributions, meetings),
    as queries. Built for a bound user (app.policy.bound) with bind parameters for the window, once per shape."""
    linked_contributions = select(CaseEvidence.contribution_id).where(
        CaseEvidence.owner_id == actor.id, CaseEvidence.contribution_id.is_not(None))
    linked_meetings = select(CaseEvidence.meeting_id).where(
        CaseEvidence.owner_id == actor.id, CaseEvidence.meeting_id.is_not(None))
    attended = select(MeetingAttendee.meeting_id).where(
        MeetingAttendee.user_id == actor.id, MeetingAttendee.attendance == Attendance.PRESENT)
    # Found by who wrote or attended them, each checked on its own (`row_by_row`): not every case's learner gathered.
    contributions = visible_contributions(actor, row_by_row=True).order_by(None).where(
        Contribution.author_id == actor.id,
        Contribution.id.not_in(linked_contributions),
        Contribution.created_at >= since_at,
    )
    # One list of their meetings, each way found through its own index: PostgreSQL answers an OR of these by reading
    # every meeting of the authority.
    theirs = union_all(select(Meeting.id).where(Meeting.recorded_by_id == actor.id),
                       select(Meeting.id).where(Meeting.chair_id == actor.id), attended)
    meetings = visible_meetings(actor, row_by_row=True).where(
        Meeting.id.in_(theirs),
        Meeting.id.not_in(linked_meetings),
        Meeting.held_on.between(since, today),
    )
    return contributions, meetings


def _bound_unreflected_scopes(bound_user):
    return _unreflected_scopes(bound_user, bindparam("since_at"), bindparam("since"), bindparam("today"))


def _unreflected_params(actor: User, today: date) -> dict:
    since = today - UNREFLECTED_SINCE
    return {**params_of(actor), "since_at": datetime.combine(since, time.min, tzinfo=UTC), "since": since,
            "today": today}


def unreflected_work(actor: User, today: date | None = None, limit: int = 8) -> list[WorkOffer]:
    """The actor's recent contributions and meetings that no entry of theirs reflects on yet, newest first."""
    params = _unreflected_params(actor, today or school_today())
    found = [
        *db.session.scalars(bound_statement("cpd.unreflected_contributions", actor,
                                            partial(_newest_contributions, limit=limit), limit), params),
        *db.session.scalars(bound_statement("cpd.unreflected_meetings", actor,
                                            partial(_newest_meetings, limit=limit), limit), params),
    ]
    offers = [offer_for(actor, work) for work in found]
    offers.sort(key=lambda offer: offer.work_on, reverse=True)
    return offers[:limit]


def _newest_contributions(bound_user, limit: int):
    contributions, _ = _bound_unreflected_scopes(bound_user)
    newest_first = Contribution.created_at.desc()
    return contributions.options(selectinload(Contribution.learner)).order_by(newest_first).limit(limit)


def _newest_meetings(bound_user, limit: int):
    _, meetings = _bound_unreflected_scopes(bound_user)
    # The newest ids first, then their rows: sorting whole rows (every sealed column) of someone who chaired
    # thousands of meetings had PostgreSQL sort them on disk.
    newest = meetings.with_only_columns(Meeting.id).limit(limit)
    return (select(Meeting).where(Meeting.id.in_(newest)).order_by(Meeting.held_on.desc(), Meeting.id.desc())
            .options(selectinload(Meeting.attendees), selectinload(Meeting.learner)))


def count_unreflected(actor: User, today: date | None = None) -> int:
    """How many pieces of work `unreflected_work` would offer, counted in SQL (the home page's prompt)."""
    params = _unreflected_params(actor, today or school_today())
    return db.session.scalar(bound_statement("cpd.unreflected", actor, _unreflected_count), params) or 0


def _unreflected_count(actor):
    """Both counts in one statement, built once per shape of user (app.policy.bound)."""
    contributions, meetings = (query.order_by(None).with_only_columns(func.count()).scalar_subquery()
                               for query in _bound_unreflected_scopes(actor))
    return select(contributions + meetings)


# --- reading a log -------------------------------------------------------------------------------


def log_entries(viewer: User, owner: User, year: CpdYear | None = None) -> list[ReflectiveEntry]:
    """`owner`'s entries, newest first (those of `year` only, if given)."""
    require(viewer, Action.VIEW_CPD_LOG, owner)
    query = select(ReflectiveEntry).where(ReflectiveEntry.owner_id == owner.id).options(
        selectinload(ReflectiveEntry.standards), selectinload(ReflectiveEntry.evidence))
    if year is not None:
        query = query.where(ReflectiveEntry.activity_on.between(year.starts_on, year.ends_on))
    return list(db.session.scalars(query.order_by(ReflectiveEntry.activity_on.desc(), ReflectiveEntry.id.desc())))


@dataclass(frozen=True)
class EarlierYear:
    """A CPD year before the current one, with how many entries the log holds in it (withdrawn ones too)."""

    year: CpdYear
    entries: int


def earlier_years(viewer: User, owner: User, before: CpdYear) -> list[EarlierYear]:
    """`owner`'s CPD years before `before` that hold entries, newest first: counted in SQL, one row a year, so
    the log's page costs the same after one year or thirty (each year's entries are on a page of their own)."""
    require(viewer, Action.VIEW_CPD_LOG, owner)
    # A year is named by the calendar year it starts in: a day before the owner's start month belongs to the
    # year that started the calendar year before.
    day = ReflectiveEntry.activity_on
    starts = extract("year", day) - case((extract("month", day) < owner.cpd_year_start_month, 1), else_=0)
    rows = db.session.execute(
        select(starts, func.count()).where(ReflectiveEntry.owner_id == owner.id, day < before.starts_on)
        .group_by(starts).order_by(starts.desc())).all()
    return [EarlierYear(year_starting(owner, int(year)), count) for year, count in rows]


def year_starting(owner: User, calendar_year: int) -> CpdYear:
    """`owner`'s CPD year that starts in `calendar_year` (on the first of their start month)."""
    return CpdYear.starting_on(date(calendar_year, owner.cpd_year_start_month, 1))


def current_year(owner: User, today: date | None = None) -> CpdYear:
    return cpd_year_containing(today or school_today(), owner.cpd_year_start_month)


def hours_summary(viewer: User, owner: User, today: date | None = None, year: CpdYear | None = None,
                  entries: list[ReflectiveEntry] | None = None) -> HoursSummary:
    """`owner`'s hours for `year` (the current CPD year by default); pass `entries` the page has already
    loaded (any years: only the year's count) to spare the query."""
    today = today or school_today()
    year = year or current_year(owner, today)
    if entries is None:
        entries = log_entries(viewer, owner, year)
    else:
        require(viewer, Action.VIEW_CPD_LOG, owner)
    logged = [LoggedHours(entry.activity_on, entry.hours, entry.participation) for entry in entries
              if year.contains(entry.activity_on) and not entry.withdrawn]
    return summarise(logged, fte=owner.fte, start_month=owner.cpd_year_start_month, today=today, year=year)


def hours_summaries(viewer: User, owners: list[User], today: date | None = None) -> dict[int, HoursSummary]:
    """Each owner's hours this CPD year, by user id, from one query (a line manager's list of reports)."""
    today = today or school_today()
    for owner in owners:
        require(viewer, Action.VIEW_CPD_LOG, owner)
    years = {owner.id: current_year(owner, today) for owner in owners}
    logged: dict[int, list[LoggedHours]] = {owner.id: [] for owner in owners}
    if owners:
        rows = db.session.execute(
            select(ReflectiveEntry.owner_id, ReflectiveEntry.activity_on, ReflectiveEntry.hours,
                   ReflectiveEntry.participation)
            .where(ReflectiveEntry.owner_id.in_(list(years)), ReflectiveEntry.withdrawn_at.is_(None),
                   ReflectiveEntry.activity_on >= min(year.starts_on for year in years.values())))
        for owner_id, on, hours, participation in rows:
            if years[owner_id].contains(on):
                logged[owner_id].append(LoggedHours(on, hours, participation))
    return {owner.id: summarise(logged[owner.id], fte=owner.fte, start_month=owner.cpd_year_start_month,
                                today=today, year=years[owner.id]) for owner in owners}


@dataclass(frozen=True)
class Coverage:
    standard: Standard
    this_year: int
    all_time: int
    last_on: date | None


def all_standards() -> list[Standard]:
    return list(db.session.scalars(select(Standard).order_by(Standard.sort_key)))


def coverage(viewer: User, owner: User, today: date | None = None) -> list[Coverage]:
    """Every standard, with how many of `owner`'s entries (not withdrawn) evidence it this CPD year and ever."""
    require(viewer, Action.VIEW_CPD_LOG, owner)
    year = current_year(owner, today)
    in_year = ReflectiveEntry.activity_on.between(year.starts_on, year.ends_on)
    rows = db.session.execute(
        select(entry_standard.c.standard_id, func.count(),
               func.sum(func.cast(in_year, db.Integer)), func.max(ReflectiveEntry.activity_on))
        .join(ReflectiveEntry, ReflectiveEntry.id == entry_standard.c.entry_id)
        .where(ReflectiveEntry.owner_id == owner.id, ReflectiveEntry.withdrawn_at.is_(None))
        .group_by(entry_standard.c.standard_id)
    ).all()
    counts = {standard_id: (int(this or 0), total, last) for standard_id, total, this, last in rows}
    return [Coverage(standard, *counts.get(standard.id, (0, 0, None))) for standard in all_standards()]





