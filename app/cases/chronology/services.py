"""A learner's chronology: what happened in their support, newest first, from every source the viewer may read.

Each source is one small function: it starts from the policy's scope for its records, keeps to the window (kinds,
dates, the keyset bound of the page before) in SQL and returns at most one page and one entry more, with the rows
it names (a cycle, an author) joined into the same statement: one statement a source, however long the case. The page is
the newest of all of them, merged here.
"""
from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from flask import g, has_request_context, url_for
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.cases.concerns.models import SafeguardingConcern as Concern
from app.cases.contributions.models import Contribution
from app.cases.meetings.models import Meeting, MeetingAction, OutcomeReview
from app.cases.plans.models import CycleStage, CycleStageChange, Outcome, PlanCycle, Provision
from app.cases.team.models import Invitation, TeamMembership
from app.core.dates import day, school_zone
from app.core.dates import today as school_today
from app.core.ordering import listed_after
from app.extensions import db
from app.policy import (
    case_concerns,
    case_invitations,
    case_role,
    plan_cycles,
    team_memberships,
    visible_contributions,
    visible_meetings,
)
from app.types import utcnow

PAGE_SIZE = 25


class EntryGroup(enum.Enum):
    """What a reader filters by: each group holds one or more kinds of entry."""

    PLAN = "plan"
    OUTCOMES = "outcomes"
    PROVISION = "provision"
    CONTRIBUTIONS = "contributions"
    MEETINGS = "meetings"
    TEAM = "team"
    CONCERNS = "concerns"

    @property
    def label(self) -> str:
        return GROUP_LABELS[self]


GROUP_LABELS = {
    EntryGroup.PLAN: "Plan cycles and stages",
    EntryGroup.OUTCOMES: "Outcomes set and reviewed",
    EntryGroup.PROVISION: "Provision",
    EntryGroup.CONTRIBUTIONS: "Contributions",
    EntryGroup.MEETINGS: "Meetings and actions",
    EntryGroup.TEAM: "Team changes",
    EntryGroup.CONCERNS: "Safeguarding concerns",
}


class EntryKind(enum.Enum):
    """One kind of event; its value is part of the paging key, so it never changes once released."""

    CYCLE_OPENED = "cycle_opened"
    CYCLE_CLOSED = "cycle_closed"
    STAGE_CHANGED = "stage_changed"
    OUTCOME_SET = "outcome_set"
    OUTCOME_REVIEWED = "outcome_reviewed"
    PROVISION_STARTED = "provision_started"
    PROVISION_ENDED = "provision_ended"
    CONTRIBUTION_ADDED = "contribution_added"
    MEETING_HELD = "meeting_held"
    MEETING_ACTION = "meeting_action"
    MEMBER_JOINED = "member_joined"
    MEMBER_ENDED_EARLY = "member_ended_early"
    MEMBER_EXPIRED = "member_expired"
    INVITATION_ACCEPTED = "invitation_accepted"
    CONCERN_RECORDED = "concern_recorded"
    CONCERN_ACTION_RECORDED = "concern_action_recorded"

    @property
    def group(self) -> EntryGroup:
        return KIND_GROUPS[self]


KIND_GROUPS = {
    EntryKind.CYCLE_OPENED: EntryGroup.PLAN,
    EntryKind.CYCLE_CLOSED: EntryGroup.PLAN,
    EntryKind.STAGE_CHANGED: EntryGroup.PLAN,
    EntryKind.OUTCOME_SET: EntryGroup.OUTCOMES,
    EntryKind.OUTCOME_REVIEWED: EntryGroup.OUTCOMES,
    EntryKind.PROVISION_STARTED: EntryGroup.PROVISION,
    EntryKind.PROVISION_ENDED: EntryGroup.PROVISION,
    EntryKind.CONTRIBUTION_ADDED: EntryGroup.CONTRIBUTIONS,
    EntryKind.MEETING_HELD: EntryGroup.MEETINGS,
    EntryKind.MEETING_ACTION: EntryGroup.MEETINGS,
    EntryKind.MEMBER_JOINED: EntryGroup.TEAM,
    EntryKind.MEMBER_ENDED_EARLY: EntryGroup.TEAM,
    EntryKind.MEMBER_EXPIRED: EntryGroup.TEAM,
    EntryKind.INVITATION_ACCEPTED: EntryGroup.TEAM,
    EntryKind.CONCERN_RECORDED: EntryGroup.CONCERNS,
    EntryKind.CONCERN_ACTION_RECORDED: EntryGroup.CONCERNS,
}


