"""Keeping the school calendar, and counting school days in it. Services flush; views commit.

A school day is a weekday inside a term that is not in a half term, a closure or a bank holiday. A school
year with no term recorded counts by England's default year (app.agencies.calendar.england), so deadlines
in school days work from the first day.
"""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from app.agencies.accounts.models import User
from app.agencies.calendar.england import (
    DefaultPeriod,
    default_periods,
    is_bank_holiday,
    school_year_bounds,
    school_year_of,
)
from app.agencies.calendar.models import PeriodKind, SchoolCalendarPeriod
from app.audit.events import record
from app.audit.models import AuditAction
from app.core.conflicts import check_version
from app.extensions import db
from app.policy import Action, require
from app.problems import Refusal

NAME_MAX = 100
# Counting further than this is a mistake in the caller, not a deadline.
MAX_SCHOOL_DAYS = 1000
FIELDS = ("kind", "name", "starts_on", "ends_on")


class CalendarError(Refusal):
    """A period that cannot be kept as given."""


def periods(school_id: int, school_year: int | None = None) -> list[SchoolCalendarPeriod]:
    """The school's recorded periods (of one school year, when given), in date order."""
    query = select(SchoolCalendarPeriod).where(SchoolCalendarPeriod.school_id == school_id)
    if school_year is not None:
        first, last = school_year_bounds(school_year)
        query = query.where(SchoolCalendarPeriod.starts_on <= last, SchoolCalendarPeriod.ends_on >= first)
    return list(db.session.scalars(query.order_by(SchoolCalendarPeriod.starts_on, SchoolCalendarPeriod.id)))


def _checked(kind: str, name: str, starts_on: date, ends_on: date) -> tuple[PeriodKind, str]:
    try:
        kind = PeriodKind(kind)
    except ValueError:
        raise CalendarError("Choose what kind of period this is", "kind") from None
    name = (name or "").strip()
    if not name:
        raise CalendarError("Enter a name, for example Autumn term or INSET day", "name")
    if len(name) > NAME_MAX:
        raise CalendarError(f"The name must be {NAME_MAX} characters or fewer", "name")
    if ends_on < starts_on:
        raise CalendarError("The last day must be the same as or after the first day", "ends_on")
    if school_year_of(starts_on) != school_year_of(ends_on):
        raise CalendarError("A period must be inside one school year (1 September to 31 August)", "ends_on")
    return kind, name


def add_period(actor: User, *, kind: str, name: str, starts_on: date, ends_on: date) -> SchoolCalendarPeriod:
    """:raise CalendarError: naming the field."""
    require(actor, Action.EDIT_SCHOOL_CALENDAR)
    kind, name = _checked(kind, name, starts_on, ends_on)
    period = SchoolCalendarPeriod(school_id=actor.agency_id, kind=kind, name=name, starts_on=starts_on,
                                  ends_on=ends_on)
    db.session.add(period)
    db.session.flush()
    record(actor, AuditAction.CREATE, period, fields=FIELDS)
    return period


def change_period(actor: User, period: SchoolCalendarPeriod, *, version, kind: str, name: str, starts_on: date,
                  ends_on: date) -> list[str]:
    """The fields changed (none: nothing written). :raise CalendarError:, EditConflict."""
    require(actor, Action.EDIT_SCHOOL_CALENDAR, period)
    check_version(period, version)
    kind, name = _checked(kind, name, starts_on, ends_on)
    wanted = {"kind": kind, "name": name, "starts_on": starts_on, "ends_on": ends_on}
    changed = [field for field, value in wanted.items() if getattr(period, field) != value]
    for field in changed:
        setattr(period, field, wanted[field])
    if changed:
        db.session.flush()
        record(actor, AuditAction.UPDATE, period, fields=changed)
    return changed


def remove_period(actor: User, period: SchoolCalendarPeriod) -> None:
    require(actor, Action.EDIT_SCHOOL_CALENDAR, period)
    record(actor, AuditAction.DELETE, period)
    db.session.delete(period)
    db.session.flush()


def add_default_year(actor: User, school_year: int) -> list[SchoolCalendarPeriod]:
    """Record England's default terms and half terms for a school year that has none yet (then edit them).

    :raise CalendarError: when the school year already has periods (nothing is added twice).
    """
    require(actor, Action.EDIT_SCHOOL_CALENDAR)
    if periods(actor.agency_id, school_year):
        raise CalendarError("This school year already has dates: change or remove them instead")
    return [add_period(actor, kind=period.kind.value, name=period.name, starts_on=period.starts_on,
                       ends_on=period.ends_on) for period in default_periods(school_year)]


# --- school days --------------------------------------------------------------------------------


class SchoolDays:
    """Which days a school opens, read once per school year asked about."""

    def __init__(self, school_id: int):
        self.school_id = school_id
        self._years: dict[int, list] = {}

    def _periods(self, school_year: int) -> list[SchoolCalendarPeriod | DefaultPeriod]:
        if school_year not in self._years:
            kept = periods(self.school_id, school_year)
            has_terms = any(period.kind is PeriodKind.TERM for period in kept)
            # Half terms and closures recorded without terms still count against the default terms.
            self._years[school_year] = kept if has_terms else kept + default_periods(school_year)
        return self._years[school_year]

    def is_school_day(self, day: date) -> bool:
        if day.weekday() >= 5 or is_bank_holiday(day):
            return False
        found = [period for period in self._periods(school_year_of(day))
                 if period.starts_on <= day <= period.ends_on]
        return any(p.kind is PeriodKind.TERM for p in found) and not any(p.kind is not PeriodKind.TERM for p in found)


def is_school_day(school_id: int, day: date) -> bool:
    return SchoolDays(school_id).is_school_day(day)


def school_days_between(school_id: int, start: date, end: date) -> int:
    """School days after `start` up to and including `end` (0 when `end` is not after `start`)."""
    days = SchoolDays(school_id)
    count, day = 0, start + timedelta(days=1)
    while day <= end:
        count += days.is_school_day(day)
        day += timedelta(days=1)
    return count


def add_school_days(school_id: int, start: date, school_days: int) -> date:
    """The day `school_days` school days after `start` (a deadline "within 15 school days"); 0 gives `start`.

    :raise ValueError: for a negative count or one beyond MAX_SCHOOL_DAYS.
    """
    if not 0 <= school_days <= MAX_SCHOOL_DAYS:
        raise ValueError(f"school_days must be between 0 and {MAX_SCHOOL_DAYS}")
    days, day, left = SchoolDays(school_id), start, school_days
    while left:
        day += timedelta(days=1)
        left -= days.is_school_day(day)
    return day
