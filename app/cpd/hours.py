"""CPD hours arithmetic: the CPD year, the pro-rata target and progress against it, in Decimal hours."""
from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

ANNUAL_TARGET_HOURS = Decimal("30")
MAX_HOURS_PER_ENTRY = Decimal("24")
TENTH = Decimal("0.1")
ZERO = Decimal("0")
_MONTH_ABBREVIATIONS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class Participation(enum.Enum):
    """Whether CPD was done with others or alone: the chart shows the two apart."""

    PARTICIPATORY = "participatory"
    INDIVIDUAL = "individual"

    @property
    def label(self) -> str:
        return PARTICIPATION_LABELS[self]


PARTICIPATION_LABELS = {
    Participation.PARTICIPATORY: "Participatory (with others)",
    Participation.INDIVIDUAL: "Individual",
}


def _round_tenth(value: Decimal) -> Decimal:
    return value.quantize(TENTH, rounding=ROUND_HALF_UP)


def _add_months(day: date, months: int) -> date:
    # Safe because a CPD year may only start on days 1-28, which every month has.
    index = day.month - 1 + months
    return day.replace(year=day.year + index // 12, month=index % 12 + 1)


def _require_decimal(value: object, name: str) -> Decimal:
    # Floats would bring binary rounding into hours a practitioner can check by hand.
    if isinstance(value, bool) or not isinstance(value, (Decimal, int)):
        raise TypeError(f"{name} must be a Decimal, not {type(value).__name__}")
    value = Decimal(value)
    if not value.is_finite():
        raise ValueError(f"{name} must be a finite number")
    return value


def format_hours(value: Decimal) -> str:
    """Hours to one decimal place ("12.0", "9.3"); finer logged values (12.25) keep their digits."""
    if value == value.quantize(TENTH, rounding=ROUND_HALF_UP):
        return f"{value.quantize(TENTH):f}"
    return f"{value.normalize():f}"


def month_label(month: date) -> str:
    """"Sep 2025": fixed English abbreviations, whatever the server's locale."""
    return f"{_MONTH_ABBREVIATIONS[month.month - 1]} {month.year}"


@dataclass(frozen=True)
class CpdYear:
    """Twelve months of CPD, from starts_on to ends_on inclusive (the day before the next year starts)."""

    starts_on: date
    ends_on: date

    def __post_init__(self) -> None:
        if not 1 <= self.starts_on.day <= 28:
            raise ValueError("a CPD year must start on day 1 to 28 of a month")
        if self.ends_on != _add_months(self.starts_on, 12) - timedelta(days=1):
            raise ValueError("a CPD year ends the day before the same date a year after it starts")

    @classmethod
    def starting_on(cls, day: date) -> CpdYear:
        return cls(day, _add_months(day, 12) - timedelta(days=1))

    @property
    def label(self) -> str:
        if (self.starts_on.month, self.starts_on.day) == (1, 1):
            return str(self.starts_on.year)
        return f"{self.starts_on.year} to {self.ends_on.year}"

    @property
    def days(self) -> int:
        return (self.ends_on - self.starts_on).days + 1

    @property
    def months(self) -> list[date]:
        """The start of each of the twelve months (the 1st, unless the year starts on another day)."""
        return [_add_months(self.starts_on, k) for k in range(12)]

    def contains(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on

    def previous(self) -> CpdYear:
        return CpdYear.starting_on(_add_months(self.starts_on, -12))

    def next(self) -> CpdYear:
        return CpdYear.starting_on(self.ends_on + timedelta(days=1))


def cpd_year_containing(day: date, start_month: int, start_day: int = 1) -> CpdYear:
    """The CPD year, starting each year on start_month/start_day, that contains day."""
    if not 1 <= start_month <= 12:
        raise ValueError("the CPD year's start month must be 1 to 12")
    if not 1 <= start_day <= 28:
        raise ValueError("the CPD year's start day must be 1 to 28")
    this_years_start = date(day.year, start_month, start_day)
    if day >= this_years_start:
        return CpdYear.starting_on(this_years_start)
    return CpdYear.starting_on(date(day.year - 1, start_month, start_day))


def target_hours(fte: Decimal) -> Decimal:
    """30 hours a year pro rata to full-time equivalence, to the nearest tenth of an hour."""
    fte = _require_decimal(fte, "FTE")
    if not ZERO < fte <= 1:
        raise ValueError("FTE must be more than 0 and at most 1")
    return _round_tenth(ANNUAL_TARGET_HOURS * fte)


@dataclass(frozen=True)
class LoggedHours:
    """The hours of one CPD entry: all the arithmetic needs to know about it."""

    on: date
    hours: Decimal
    participation: Participation

    def __post_init__(self) -> None:
        hours = _require_decimal(self.hours, "hours")
        if not ZERO < hours <= MAX_HOURS_PER_ENTRY:
            raise ValueError("an entry's hours must be more than 0 and at most 24")
        object.__setattr__(self, "hours", hours)  # an int given becomes a Decimal too
        if not isinstance(self.participation, Participation):
            raise TypeError("participation must be a Participation")


@dataclass(frozen=True)
class MonthHours:
    """One month of the year: hours logged in it, the running total and the pro-rata line at its end."""

    month: date
    participatory: Decimal
    individual: Decimal
    cumulative: Decimal
    expected: Decimal
    started: bool  # has the month begun by "today"? The chart's running total stops at today's month.

    @property
    def total(self) -> Decimal:
        return self.participatory + self.individual

    @property
    def label(self) -> str:
        return month_label(self.month)

    @property
    def short_label(self) -> str:
        return _MONTH_ABBREVIATIONS[self.month.month - 1]


@dataclass(frozen=True)
class HoursSummary:
    """A practitioner's progress towards their CPD target for one year, as of one day."""

    year: CpdYear
    fte: Decimal
    target: Decimal
    participatory: Decimal
    individual: Decimal
    total: Decimal
    expected_to_date: Decimal
    on_track: bool
    months: list[MonthHours]
    statement: str

    # Templates format through the summary so they need no extra filter registered.
    format_hours = staticmethod(format_hours)

    @property
    def target_met(self) -> bool:
        return self.total >= self.target

    @property
    def axis_max(self) -> Decimal:
        """Top of the chart's hours axis: the first gridline at or above both the target and the total."""
        step = self.axis_step
        return (max(self.target, self.total) / step).to_integral_value(rounding=ROUND_CEILING) * step

    @property
    def axis_step(self) -> Decimal:
        """Gridline spacing: 1, 2 or 5 times a power of ten, giving at most six gridlines above zero."""
        highest = max(self.target, self.total)  # the total is never below any month's running total
        power = Decimal(1)
        while True:
            for multiple in (1, 2, 5):
                if highest <= power * multiple * 6:
                    return power * multiple
            power *= 10

    @property
    def axis_ticks(self) -> list[Decimal]:
        step = self.axis_step
        return [step * k for k in range(int(self.axis_max / step) + 1)]


def _expected_by(target: Decimal, year: CpdYear, today: date) -> Decimal:
    if today < year.starts_on:
        return _round_tenth(ZERO)
    if today > year.ends_on:
        return target
    days_elapsed = (today - year.starts_on).days + 1
    # Multiply before dividing so that an exact half (e.g. 2.475 -> 2.5) is not lost to a recurring decimal.
    return _round_tenth(target * days_elapsed / year.days)


def _statement(target: Decimal, total: Decimal, expected: Decimal, year_over: bool) -> str:
    hours, of = format_hours(total), format_hours(target)
    if total >= target:
        return f"Target met: {hours} of {of} hours."
    if year_over:
        return f"Target not met: {hours} of {of} hours — {format_hours(target - total)} hours short."
    so_far = f"{hours} of {of} hours so far; {format_hours(expected)} expected by today"
    if total >= expected:
        return f"On track: {so_far}."
    return f"Behind: {so_far} — {format_hours(expected - total)} hours to catch up."


def summarise(
    entries: Iterable[LoggedHours],
    *,
    fte: Decimal,
    start_month: int,
    today: date,
    year: CpdYear | None = None,
) -> HoursSummary:
    """Progress in the CPD year containing today (or the given year): only entries inside it count."""
    if year is None:
        year = cpd_year_containing(today, start_month)
    elif year.starts_on.month != start_month:
        raise ValueError("the year given does not start in the CPD start month")
    target = target_hours(fte)
    starts = year.months
    participatory = [ZERO] * 12
    individual = [ZERO] * 12
    for entry in entries:
        if not year.contains(entry.on):
            continue
        index = max(k for k, start in enumerate(starts) if start <= entry.on)
        if entry.participation is Participation.PARTICIPATORY:
            participatory[index] += entry.hours
        else:
            individual[index] += entry.hours

    months = []
    running = ZERO
    for k, start in enumerate(starts):
        running += participatory[k] + individual[k]
        months.append(MonthHours(
            month=start,
            participatory=participatory[k],
            individual=individual[k],
            cumulative=running,
            expected=_round_tenth(target * (k + 1) / 12),
            started=start <= today,
        ))

    total = running
    expected = _expected_by(target, year, today)
    return HoursSummary(
        year=year,
        fte=Decimal(fte),
        target=target,
        participatory=sum(participatory, ZERO),
        individual=sum(individual, ZERO),
        total=total,
        expected_to_date=expected,
        on_track=total >= expected,
        months=months,
        statement=_statement(target, total, expected, year_over=today > year.ends_on),
    )
