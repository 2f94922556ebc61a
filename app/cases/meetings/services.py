"""Recording, amending and signing off joint-planning meetings, and updating their actions.

Services take the acting user, check the policy, change the data, record the event and only flush;
views commit.
People (chair, attendees, action owners) are named by public id and must be on the case today, or
be the school's SENCo; on an amendment, people already named on the meeting stay choosable.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, time

from sqlalchemy import select
from sqlalchemy.orm import contains_eager
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from app.agencies.accounts.models import Role, User
from app.audit.changes import fields_given, values_of
from app.audit.events import record
from app.audit.models import AuditAction
from app.cases import notifications
from app.cases.learners.models import Learner
from app.cases.meetings.models import (
    ActionStatus,
    Attendance,
    Meeting,
    MeetingAction,
    MeetingAttendee,
    MeetingKind,
    MeetingRecord,
    OutcomeReview,
)
from app.cases.plans.models import Outcome, PlanCycle, ProgressRating, SupportPlan
from app.cases.team.models import TeamMembership
from app.core import dates, writing
from app.core.conflicts import EditConflict, check_version
from app.extensions import db
from app.policy import Action, case_role, require
from app.problems import Refusal
from app.security.sanitize import ALLOWLIST_VERSION, shows_nothing
from app.types import utcnow


class MeetingError(Refusal):
    """A meeting that cannot be recorded or changed as given."""


# What a meeting form can change, as the audit trail names it (attendees, reviews and actions are rows).
MEETING_WRITING = ("agenda", "minutes", "decisions")
MEETING_FIELDS = ("kind", "held_on", "starts_at", "duration_minutes", "chair", "shared_with_family", "agenda",
                  "minutes", "decisions", "other_attendees")


@dataclass
class ActionDraft:
    description: str
    owner: str  # public id of a person on the case
    due_on: date
    public_id: str | None = None  # an existing action of this meeting, when amending


@dataclass
class MeetingDetails:
    """Everything a meeting form says, with people and outcomes named by public id."""

    kind: MeetingKind
    held_on: date
    starts_at: time
    duration_minutes: int
    chair: str
    agenda: str
    minutes: str = ""
    decisions: str = ""
    other_attendees: list[str] = field(default_factory=list)
    attendance: dict[str, Attendance] = field(default_factory=dict)
    outcome_reviews: dict[str, tuple[ProgressRating, str]] = field(default_factory=dict)
    actions: list[ActionDraft] = field(default_factory=list)
    shared_with_family: bool = False


# --- who and what a meeting can name -------------------------------------------------------


def eligible_people(learner: Learner, meeting: Meeting | None = None) -> list[User]:
    """People who can be chair, attendee or action owner: live team members and the school's SENCo."""
    on_team = select(TeamMembership.user_id).where(
        TeamMembership.learner_id == learner.id, _live_membership_clause_any()
    )
    senco = select(User.id).where(User.agency_id == learner.school_id, User.role == Role.SENCO,
                                  User.active.is_(True), User.restricted.is_(False))
    people = {user.id: user for user in db.session.scalars(
        select(User).where(User.id.in_(on_team.union(senco)), User.active.is_(True))
    )}
    if meeting is not None:
        named = [meeting.chair] + [row.user for row in meeting.attendees] + [action.owner for action in meeting.actions]
        people.update({user.id: user for user in named})
    return sorted(people.values(), key=lambda user: (user.display_name.casefold(), user.id))


def _live_membership_clause_any():
    """A live membership of anyone (the policy's clause, minus the user)."""
    now = utcnow()
    return (TeamMembership.ended_at.is_(None)) & (TeamMembership.starts_at <= now) & (
        TeamMembership.ends_at.is_(None) | (TeamMembership.ends_at > now)
    )


def chair_choices(people: list[User], learner: Learner) -> list[User]:
    """A parent attends and may own an action, but a professional chairs and signs off (a member of staff who is
    the child's parent is a parent here)."""
    return [person for person in people if case_role(person, learner) is not Role.PARENT]


def open_cycle(learner: Learner) -> PlanCycle | None:
    """The learner's current open cycle, if the plan has one."""
    return db.session.scalars(
        select(PlanCycle).join(SupportPlan, SupportPlan.id == PlanCycle.plan_id)
        .where(SupportPlan.learner_id == learner.id, PlanCycle.closed_at.is_(None))
        .order_by(PlanCycle.number.desc()).limit(1)
    ).first()


def reviewable_outcomes(learner: Learner, meeting: Meeting | None = None) -> list[Outcome]:
    """Outcomes a meeting can review: those of its own cycle, or of the open cycle for a new meeting."""
    cycle_id = meeting.cycle_id if meeting is not None else getattr(open_cycle(learner), "id", None)
    if cycle_id is None:
        return []
    return list(db.session.scalars(select(Outcome).where(Outcome.cycle_id == cycle_id).order_by(Outcome.id)))


