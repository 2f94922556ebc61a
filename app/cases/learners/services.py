"""Registering and finding learners. Services take the acting user, record the event and flush; views commit."""
from __future__ import annotations

import re
from datetime import date
from typing import Literal, NamedTuple

from sqlalchemy import bindparam, func, select

from app.agencies.accounts.models import User
from app.audit.changes import fields_given
from app.audit.events import record
from app.audit.models import AuditAction
from app.cases.learners.models import (
    YEAR_GROUPS,
    AreaOfNeed,
    Learner,
    SenStatus,
    YearGroupSource,
    name_and_birth_index,
    normalise_name,
    normalise_upn,
)
from app.cases.learners.upn import upn_problem
from app.cases.plans.models import CycleStage, PlanCycle, SupportPlan
from app.core import writing
from app.core.dates import today as school_today
from app.extensions import db
from app.policy import Action, bound_statement, listed_learners, params_of, require, visible_learners
from app.problems import Refusal
from app.security.crypto import blind_index

# A UPN is a letter, eleven digits, then a digit or letter (DfE format).
# ASCII: `\d` would let other scripts' digits past the blind index
UPN_PATTERN = re.compile(r"^[A-Z][0-9]{11}[0-9A-Z]$")


class LearnerError(Refusal):
    """A learner that cannot be registered as given."""


class LooksLikeRegistered(LearnerError):
    """The learner seems to be registered already (same name and date of birth): confirm before registering."""

    def __init__(self, learner: Learner):
        super().__init__("This looks like a learner already registered", "not_a_duplicate")
        self.learner = learner


LEARNER_WRITING = ("notes",)
LEARNER_FIELDS = ("name", "preferred_name", "date_of_birth", "year_group", "upn", "notes", "areas_of_need",
                  "sen_status", "registration_group")


def register_learner(
    actor: User,
    *,
    name: str,
    date_of_birth: date,
    year_group: int,
    preferred_name: str | None = None,
    upn: str | None = None,
    notes: str | None = None,
    areas_of_need: list[AreaOfNeed] | None = None,
    sen_status: SenStatus | None = None,
    registration_group: str | None = None,
    not_a_duplicate: bool = False,
) -> Learner:
    """:raise LooksLikeRegistered: when a learner of the school has the same name and date of birth, unless
    `not_a_duplicate` says the person registering has checked it is another child."""
    require(actor, Action.REGISTER_LEARNER)
    name, upn, areas_of_need = checked_details(actor, name=name, date_of_birth=date_of_birth, year_group=year_group,
                                               upn=upn, areas_of_need=areas_of_need)
    if not not_a_duplicate:
        for lookalike in find_by_name_and_birth(actor, name, date_of_birth):
            raise LooksLikeRegistered(lookalike)
    learner = Learner(school_id=actor.agency_id)
    learner.set_year_group(year_group, YearGroupSource.REGISTERED, school_today())
    learner.set_name_and_birth(name, date_of_birth)
    learner.preferred_name = (preferred_name or "").strip() or None
    learner.upn = upn
    writing.write(learner, LEARNER_WRITING, notes=notes)
    learner.areas_of_need = list(dict.fromkeys(areas_of_need))
    learner.sen_status = SenStatus(sen_status) if sen_status else None
    learner.registration_group = (registration_group or "").strip() or None
    db.session.add(learner)
    db.session.flush()
    record(actor, AuditAction.CREATE, learner, fields=fields_given(learner, LEARNER_FIELDS))
    return learner


def checked_details(actor: User, *, name, date_of_birth, year_group, upn, areas_of_need,
                    learner: Learner | None = None) -> tuple[str, str | None, list[AreaOfNeed]]:
    """The details every learner must have, checked alike on registration and on correction: (name, UPN, areas).

    :raise LearnerError: naming the field. `learner`: the learner being corrected (its own UPN is no clash).
    """
    name = (name or "").strip()
    if not normalise_name(name):
        raise LearnerError("Enter the learner's full name", "name")
    if year_group not in YEAR_GROUPS:
        raise LearnerError("Choose a year group", "year_group")
    if date_of_birth is None or date_of_birth >= school_today():
        raise LearnerError("Date of birth must be in the past", "date_of_birth")
    areas_of_need = list(dict.fromkeys(AreaOfNeed(area) for area in areas_of_need or []))
    if not areas_of_need:
        raise LearnerError("Select at least one area of need", "areas_of_need")
    upn = normalise_upn(upn) or None
    if upn is not None:
        if (problem := upn_problem(upn)) is not None:
            raise LearnerError(problem, "upn")
        holder = db.session.scalars(select(Learner).where(
            Learner.school_id == actor.agency_id, Learner.upn_index == blind_index("upn", upn),
            Learner.merged_into_id.is_(None))).first()
        if holder is not None and holder is not learner:
            raise LearnerError("A learner with this UPN is already registered at your school", "upn")
    return name, upn, areas_of_need


def find_by_upn(actor: User, upn: str, include_archived: bool = False) -> Learner | None:
    require(actor, Action.FIND_LEARNER)
    index = blind_index("upn", normalise_upn(upn))
    return db.session.scalars(listed_learners(actor, include_archived).where(Learner.upn_index == index)).first()


