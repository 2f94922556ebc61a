"""When a request must be answered: pure functions of dates (and, for the educational record, of which days the
school is open), so that every rule is table-tested without a database.

- A subject access request (UK GDPR Article 15): one calendar month from the day the clock starts (ICO: the
  corresponding date in the next month, or that month's last day when it has none: 31 January gives 28 or 29
  February), moved to the next working day when it falls on a weekend or an England and Wales bank holiday.
- An extension (Article 12(3)): up to two further months, counted from the same start, moved alike.
- A parent's request to see the educational record at a maintained school: 15 school days from receipt (the
  Education (Pupil Information) (England) Regulations 2005), counted on the school's own calendar.
"""
from __future__ import annotations

import calendar
from collections.abc import Callable
from datetime import date, timedelta

from app.agencies.calendar.england import is_bank_holiday

MONTHS_TO_ANSWER = 1
MAX_EXTENSION_MONTHS = 2
EDUCATIONAL_RECORD_SCHOOL_DAYS = 15
MAX_SCHOOL_DAYS_SCANNED = 400  # calendar days: a school calendar with no term ahead must not loop for ever


def add_months(day: date, months: int) -> date:
    """The corresponding date `months` later; the last day of that month when it has no such date."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and not is_bank_holiday(day)


def next_working_day(day: date) -> date:
    """`day` itself when it is a working day, else the first working day after it."""
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def article_15_due(clock_starts_on: date, extension_months: int = 0) -> date:
    """The day an Article 15 request is due, counted from the day its clock starts (receipt, or identity
    confirmed), with `extension_months` (0 to 2) more for a complex request."""
    if not 0 <= extension_months <= MAX_EXTENSION_MONTHS:
        raise ValueError(f"an extension is of 0 to {MAX_EXTENSION_MONTHS} months")
    return next_working_day(add_months(clock_starts_on, MONTHS_TO_ANSWER + extension_months))


def latest_extension(clock_starts_on: date) -> date:
    """The furthest an Article 15 request can be extended to: three months in all."""
    return article_15_due(clock_starts_on, MAX_EXTENSION_MONTHS)


def educational_record_due(received_on: date, is_school_day: Callable[[date], bool],
                           school_days: int = EDUCATIONAL_RECORD_SCHOOL_DAYS) -> date:
    """The `school_days`-th school day after `received_on` (the day of receipt itself does not count; holidays,
    INSET days and weekends do not count). `is_school_day` is the school's calendar
    (app.agencies.calendar.services.SchoolDays(...).is_school_day).

    :raise ValueError: when the calendar has no school day for MAX_SCHOOL_DAYS_SCANNED days.
    """
    day, left, scanned = received_on, school_days, 0
    while left:
        day += timedelta(days=1)
        scanned += 1
        if scanned > MAX_SCHOOL_DAYS_SCANNED:
            raise ValueError("the school calendar has no school days ahead")
        left -= is_school_day(day)
    return day


def days_until(due_on: date, today: date) -> int:
    return (due_on - today).days


def is_overdue(due_on: date, today: date, closed: bool) -> bool:
    """Overdue: still open and the school's today is past the due date (due today is not yet overdue)."""
    return not closed and today > due_on