@dataclass(frozen=True, order=True)
class Position:
    """Where an entry sits in the chronology: newest first by moment, then kind, then row."""

    occurred_at: datetime
    kind: str
    row_id: int


@dataclass(frozen=True)
class Entry:
    position: Position
    kind: EntryKind
    title: str  # what the entry's page calls the record (the viewer may read it there)
    url: str
    detail: str = ""
    by: str = ""  # who, as the case knows them (a name and role)
    whole_day: bool = False  # the record keeps a day, not a moment: shown without a time

    @property
    def occurred_at(self) -> datetime:
        return self.position.occurred_at


@dataclass(frozen=True)
class Window:
    """What one page asks of every source."""

    groups: frozenset[EntryGroup]
    date_from: date | None = None
    date_to: date | None = None
    before: Position | None = None  # the last entry of the page before (exclusive)
    size: int = PAGE_SIZE

    def wants(self, kind: EntryKind) -> bool:
        return kind.group in self.groups


@dataclass
class Page:
    entries: list[Entry] = field(default_factory=list)
    older: Position | None = None  # where the next page starts, when there is one


# --- bounds in SQL ------------------------------------------------------------------------------------


def start_of_day(day: date) -> datetime:
    """The first moment of `day` on the school's clock, in UTC: where an entry that keeps only a day sits."""
    return datetime.combine(day, time(0), tzinfo=school_zone()).astimezone(UTC)


def _moment_bounds(window: Window, kind: EntryKind, moment, row_id) -> list:
    """Clauses keeping a moment column to the window's dates and after the page before, in paging order."""
    clauses = []
    if window.date_from:
        clauses.append(moment >= start_of_day(window.date_from))
    if window.date_to:
        clauses.append(moment < start_of_day(window.date_to + timedelta(days=1)))
    before = window.before
    if before is not None:
        if kind.value < before.kind:
            clauses.append(moment <= before.occurred_at)
        elif kind.value == before.kind:
            clauses.append(listed_after(moment, row_id, before.occurred_at, before.row_id))
        else:
            clauses.append(moment < before.occurred_at)
    return clauses


def _day_bounds(window: Window, kind: EntryKind, day, row_id) -> list:
    """As `_moment_bounds`, for a column that keeps a day (its entry sits at the start of that school day)."""
    clauses = []
    if window.date_from:
        clauses.append(day >= window.date_from)
    if window.date_to:
        clauses.append(day <= window.date_to)
    before = window.before
    if before is not None:
        bound = before.occurred_at.astimezone(school_zone()).date()
        if start_of_day(bound) < before.occurred_at:
            clauses.append(day <= bound)  # every entry of that day sits before the bound
        elif kind.value < before.kind:
            clauses.append(day <= bound)
        elif kind.value == before.kind:
            clauses.append(listed_after(day, row_id, bound, before.row_id))
        else:
            clauses.append(day < bound)
    return clauses


def _newest(query, window: Window, *order):
    return db.session.scalars(query.order_by(*(column.desc() for column in order)).limit(window.size + 1)).all()


def _by(user, learner) -> str:
    if user is None:
        return ""
    # The same few people sign most entries: each one's role on the case is asked of the policy once a page.
    roles = g.setdefault("_chronology_roles", {}) if has_request_context() else {}
    key = (user.id, learner.id)
    if key not in roles:
        roles[key] = case_role(user, learner).label
    return f"{user.display_name}, {roles[key]}"


