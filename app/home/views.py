"""The signed-in user's home page, chosen by role, and the liveness and readiness checks for load balancers."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property

from flask import render_template
from flask_login import current_user, login_required
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import aliased, joinedload

from app.agencies.accounts.models import people_by_name
from app.audit.events import note_learners
from app.cases.break_glass.services import grants_to_show, may_break_glass
from app.cases.concerns.services import concerns_awaiting_action
from app.cases.family_profile.models import FamilyProfile
from app.cases.learners.models import Learner, LearnerNames
from app.cases.learners.services import filter_learners
from app.cases.meetings.models import ActionStatus, Meeting, MeetingAction, MeetingKind
from app.cases.plans.models import CycleStage, PlanCycle, SupportPlan
from app.core.dates import today as school_today
from app.core.readiness import not_ready
from app.cpd.entries import services as cpd_services
from app.cpd.goals import services as cpd_goals
from app.cpd.reviews.models import ProgressReview
from app.extensions import db
from app.home.blueprint import bp
from app.policy import (
    Action,
    bound_statement,
    can,
    case_learners,
    line_reports,
    on_own_case,
    params_of,
    require,
    visible_accounts,
    visible_actions,
    visible_progress_reviews,
)

REVIEWS_AHEAD = timedelta(days=30)
# The cases a home page lists for someone who can list learners (their school's staff): the first of them, with a way
# to the learner list for the rest, so a teacher on two hundred cases gets a page of the same size as one on twenty.
# Outside professionals and families cannot list learners: their home page is where all their cases are.
CASES_ON_HOME = 25


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


# The lists' rows are columns, not records: a row's learner is joined under an alias of its own, so the scopes'
# subqueries (which read `learner` and `meeting`) are never correlated with it.
_MEETING, _LEARNER = aliased(Meeting), aliased(Learner)
_LEARNER_COLUMNS = (_LEARNER.id, _LEARNER.public_id, _LEARNER.school_id, _LEARNER.year_group, _LEARNER.name_sealed)


def _open_actions(user):
    # Found by their owner, each checked on its own: not every meeting the user may read gathered first.
    scope = visible_actions(user, row_by_row=True).where(MeetingAction.owner_id == user.id,
                                                         MeetingAction.status == ActionStatus.OPEN)
    return (scope.with_only_columns(MeetingAction.public_id, MeetingAction.description_sealed, MeetingAction.due_on,
                                    _MEETING.public_id, _MEETING.kind, _MEETING.held_on, *_LEARNER_COLUMNS)
            .select_from(MeetingAction)
            .join(_MEETING, _MEETING.id == MeetingAction.meeting_id)
            .join(_LEARNER, _LEARNER.id == _MEETING.learner_id))


def _reviews_due(user):
    return (
        select(PlanCycle.public_id, PlanCycle.number, PlanCycle.review_on, *_LEARNER_COLUMNS)
        .select_from(PlanCycle)
        .join(SupportPlan, SupportPlan.id == PlanCycle.plan_id)
        .join(_LEARNER, _LEARNER.id == SupportPlan.learner_id)
        .where(
            on_own_case(user, _LEARNER),
            PlanCycle.stage != CycleStage.CLOSED,
            PlanCycle.closed_at.is_(None),
            PlanCycle.review_on.between(bindparam("today"), bindparam("review_until")),
        )
        .order_by(PlanCycle.review_on, PlanCycle.id)
    )


def _reviews_to_sign(user):
    return visible_progress_reviews(user, user).where(ProgressReview.practitioner_signed_at.is_(None)).options(
        joinedload(ProgressReview.manager))


def _case_rows(user):
    return case_learners(user).with_only_columns(Learner.id, Learner.public_id, Learner.school_id, Learner.year_group,
                                                 Learner.name_sealed)


def _first_case_rows(user):
    return _case_rows(user).limit(CASES_ON_HOME + 1)  # one more: are there others?


@dataclass(frozen=True)
class CaseLearner(LearnerNames):
    """A learner of the user's cases as the list shows them (and the audit trail names them): a row, not a record."""

    id: int
    public_id: str
    school_id: int
    year_group: int
    name: str


@dataclass(frozen=True)
class OpenAction:
    """An open action from a meeting, as the home page lists it."""

    public_id: str
    description: str
    due_on: date
    meeting_public_id: str
    meeting_kind: MeetingKind
    held_on: date
    learner: CaseLearner


@dataclass(frozen=True)
class ReviewDue:
    """A plan cycle whose review is due soon, as the home page lists it."""

    public_id: str
    number: int
    review_on: date
    learner: CaseLearner


_FAMILY_PROFILES = (select(FamilyProfile).where(FamilyProfile.learner_id.in_(bindparam("ids", expanding=True)))
                    .options(joinedload(FamilyProfile.learner)))