# --- recording and amending ----------------------------------------------------------------


def record_meeting(actor: User, learner: Learner, details: MeetingDetails) -> Meeting:
    """A new draft meeting record for `learner`, written by `actor`."""
    require(actor, Action.RECORD_MEETING, learner)
    cycle = open_cycle(learner)
    meeting = Meeting(learner=learner, cycle_id=cycle.id if cycle else None, recorded_by_id=actor.id, record_number=1)
    _apply(meeting, details, eligible_people(learner), reviewable_outcomes(learner))
    db.session.add(meeting)
    db.session.flush()
    record(actor, AuditAction.CREATE, meeting,
           fields=fields_given(meeting, (*MEETING_FIELDS, "attendees", "outcome_reviews", "actions")))
    notifications.meeting_saved(actor, meeting)
    return meeting


def amend_meeting(actor: User, meeting: Meeting, details: MeetingDetails, *, version) -> Meeting:
    """Change a meeting. Once signed off, a change is an amendment: a new, unsigned version.

    :raise EditConflict: when someone saved the meeting after `version` was loaded.
    """
    require(actor, Action.EDIT_MEETING, meeting)
    check_version(meeting, version)
    before = _state_of(meeting)
    _apply(meeting, details, eligible_people(meeting.learner, meeting), reviewable_outcomes(meeting.learner, meeting))
    if meeting.signed_off_at is not None:
        meeting.record_number += 1
        meeting.signed_off_at = None
    # Attendees and actions live in rows of their own: bump the meeting's version in any case.
    flag_modified(meeting, "duration_minutes")
    db.session.flush()
    after = _state_of(meeting)
    changed = [name for name in before if after[name] != before[name]]
    record(actor, AuditAction.UPDATE, meeting, fields=changed)
    notifications.meeting_saved(actor, meeting)
    return meeting


def _state_of(meeting: Meeting) -> dict:
    """What an amendment can change, comparable before and after (never recorded: only the names are)."""
    state = values_of(meeting, (*MEETING_FIELDS, "record_number"))
    state["attendees"] = sorted((row.user_id, row.attendance.value) for row in meeting.attendees)
    state["outcome_reviews"] = sorted(
        (row.outcome_id, row.rating.value, row.comment or "") for row in meeting.outcome_reviews
    )
    state["actions"] = sorted(
        (action.public_id or "", action.description, action.owner.id, action.due_on) for action in meeting.actions
    )
    return state


def _apply(meeting: Meeting, details: MeetingDetails, people: list[User], outcomes: list[Outcome]) -> None:
    by_public_id = {person.public_id: person for person in people}

    def person(public_id: str, field_name: str, message: str) -> User:
        found = by_public_id.get(public_id or "")
        if found is None:
            raise MeetingError(message, field_name)
        return found

    if not isinstance(details.kind, MeetingKind):
        raise MeetingError("Choose the kind of meeting", "kind")
    if not 1 <= int(details.duration_minutes) <= 480:
        raise MeetingError("Length must be between 1 and 480 minutes", "duration_minutes")
    if shows_nothing(details.agenda):
        raise MeetingError("Enter the agenda", "agenda")
    chair = person(details.chair, "chair", "Choose a chair from the people on this case")
    if case_role(chair, meeting.learner) is Role.PARENT:
        raise MeetingError("Choose a chair from the professionals on this case", "chair")
    attendance = {}
    for public_id, status in details.attendance.items():
        attendance[person(public_id, "attendance", "Attendees must be people on this case").id] = Attendance(status)

    meeting.kind = details.kind
    meeting.held_on = details.held_on
    meeting.starts_at = details.starts_at
    meeting.duration_minutes = int(details.duration_minutes)
    meeting.chair = chair
    meeting.shared_with_family = bool(details.shared_with_family)
    writing.write(meeting, MEETING_WRITING, agenda=details.agenda, minutes=details.minutes, decisions=details.decisions)
    others = [line.strip() for line in details.other_attendees if line and line.strip()]
    meeting.other_attendees = "\n".join(others) or None

    _apply_attendance(meeting, attendance)
    _apply_outcome_reviews(meeting, details.outcome_reviews, outcomes)
    _apply_actions(meeting, details.actions, person)


def _apply_attendance(meeting: Meeting, attendance: dict[int, Attendance]) -> None:
    existing = {row.user_id: row for row in meeting.attendees}
    for user_id, row in existing.items():
        if user_id not in attendance:
            meeting.attendees.remove(row)
            db.session.delete(row)
    for user_id, status in attendance.items():
        if user_id in existing:
            existing[user_id].attendance = status
        else:
            meeting.attendees.append(MeetingAttendee(user_id=user_id, attendance=status))