# --- the sources: one kind of entry each ------------------------------------------------------------------


def cycles_opened(viewer, learner, window: Window) -> list[Entry]:
    kind = EntryKind.CYCLE_OPENED
    query = plan_cycles(viewer, learner).where(*_moment_bounds(window, kind, PlanCycle.opened_at, PlanCycle.id))
    return [Entry(Position(cycle.opened_at, kind.value, cycle.id), kind, f"Plan cycle {cycle.number} opened",
                  url_for("cases.cycle_detail", public_id=cycle.public_id))
            for cycle in _newest(query, window, PlanCycle.opened_at, PlanCycle.id)]


def cycles_closed(viewer, learner, window: Window) -> list[Entry]:
    kind = EntryKind.CYCLE_CLOSED
    query = plan_cycles(viewer, learner).where(PlanCycle.closed_at.is_not(None),
                                               *_moment_bounds(window, kind, PlanCycle.closed_at, PlanCycle.id))
    return [Entry(Position(cycle.closed_at, kind.value, cycle.id), kind, f"Plan cycle {cycle.number} closed",
                  url_for("cases.cycle_detail", public_id=cycle.public_id),
                  detail="Closed when two records of this learner were merged" if cycle.merged_at
                  else "Closed at review")
            for cycle in _newest(query, window, PlanCycle.closed_at, PlanCycle.id)]


def _once(name: str, viewer, learner, build):
    """A scope's subquery several sources share, built once a page (a statement is immutable, so reusable)."""
    built = g.setdefault("_chronology_scopes", {}) if has_request_context() else {}
    key = (name, viewer.id, learner.id)
    if key not in built:
        built[key] = build(viewer, learner)
    return built[key]


def _cycle_ids(viewer, learner):
    return _once("cycle_ids", viewer, learner,
                 lambda viewer, learner: plan_cycles(viewer, learner).with_only_columns(PlanCycle.id))


def _meeting_ids(viewer, learner):
    return _once("meeting_ids", viewer, learner, lambda viewer, learner: visible_meetings(viewer, learner)
                 .order_by(None).with_only_columns(Meeting.id))


def outcomes_set(viewer, learner, window: Window) -> list[Entry]:
    kind = EntryKind.OUTCOME_SET
    query = select(Outcome).options(joinedload(Outcome.cycle)).where(
        Outcome.cycle_id.in_(_cycle_ids(viewer, learner)),
        *_moment_bounds(window, kind, Outcome.created_at, Outcome.id))
    return [Entry(Position(outcome.created_at, kind.value, outcome.id), kind, outcome.description,
                  url_for("cases.cycle_detail", public_id=outcome.cycle.public_id, _anchor="outcomes"),
                  detail=f"Outcome set in plan cycle {outcome.cycle.number}, to reach by {day(outcome.target_on)}")
            for outcome in _newest(query, window, Outcome.created_at, Outcome.id)]


def outcomes_reviewed(viewer, learner, window: Window) -> list[Entry]:
    """Outcomes rated at a meeting: the viewer must read both the meeting and the plan."""
    kind = EntryKind.OUTCOME_REVIEWED
    query = (select(OutcomeReview, Meeting, Outcome).join(Meeting, Meeting.id == OutcomeReview.meeting_id)
             .join(Outcome, Outcome.id == OutcomeReview.outcome_id)
             .where(OutcomeReview.meeting_id.in_(_meeting_ids(viewer, learner)),
                    OutcomeReview.outcome_id.in_(select(Outcome.id).where(
                        Outcome.cycle_id.in_(_cycle_ids(viewer, learner)))),
                    *_day_bounds(window, kind, Meeting.held_on, OutcomeReview.id))
             .order_by(Meeting.held_on.desc(), OutcomeReview.id.desc()).limit(window.size + 1))
    entries = []
    for review, meeting, outcome in db.session.execute(query).all():
        entries.append(Entry(Position(start_of_day(meeting.held_on), kind.value, review.id), kind,
                             outcome.description, url_for("cases.meeting_detail", public_id=meeting.public_id),
                             detail=f"Reviewed at the {meeting.kind.label.lower()}: {review.rating.label.lower()}",
                             whole_day=True))
    return entries


