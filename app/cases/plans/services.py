"""Support plans: start one, edit its open cycle, move it through assess-plan-do-review, close the review.

Services take the acting user, check the policy again, change the data, record the audit event and
only flush: the view commits once. A closed cycle is never changed again; every service refuses it with a clear message.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from app.agencies.accounts.models import Role, User, people_by_name
from app.audit.changes import fields_changed, fields_given, values_of
from app.audit.events import record
from app.audit.models import AuditAction
from app.cases.learners.models import Learner
from app.cases.plans.models import CycleStage, Outcome, PlanCycle, ProgressRating, Provision, SupportPlan
from app.cases.plans.stages import note_stage_change
from app.cases.team.models import TeamMembership
from app.core import writing
from app.core.conflicts import check_version
from app.core.dates import day
from app.core.dates import today as school_today
from app.extensions import db
from app.policy import Action, require
from app.problems import Refusal
from app.security.sanitize import shows_nothing
from app.types import utcnow

# The rich-text fields of a cycle that the SENCo edits, in page order, with their labels.
CYCLE_TEXT_FIELDS = {
    "learner_views": "The learner's views",
    "family_views": "The family's views",
    "aspirations": "Aspirations",
    "needs_communication": "Communication and interaction",
    "needs_cognition": "Cognition and learning",
    "needs_semh": "Social, emotional and mental health",
    "needs_sensory": "Sensory and/or physical",
}
CYCLE_DATE_FIELDS = {
    "assess_on": "Assess on",
    "plan_on": "Plan on",
    "do_from": "Do from",
    "review_on": "Review on",
}
CYCLE_WRITING = (*CYCLE_TEXT_FIELDS, "review_summary")  # every field of a cycle typed as writing
NEXT_STAGE = {
    CycleStage.ASSESS: CycleStage.PLAN,
    CycleStage.PLAN: CycleStage.DO,
    CycleStage.DO: CycleStage.REVIEW,
}
# Ratings a review can give: "not yet reviewed" is what an outcome reads before its review.
REVIEW_RATINGS = tuple(rating for rating in ProgressRating if rating is not ProgressRating.NOT_YET_REVIEWED)
NOT_YET_MET = (ProgressRating.NOT_YET_REVIEWED, ProgressRating.NOT_MET, ProgressRating.PARTLY_MET)
# What an edit of each record can change, as the audit trail names it.
OUTCOME_FIELDS = ("description", "measure", "target_on", "owner_id", "progress")
PROVISION_FIELDS = ("description", "delivered_by", "frequency", "starts_on", "ends_on")


class PlanError(Refusal):
    """A change to a support plan that cannot be made as asked."""


class CycleClosed(PlanError):
    """The cycle has closed: it reads as it was for ever."""


def _today() -> date:
    return school_today()


def _require_open(cycle: PlanCycle) -> None:
    if cycle.is_closed:
        closed_on = day(cycle.closed_at) if cycle.closed_at else "an earlier date"
        raise CycleClosed(
            f"Cycle {cycle.number} closed on {closed_on} and can no longer be changed. "
            "Make changes in the current cycle instead."
        )


def _plain(text: str | None, *, required: str | None = None, field: str | None = None, limit: int = 4000) -> str:
    text = (text or "").strip()
    if required and not text:
        raise PlanError(required, field)
    if len(text) > limit:
        raise PlanError(f"Use {limit} characters or fewer", field)
    return text


# --- reading ---------------------------------------------------------------------------------


def plan_of(learner: Learner) -> SupportPlan | None:
    """The learner's plan with its cycles, and the current cycle's outcomes (with owners) and provision, in four
    queries. A case open for years has a cycle a term: the earlier ones are links on the plan page, each with a
    page of its own (their outcomes load there, or when asked)."""
    plan = db.session.scalars(select(SupportPlan).where(SupportPlan.learner_id == learner.id)
                              .options(selectinload(SupportPlan.cycles))).first()
    cycle = current_cycle(plan)
    if cycle is not None:
        set_committed_value(cycle, "outcomes", db.session.scalars(
            select(Outcome).where(Outcome.cycle_id == cycle.id).options(joinedload(Outcome.owner))
            .order_by(Outcome.id)).all())
        set_committed_value(cycle, "provisions", db.session.scalars(
            select(Provision).where(Provision.cycle_id == cycle.id).order_by(Provision.id)).all())
    return plan


def current_cycle(plan: SupportPlan | None) -> PlanCycle | None:
    return max(plan.cycles, key=lambda cycle: cycle.number) if plan is not None and plan.cycles else None


def owner_choices(learner: Learner, keep: User | None = None) -> list[User]:
    """Who may own an outcome: the learner's live team and the school's SENCos (and the present owner)."""
    now = utcnow()
    team = select(TeamMembership.user_id).where(
        TeamMembership.learner_id == learner.id,
        TeamMembership.ended_at.is_(None),
        TeamMembership.starts_at <= now,
        or_(TeamMembership.ends_at.is_(None), TeamMembership.ends_at > now),
    )
    sencos = and_(User.role == Role.SENCO, User.agency_id == learner.school_id, User.restricted.is_(False))
    people = people_by_name(db.session.scalars(
        select(User).where(User.active.is_(True), or_(User.id.in_(team), sencos))
    ))
    if keep is not None and keep not in people:
        people.append(keep)
    return people


# --- starting and editing ----------------------------------------------------------------------


def start_plan(actor: User, learner: Learner) -> PlanCycle:
    """Open the learner's support plan with cycle 1 at the assess stage."""
    require(actor, Action.EDIT_PLAN, learner)
    if db.session.scalar(select(SupportPlan.id).where(SupportPlan.learner_id == learner.id)) is not None:
        raise PlanError("This learner already has a support plan")
    plan = SupportPlan(learner_id=learner.id, created_by_id=actor.id)
    db.session.add(plan)
    db.session.flush()
    cycle = PlanCycle(plan_id=plan.id, number=1, stage=CycleStage.ASSESS, assess_on=_today())
    db.session.add(cycle)
    db.session.flush()
    record(actor, AuditAction.CREATE, plan, fields=["cycles"])
    return cycle


