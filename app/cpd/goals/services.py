"""SMART development goals: recording, updating and listing them, and the ones falling due."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import bindparam, select
from sqlalchemy.orm import selectinload

from app.agencies.accounts.models import User
from app.audit.events import record
from app.audit.models import AuditAction
from app.core.conflicts import check_version
from app.core.dates import today as school_today
from app.cpd.entries.models import ReflectiveEntry, Standard
from app.cpd.entries.services import CpdError, apply_values, choice_value, text_value
from app.cpd.goals.models import DevelopmentGoal, GoalStatus, RelevantTo
from app.extensions import db
from app.policy import Action, require
from app.types import utcnow

GOALS_DUE_WITHIN = timedelta(days=30)


@dataclass
class GoalDraft:
    specific: str | None
    measure: str | None
    relevant_to: str | RelevantTo | None
    standard_code: str | None
    relevance: str | None
    target_on: date | None
    status: str | GoalStatus | None = GoalStatus.NOT_STARTED
    entry_public_ids: list[str] = field(default_factory=list)


def clean_goal(owner: User, draft: GoalDraft, *, today: date, new: bool) -> dict:
    specific = text_value(draft.specific, field_name="specific", missing="Say specifically what you will be able to do",
                     limit=2_000, label="The goal")
    measure = text_value(draft.measure, field_name="measure", missing="Say how you will measure it",
                    limit=2_000, label="The measure")
    relevant_to = choice_value(RelevantTo, draft.relevant_to, field_name="relevant_to",
                          missing="Say what the goal is relevant to")
    standard = None
    relevance = (draft.relevance or "").strip() or None
    if relevant_to is RelevantTo.STANDARD:
        standard = db.session.scalar(select(Standard).where(Standard.code == (draft.standard_code or "")))
        if standard is None:
            raise CpdError("Choose the standard the goal is relevant to", "standard_code")
    elif relevance is None:
        raise CpdError("Say which part of your job description, or what feedback, the goal answers", "relevance")
    if relevance is not None and len(relevance) > 2_000:
        raise CpdError("The relevance must be 2,000 characters or fewer", "relevance")
    if draft.target_on is None:
        raise CpdError("Enter the date you will achieve the goal by", "target_on")
    if new and draft.target_on <= today:
        raise CpdError("A new goal's date must be in the future", "target_on")
    status = choice_value(GoalStatus, draft.status, field_name="status", missing="Choose the goal's status")
    wanted = sorted(set(draft.entry_public_ids or []))
    entries = list(db.session.scalars(select(ReflectiveEntry).where(
        ReflectiveEntry.owner_id == owner.id, ReflectiveEntry.public_id.in_(wanted)))) if wanted else []
    if len(entries) != len(wanted):
        raise CpdError("Choose entries from your own log", "entries")
    return dict(specific=specific, measure=measure, relevant_to=relevant_to, standard=standard, relevance=relevance,
                target_on=draft.target_on, status=status, entries=entries)


_GOAL_FIELDS = ("specific", "measure", "relevant_to", "standard", "relevance", "target_on", "status", "entries")


def record_goal(actor: User, draft: GoalDraft, today: date | None = None) -> DevelopmentGoal:
    require(actor, Action.KEEP_CPD_LOG)
    values = clean_goal(actor, draft, today=today or school_today(), new=True)
    goal = DevelopmentGoal(owner_id=actor.id)
    apply_values(goal, values)
    db.session.add(goal)
    db.session.flush()
    record(actor, AuditAction.CREATE, goal, fields=list(_GOAL_FIELDS))
    return goal


def update_goal(actor: User, goal: DevelopmentGoal, draft: GoalDraft, *, version, today: date | None = None):
    require(actor, Action.EDIT_CPD_RECORD, goal)
    check_version(goal, version)
    values = clean_goal(actor, draft, today=today or school_today(), new=False)
    changed = [name for name in _GOAL_FIELDS if getattr(goal, name) != values[name]]
    apply_values(goal, values)
    if changed:
        goal.updated_at = utcnow()
    db.session.flush()
    record(actor, AuditAction.UPDATE, goal, fields=changed)
    return goal


def goals_of(viewer: User, owner: User, *, with_evidence: bool = False) -> list[DevelopmentGoal]:
    """`owner`'s goals, soonest target first. `with_evidence` loads each goal's entries and standard too (the
    reflective record needs them): the log and the review form list goals only, and a goal's entries gather from
    every year of the log."""
    require(viewer, Action.VIEW_CPD_LOG, owner)
    query = select(DevelopmentGoal).where(DevelopmentGoal.owner_id == owner.id)
    if with_evidence:
        query = query.options(selectinload(DevelopmentGoal.entries), selectinload(DevelopmentGoal.standard))
    return list(db.session.scalars(query.order_by(DevelopmentGoal.target_on, DevelopmentGoal.id)))


def due_among(goals: list[DevelopmentGoal], today: date | None = None) -> list[DevelopmentGoal]:
    """Of goals already loaded, those `goals_due` would find (the log marks them without asking again)."""
    today = today or school_today()
    return [goal for goal in goals if goal.status.is_open and goal.target_on <= today + GOALS_DUE_WITHIN]


def goals_due(actor: User, today: date | None = None) -> list[DevelopmentGoal]:
    """The actor's open goals whose date is past or within 30 days: the home page prompts them."""
    today = today or school_today()
    return list(db.session.scalars(_GOALS_DUE, {"owner_id": actor.id, "until": today + GOALS_DUE_WITHIN}))


# Built once (every practitioner's home page asks it).
_GOALS_DUE = select(DevelopmentGoal).where(
    DevelopmentGoal.owner_id == bindparam("owner_id"),
    DevelopmentGoal.status.in_([status for status in GoalStatus if status.is_open]),
    DevelopmentGoal.target_on <= bindparam("until"),
).order_by(DevelopmentGoal.target_on, DevelopmentGoal.id)
