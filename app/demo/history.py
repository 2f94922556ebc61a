"""Demo history: the demo is built in one run, so what it wrote "now" is dated back over the terms it tells of,
and each learner's chronology reads as months of support rather than one afternoon."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import select

from app.cases.concerns.models import SafeguardingConcern
from app.cases.contributions.models import Contribution, ContributionRevision
from app.cases.learners.models import Learner
from app.cases.plans.models import Outcome, PlanCycle, SupportPlan
from app.cases.team.models import TeamMembership
from app.core.dates import school_zone
from app.extensions import db
from app.types import utcnow

# Only what this load wrote is moved (a second load finds it dated already and moves nothing).
JUST_WRITTEN = timedelta(hours=6)


def _at(day, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=school_zone())


def _earlier(value: datetime, target: datetime, now: datetime) -> bool:
    return value > now - JUST_WRITTEN and target < value


def load_demo_history() -> int:
    """Date back the demo's plans, outcomes, contributions, team and concerns; returns the learners dated."""
    now = utcnow()
    dated = 0
    plans = db.session.execute(select(SupportPlan, Learner).join(Learner, Learner.id == SupportPlan.learner_id)
                               .where(Learner.merged_into_id.is_(None))).all()
    for plan, learner in plans:
        cycles = db.session.scalars(select(PlanCycle).where(PlanCycle.plan_id == plan.id)
                                    .order_by(PlanCycle.number)).all()
        if not cycles or cycles[0].assess_on is None:
            continue
        first, current = cycles[0], cycles[-1]
        opened = _at(first.assess_on, 9)
        if _earlier(first.opened_at, opened, now):
            first.opened_at = opened
        for cycle in cycles:  # outcomes are agreed at the planning stage, a fortnight in
            planned = min(cycle.opened_at + timedelta(days=14, hours=6), now)
            for outcome in db.session.scalars(select(Outcome).where(Outcome.cycle_id == cycle.id)):
                if _earlier(outcome.created_at, planned, now):
                    outcome.created_at = planned
        _date_team(learner, first.opened_at, now)
        _date_contributions(learner, current.opened_at, now)
        _date_concerns(learner, now)
        dated += 1
    db.session.flush()
    return dated


def _date_team(learner: Learner, since: datetime, now: datetime) -> None:
    # The school's staff were put on the team when the plan began, a day or two apart.
    members = db.session.scalars(select(TeamMembership).where(TeamMembership.learner_id == learner.id)
                                 .order_by(TeamMembership.id)).all()
    for n, membership in enumerate(members):
        joined = since + timedelta(days=n, hours=1)
        if _earlier(membership.starts_at, joined, now):
            membership.starts_at = membership.created_at = joined


def _date_contributions(learner: Learner, since: datetime, now: datetime) -> None:
    # Written across the current cycle, in the order they were written; their versions move with them.
    written = db.session.scalars(select(Contribution).where(Contribution.learner_id == learner.id)
                                 .order_by(Contribution.id)).all()
    span = now - since
    for n, contribution in enumerate(written):
        target = since + span * (n + 1) / (len(written) + 1)
        if not _earlier(contribution.created_at, target, now):
            continue
        shift = contribution.created_at - target
        contribution.created_at -= shift
        contribution.updated_at -= shift
        for revision in db.session.scalars(select(ContributionRevision)
                                           .where(ContributionRevision.contribution_id == contribution.id)):
            revision.written_at -= shift


def _date_concerns(learner: Learner, now: datetime) -> None:
    concerns = db.session.scalars(select(SafeguardingConcern).where(SafeguardingConcern.learner_id == learner.id)
                                  .order_by(SafeguardingConcern.id)).all()
    for n, concern in enumerate(concerns):
        raised = now - timedelta(days=12 + 9 * n, hours=3)
        if not _earlier(concern.recorded_at, raised, now):
            continue
        concern.recorded_at = raised
        if concern.action_recorded_at is not None:
            concern.action_recorded_at = raised + timedelta(days=1)