def _apply_outcome_reviews(meeting: Meeting, reviews: dict, outcomes: list[Outcome]) -> None:
    by_public_id = {outcome.public_id: outcome for outcome in outcomes}
    wanted = {}
    for public_id, (rating, comment) in reviews.items():
        outcome = by_public_id.get(public_id)
        if outcome is None:
            raise MeetingError("Outcomes reviewed must be outcomes of this learner's plan", "outcome_reviews")
        wanted[outcome.id] = (ProgressRating(rating), (comment or "").strip() or None)
    existing = {row.outcome_id: row for row in meeting.outcome_reviews}
    for outcome_id, row in existing.items():
        if outcome_id not in wanted:
            meeting.outcome_reviews.remove(row)
            db.session.delete(row)
    for outcome_id, (rating, comment) in wanted.items():
        row = existing.get(outcome_id)
        if row is None:
            row = OutcomeReview(outcome_id=outcome_id, rating=rating)
            meeting.outcome_reviews.append(row)
        row.rating = rating
        row.comment = comment


def _apply_actions(meeting: Meeting, drafts: list[ActionDraft], person) -> None:
    existing = {action.public_id: action for action in meeting.actions}
    kept = set()
    for number, draft in enumerate(drafts, start=1):
        description = (draft.description or "").strip()
        if not description or draft.due_on is None:
            raise MeetingError(f"Action {number}: enter what needs to be done, who will do it and by when", "actions")
        owner = person(draft.owner, "actions", f"Action {number}: choose an owner from the people on this case")
        action = existing.get(draft.public_id or "")
        if action is None:
            action = MeetingAction(status=ActionStatus.OPEN)
            meeting.actions.append(action)
        else:
            kept.add(action.public_id)
        action.description = description
        action.owner = owner
        action.due_on = draft.due_on
    for public_id, action in existing.items():
        if public_id not in kept:
            meeting.actions.remove(action)
            db.session.delete(action)


# --- signing off and the frozen record -----------------------------------------------------


def sign_off_meeting(actor: User, meeting: Meeting, *, version) -> MeetingRecord:
    """The chair signs off the current version: it is frozen as a MeetingRecord, readable for ever, and its
    outcome ratings become the outcomes' progress on the plan (in the same transaction).

    :raise EditConflict: when the meeting changed after the chair loaded the version they read, or an
        outcome it rates was saved by someone else meanwhile.
    """
    require(actor, Action.SIGN_OFF_MEETING, meeting)
    check_version(meeting, version)
    now = utcnow()
    # Freeze first: reading the meeting may autoflush, and a record must never be flushed half-made.
    snapshot = json.dumps(snapshot_of(meeting, signed_off_at=now, signed_off_by=actor), ensure_ascii=False,
                          sort_keys=True)
    signed = MeetingRecord(meeting_id=meeting.id, number=meeting.record_number, signed_off_at=now,
                           signed_off_by_id=actor.id)
    signed.snapshot = snapshot
    meeting.records.append(signed)
    meeting.signed_off_at = now
    db.session.flush()
    record(actor, AuditAction.UPDATE, meeting, fields=["signed_off_at"])
    _ratings_reach_the_plan(actor, meeting)
    return signed


# Which signed-off rating of an outcome is the latest: by the meeting's date and start, then its sign-off.
LATEST_FIRST = (Meeting.held_on.desc(), Meeting.starts_at.desc(), Meeting.signed_off_at.desc(), Meeting.id.desc())


def _ratings_reach_the_plan(actor: User, meeting: Meeting) -> None:
    """Each rating of the version just signed off becomes its outcome's progress, unless a later meeting rated it.

    Outcomes of a closed cycle never change (the rating stays in the meeting's record). The outcome's
    version moves with the change, so a SENCo editing it meanwhile gets the conflict page, and an edit
    committed since the outcome was read makes this sign-off a conflict instead of overwriting it.
    """
    reviews = [review for review in meeting.outcome_reviews if not review.outcome.cycle.is_closed]
    latest = signed_off_ratings([review.outcome_id for review in reviews])
    changed = []
    for review in reviews:
        newest = latest.get(review.outcome_id)
        if not newest or newest[0].meeting_id != meeting.id or review.outcome.progress is review.rating:
            continue
        review.outcome.progress = review.rating
        changed.append(review.outcome)
    try:
        db.session.flush()
    except StaleDataError:
        raise EditConflict() from None
    for outcome in changed:
        record(actor, AuditAction.UPDATE, outcome, fields=["progress"])


