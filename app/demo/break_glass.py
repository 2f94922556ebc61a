"""Demo break-glass: the DSL once opened a case they are not on, for a safeguarding call; the hour is long over."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import select

from app.agencies.accounts.models import User
from app.audit.models import PurposeCategory
from app.cases.break_glass.models import BreakGlassAccess
from app.cases.break_glass.services import open_break_glass
from app.core.dates import school_zone
from app.extensions import db
from app.policy import Action, can, case_learners
from app.types import utcnow

DEMO_LEARNER = "Sofia Marques"
DEMO_REASON = (
    "Sofia's aunt rang reception at 16:30: Sofia had not been collected from after-school club and was very upset. "
    "Her class teacher and the SENCo had gone home. I opened her plan to see who she trusts and how she is best "
    "calmed before I phoned home."
)


def _past_afternoon(days_ago: int) -> datetime:
    day = utcnow() - timedelta(days=days_ago)
    while day.astimezone(school_zone()).weekday() >= 5:
        day -= timedelta(days=1)  # a school day
    local = day.astimezone(school_zone())
    return local.replace(hour=16, minute=41, second=0, microsecond=0).astimezone(UTC)


def load_demo_break_glass(dsl: User, senco: User) -> int:
    """Open one case through the service as the DSL (its audit event is recorded), then move the grant's hour
    back to a past school day. Skipped when the DSL already has a grant; returns how many were made. Only flushes.
    """
    if db.session.scalar(select(BreakGlassAccess.id).where(BreakGlassAccess.user_id == dsl.id).limit(1)) is not None:
        return 0
    learners = [learner for learner in db.session.scalars(case_learners(senco))
                if can(dsl, Action.BREAK_GLASS, learner)]
    learner = next((learner for learner in learners if learner.name == DEMO_LEARNER), learners[0] if learners else None)
    if learner is None:
        return 0
    grant = open_break_glass(dsl, learner, purpose=PurposeCategory.SAFEGUARDING, reason=DEMO_REASON)
    # Break-glass grants are not append-only: the demo's hour is moved to the past, so it has ended.
    grant.started_at = _past_afternoon(6)
    grant.expires_at = grant.started_at + current_app.config["BREAK_GLASS_DURATION"]
    db.session.flush()
    return 1