def find_by_name_and_birth(actor: User, name: str, date_of_birth: date) -> list[Learner]:
    """Learners of the school with this name and date of birth (through their blind index): likely the same child."""
    require(actor, Action.REGISTER_LEARNER)
    index = name_and_birth_index(name, date_of_birth)
    return db.session.scalars(visible_learners(actor).where(Learner.name_and_birth_index == index)).all()


def find_by_name(actor: User, name: str, include_archived: bool = False) -> list[Learner]:
    require(actor, Action.FIND_LEARNER)
    index = blind_index("name", normalise_name(name))
    return db.session.scalars(listed_learners(actor, include_archived).where(Learner.name_index == index)).all()


# The filter value for "no SEN status recorded" and for "no plan yet" (no open plan cycle).
NOT_RECORDED = "none"
NO_PLAN = "none"


# The learner list shows this many a page: what a page costs stays the same however large the school.
PAGE_SIZE = 50


class FilteredLearners(NamedTuple):
    learners: list[Learner]  # the page asked for of those that pass every filter, in the scope's order
    total: int  # every learner the actor may list, filtered or not
    matched: int  # those that pass every filter
    page: int  # the page shown (the last one when a later one was asked for), from 1
    pages: int


def filter_learners(
    actor: User,
    *,
    year: int | None = None,
    need: AreaOfNeed | None = None,
    status: SenStatus | Literal["none"] | None = None,
    stage: CycleStage | Literal["none"] | None = None,
    include_archived: bool = False,
    page: int = 1,
    size: int = PAGE_SIZE,
) -> FilteredLearners:
    """One page of the learners `actor` may list, narrowed by year group, area of need, SEN status and plan stage.

    The year group is a plain column, compared and paged in SQL. Areas of need and SEN status are sealed, so with
    those (or the stage) every learner of the year is opened and compared here (a school has a few thousand
    learners at most), then the page cut. None means any. Archived learners (leavers) are left out unless the
    SENCo or the DSL asks for them (`include_archived`).
    """
    require(actor, Action.LIST_LEARNERS)
    if need is None and status is None and stage is None:
        # Counted apart (ids only, through the school's index), then one page: a window count in the page's own
        # statement would make the database carry every learner's sealed columns through the sort. Without the
        # leavers (every day's list), the statements are built once per shape of user (app.policy.bound).
        by_year = year is not None
        if include_archived:
            statements = _unfiltered_statements(listed_learners(actor, include_archived), by_year)
        else:
            statements = bound_statement("learners.unfiltered", actor,
                                         lambda user: _unfiltered_statements(listed_learners(user), by_year), by_year)
        count_all, count_year, page_of = statements
        params = {**params_of(actor), "year": year, "size": size}
        total = db.session.scalar(count_all, params)
        matched = db.session.scalar(count_year, params) if by_year else total
        page, pages = _bounded(page, matched, size)
        learners = list(db.session.scalars(page_of, {**params, "offset": (page - 1) * size}))
        return FilteredLearners(learners, total, matched, page, pages)
    scope = listed_learners(actor, include_archived)
    narrowed = scope if year is None else scope.where(Learner.year_group == year)
    total = _count(scope)
    learners = list(db.session.scalars(narrowed))
    if need is not None:
        learners = [learner for learner in learners if need in (learner.areas_of_need or ())]
    if status is not None:
        wanted = None if status == NOT_RECORDED else SenStatus(status)
        learners = [learner for learner in learners if learner.sen_status == wanted]
    if stage is not None and learners:
        stages = _open_stages(narrowed)
        wanted = None if stage == NO_PLAN else CycleStage(stage)
        learners = [learner for learner in learners if stages.get(learner.id) == wanted]
    page, pages = _bounded(page, len(learners), size)
    return FilteredLearners(learners[(page - 1) * size:page * size], total, len(learners), page, pages)


def _unfiltered_statements(scope, by_year: bool) -> tuple:
    """(count of `scope`, count of the year's, a page of the year's): the year, size and offset are parameters."""
    narrowed = scope.where(Learner.year_group == bindparam("year")) if by_year else scope
    return (_count_statement(scope), _count_statement(narrowed),
            narrowed.limit(bindparam("size")).offset(bindparam("offset")))


def _count_statement(scope):
    return select(func.count()).select_from(scope.order_by(None).with_only_columns(Learner.id).subquery())


def _count(scope) -> int:
    return db.session.scalar(_count_statement(scope))


def _bounded(page: int, count: int, size: int) -> tuple[int, int]:
    """(the page to show, how many pages): a page past the last shows the last."""
    pages = max(1, -(-count // size))
    return min(max(page, 1), pages), pages


def _open_stages(scope) -> dict[int, CycleStage]:
    """The stage of the open plan cycle of each learner in `scope`, in one query (none per learner)."""
    ids = scope.with_only_columns(Learner.id).order_by(None)
    rows = db.session.execute(
        select(SupportPlan.learner_id, PlanCycle.stage)
        .join(PlanCycle, PlanCycle.plan_id == SupportPlan.id)
        .where(SupportPlan.learner_id.in_(ids), PlanCycle.closed_at.is_(None), PlanCycle.stage != CycleStage.CLOSED)
        .order_by(PlanCycle.number)
    )
    return dict(rows.all())  # ordered by number: the newest open cycle wins