def _check_dates(dates: dict[str, date | None]) -> None:
    order = [(name, dates.get(name)) for name in CYCLE_DATE_FIELDS]
    given = [(name, value) for name, value in order if value is not None]
    for (first, first_on), (then, then_on) in zip(given, given[1:], strict=False):
        if then_on < first_on:
            raise PlanError(f"{CYCLE_DATE_FIELDS[then]} must be on or after {CYCLE_DATE_FIELDS[first].lower()}", then)


def update_cycle(actor: User, cycle: PlanCycle, *, version, **values) -> PlanCycle:
    """Change the dates, views, aspirations and needs of an open cycle.

    :raise EditConflict: when the cycle changed since the editor loaded `version`.
    """
    require(actor, Action.EDIT_PLAN, cycle)
    _require_open(cycle)
    check_version(cycle, version)
    dates = {name: values.get(name) for name in CYCLE_DATE_FIELDS}
    _check_dates(dates)
    before = values_of(cycle, (*CYCLE_DATE_FIELDS, *CYCLE_TEXT_FIELDS))
    for name, value in dates.items():
        setattr(cycle, name, value)
    writing.write(cycle, CYCLE_WRITING, **{name: values.get(name) for name in CYCLE_TEXT_FIELDS})
    db.session.flush()
    record(actor, AuditAction.UPDATE, cycle, fields=fields_changed(cycle, before))
    return cycle


