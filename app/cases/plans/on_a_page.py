"""The plan on a page for the review meeting: one cycle's outcomes, provision and team, as a PDF.

The data is gathered here from what the viewer may see (the policy's scopes); the PDF is drawn by
`on_a_page_pdf`, loaded only when a file is made (app.cases.printing).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_

from app.agencies.accounts.models import User
from app.audit.events import record
from app.audit.models import AuditAction
from app.cases.learners.models import YEAR_GROUPS
from app.cases.plans.models import PlanCycle
from app.cases.printing import builders
from app.cases.team.models import TeamMembership
from app.core import dates
from app.core.downloads import safe_filename
from app.extensions import db
from app.policy import Action, require, team_memberships
from app.types import utcnow


@dataclass(frozen=True)
class OutcomeLine:
    description: str
    measure: str
    target_on: str
    rating: str


@dataclass(frozen=True)
class ProvisionLine:
    description: str
    delivered_by: str
    frequency: str
    period: str


@dataclass(frozen=True)
class PlanPage:
    known_as: str
    year: str
    cycle: str  # "Cycle 2, at the do stage" or "Cycle 1, closed on 3 March 2026"
    review_on: str
    outcomes: list[OutcomeLine]
    provisions: list[ProvisionLine]
    team: list[tuple[str, str]]  # (name, role)
    made_on: str


def team_on(actor: User, cycle: PlanCycle, moment: datetime) -> list[tuple[str, str]]:
    """Who was on the learner's team at `moment` (now, or when a closed cycle closed), through the policy's scope."""
    query = team_memberships(actor, cycle.learner).where(
        TeamMembership.starts_at <= moment,
        or_(TeamMembership.ended_at.is_(None), TeamMembership.ended_at > moment),
        or_(TeamMembership.ends_at.is_(None), TeamMembership.ends_at > moment))
    return [(membership.user.display_name, membership.role.label) for membership in db.session.scalars(query)]


def plan_page(actor: User, cycle: PlanCycle) -> PlanPage:
    """What the plan on a page shows of `cycle`; a closed cycle as it was when it closed.

    :raise 403/404 (through the policy): for anyone who may not view the case.
    """
    require(actor, Action.EXPORT_CASE_DOCUMENT, cycle)
    learner = cycle.learner
    if cycle.is_closed:
        state = f"Cycle {cycle.number}, closed on {dates.long_day(cycle.closed_at)}"
    else:
        state = f"Cycle {cycle.number}, at the {cycle.stage.label.lower()} stage"
    return PlanPage(
        known_as=learner.known_as, year=YEAR_GROUPS.get(learner.year_group, ""), cycle=state,
        review_on=dates.long_day(cycle.review_on) if cycle.review_on else "Not set",
        outcomes=[OutcomeLine(outcome.description, outcome.measure, dates.long_day(outcome.target_on),
                              outcome.progress.label) for outcome in cycle.outcomes],
        provisions=[ProvisionLine(provision.description, provision.delivered_by, provision.frequency,
                                  f"From {dates.long_day(provision.starts_on)}"
                                  + (f" to {dates.long_day(provision.ends_on)}" if provision.ends_on else ""))
                    for provision in cycle.provisions],
        team=team_on(actor, cycle, cycle.closed_at or utcnow()),
        made_on=dates.long_day(dates.today()),
    )


def export_plan_on_a_page(actor: User, cycle: PlanCycle) -> tuple[str, bytes]:
    """(file name, PDF) of the plan on a page, its export audited (flushes; the view commits before it leaves)."""
    page = plan_page(actor, cycle)
    content = builders().plan_on_a_page_pdf(page)  # drawn before the event: a failed file leaves no claim it was made
    record(actor, AuditAction.EXPORT, cycle, fields=["outcomes", "provisions", "team"])
    return safe_filename("plan-on-a-page", f"cycle-{cycle.number}", cycle.public_id, extension="pdf"), content
