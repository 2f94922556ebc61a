"""The signed-in user's home page, chosen by role, and the liveness and readiness checks for load balancers."""
from __future__ import annotations

from datetime import timedelta
from functools import cached_property

from flask import render_template
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager, joinedload

from app.agencies.accounts.models import people_by_name
from app.audit.events import note_learners
from app.cases.break_glass.services import grants_to_show, may_break_glass
from app.cases.concerns.services import concerns_awaiting_action
from app.cases.family_profile.models import FamilyProfile
from app.cases.learners.models import Learner
from app.cases.learners.services import filter_learners
from app.cases.meetings.models import ActionStatus, Meeting, MeetingAction
from app.cases.plans.models import CycleStage, PlanCycle, SupportPlan
from app.core.dates import today as school_today
from app.core.readiness import not_ready
from app.cpd.entries import services as cpd_services
from app.cpd.goals import services as cpd_goals
from app.cpd.reviews import services as review_services
from app.extensions import db
from app.home.blueprint import bp
from app.policy import Action, can, case_learners, line_reports, require, visible_accounts, visible_actions

REVIEWS_AHEAD = timedelta(days=30)


class LoadedOnUse:
    """A list a template may or may not show, loaded only when it does: the audit trail then names
    just the learners the page really showed (`loaded` is empty if the template never looked)."""

    def __init__(self, load):
        self._load = load

    @cached_property
    def loaded(self) -> list:
        return list(self._load())

    def __iter__(self):
        return iter(self.loaded)

    def __len__(self) -> int:
        return len(self.loaded)

    def shown(self) -> list:
        return vars(self).get("loaded", [])


# The SENCo's home shows the first of the school's learners, in the learner list's order, and links to the list for
# the rest: what the page costs stays the same however large the school.
HOME_LEARNERS = 25


class FirstLearners(LoadedOnUse):
    """The learner list's first learners, and how many the user may list in all (only if the template asks)."""

    def __init__(self, user):
        super().__init__(lambda: self.first.learners)
        self.user = user

    @cached_property
    def first(self):
        return filter_learners(self.user, size=HOME_LEARNERS)

    @property
    def total(self) -> int:
        return self.first.total


class CaseWork:
    """What a user has to do on their cases, each part queried once and only if the page shows it.

    Every list is one statement with its learner (and meeting) loaded alongside: no query per row.
    """

    def __init__(self, user):
        self.user = user
        self.today = school_today()

    @cached_property
    def actions(self) -> list[MeetingAction]:
        """The user's open meeting actions on meetings they may see, soonest due first."""
        query = visible_actions(self.user).where(
            MeetingAction.owner_id == self.user.id, MeetingAction.status == ActionStatus.OPEN
        ).options(joinedload(MeetingAction.meeting).joinedload(Meeting.learner))
        return db.session.scalars(query).all()

    @cached_property
    def reviews(self) -> list[PlanCycle]:
        """Open cycles on the user's cases whose review falls between today and 30 days ahead."""
        learner_ids = case_learners(self.user).order_by(None).with_only_columns(Learner.id)
        query = (
            select(PlanCycle)
            .join(PlanCycle.plan)
            .where(
                SupportPlan.learner_id.in_(learner_ids),
                PlanCycle.stage != CycleStage.CLOSED,
                PlanCycle.closed_at.is_(None),
                PlanCycle.review_on.between(self.today, self.today + REVIEWS_AHEAD),
            )
            .options(contains_eager(PlanCycle.plan).joinedload(SupportPlan.learner))
            .order_by(PlanCycle.review_on, PlanCycle.id)
        )
        return db.session.scalars(query).all()

    @cached_property
    def cases(self) -> list[Learner]:
        return db.session.scalars(case_learners(self.user)).all()

    @cached_property
    def family_profiles(self) -> list[FamilyProfile]:
        """The one-page profiles of the user's cases that the policy lets them read (a family: once shared)."""
        ids = [learner.id for learner in self.cases]
        found = db.session.scalars(select(FamilyProfile).where(FamilyProfile.learner_id.in_(ids))).all() if ids else []
        return [profile for profile in found if can(self.user, Action.VIEW_FAMILY_PROFILE, profile)]

    @cached_property
    def concerns_awaiting_action(self) -> int:
        return concerns_awaiting_action(self.user) if can(self.user, Action.REVIEW_CONCERNS) else 0

    def learners_shown(self) -> list[Learner]:
        """The learners of the lists the page rendered (only those it asked for were loaded)."""
        shown = vars(self)
        learners = [action.meeting.learner for action in shown.get("actions", ())]
        learners += [cycle.plan.learner for cycle in shown.get("reviews", ())]
        return learners + list(shown.get("cases", ()))


class CpdPrompts:
    """A practitioner's CPD prompts for the home page: goals due or past their date, and how much of their
    recent case work no entry reflects on yet. Counted in SQL, so the page costs the same however much
    work there is; nothing here names a learner."""

    def __init__(self, user):
        self.user = user
        self.today = school_today()

    @cached_property
    def goals_due(self) -> list:
        return cpd_goals.goals_due(self.user, self.today)

    @cached_property
    def reviews_to_sign(self) -> list:
        return [review for review in review_services.reviews_of(self.user, self.user)
                if review.practitioner_id == self.user.id and review.practitioner_signed_at is None]

    @cached_property
    def unreflected(self) -> int:
        return cpd_services.count_unreflected(self.user, self.today)


@bp.route("/")
@login_required
def index():
    require(current_user, Action.VIEW_HOME)
    account_counts = None
    if can(current_user, Action.LIST_ACCOUNTS):
        scope = visible_accounts(current_user).order_by(None).subquery()
        active, total = db.session.execute(
            select(func.count().filter(scope.c.active.is_(True)), func.count()).select_from(scope)
        ).one()
        account_counts = {"active": active, "inactive": total - active}
    learners = FirstLearners(current_user) if can(current_user, Action.LIST_LEARNERS) else LoadedOnUse(list)
    reports = people_by_name(db.session.scalars(line_reports(current_user)))
    casework = CaseWork(current_user) if can(current_user, Action.VIEW_CASEWORK) else None
    break_glass_grants = grants_to_show(current_user)  # cases opened with break-glass, still open
    cpd = CpdPrompts(current_user) if can(current_user, Action.KEEP_CPD_LOG) else None
    page = render_template(
        f"home/{current_user.role.value}.html",
        account_counts=account_counts, reports=reports, learners=learners, casework=casework,
        break_glass_grants=break_glass_grants, break_glass_offered=may_break_glass(current_user), cpd=cpd,
    )
    # One audit event names every learner the page showed (the template decides which lists it shows).
    note_learners(learners.shown() + (casework.learners_shown() if casework else []))
    return page


@bp.route("/health")
def health():
    """Liveness: the process answers. Nothing else is asked, so a slow database never gets a worker restarted."""
    return {"status": "ok"}


@bp.route("/ready")
def ready():
    """Readiness: 503 naming the parts that do not answer (app.core.readiness), so a load balancer sends no one here."""
    failing = not_ready()
    if failing:
        return {"status": "not ready", "failing": failing}, 503
    return {"status": "ready"}
