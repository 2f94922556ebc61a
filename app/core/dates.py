"""Dates and times as people read them: one formatter, every moment on the school's clock (BRAID_TIMEZONE)."""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import Flask, current_app

DEFAULT_ZONE = "Europe/London"

# Spelled out here rather than strftime's %A, %B and %b, which follow the process's locale; %-d is glibc only.
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def school_zone() -> ZoneInfo:
    """The school's clock (BRAID_TIMEZONE): working hours, days and times shown to people."""
    return ZoneInfo(current_app.config.get("BRAID_TIMEZONE", DEFAULT_ZONE))


def local(moment: datetime) -> datetime:
    """A moment on the school's clock. A naive datetime is UTC: the app stores only UTC, and SQLite hands it back
    without its zone when it is read around the UTC column type (raw SQL)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(school_zone())


def today() -> date:
    """The day it is at the school: in summer, 23:30 UTC is already tomorrow."""
    return datetime.now(school_zone()).date()


def end_of_day(day: date) -> datetime:
    """The last second of `day` on the school's clock, in UTC: access that ends "on" a day, so that the
    pages show that day back."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=school_zone()).astimezone(UTC)


def school_day(value: date | datetime) -> date:
    """The day a moment falls on at the school. A plain date is a day on the calendar (a date of birth, a due
    date): it has no zone to move from."""
    return local(value).date() if isinstance(value, datetime) else value


def _moment(value: datetime, format_name: str) -> datetime:
    if not isinstance(value, datetime):
        raise TypeError(f"{format_name} needs a datetime, not {type(value).__name__}")
    return local(value)


def _clock(value: time | datetime, with_seconds: bool = False) -> str:
    # By hand rather than strftime: the audit trail's tables show fifty of these a page.
    clock = f"{value.hour:02d}:{value.minute:02d}"
    return f"{clock}:{value.second:02d}" if with_seconds else clock


def _day_text(on: date | datetime, month_letters: int | None = None) -> str:
    """`on`'s day as it reads, for a date or a moment already on the school's clock."""
    return f"{on.day} {MONTHS[on.month - 1][:month_letters]} {on.year}"


def day(value: date | datetime | None) -> str:
    """3 December 2026."""
    if value is None:
        return ""
    return _day_text(school_day(value))


def long_day(value: date | datetime | None) -> str:
    """Thursday 3 December 2026."""
    if value is None:
        return ""
    on = school_day(value)
    return f"{_WEEKDAYS[on.weekday()]} {day(on)}"


def short_day(value: date | datetime | None) -> str:
    """3 Dec 2026."""
    if value is None:
        return ""
    return _day_text(school_day(value), 3)


def day_and_time(value: datetime | None) -> str:
    """3 December 2026 at 14:05."""
    if value is None:
        return ""
    moment = _moment(value, "day_and_time")
    return f"{_day_text(moment)} at {_clock(moment)}"


def time_of_day(value: time | datetime | None) -> str:
    """14:05. A plain time is already a time on the school's clock (a meeting's start) and is not moved."""
    if value is None:
        return ""
    if isinstance(value, time):
        return _clock(value)
    return _clock(_moment(value, "time_of_day"))


def month(value: date | datetime | None) -> str:
    """December 2026."""
    if value is None:
        return ""
    on = school_day(value)
    return f"{MONTHS[on.month - 1]} {on.year}"


def short(value: datetime | None, with_seconds: bool = False) -> str:
    """3 Dec 2026, 14:05 (or 14:05:09): dense tables such as the audit trail and the jobs page."""
    if value is None:
        return ""
    moment = _moment(value, "short")
    return f"{_day_text(moment, 3)}, {_clock(moment, with_seconds)}"


def iso_day(value: date | datetime | None) -> str:
    """2026-12-03: the school's day of a moment, for a link's query string or a date field."""
    if value is None:
        return ""
    return school_day(value).isoformat()


def date_hint(days: int = 0, years: int = 0, before: str = "") -> str:
    """A GOV.UK date input's hint, "For example, 27 3 2027", counted from today at the school so that it never
    goes stale: ahead for a date to come (a review, a target), back for one that has been (a date of birth).
    `before` is the hint's own sentence, put first."""
    on = today() + timedelta(days=days)
    if years:
        on = on.replace(year=on.year + years, day=min(on.day, 28) if on.month == 2 else on.day)
    example = f"For example, {on.day} {on.month} {on.year}"
    return f"{before} {example}" if before else example


FILTERS = {
    "day": day,
    "long_day": long_day,
    "short_day": short_day,
    "day_and_time": day_and_time,
    "time_of_day": time_of_day,
    "month": month,
    "short": short,
    "iso_day": iso_day,
}


def init_app(app: Flask) -> None:
    """Every format as a Jinja filter: `{{ entry.updated_at|day_and_time }}`; `date_hint(...)` as a global."""
    app.jinja_env.filters.update(FILTERS)
    app.jinja_env.globals["date_hint"] = date_hint
