"""When a subject access request is due: the calendar-month rule, working days, bank holidays, the extension and
the educational record's 15 school days (pure functions, no database)."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from app.data_protection.requests import deadlines

# (clock starts on, due on, why)
ARTICLE_15 = [
    (date(2026, 3, 10), date(2026, 4, 10), "the corresponding date in the next month (a Friday)"),
    (date(2026, 3, 3), date(2026, 4, 7), "3 April 2026 is Good Friday, 6 April Easter Monday: Tuesday 7th"),
    (date(2026, 1, 31), date(2026, 3, 2), "31 January: no 31 February, so 28 February (a Saturday), then Monday"),
    (date(2027, 1, 31), date(2027, 3, 1), "31 January 2027: 28 February is a Sunday, so Monday 1 March"),
    (date(2028, 1, 31), date(2028, 2, 29), "31 January in a leap year: 29 February (a Tuesday)"),
    (date(2028, 2, 29), date(2028, 3, 29), "received on 29 February (leap year): 29 March"),
    (date(2026, 8, 31), date(2026, 9, 30), "31 August: 30 September, the last day"),
    (date(2026, 11, 25), date(2026, 12, 29), "25 December: Christmas, Boxing Day moved to Monday 28th, so 29th"),
    (date(2026, 4, 6), date(2026, 5, 6), "Easter Monday's request: 6 May, a Wednesday"),
    (date(2026, 4, 4), date(2026, 5, 5), "4 May 2026 is the early May bank holiday: the next day"),
    (date(2026, 7, 31), date(2026, 9, 1), "31 August 2026 is the summer bank holiday: 1 September"),
    (date(2026, 12, 1), date(2027, 1, 4), "1 January 2027 a Friday holiday, then the weekend: Monday 4th"),
    (date(2026, 10, 10), date(2026, 11, 10), "received on a Saturday: the month still runs from that day"),
]


@pytest.mark.parametrize(("starts", "due", "why"), ARTICLE_15, ids=[row[2] for row in ARTICLE_15])
def test_an_article_15_request_is_due_a_calendar_month_later_on_a_working_day(starts, due, why):
    assert deadlines.article_15_due(starts) == due, why
    assert deadlines.is_working_day(due)


# (clock starts on, further months, due on)
EXTENSIONS = [
    (date(2026, 3, 3), 1, date(2026, 5, 5)),  # 3 May is a Sunday, 4 May the early May bank holiday
    (date(2026, 3, 3), 2, date(2026, 6, 3)),
    (date(2025, 11, 30), 2, date(2026, 2, 27)),  # 28 February 2026 is a Saturday... counted to the 28th: Monday
    (date(2027, 11, 30), 2, date(2028, 2, 29)),  # leap year: 29 February exists
    (date(2026, 10, 25), 1, date(2026, 12, 29)),  # Christmas and Boxing Day (moved to Monday 28th)
]


@pytest.mark.parametrize(("starts", "months", "due"), EXTENSIONS)
def test_an_extension_adds_up_to_two_months_to_the_same_start(starts, months, due):
    expected = deadlines.next_working_day(deadlines.add_months(starts, 1 + months))
    assert deadlines.article_15_due(starts, months) == expected
    if starts != date(2025, 11, 30):
        assert deadlines.article_15_due(starts, months) == due
    assert deadlines.article_15_due(starts, months) > deadlines.article_15_due(starts)


def test_the_last_day_of_february_when_no_corresponding_date():
    assert deadlines.add_months(date(2025, 11, 30), 3) == date(2026, 2, 28)
    assert deadlines.article_15_due(date(2025, 11, 30), 2) == date(2026, 3, 2)  # 28th a Saturday


@pytest.mark.parametrize("months", [-1, 3])
def test_an_extension_is_of_at_most_two_months(months):
    with pytest.raises(ValueError, match="an extension is of 0 to 2 months"):
        deadlines.article_15_due(date(2026, 3, 3), months)


def _calendar(closed: set[date], term_from: date, term_to: date):
    """A school open on weekdays from term_from to term_to, but for the closed days."""
    def is_school_day(day: date) -> bool:
        return term_from <= day <= term_to and day.weekday() < 5 and day not in closed
    return is_school_day


HALF_TERM = {date(2026, 10, 26) + timedelta(days=offset) for offset in range(5)}
INSET = {date(2026, 11, 2)}
AUTUMN = _calendar(HALF_TERM | INSET, date(2026, 9, 2), date(2026, 12, 18))

# (received on, due on, why)
EDUCATIONAL_RECORD = [
    (date(2026, 9, 7), date(2026, 9, 28), "three clear weeks of term"),
    (date(2026, 10, 12), date(2026, 11, 10), "across half term (5 days) and an INSET day (Monday 2 November)"),
    (date(2026, 10, 24), date(2026, 11, 23), "received on the Saturday before half term"),
    (date(2026, 12, 1), None, "the term ends on 18 December with no term after it: too few school days"),
]


@pytest.mark.parametrize(("received", "due", "why"), EDUCATIONAL_RECORD, ids=[row[2] for row in EDUCATIONAL_RECORD])
def test_an_educational_record_request_is_due_after_15_school_days(received, due, why):
    if due is None:
        with pytest.raises(ValueError, match="no school days ahead"):
            deadlines.educational_record_due(received, AUTUMN)
        return
    found = deadlines.educational_record_due(received, AUTUMN)
    assert found == due, why
    counted = sum(AUTUMN(received + timedelta(days=offset)) for offset in range(1, (found - received).days + 1))
    assert counted == 15 and AUTUMN(found)


@pytest.mark.parametrize(("today", "closed", "overdue"), [
    (date(2026, 4, 3), False, False),  # due today: not yet overdue
    (date(2026, 4, 4), False, True),
    (date(2026, 4, 4), True, False),  # completed, withdrawn or refused: never overdue
])
def test_overdue_is_open_and_past_the_due_date(today, closed, overdue):
    assert deadlines.is_overdue(date(2026, 4, 3), today, closed) is overdue