def provision_started(viewer, learner, window: Window) -> list[Entry]:
    kind = EntryKind.PROVISION_STARTED
    query = select(Provision).options(joinedload(Provision.cycle)).where(
                                    Provision.cycle_id.in_(_cycle_ids(viewer, learner)),
                                    Provision.starts_on <= school_today(),
                                    *_day_bounds(window, kind, Provision.starts_on, Provision.id))
    return [Entry(Position(start_of_day(item.starts_on), kind.value, item.id), kind, item.description,
                  url_for("cases.cycle_detail", public_id=item.cycle.public_id, _anchor="provision"),
                  detail=f"Provision started: {item.delivered_by}, {item.frequency.lower()}", whole_day=True)
            for item in _newest(query, window, Provision.starts_on, Provision.id)]


def provision_ended(viewer, learner, window: Window) -> list[Entry]:
    kind = EntryKind.PROVISION_ENDED
    query = select(Provision).options(joinedload(Provision.cycle)).where(
                                    Provision.cycle_id.in_(_cycle_ids(viewer, learner)),
                                    Provision.ends_on.is_not(None), Provision.ends_on <= school_today(),
                                    *_day_bounds(window, kind, Provision.ends_on, Provision.id))
    return [Entry(Position(start_of_day(item.ends_on), kind.value, item.id), kind, item.description,
                  url_for("cases.cycle_detail", public_id=item.cycle.public_id, _anchor="provision"),
                  detail=f"Provision ended: {item.delivered_by}", whole_day=True)
            for item in _newest(query, window, Provision.ends_on, Provision.id)]


def contributions_added(viewer, learner, window: Window) -> list[Entry]:
    """As the contribution pages list them: withdrawn and moved work has left, restricted work only for its readers."""
    kind = EntryKind.CONTRIBUTION_ADDED
    query = visible_contributions(viewer, learner).order_by(None).options(joinedload(Contribution.author)).where(
        *_moment_bounds(window, kind, Contribution.created_at, Contribution.id))
    return [Entry(Position(item.created_at, kind.value, item.id), kind, item.title,
                  url_for("cases.contribution_detail", public_id=item.public_id),
                  detail=f"{item.kind.label} ({item.visibility.label.lower()})", by=_by(item.author, learner))
            for item in _newest(query, window, Contribution.created_at, Contribution.id)]


def meetings_held(viewer, learner, window: Window) -> list[Entry]:
    kind = EntryKind.MEETING_HELD
    query = visible_meetings(viewer, learner).order_by(None).options(joinedload(Meeting.chair)).where(
        *_day_bounds(window, kind, Meeting.held_on, Meeting.id))
    return [Entry(Position(start_of_day(meeting.held_on), kind.value, meeting.id), kind, meeting.kind.label,
                  url_for("cases.meeting_detail", public_id=meeting.public_id),
                  detail="Record signed off" if meeting.is_signed_off else "Record not yet signed off",
                  by=f"Chaired by {_by(meeting.chair, learner)}", whole_day=True)
            for meeting in _newest(query, window, Meeting.held_on, Meeting.id)]