class CaseWork:
    """What a user has to do on their cases, each part queried once and only if the page shows it.

    Every list is one statement with its learner (and meeting) loaded alongside: no query per row. The statements
    are the policy's scopes built once per shape of user (app.policy.bound), run with this user's parameters.
    """

    def __init__(self, user):
        self.user = user
        self.today = school_today()
        self.params = params_of(user)
        self._learners: dict[str, CaseLearner] = {}

    @cached_property
    def actions(self) -> list[OpenAction]:
        """The user's open meeting actions on meetings they may see, soonest due first."""
        rows = db.session.execute(bound_statement("home.actions", self.user, _open_actions), self.params)
        return [OpenAction(public_id, MeetingAction.description.open(description, public_id), due_on, meeting,
                           kind, held_on, self._learner(*learner))
                for public_id, description, due_on, meeting, kind, held_on, *learner in rows]

    @cached_property
    def reviews(self) -> list[ReviewDue]:
        """Open cycles on the user's cases whose review falls between today and 30 days ahead."""
        params = {**self.params, "today": self.today, "review_until": self.today + REVIEWS_AHEAD}
        rows = db.session.execute(bound_statement("home.reviews", self.user, _reviews_due), params)
        return [ReviewDue(public_id, number, review_on, self._learner(*learner))
                for public_id, number, review_on, *learner in rows]

    @cached_property
    def _case_list(self) -> tuple[list[CaseLearner], bool]:
        if can(self.user, Action.LIST_LEARNERS):
            rows = db.session.execute(bound_statement("home.first_cases", self.user, _first_case_rows), self.params)
            rows = rows.all()
            return [self._learner(*row) for row in rows[:CASES_ON_HOME]], len(rows) > CASES_ON_HOME
        rows = db.session.execute(bound_statement("home.cases", self.user, _case_rows), self.params)
        return [self._learner(*row) for row in rows], False

    @property
    def cases(self) -> list[CaseLearner]:
        """The user's cases, by year group: the first CASES_ON_HOME of them for someone who can list learners."""
        return self._case_list[0]

    @property
    def more_cases(self) -> bool:
        """Whether the user has cases beyond those listed (the learner list shows them all)."""
        return self._case_list[1]

    def _learner(self, id, public_id, school_id, year_group, name_sealed) -> CaseLearner:
        """The row's learner, their name opened once however many lists name them."""
        learner = self._learners.get(public_id)
        if learner is None:
            name = Learner.name.open(name_sealed, public_id)
            learner = self._learners[public_id] = CaseLearner(id, public_id, school_id, year_group, name)
        return learner

    @cached_property
    def family_profiles(self) -> list[FamilyProfile]:
        """The one-page profiles of the user's cases that the policy lets them read (a family: once shared)."""
        ids = [learner.id for learner in self.cases]
        found = db.session.scalars(_FAMILY_PROFILES, {"ids": ids}).all() if ids else []
        return [profile for profile in found if can(self.user, Action.VIEW_FAMILY_PROFILE, profile)]

    @cached_property
    def concerns_awaiting_action(self) -> int:
        return concerns_awaiting_action(self.user) if can(self.user, Action.REVIEW_CONCERNS) else 0

    def learners_shown(self) -> list:
        """The learners of the lists the page rendered (only those it asked for were loaded)."""
        shown = vars(self)
        learners = [action.learner for action in shown.get("actions", ())]
        learners += [cycle.learner for cycle in shown.get("reviews", ())]
        return learners + list(shown.get("_case_list", ((), False))[0])


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
        """The user's own progress reviews they have not signed yet (of those the policy lets them read)."""
        statement = bound_statement("home.reviews_to_sign", self.user, _reviews_to_sign)
        return db.session.scalars(statement, params_of(self.user)).all()

    @cached_property
    def unreflected(self) -> int:
        return cpd_services.count_unreflected(self.user, self.today)


def _account_counts(user):
    scope = visible_accounts(user).order_by(None).subquery()
    return select(func.count().filter(scope.c.active.is_(True)), func.count()).select_from(scope)


@bp.route("/")
@login_required
def index():
    require(current_user, Action.VIEW_HOME)
    account_counts = None
    if can(current_user, Action.LIST_ACCOUNTS):
        active, total = db.session.execute(bound_statement("home.accounts", current_user, _account_counts),
                                           params_of(current_user)).one()
        account_counts = {"active": active, "inactive": total - active}
    learners = FirstLearners(current_user) if can(current_user, Action.LIST_LEARNERS) else LoadedOnUse(list)
    reports = people_by_name(db.session.scalars(bound_statement("home.reports", current_user, line_reports),
                                                params_of(current_user)))
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
