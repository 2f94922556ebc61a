"""England's bank holidays and a sensible default school year, computed here (no library is installed for them).

Bank holidays: New Year's Day, Good Friday, Easter Monday, the early May and spring bank holidays, the summer
bank holiday, Christmas Day and Boxing Day, each moved to the next weekday when it falls at a weekend. One-off
holidays (a coronation, a state funeral) are not predictable: a school adds them as closures.
"""
from __future__ import annotations

from datetime import date, timedelta
from functools import cache
from typing import NamedTuple

from app.agencies.calendar.models import PeriodKind

MONDAY, FRIDAY = 0, 4


def easter_sunday(year: int) -> date:
    """The Gregorian Easter (the anonymous Gregorian algorithm, Meeus/Jones/Butcher)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month = (h + ell - 7 * m + 114) // 31
    day = (h + ell - 7 * m + 114) % 31 + 1
    return date(year, month, day)


def _first_weekday(year: int, month: int, weekday: int) -> date:
    day = date(year, month, 1)
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def _last_weekday(year: int, month: int, weekday: int) -> date:
    day = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    return day - timedelta(days=(day.weekday() - weekday) % 7)


@cache
def bank_holidays(year: int) -> frozenset[date]:
    easter = easter_sunday(year)
    days = {easter - timedelta(days=2), easter + timedelta(days=1), _first_weekday(year, 5, MONDAY),
            _last_weekday(year, 5, MONDAY), _last_weekday(year, 8, MONDAY)}
    new_year = date(year, 1, 1)
    days.add(new_year + timedelta(days={5: 2, 6: 1}.get(new_year.weekday(), 0)))
    christmas, boxing = date(year, 12, 25), date(year, 12, 26)
    # A weekend Christmas or Boxing Day moves to the next weekday not already taken.
    if christmas.weekday() == 5:  # Saturday: Monday and Tuesday
        days |= {date(year, 12, 27), date(year, 12, 28)}
    elif christmas.weekday() == 6:  # Sunday: Boxing Day Monday, Christmas Tuesday
        days |= {boxing, date(year, 12, 27)}
    elif christmas.weekday() == 4:  # Friday: Boxing Day on Monday
        days |= {christmas, date(year, 12, 28)}
    else:
        days |= {christmas, boxing}
    return frozenset(days)


def is_bank_holiday(day: date) -> bool:
    return day in bank_holidays(day.year)


def school_year_of(day: date) -> int:
    """The school year a day is in, named by the year it starts: 1 September to 31 August."""
    return day.year if day.month >= 9 else day.year - 1


def school_year_bounds(school_year: int) -> tuple[date, date]:
    return date(school_year, 9, 1), date(school_year + 1, 8, 31)


def school_year_label(school_year: int) -> str:
    return f"{school_year}/{(school_year + 1) % 100:02d}"


class DefaultPeriod(NamedTuple):
    kind: PeriodKind
    name: str
    starts_on: date
    ends_on: date


def _next_weekday(day: date) -> date:
    while day.weekday() > FRIDAY:
        day += timedelta(days=1)
    return day


def _friday_on_or_before(day: date) -> date:
    return day - timedelta(days=(day.weekday() - FRIDAY) % 7)


def _weekday_on_or_before(day: date) -> date:
    while day.weekday() > FRIDAY:
        day -= timedelta(days=1)
    return day


def _week_of(monday: date) -> tuple[date, date]:
    return monday, monday + timedelta(days=4)


def default_periods(school_year: int) -> list[DefaultPeriod]:
    """Three terms with a half-term week in each, as most English schools keep them (a school edits its own)."""
    autumn, spring = school_year, school_year + 1
    easter = easter_sunday(spring)
    autumn_half = _week_of(_last_weekday(autumn, 10, MONDAY))
    spring_half = _week_of(_first_weekday(spring, 2, MONDAY) + timedelta(days=14))
    summer_half = _week_of(_last_weekday(spring, 5, MONDAY))
    return [
        DefaultPeriod(PeriodKind.TERM, "Autumn term", _next_weekday(date(autumn, 9, 1)),
                      _friday_on_or_before(date(autumn, 12, 20))),
        DefaultPeriod(PeriodKind.HALF_TERM, "Autumn half term", *autumn_half),
        DefaultPeriod(PeriodKind.TERM, "Spring term", _next_weekday(date(spring, 1, 4)),
                      easter - timedelta(days=9)),  # the Friday before Holy Week
        DefaultPeriod(PeriodKind.HALF_TERM, "Spring half term", *spring_half),
        DefaultPeriod(PeriodKind.TERM, "Summer term", easter + timedelta(days=8),  # the Monday after Easter week
                      _weekday_on_or_before(date(spring, 7, 22))),
        DefaultPeriod(PeriodKind.HALF_TERM, "Summer half term", *summer_half),
    ]
