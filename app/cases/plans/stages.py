"""A cycle's stage history: every move is a row, and the SENCo may move the latest one back on the same day.

Services take the acting user, change data, record the audit event and only flush; the view commits once.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.agencies.accounts.models import User
from app.audit.events import record
from app.audit.models import AuditAction
from app.cases.plans.models import CycleStage, CycleStageChange, PlanCycle
from app.core.conflicts import check_version
from app.core.dates import school_day
from app.core.dates import today as school_today
from app.extensions import db
from app.policy import Action, require
from app.problems import Refusal
from app.types import utcnow

# What moving into each stage means, for the confirmation page.
WHAT_IT_MEANS = {
    CycleStage.PLAN: "The assessment is done: the team now agrees the outcomes and the provision that will meet them.",
    CycleStage.DO: "The plan becomes the working plan: the provision starts and everyone works to these outcomes.",
    CycleStage.REVIEW: "The review opens: the team looks at the progress made towards each outcome. Recording the "
                       "review then closes this cycle and opens the next.",
}
REASON_LIMIT = 2000


class StageChangeRefused(Refusal):
    """A move back that cannot be made: not the latest move, not today's, or something depends on it."""


def note_stage_change(actor: User | None, cycle: PlanCycle, from_stage: CycleStage, to_stage: CycleStage,
                      reverses: CycleStageChange | None = None, reason: str | None = None) -> CycleStageChange:
    """Keep one move of `cycle`'s stage (the caller has moved it and records its own audit event)."""
    change = CycleStageChange(cycle_id=cycle.id, from_stage=from_stage, to_stage=to_stage, changed_at=utcnow(),
                              changed_by_id=actor.id if actor is not None else None,
                              reverses_id=reverses.id if reverses is not None else None)
    if reason is not None:
        change.reason = reason
    db.session.add(change)
    return change


def stage_history(cycle: PlanCycle) -> list[CycleStageChange]:
    """Every recorded move of `cycle`, oldest first, with who made it."""
    return list(db.session.scalars(
        select(CycleStageChange).where(CycleStageChange.cycle_id == cycle.id)
        .options(joinedload(CycleStageChange.changed_by))  # in the same statement
        .order_by(CycleStageChange.changed_at, CycleStageChange.id)
    ))


@dataclass(frozen=True)
class MoveBack:
    """Whether the latest move of a cycle can be moved back now, and why not when it cannot."""

    change: CycleStageChange | None
    refusal: str | None = None

    @property
    def allowed(self) -> bool:
        return self.change is not None and self.refusal is None


def move_back_option(cycle: PlanCycle, history: list[CycleStageChange] | None = None) -> MoveBack:
    """The latest move, if it may be moved back: made today (the school's day), not itself a move back, the
    cycle still at the stage it moved to, and not a close (the next cycle depends on it)."""
    history = stage_history(cycle) if history is None else history
    if not history:
        return MoveBack(None, "This cycle has no recorded stage move to move back.")
    latest = history[-1]
    if latest.to_stage is CycleStage.CLOSED or cycle.is_closed:
        return MoveBack(latest, "This cycle has closed and the next cycle has opened from it: a closed cycle is "
                                "never reopened.")
    if latest.reverses_id is not None:
        return MoveBack(latest, "The latest change already moved this cycle back. Move it on again if you need to.")
    if latest.to_stage is not cycle.stage:
        return MoveBack(latest, "The cycle's stage has changed since its latest recorded move.")
    if school_day(latest.changed_at) != school_today():
        return MoveBack(latest, f"A stage can be moved back only on the day it was moved. The move to the "
                                f"{latest.to_stage.label.lower()} stage was made on an earlier day, so it stands: "
                                "change the cycle's dates and content instead, or move on at the next step.")
    return MoveBack(latest)


def move_stage_back(actor: User, cycle: PlanCycle, *, version, reason: str | None) -> CycleStageChange:
    """Undo today's latest move of an open cycle: back to the stage it came from, with the SENCo's reason.

    :raise EditConflict: when the cycle changed since the SENCo loaded `version`.
    :raise StageChangeRefused: when the latest move cannot be moved back (see move_back_option).
    """
    require(actor, Action.EDIT_PLAN, cycle)
    check_version(cycle, version)
    option = move_back_option(cycle)
    if not option.allowed:
        raise StageChangeRefused(option.refusal)
    reason = (reason or "").strip()
    if not reason:
        raise StageChangeRefused("Enter why the stage is being moved back", "reason")
    if len(reason) > REASON_LIMIT:
        raise StageChangeRefused(f"Use {REASON_LIMIT} characters or fewer", "reason")
    latest = option.change
    cycle.stage = latest.from_stage
    back = note_stage_change(actor, cycle, latest.to_stage, latest.from_stage, reverses=latest, reason=reason)
    db.session.flush()
    record(actor, AuditAction.UPDATE, cycle, fields=["stage", "stage_change_reason"])
    return back
