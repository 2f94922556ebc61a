"""Plan reviews' reminders: the team around the child is told once when the open cycle's review date is 14 days
away or nearer (once per review date: a review moved later is announced again when it comes near)."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.cases.learners.models import Learner
from app.cases.notifications import people_on_case
from app.cases.plans.models import PlanCycle, SupportPlan
from app.core.dates import day
from app.extensions import db
from app.notifications.models import NotificationKind
from app.notifications.reminders import Today, reminder
from app.notifications.services import notify, path_for
from app.policy import Action

REVIEW_NOTICE = timedelta(days=14)


@reminder("cases.plan_reviews")
def remind_reviews_due(today: Today) -> int:
    cycles = db.session.scalars(
        select(PlanCycle).join(SupportPlan, SupportPlan.id == PlanCycle.plan_id)
        .join(Learner, Learner.id == SupportPlan.learner_id)
        .where(PlanCycle.closed_at.is_(None), PlanCycle.merged_at.is_(None), Learner.archived_at.is_(None),
               Learner.merged_into_id.is_(None), PlanCycle.review_on >= today.day,
               PlanCycle.review_on <= today.day + REVIEW_NOTICE)
        .order_by(PlanCycle.id)).all()
    told = 0
    for cycle in cycles:
        learner = cycle.plan.learner
        when = "today" if cycle.review_on == today.day else f"on {day(cycle.review_on)}"
        told += len(notify(
            NotificationKind.REVIEW_DUE, subject=cycle, action=Action.VIEW_CASE, recipients=people_on_case(learner),
            learner=learner, summary=f"The review of {learner.known_as}’s support plan is due {when}",
            path=path_for("cases.cycle_detail", public_id=cycle.public_id),
            dedupe=f"review_due:{cycle.public_id}:{cycle.review_on.isoformat()}"))
    return told