def signed_off_ratings(outcome_ids) -> dict[int, list[OutcomeReview]]:
    """The ratings signed-off meetings gave each outcome, latest first (an amendment replaces its own meeting's).

    A meeting being amended counts again once its new version is signed off. Not scoped to a viewer:
    callers show only the meetings the viewer may see (`visible_meetings`).
    """
    ids = sorted(set(outcome_ids))
    if not ids:
        return {}
    reviews = db.session.scalars(
        select(OutcomeReview).join(OutcomeReview.meeting)
        .where(OutcomeReview.outcome_id.in_(ids), Meeting.signed_off_at.is_not(None))
        .options(contains_eager(OutcomeReview.meeting))
        .order_by(*LATEST_FIRST, OutcomeReview.id)
    )
    by_outcome: dict[int, list[OutcomeReview]] = {}
    for review in reviews:
        by_outcome.setdefault(review.outcome_id, []).append(review)
    return by_outcome


@dataclass(frozen=True)
class RatingHistory:
    """Where an outcome's progress came from, and the signed-off ratings before it, as one viewer may see them."""

    current: OutcomeReview | None  # the meeting rating the progress shows; None when set otherwise or not visible
    earlier: list[OutcomeReview]


def rating_histories(outcomes: list[Outcome], visible_meeting_ids) -> dict[int, RatingHistory]:
    """For each outcome rated at a signed-off meeting: the rating behind its progress and the earlier ones.

    The progress comes from the latest rating when it still reads the same (a SENCo may have changed it
    by hand since, or the cycle's review set it); meetings outside `visible_meeting_ids` are left out.
    """
    visible = set(visible_meeting_ids)
    histories = {}
    latest = signed_off_ratings([outcome.id for outcome in outcomes])
    for outcome in outcomes:
        ratings = latest.get(outcome.id)
        if not ratings:
            continue
        current = ratings[0] if ratings[0].rating is outcome.progress else None
        earlier = ratings[1:] if current is not None else ratings
        histories[outcome.id] = RatingHistory(
            current=current if current is not None and current.meeting_id in visible else None,
            earlier=[review for review in earlier if review.meeting_id in visible],
        )
    return histories


def _duration(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    parts = ([f"{hours} hour{'s' if hours != 1 else ''}"] if hours else []) + (
        [f"{rest} minute{'s' if rest != 1 else ''}"] if rest else [])
    return " ".join(parts)


def snapshot_of(meeting: Meeting, *, signed_off_at=None, signed_off_by: User | None = None) -> dict:
    """Everything the record page shows, as display strings, so a frozen record never re-renders differently."""
    return {
        "number": meeting.record_number,
        "learner": meeting.learner.known_as,
        "kind": meeting.kind.label,
        "held_on": dates.long_day(meeting.held_on),
        "starts_at": dates.time_of_day(meeting.starts_at),
        "duration": _duration(meeting.duration_minutes),
        "chair": meeting.chair.display_name,
        "attendees": [
            {"name": row.user.display_name, "role": row.user.role.label, "attendance": row.attendance.label}
            for row in meeting.attendees
        ],
        "others": (meeting.other_attendees or "").splitlines(),
        # What was signed is the safe HTML as saved, stamped: the record shows exactly this, always.
        "agenda": str(writing.shown(meeting, "agenda")),
        "minutes": str(writing.shown(meeting, "minutes")),
        "decisions": str(writing.shown(meeting, "decisions")),
        "writing_version": ALLOWLIST_VERSION,
        "outcomes": [
            {"description": row.outcome.description, "measure": row.outcome.measure,
             "rating": row.rating.label, "comment": row.comment or ""}
            for row in meeting.outcome_reviews
        ],
        "actions": [
            {"description": action.description, "owner": action.owner.display_name,
             "due_on": dates.long_day(action.due_on)}
            for action in meeting.actions
        ],
        "shared_with_family": meeting.shared_with_family,
        "signed_off_at": dates.day_and_time(signed_off_at) or None,
        "signed_off_by": signed_off_by.display_name if signed_off_by else None,
    }


def load_snapshot(signed: MeetingRecord) -> dict:
    return json.loads(signed.snapshot)


# --- actions -------------------------------------------------------------------------------


def update_action(actor: User, action: MeetingAction, *, status, version) -> MeetingAction:
    """Mark an action open, done or cancelled.

    :raise EditConflict: when someone changed the action after `version` was loaded.
    """
    require(actor, Action.UPDATE_ACTION, action)
    check_version(action, version)
    try:
        status = ActionStatus(status)
    except ValueError:
        raise MeetingError("Choose open, done or cancelled", "status") from None
    changed = []
    if status is not action.status:
        changed = ["status"] + (["completed_at"] if (status is ActionStatus.DONE or action.completed_at) else [])
        action.status = status
        action.completed_at = utcnow() if status is ActionStatus.DONE else None
    db.session.flush()
    record(actor, AuditAction.UPDATE, action, fields=changed)
    return action
