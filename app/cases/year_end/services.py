"""The year end and leavers. Services flush; views commit; the periodic job commits per school.

On the school's year-end date year groups move up one, unless the year group was set on or after that date
(an MIS import that already holds the new year, or this year end itself: so running twice moves nobody twice).
The top year group leaves instead, and so does every learner marked as leaving by then: they are archived.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from app.agencies.accounts.models import User
from app.agencies.calendar.england import school_year_bounds, school_year_label, school_year_of
from app.audit.events import record
from app.audit.models import AuditAction
from app.cases.learners.models import YEAR_GROUPS, Learner, YearGroupSource
from app.cases.year_end.models import SchoolYearEnd
from app.core.dates import day as shown_day
from app.core.dates import today as school_today
from app.extensions import db
from app.policy import Action, require
from app.problems import Refusal
from app.types import utcnow

PURPOSE = "year_end"
TOP_YEAR = max(YEAR_GROUPS)


class YearEndError(Refusal):
    """A year end that cannot be set as given."""


def year_end_of(school_id: int, school_year: int) -> SchoolYearEnd | None:
    return db.session.scalars(select(SchoolYearEnd).where(SchoolYearEnd.school_id == school_id,
                                                          SchoolYearEnd.school_year == school_year)).first()


def set_year_end(actor: User, *, year_end_on: date, top_year_group: int, on: date | None = None) -> SchoolYearEnd:
    """Set (or move) this school year's year end. :raise YearEndError: a date outside the school year, a year
    group that is not one, or a year end already carried out."""
    require(actor, Action.MANAGE_YEAR_END)
    school_year = school_year_of(on or school_today())
    first, last = school_year_bounds(school_year)
    if not first <= year_end_on <= last:
        raise YearEndError(f"The year end must be inside the school year {school_year_label(school_year)}: "
                           f"between {shown_day(first)} and {shown_day(last)}", "year_end_on")
    if top_year_group not in YEAR_GROUPS:
        raise YearEndError("Choose the school's top year group from the list", "top_year_group")
    year_end = year_end_of(actor.agency_id, school_year)
    if year_end is not None and year_end.carried_out_at is not None:
        raise YearEndError("This school year has ended already: its year groups were moved up", "year_end_on")
    created = year_end is None
    if created:
        year_end = SchoolYearEnd(school_id=actor.agency_id, school_year=school_year)
        db.session.add(year_end)
    changed = [field for field, value in (("year_end_on", year_end_on), ("top_year_group", top_year_group))
               if getattr(year_end, field) != value]
    year_end.year_end_on, year_end.top_year_group, year_end.set_by_id = year_end_on, top_year_group, actor.id
    year_end.set_at = utcnow()
    db.session.flush()
    if changed:
        record(actor, AuditAction.CREATE if created else AuditAction.UPDATE, year_end, fields=changed)
    return year_end


@dataclass(frozen=True)
class YearEndPlan:
    """What a year end does, counted for the confirmation page (numbers only: no learner is named)."""

    move_up: list[Learner]
    leave: list[Learner]
    already_set: list[Learner]  # set for the new year by an MIS import: left as they are


def plan_year_end(year_end: SchoolYearEnd) -> YearEndPlan:
    move_up, leave, already_set = [], [], []
    # A restricted record (UK GDPR Article 18) is changed by nobody, the year end included: it stays as it is.
    learners = db.session.scalars(select(Learner).where(Learner.school_id == year_end.school_id,
                                                        Learner.archived_at.is_(None), Learner.restricted_at.is_(None))
                                  .order_by(Learner.id))
    for learner in learners:
        if learner.leaving_on is not None and learner.leaving_on <= year_end.year_end_on:
            leave.append(learner)
        elif learner.year_group_set_on is not None and learner.year_group_set_on >= year_end.year_end_on:
            already_set.append(learner)
        elif learner.year_group >= year_end.top_year_group or learner.year_group == TOP_YEAR:
            leave.append(learner)
        else:
            move_up.append(learner)
    return YearEndPlan(move_up, leave, already_set)


def carry_out_year_end(actor: User | None, year_end: SchoolYearEnd) -> bool:
    """Move year groups up and archive the leavers, once (False: carried out already, nothing done).

    `actor` is the SENCo who ran it now, or None for the periodic job (the trail names the system).
    """
    if actor is not None:
        require(actor, Action.MANAGE_YEAR_END, year_end)
    if year_end.carried_out_at is not None:
        return False
    plan = plan_year_end(year_end)
    for learner in plan.move_up:
        learner.set_year_group(learner.year_group + 1, YearGroupSource.YEAR_END, year_end.year_end_on)
        record(actor, AuditAction.UPDATE, learner, fields=("year_group",), purpose=PURPOSE)
    for learner in plan.leave:
        _archive(actor, learner)
    year_end.carried_out_at = utcnow()
    year_end.moved_count, year_end.archived_count = len(plan.move_up), len(plan.leave)
    db.session.flush()
    record(actor, AuditAction.UPDATE, year_end, fields=("carried_out_at",), purpose=PURPOSE)
    return True


def _archive(actor: User | None, learner: Learner) -> None:
    learner.archived_at = utcnow()
    db.session.flush()
    record(actor, AuditAction.UPDATE, learner, fields=("archived_at",), purpose=PURPOSE)


def mark_leaving(actor: User, learner: Learner, leaving_on: date | None) -> bool:
    """Mark the learner as leaving on a day (None: not leaving after all); False when nothing changed.
    From that day (the periodic job) or at the year end, whichever is first, the learner is archived."""
    require(actor, Action.MARK_LEAVING, learner)
    if learner.leaving_on == leaving_on:
        return False
    learner.leaving_on = leaving_on
    db.session.flush()
    record(actor, AuditAction.UPDATE, learner, fields=("leaving_on",))
    return True


def due_year_ends(on: date) -> list[SchoolYearEnd]:
    return list(db.session.scalars(select(SchoolYearEnd).where(SchoolYearEnd.year_end_on <= on,
                                                               SchoolYearEnd.carried_out_at.is_(None))
                                   .order_by(SchoolYearEnd.id)))


def due_leavers(on: date) -> list[Learner]:
    # A restricted record is archived once the restriction is lifted (its leaving day has passed by then).
    return list(db.session.scalars(select(Learner).where(Learner.leaving_on <= on, Learner.archived_at.is_(None),
                                                         Learner.restricted_at.is_(None))
                                   .order_by(Learner.id)))


def archive_due_leavers(on: date) -> int:
    """Archive every learner whose leaving day has come (the periodic job; the trail names the system)."""
    leavers = due_leavers(on)
    for learner in leavers:
        _archive(None, learner)
    return len(leavers)