def meeting_actions(viewer, learner, window: Window) -> list[Entry]:
    """Actions agreed at a meeting the viewer reads, on the meeting's day."""
    kind = EntryKind.MEETING_ACTION
    query = (select(MeetingAction).join(Meeting, Meeting.id == MeetingAction.meeting_id)
             .options(joinedload(MeetingAction.meeting), joinedload(MeetingAction.owner))
             .where(MeetingAction.meeting_id.in_(_meeting_ids(viewer, learner)),
                    *_day_bounds(window, kind, Meeting.held_on, MeetingAction.id)))
    return [Entry(Position(start_of_day(action.meeting.held_on), kind.value, action.id), kind, action.description,
                  url_for("cases.meeting_detail", public_id=action.meeting.public_id,
                          _anchor=f"action-{action.public_id}"),
                  detail=f"Action from the {action.meeting.kind.label.lower()}, due {day(action.due_on)}"
                         f" ({action.status.label.lower()})",
                  by=f"Owner: {_by(action.owner, learner)}", whole_day=True)
            for action in _newest(query, window, Meeting.held_on, MeetingAction.id)]


def _team_entry(kind, membership, moment, learner, detail) -> Entry:
    return Entry(Position(moment, kind.value, membership.id), kind, _by(membership.user, learner),
                 url_for("cases.team", public_id=learner.public_id), detail=detail)


def members_joined(viewer, learner, window: Window) -> list[Entry]:
    kind = EntryKind.MEMBER_JOINED
    query = team_memberships(viewer, learner).order_by(None).options(joinedload(TeamMembership.user)).where(
        TeamMembership.starts_at <= utcnow(),
        *_moment_bounds(window, kind, TeamMembership.starts_at, TeamMembership.id))
    return [_team_entry(kind, item, item.starts_at, learner, "Joined the team around the child")
            for item in _newest(query, window, TeamMembership.starts_at, TeamMembership.id)]


def members_ended_early(viewer, learner, window: Window) -> list[Entry]:
    kind = EntryKind.MEMBER_ENDED_EARLY
    query = team_memberships(viewer, learner).order_by(None).options(joinedload(TeamMembership.user)).where(
        TeamMembership.ended_at.is_not(None),
        *_moment_bounds(window, kind, TeamMembership.ended_at, TeamMembership.id))
    return [_team_entry(kind, item, item.ended_at, learner, "Access to the case ended early")
            for item in _newest(query, window, TeamMembership.ended_at, TeamMembership.id)]


def members_expired(viewer, learner, window: Window) -> list[Entry]:
    kind = EntryKind.MEMBER_EXPIRED
    query = team_memberships(viewer, learner).order_by(None).options(joinedload(TeamMembership.user)).where(
        TeamMembership.ended_at.is_(None), TeamMembership.ends_at.is_not(None), TeamMembership.ends_at <= utcnow(),
        *_moment_bounds(window, kind, TeamMembership.ends_at, TeamMembership.id))
    return [_team_entry(kind, item, item.ends_at, learner, "Access to the case came to its end date")
            for item in _newest(query, window, TeamMembership.ends_at, TeamMembership.id)]


def invitations_accepted(viewer, learner, window: Window) -> list[Entry]:
    kind = EntryKind.INVITATION_ACCEPTED
    query = case_invitations(viewer, learner).where(
        Invitation.accepted_at.is_not(None),
        *_moment_bounds(window, kind, Invitation.accepted_at, Invitation.id))
    return [Entry(Position(item.accepted_at, kind.value, item.id), kind,
                  f"{item.display_name}, {item.role.label}",
                  url_for("cases.team", public_id=learner.public_id), detail="Accepted the invitation to the case")
            for item in _newest(query, window, Invitation.accepted_at, Invitation.id)]


def concerns_recorded(viewer, learner, window: Window) -> list[Entry]:
    """The DSL's view only (the policy's `case_concerns`): that a concern was raised, never its text, on this page."""
    kind = EntryKind.CONCERN_RECORDED
    query = case_concerns(viewer, learner).order_by(None).options(
        joinedload(Concern.author), joinedload(Concern.action_recorded_by)).where(
        *_moment_bounds(window, kind, Concern.recorded_at, Concern.id))
    return [Entry(Position(item.recorded_at, kind.value, item.id), kind, "Safeguarding concern recorded",
                  url_for("cases.concern_detail", public_id=item.public_id), by=_by(item.author, learner))
            for item in _newest(query, window, Concern.recorded_at, Concern.id)]