def advance_stage(actor: User, cycle: PlanCycle, *, version) -> PlanCycle:
    """Move an open cycle one step on: assess → plan → do → review. Closing is a review of its own."""
    require(actor, Action.EDIT_PLAN, cycle)
    _require_open(cycle)
    check_version(cycle, version)
    following = NEXT_STAGE.get(cycle.stage)
    if following is None:
        raise PlanError("This cycle is at review: record the review to close it and open the next cycle")
    before = values_of(cycle, ("stage", *CYCLE_DATE_FIELDS))
    note_stage_change(actor, cycle, cycle.stage, following)
    cycle.stage = following
    today = _today()
    if following is CycleStage.PLAN and cycle.plan_on is None:
        cycle.plan_on = today
    elif following is CycleStage.DO and cycle.do_from is None:
        cycle.do_from = today
    elif following is CycleStage.REVIEW and cycle.review_on is None:
        cycle.review_on = today
    db.session.flush()
    record(actor, AuditAction.UPDATE, cycle, fields=fields_changed(cycle, before))
    return cycle


# --- outcomes and provision -------------------------------------------------------------------


def _owner(learner: Learner, owner_public_id: str | None, keep: User | None = None) -> User:
    for person in owner_choices(learner, keep):
        if person.public_id == owner_public_id:
            return person
    raise PlanError("Choose who owns this outcome from the team around the child", "owner")


def _fill_outcome(outcome: Outcome, learner: Learner, *, description, measure, target_on, owner_public_id,
                  progress, keep: User | None = None) -> None:
    outcome.description = _plain(description, required="Enter what the learner will achieve", field="description")
    outcome.measure = _plain(measure, required="Enter how progress will be measured", field="measure")
    if target_on is None:
        raise PlanError("Enter the date this outcome should be achieved by", "target_on")
    outcome.target_on = target_on
    outcome.owner_id = _owner(learner, owner_public_id, keep).id
    outcome.progress = ProgressRating(progress) if progress else ProgressRating.NOT_YET_REVIEWED


def add_outcome(actor: User, cycle: PlanCycle, **values) -> Outcome:
    require(actor, Action.EDIT_PLAN, cycle)
    _require_open(cycle)
    outcome = Outcome()
    _fill_outcome(outcome, cycle.learner, **values)
    cycle.outcomes.append(outcome)
    db.session.flush()
    record(actor, AuditAction.CREATE, outcome, fields=fields_given(outcome, OUTCOME_FIELDS))
    return outcome


def update_outcome(actor: User, outcome: Outcome, *, version, **values) -> Outcome:
    """:raise EditConflict: when the outcome changed since the editor loaded `version`."""
    require(actor, Action.EDIT_PLAN, outcome)
    _require_open(outcome.cycle)
    check_version(outcome, version)
    before = values_of(outcome, OUTCOME_FIELDS)
    _fill_outcome(outcome, outcome.learner, keep=outcome.owner, **values)
    db.session.flush()
    record(actor, AuditAction.UPDATE, outcome, fields=fields_changed(outcome, before))
    return outcome


def _fill_provision(provision: Provision, *, description, delivered_by, frequency, starts_on, ends_on) -> None:
    provision.description = _plain(description, required="Enter what will be provided", field="description")
    provision.delivered_by = _plain(delivered_by, required="Enter who delivers it", field="delivered_by", limit=120)
    provision.frequency = _plain(frequency, required="Enter how often it happens", field="frequency", limit=120)
    if starts_on is None:
        raise PlanError("Enter the date it starts", "starts_on")
    if ends_on is not None and ends_on < starts_on:
        raise PlanError("The end date must be on or after the start date", "ends_on")
    provision.starts_on = starts_on
    provision.ends_on = ends_on


def add_provision(actor: User, cycle: PlanCycle, **values) -> Provision:
    require(actor, Action.EDIT_PLAN, cycle)
    _require_open(cycle)
    provision = Provision()
    _fill_provision(provision, **values)
    cycle.provisions.append(provision)
    db.session.flush()
    record(actor, AuditAction.CREATE, provision, fields=fields_given(provision, PROVISION_FIELDS))
    return provision


