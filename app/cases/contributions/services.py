"""Adding and editing contributions. Services take the acting user, record the event and flush; views commit."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from app.agencies.accounts.models import User
from app.audit.changes import fields_changed, values_of
from app.audit.events import record
from app.audit.models import AuditAction
from app.cases import notifications
from app.cases.contributions.models import (
    KINDS_BY_ROLE,
    Contribution,
    ContributionKind,
    ContributionRevision,
    Visibility,
)
from app.cases.lawful_basis.bases import Article6, Article9, LawfulBasisError, chosen_or_default, default_for
from app.cases.learners.models import Learner
from app.cases.plans.models import CycleStage, PlanCycle, SupportPlan
from app.core import writing
from app.core.conflicts import EditConflict, check_version
from app.core.ordering import newest_page
from app.extensions import db
from app.policy import (
    Action,
    BoundLearner,
    bound_statement,
    case_role,
    learner_params_of,
    require,
    visible_contributions,
)
from app.problems import Refusal
from app.security.sanitize import shows_nothing, writing_source
from app.types import utcnow

TITLE_MAX = 200
CONTRIBUTION_WRITING = ("body",)


class ContributionError(Refusal):
    """A contribution that cannot be saved as given."""


def kinds_for(user: User, learner: Learner | None = None) -> tuple[ContributionKind, ...]:
    """The kinds of contribution `user` writes (on `learner`'s case: a member of staff writes there as its parent)."""
    return KINDS_BY_ROLE.get(case_role(user, learner) if learner is not None else user.role, ())


def _clean(title: str | None, body: str | None, visibility) -> tuple[str, str, Visibility]:
    title = (title or "").strip()
    if not title:
        raise ContributionError("Enter a title", "title")
    if len(title) > TITLE_MAX:
        raise ContributionError(f"Title must be {TITLE_MAX} characters or fewer", "title")
    body = writing_source(body)
    if shows_nothing(body):
        raise ContributionError("Enter the contribution", "body")
    try:
        visibility = Visibility(visibility)
    except ValueError:
        raise ContributionError("Choose who can see this contribution", "visibility") from None
    return title, body, visibility


def default_basis(user: User, learner: Learner) -> tuple[Article6, Article9]:
    """The basis preselected for `user` writing on `learner`'s case: their role's default (as its parent, for a
    member of staff on their own child's case)."""
    return default_for(case_role(user, learner))


def _basis(actor: User, learner: Learner, article6, article9) -> tuple[Article6, Article9]:
    try:
        return chosen_or_default(article6, article9, default_basis(actor, learner))
    except LawfulBasisError as refusal:
        raise ContributionError(str(refusal), refusal.field) from None


def open_cycle_id(learner: Learner) -> int | None:
    """The learner's current open cycle, if the plan has one."""
    return db.session.scalar(
        select(PlanCycle.id)
        .join(SupportPlan, SupportPlan.id == PlanCycle.plan_id)
        .where(SupportPlan.learner_id == learner.id, PlanCycle.closed_at.is_(None),
               PlanCycle.stage != CycleStage.CLOSED)
        .order_by(PlanCycle.number.desc())
        .limit(1)
    )


def add_contribution(actor: User, learner: Learner, *, kind, visibility, title: str, body: str,
                     article6=None, article9=None) -> Contribution:
    """A new contribution by `actor` on `learner`'s case, in one of the kinds of the actor's role, under the lawful
    basis chosen (the role's default when none is given)."""
    require(actor, Action.ADD_CONTRIBUTION, learner)
    try:
        kind = ContributionKind(kind)
    except ValueError:
        raise ContributionError("Choose a kind of contribution", "kind") from None
    if kind not in kinds_for(actor, learner):
        raise ContributionError("You cannot write this kind of contribution in your role", "kind")
    title, body, visibility = _clean(title, body, visibility)
    basis6, basis9 = _basis(actor, learner, article6, article9)
    now = utcnow()
    contribution = Contribution(
        learner_id=learner.id, cycle_id=open_cycle_id(learner), author_id=actor.id, kind=kind,
        visibility=visibility, created_at=now, updated_at=now, lawful_basis=basis6, special_category_condition=basis9,
    )
    contribution.title = title
    writing.write(contribution, CONTRIBUTION_WRITING, body=body)
    db.session.add(contribution)
    db.session.flush()
    record(actor, AuditAction.CREATE, contribution,
           fields=["body", "kind", "lawful_basis", "special_category_condition", "title", "visibility"])
    notifications.contribution_added(actor, contribution)
    return contribution


def edit_contribution(actor: User, contribution: Contribution, *, version, visibility, title: str,
                      body: str, article6=None, article9=None) -> Contribution:
    """Keep the current text as a revision, then save the new one as the next version.

    :raise EditConflict: when someone saved the contribution after `version` was loaded.
    """
    require(actor, Action.EDIT_CONTRIBUTION, contribution)
    title, body, visibility = _clean(title, body, visibility)
    if not article6 and not article9:  # kept as recorded
        basis6, basis9 = contribution.lawful_basis, contribution.special_category_condition
    else:
        basis6, basis9 = _basis(actor, contribution.learner, article6, article9)
    # Lock the row and read its version afresh, so two saves of the same version queue up here
    # and the second one sees the first (PostgreSQL; SQLite writers are serialised already).
    db.session.refresh(contribution, with_for_update=True)
    check_version(contribution, version)
    revision = ContributionRevision(
        contribution_id=contribution.id, version=contribution.version, visibility=contribution.visibility,
        written_by_id=contribution.author_id, written_at=contribution.updated_at,
    )
    revision.title = contribution.title
    writing.copy(contribution, revision, CONTRIBUTION_WRITING)
    db.session.add(revision)
    before = values_of(contribution, ("title", "body", "visibility", "lawful_basis", "special_category_condition",
                                      "lawful_basis_assumed"))
    contribution.lawful_basis, contribution.special_category_condition = basis6, basis9
    if article6 or article9:
        contribution.lawful_basis_assumed = False  # confirmed by its author on the form, no longer assumed
    contribution.title = title
    writing.write(contribution, CONTRIBUTION_WRITING, body=body)
    contribution.visibility = visibility
    contribution.updated_at = utcnow()
    try:
        db.session.flush()
    except StaleDataError:
        raise EditConflict() from None
    record(actor, AuditAction.UPDATE, contribution, fields=fields_changed(contribution, before))
    return contribution


# A case's contributions grow every term it stays open: the list shows them a page at a time, newest first, and the
# plan page the newest few with a way to the list, so neither costs more for a learner with years of them.
PAGE_SIZE = 50
ON_THE_PLAN = 10


def learner_contributions(actor: User, learner: Learner, *, before: str | None = None,
                          limit: int = PAGE_SIZE) -> list[Contribution]:
    """What `actor` may read of `learner`'s contributions, newest first, `limit` of them, authors loaded in the same
    query; `before`: older than the contribution with this public id (one the actor may read on this case: any other
    starts from the newest)."""
    require(actor, Action.VIEW_CASE, learner)
    query = newest_page(visible_contributions(actor, learner), Contribution.created_at, Contribution.id,
                        Contribution.public_id, before, limit)
    return db.session.scalars(query.options(joinedload(Contribution.author))).all()


def newest_contributions(actor: User, learner: Learner) -> tuple[list[Contribution], int]:
    """The plan page's contributions: the newest `ON_THE_PLAN` that `actor` may read on `learner`'s case (authors
    loaded in the same query), and how many they may read in all."""
    require(actor, Action.VIEW_CASE, learner)
    params = learner_params_of(actor, learner)
    newest = db.session.scalars(bound_statement("contributions.newest", actor, _newest), params).all()
    return newest, count_contributions(actor, learner)


def count_contributions(actor: User, learner: Learner) -> int:
    """How many of `learner`'s contributions `actor` may read."""
    require(actor, Action.VIEW_CASE, learner)
    return db.session.scalar(bound_statement("contributions.count", actor, _count),
                             learner_params_of(actor, learner)) or 0


# Built once per shape of user (app.policy.bound), run with the case's learner as a parameter.
def _newest(bound_user):
    scope = visible_contributions(bound_user, BoundLearner())
    newest = scope.order_by(None).order_by(Contribution.created_at.desc(), Contribution.id.desc())
    return newest.options(joinedload(Contribution.author)).limit(ON_THE_PLAN)


def _count(bound_user):
    return visible_contributions(bound_user, BoundLearner()).order_by(None).with_only_columns(func.count())


def contribution_history(actor: User, contribution: Contribution) -> list[tuple[ContributionRevision, User | None]]:
    """Every earlier version with who wrote it, newest first."""
    require(actor, Action.VIEW_CONTRIBUTION, contribution)
    revisions = list(db.session.scalars(
        select(ContributionRevision)
        .where(ContributionRevision.contribution_id == contribution.id)
        .order_by(ContributionRevision.version.desc())
    ))
    writer_ids = {revision.written_by_id for revision in revisions}
    writers = ({user.id: user for user in db.session.scalars(select(User).where(User.id.in_(writer_ids)))}
               if writer_ids else {})
    return [(revision, writers.get(revision.written_by_id)) for revision in revisions]