def concern_actions(viewer, learner, window: Window) -> list[Entry]:
    kind = EntryKind.CONCERN_ACTION_RECORDED
    query = case_concerns(viewer, learner).order_by(None).options(
        joinedload(Concern.author), joinedload(Concern.action_recorded_by)).where(
        Concern.action_recorded_at.is_not(None),
        *_moment_bounds(window, kind, Concern.action_recorded_at, Concern.id))
    return [Entry(Position(item.action_recorded_at, kind.value, item.id), kind,
                  "Action recorded on a safeguarding concern",
                  url_for("cases.concern_detail", public_id=item.public_id), by=_by(item.action_recorded_by, learner))
            for item in _newest(query, window, Concern.action_recorded_at, Concern.id)]


def stages_changed(viewer, learner, window: Window) -> list[Entry]:
    kind = EntryKind.STAGE_CHANGED
    query = (select(CycleStageChange).join(PlanCycle, CycleStageChange.cycle_id == PlanCycle.id)
             # a close is the cycle's own entry (closed at review or by a merge)
             .where(CycleStageChange.cycle_id.in_(_cycle_ids(viewer, learner)),
                    CycleStageChange.to_stage != CycleStage.CLOSED,
                    *_moment_bounds(window, kind, CycleStageChange.changed_at, CycleStageChange.id))
             .options(joinedload(CycleStageChange.cycle), joinedload(CycleStageChange.changed_by)))
    return [Entry(Position(change.changed_at, kind.value, change.id), kind,
                  f"Plan cycle {change.cycle.number} {'moved back' if change.reverses_id else 'moved'} "
                  f"to the {change.to_stage.label.lower()} stage",
                  url_for("cases.cycle_detail", public_id=change.cycle.public_id),
                  detail=f"From the {change.from_stage.label.lower()} stage", by=_by(change.changed_by, learner))
            for change in _newest(query, window, CycleStageChange.changed_at, CycleStageChange.id)]


Source = Callable[..., list[Entry]]

# Every source of the chronology, each of one kind.
SOURCES: dict[EntryKind, Source] = {
    EntryKind.CYCLE_OPENED: cycles_opened,
    EntryKind.STAGE_CHANGED: stages_changed,
    EntryKind.CYCLE_CLOSED: cycles_closed,
    EntryKind.OUTCOME_SET: outcomes_set,
    EntryKind.OUTCOME_REVIEWED: outcomes_reviewed,
    EntryKind.PROVISION_STARTED: provision_started,
    EntryKind.PROVISION_ENDED: provision_ended,
    EntryKind.CONTRIBUTION_ADDED: contributions_added,
    EntryKind.MEETING_HELD: meetings_held,
    EntryKind.MEETING_ACTION: meeting_actions,
    EntryKind.MEMBER_JOINED: members_joined,
    EntryKind.MEMBER_ENDED_EARLY: members_ended_early,
    EntryKind.MEMBER_EXPIRED: members_expired,
    EntryKind.INVITATION_ACCEPTED: invitations_accepted,
    EntryKind.CONCERN_RECORDED: concerns_recorded,
    EntryKind.CONCERN_ACTION_RECORDED: concern_actions,
}


def chronology_page(viewer, learner, window: Window) -> Page:
    """One page of `learner`'s chronology as `viewer` may read it: the newest `window.size` entries of every
    source wanted, after `window.before`."""
    entries = []
    for kind, source in SOURCES.items():
        if window.wants(kind):
            entries.extend(source(viewer, learner, window))
    entries.sort(key=lambda entry: entry.position, reverse=True)
    shown = entries[:window.size]
    older = shown[-1].position if len(entries) > window.size else None
    return Page(shown, older)