def update_provision(actor: User, provision: Provision, *, version, **values) -> Provision:
    """:raise EditConflict: when the provision changed since the editor loaded `version`."""
    require(actor, Action.EDIT_PLAN, provision)
    _require_open(provision.cycle)
    check_version(provision, version)
    before = values_of(provision, PROVISION_FIELDS)
    _fill_provision(provision, **values)
    db.session.flush()
    record(actor, AuditAction.UPDATE, provision, fields=fields_changed(provision, before))
    return provision


# --- the review ----------------------------------------------------------------------------------


def close_cycle(actor: User, cycle: PlanCycle, *, version, review_summary: str | None,
                ratings: dict[str, ProgressRating | str | None]) -> PlanCycle:
    """Record the review, close the cycle and open the next one at assess.

    The next cycle starts from copies: views, aspirations and needs, the provision still running,
    and the outcomes not yet met as new outcome rows. The closed cycle's own rows stay as they were.

    :raise EditConflict: when the cycle changed since the reviewer loaded `version`.
    """
    require(actor, Action.EDIT_PLAN, cycle)
    _require_open(cycle)
    check_version(cycle, version)
    if cycle.stage is not CycleStage.REVIEW:
        raise PlanError("Only a cycle at the review stage can be closed")
    if shows_nothing(review_summary):
        raise PlanError("Enter a summary of the review", "review_summary")
    given = {}
    for outcome in cycle.outcomes:
        rating = ratings.get(outcome.public_id)
        try:
            rating = ProgressRating(rating) if rating else None
        except ValueError:
            rating = None
        if rating is None or rating not in REVIEW_RATINGS:
            raise PlanError("Rate the progress made towards every outcome", f"rating_{outcome.public_id}")
        given[outcome.id] = rating
    today = _today()
    for outcome in cycle.outcomes:
        outcome.progress = given[outcome.id]
    writing.write(cycle, CYCLE_WRITING, review_summary=review_summary)
    note_stage_change(actor, cycle, cycle.stage, CycleStage.CLOSED)
    cycle.stage = CycleStage.CLOSED
    cycle.closed_at = utcnow()
    cycle.closed_by_id = actor.id

    following = PlanCycle(plan_id=cycle.plan_id, number=cycle.number + 1, stage=CycleStage.ASSESS, assess_on=today)
    writing.copy(cycle, following, tuple(CYCLE_TEXT_FIELDS))
    db.session.add(following)
    db.session.flush()
    for outcome in cycle.outcomes:
        if outcome.progress in NOT_YET_MET:
            carried = Outcome(target_on=outcome.target_on, owner_id=outcome.owner_id,
                              progress=ProgressRating.NOT_YET_REVIEWED)
            carried.description = outcome.description
            carried.measure = outcome.measure
            following.outcomes.append(carried)
    for provision in cycle.provisions:
        if provision.ends_on is None or provision.ends_on >= today:
            running = Provision(delivered_by=provision.delivered_by, frequency=provision.frequency,
                                starts_on=provision.starts_on, ends_on=provision.ends_on)
            running.description = provision.description
            following.provisions.append(running)
    db.session.flush()
    # The review closes one cycle (the ratings are its outcomes' progress) and opens the next.
    record(actor, AuditAction.UPDATE, cycle, fields=["closed_at", "progress", "review_summary", "stage"])
    carried = fields_given(following, ("assess_on", *CYCLE_TEXT_FIELDS, "outcomes", "provisions"))
    record(actor, AuditAction.CREATE, following, fields=carried)
    return following


def closed_by_name(cycle: PlanCycle) -> str | None:
    if cycle.closed_by_id is None:
        return None
    closed_by = db.session.get(User, cycle.closed_by_id)
    return closed_by.display_name if closed_by is not None else None


def stage_dates(cycle: PlanCycle) -> list[tuple[CycleStage, str, date | None]]:
    """The four stages with their labels and dates, for the stage list on a cycle's page."""
    return [
        (CycleStage.ASSESS, "Assess on", cycle.assess_on),
        (CycleStage.PLAN, "Plan on", cycle.plan_on),
        (CycleStage.DO, "Do from", cycle.do_from),
        (CycleStage.REVIEW, "Review on", cycle.review_on),
    ]

