"""CPD hours arithmetic, checked against numbers worked by hand, and the chart partial that shows them."""
import re
import xml.etree.ElementTree as ET
from datetime import date
from decimal import Decimal as D
from html.parser import HTMLParser
from pathlib import Path

import pytest
from jinja2 import Environment, FileSystemLoader, select_autoescape

from app.cpd.hours import (
    ANNUAL_TARGET_HOURS,
    CpdYear,
    LoggedHours,
    Participation,
    cpd_year_containing,
    format_hours,
    summarise,
    target_hours,
)

P, I = Participation.PARTICIPATORY, Participation.INDIVIDUAL  # noqa: E741 - short, so the tables below read as tables
SEPT_2025 = CpdYear(date(2025, 9, 1), date(2026, 8, 31))  # 365 days


def logged(day, hours, participation=P):
    return LoggedHours(date.fromisoformat(day), D(hours), participation)


# --- the target -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("fte", "target"), [
    ("1.00", "30.0"),
    ("1", "30.0"),
    ("0.60", "18.0"),
    ("0.5", "15.0"),
    ("0.33", "9.9"),
    ("0.8", "24.0"),
    ("0.25", "7.5"),
    ("0.333", "10.0"),  # 9.99
    ("0.335", "10.1"),  # 10.05: half up (half-even would give 10.0)
    ("0.015", "0.5"),   # 0.45: half up (half-even would give 0.4)
])
def test_target_is_30_hours_pro_rata_to_a_tenth(fte, target):
    assert ANNUAL_TARGET_HOURS == D("30")
    result = target_hours(D(fte))
    assert result == D(target)
    assert str(result) == target


@pytest.mark.parametrize("fte", ["0", "-0.5", "1.01", "2", "NaN", "Infinity"])
def test_fte_out_of_range_is_refused(fte):
    with pytest.raises(ValueError, match="FTE"):
        target_hours(D(fte))


@pytest.mark.parametrize("fte", [0.6, "0.6", True, None])
def test_fte_that_is_not_a_decimal_is_refused(fte):
    with pytest.raises(TypeError, match="FTE must be a Decimal"):
        target_hours(fte)


# --- the CPD year -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("day", "start_month", "start_day", "starts_on", "ends_on", "label"), [
    ("2026-08-31", 9, 1, "2025-09-01", "2026-08-31", "2025 to 2026"),  # last day of a September year
    ("2026-09-01", 9, 1, "2026-09-01", "2027-08-31", "2026 to 2027"),  # first day of the next
    ("2025-09-01", 9, 1, "2025-09-01", "2026-08-31", "2025 to 2026"),
    ("2025-12-25", 9, 1, "2025-09-01", "2026-08-31", "2025 to 2026"),
    ("2026-01-01", 1, 1, "2026-01-01", "2026-12-31", "2026"),          # January start: a calendar year
    ("2025-12-31", 1, 1, "2025-01-01", "2025-12-31", "2025"),
    ("2026-03-31", 4, 1, "2025-04-01", "2026-03-31", "2025 to 2026"),
    ("2024-02-29", 9, 1, "2023-09-01", "2024-08-31", "2023 to 2024"),
    ("2026-04-05", 4, 6, "2025-04-06", "2026-04-05", "2025 to 2026"),  # a tax-year style start on the 6th
    ("2026-04-06", 4, 6, "2026-04-06", "2027-04-05", "2026 to 2027"),
    ("2026-01-10", 1, 15, "2025-01-15", "2026-01-14", "2025 to 2026"),
])
def test_cpd_year_containing(day, start_month, start_day, starts_on, ends_on, label):
    year = cpd_year_containing(date.fromisoformat(day), start_month, start_day)
    assert year == CpdYear(date.fromisoformat(starts_on), date.fromisoformat(ends_on))
    assert year.label == label
    assert year.contains(date.fromisoformat(day))


@pytest.mark.parametrize(("start_month", "start_day"), [(0, 1), (13, 1), (9, 0), (9, 29), (2, 30)])
def test_cpd_year_start_out_of_range_is_refused(start_month, start_day):
    with pytest.raises(ValueError, match="start"):
        cpd_year_containing(date(2026, 1, 1), start_month, start_day)


def test_a_year_must_run_exactly_twelve_months_from_day_1_to_28():
    with pytest.raises(ValueError, match="ends the day before"):
        CpdYear(date(2025, 9, 1), date(2026, 9, 1))
    with pytest.raises(ValueError, match="day 1 to 28"):
        CpdYear(date(2025, 8, 31), date(2026, 8, 30))


def test_year_months_days_edges_and_neighbours():
    assert SEPT_2025.months == [
        date(2025, 9, 1), date(2025, 10, 1), date(2025, 11, 1), date(2025, 12, 1), date(2026, 1, 1),
        date(2026, 2, 1), date(2026, 3, 1), date(2026, 4, 1), date(2026, 5, 1), date(2026, 6, 1),
        date(2026, 7, 1), date(2026, 8, 1),
    ]
    assert SEPT_2025.days == 365
    assert CpdYear(date(2023, 9, 1), date(2024, 8, 31)).days == 366
    assert not SEPT_2025.contains(date(2025, 8, 31))
    assert SEPT_2025.contains(date(2025, 9, 1)) and SEPT_2025.contains(date(2026, 8, 31))
    assert not SEPT_2025.contains(date(2026, 9, 1))
    assert SEPT_2025.previous() == CpdYear(date(2024, 9, 1), date(2025, 8, 31))
    assert SEPT_2025.next() == CpdYear(date(2026, 9, 1), date(2027, 8, 31))
    assert CpdYear.starting_on(date(2025, 4, 6)).months[-1] == date(2026, 3, 6)


# --- logged hours -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("hours", "error"), [
    (D("0"), ValueError), (D("-1"), ValueError), (D("24.01"), ValueError), (D("NaN"), ValueError),
    (1.5, TypeError), ("2", TypeError),
])
def test_bad_hours_are_refused(hours, error):
    with pytest.raises(error, match="hours"):
        LoggedHours(date(2025, 9, 1), hours, P)


def test_a_full_day_and_a_whole_number_are_accepted():
    assert LoggedHours(date(2025, 9, 1), D("24"), I).hours == D("24")
    assert isinstance(LoggedHours(date(2025, 9, 1), 3, I).hours, D)
    with pytest.raises(TypeError, match="Participation"):
        LoggedHours(date(2025, 9, 1), D("1"), "individual")


def test_participation_labels():
    assert [(p.value, p.label) for p in Participation] == [
        ("participatory", "Participatory (with others)"), ("individual", "Individual")]


# --- summaries --------------------------------------------------------------------------------------------------

# A September year at 0.60 FTE (target 18.0), with one entry either side of each boundary.
SEPT_ENTRIES = [
    logged("2025-08-31", "5"),          # the previous year: not counted
    logged("2025-09-01", "2"),
    logged("2025-09-30", "1.5", I),
    logged("2025-10-15", "3"),
    logged("2025-12-01", "0.75", I),
    logged("2026-01-20", "2.25", I),
    logged("2026-08-31", "1"),          # the year's last day: counted
    logged("2026-09-01", "4"),          # the next year: not counted
]


def test_only_entries_inside_the_year_count_and_the_split_is_kept():
    summary = summarise(SEPT_ENTRIES, fte=D("0.60"), start_month=9, today=date(2026, 8, 31))
    assert summary.year == SEPT_2025
    assert summary.target == D("18.0")
    assert summary.participatory == D("6")      # 2 + 3 + 1
    assert summary.individual == D("4.5")       # 1.5 + 0.75 + 2.25
    assert summary.total == D("10.5")


def test_the_next_year_sees_only_its_own_entries():
    summary = summarise(SEPT_ENTRIES, fte=D("0.60"), start_month=9, today=date(2026, 9, 1))
    assert summary.year == CpdYear(date(2026, 9, 1), date(2027, 8, 31))
    assert (summary.participatory, summary.individual, summary.total) == (D("4"), D("0"), D("4"))


def test_a_january_year_at_full_time():
    entries = [
        logged("2025-12-31", "6"),          # 2025: not counted
        logged("2026-01-01", "3", I),
        logged("2026-06-30", "7"),
        logged("2026-12-31", "2", I),
        logged("2027-01-01", "9"),          # 2027: not counted
    ]
    summary = summarise(entries, fte=D("1.00"), start_month=1, today=date(2026, 7, 2))
    assert summary.year.label == "2026"
    assert summary.target == D("30.0")
    assert (summary.participatory, summary.individual, summary.total) == (D("7"), D("5"), D("12"))
    # 2 July is day 31+28+31+30+31+30+2 = 183 of 365: 30 x 183 / 365 = 15.04
    assert summary.expected_to_date == D("15.0")
    assert summary.on_track is False
    assert summary.statement == "Behind: 12.0 of 30.0 hours so far; 15.0 expected by today — 3.0 hours to catch up."
    assert [m.month for m in summary.months][::11] == [date(2026, 1, 1), date(2026, 12, 1)]
    assert summary.months[0].individual == D("3") and summary.months[11].individual == D("2")


@pytest.mark.parametrize(("today", "expected"), [
    ("2025-08-15", "0.0"),   # before the year starts
    ("2025-09-01", "0.0"),   # day 1: 18 / 365 = 0.05 -> 0.0
    ("2025-09-21", "1.0"),   # day 21: 18 x 21 / 365 = 1.036
    ("2026-02-28", "8.9"),   # day 181: 3258 / 365 = 8.926
    ("2026-03-08", "9.3"),   # day 189: 3402 / 365 = 9.321
    ("2026-08-31", "18.0"),  # the last day
    ("2026-09-10", "18.0"),  # after the year ends
])
def test_expected_to_date_before_during_and_after(today, expected):
    summary = summarise([], fte=D("0.60"), start_month=9, today=date.fromisoformat(today), year=SEPT_2025)
    assert summary.expected_to_date == D(expected)
    assert str(summary.expected_to_date) == expected


def test_expected_to_date_in_a_leap_year():
    # 1 July 2024 is day 31+29+31+30+31+30+1 = 183 of 366: exactly half of 30.
    summary = summarise([], fte=D("1"), start_month=1, today=date(2024, 7, 1))
    assert summary.year.days == 366
    assert summary.expected_to_date == D("15.0")


@pytest.mark.parametrize(("entries", "fte", "today", "on_track", "statement"), [
    ([logged("2025-10-01", "12.5")], "0.60", "2026-03-08", True,
     "On track: 12.5 of 18.0 hours so far; 9.3 expected by today."),
    ([logged("2025-10-01", "4")], "0.60", "2026-03-08", False,
     "Behind: 4.0 of 18.0 hours so far; 9.3 expected by today — 5.3 hours to catch up."),
    ([logged("2025-10-01", "9.3")], "0.60", "2026-03-08", True,         # exactly on the line
     "On track: 9.3 of 18.0 hours so far; 9.3 expected by today."),
    ([logged("2025-10-01", "9.25")], "0.60", "2026-03-08", False,       # a quarter-hour short of the line
     "Behind: 9.25 of 18.0 hours so far; 9.3 expected by today — 0.05 hours to catch up."),
    ([logged("2025-10-01", "24"), logged("2025-11-01", "7")], "1.00", "2026-01-10", True,
     "Target met: 31.0 of 30.0 hours."),
    ([logged("2025-10-01", "18")], "0.60", "2025-10-02", True,
     "Target met: 18.0 of 18.0 hours."),
    ([], "0.60", "2025-09-01", True,
     "On track: 0.0 of 18.0 hours so far; 0.0 expected by today."),
])
def test_on_track_and_statement(entries, fte, today, on_track, statement):
    summary = summarise(entries, fte=D(fte), start_month=9, today=date.fromisoformat(today))
    assert summary.on_track is on_track
    assert summary.statement == statement


def test_a_finished_year_short_of_target_says_so():
    summary = summarise(SEPT_ENTRIES, fte=D("0.60"), start_month=9, today=date(2026, 9, 10), year=SEPT_2025)
    assert summary.on_track is False
    assert summary.statement == "Target not met: 10.5 of 18.0 hours — 7.5 hours short."


def test_a_year_that_does_not_start_in_the_start_month_is_refused():
    with pytest.raises(ValueError, match="start month"):
        summarise([], fte=D("1"), start_month=1, today=date(2026, 1, 1), year=SEPT_2025)


def test_month_series_running_total_and_pro_rata_line():
    summary = summarise(SEPT_ENTRIES, fte=D("0.60"), start_month=9, today=date(2026, 3, 8))
    rows = [(m.label, m.participatory, m.individual, m.cumulative, m.expected, m.started) for m in summary.months]
    assert rows == [
        ("Sep 2025", D("2"), D("1.5"), D("3.5"), D("1.5"), True),
        ("Oct 2025", D("3"), D("0"), D("6.5"), D("3.0"), True),
        ("Nov 2025", D("0"), D("0"), D("6.5"), D("4.5"), True),
        ("Dec 2025", D("0"), D("0.75"), D("7.25"), D("6.0"), True),
        ("Jan 2026", D("0"), D("2.25"), D("9.5"), D("7.5"), True),
        ("Feb 2026", D("0"), D("0"), D("9.5"), D("9.0"), True),
        ("Mar 2026", D("0"), D("0"), D("9.5"), D("10.5"), True),
        ("Apr 2026", D("0"), D("0"), D("9.5"), D("12.0"), False),
        ("May 2026", D("0"), D("0"), D("9.5"), D("13.5"), False),
        ("Jun 2026", D("0"), D("0"), D("9.5"), D("15.0"), False),
        ("Jul 2026", D("0"), D("0"), D("9.5"), D("16.5"), False),
        ("Aug 2026", D("1"), D("0"), D("10.5"), D("18.0"), False),
    ]
    assert summary.months[3].total == D("0.75")


def test_pro_rata_line_rounds_half_up_for_a_part_time_target():
    summary = summarise([], fte=D("0.33"), start_month=9, today=date(2025, 9, 1))
    # 9.9 x k / 12 for k = 1..12: 0.825, 1.65, 2.475, 3.3, 4.125, 4.95, 5.775, 6.6, 7.425, 8.25, 9.075, 9.9
    assert [str(m.expected) for m in summary.months] == [
        "0.8", "1.7", "2.5", "3.3", "4.1", "5.0", "5.8", "6.6", "7.4", "8.3", "9.1", "9.9"]


@pytest.mark.parametrize(("fte", "hours", "step", "top"), [
    ("0.60", "10.5", "5", "20"),   # target 18.0 is the highest
    ("1.00", "31", "10", "40"),    # total 31 above a target of 30
    ("0.33", "1", "2", "10"),      # target 9.9
    ("1.00", "30", "5", "30"),     # exactly on a gridline
])
def test_chart_axis_runs_to_a_round_number_above_target_and_total(fte, hours, step, top):
    summary = summarise([logged("2025-10-01", hours)] if D(hours) <= 24 else
                        [logged("2025-10-01", "24"), logged("2025-10-02", str(D(hours) - 24))],
                        fte=D(fte), start_month=9, today=date(2025, 12, 1))
    assert summary.axis_step == D(step)
    assert summary.axis_max == D(top)
    assert summary.axis_ticks == [D(step) * k for k in range(int(D(top) / D(step)) + 1)]


@pytest.mark.parametrize(("value", "text"), [
    ("12", "12.0"), ("12.50", "12.5"), ("12.25", "12.25"), ("0", "0.0"), ("9.30", "9.3"), ("1E+2", "100.0"),
    ("0.05", "0.05"),
])
def test_format_hours(value, text):
    assert format_hours(D(value)) == text


# --- the chart partial ------------------------------------------------------------------------------------------

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def render_chart(summary, **kwargs):
    environment = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape())
    template = environment.from_string(
        '{% from "cpd/entries/_hours_chart.html" import hours_chart %}{{ hours_chart(summary, **kwargs) }}')
    return template.render(summary=summary, kwargs=kwargs)


class TableRows(HTMLParser):
    """Collects the text of each body row's cells."""

    def __init__(self):
        super().__init__()
        self.rows, self.in_body, self.cell = [], False, None

    def handle_starttag(self, tag, attrs):
        if tag == "tbody":
            self.in_body = True
        elif self.in_body and tag == "tr":
            self.rows.append([])
        elif self.in_body and tag in ("th", "td"):
            self.cell = ""

    def handle_endtag(self, tag):
        if tag == "tbody":
            self.in_body = False
        elif self.in_body and tag in ("th", "td"):
            self.rows[-1].append(self.cell.strip())
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data


SVG = "{http://www.w3.org/2000/svg}"


def test_chart_partial_renders_a_table_row_per_month_and_an_accessible_svg():
    summary = summarise(SEPT_ENTRIES[:-2], fte=D("0.60"), start_month=9, today=date(2026, 3, 8))
    html = render_chart(summary)

    table = TableRows()
    table.feed(html)
    assert len(table.rows) == 12
    assert table.rows[0] == ["Sep 2025", "2.0", "1.5", "3.5", "1.5"]
    assert table.rows[3] == ["Dec 2025", "0.0", "0.75", "7.25", "6.0"]
    assert table.rows[11] == ["Aug 2026", "0.0", "0.0", "9.5", "18.0"]
    assert "CPD hours month by month, 2025 to 2026" in html

    assert "style=" not in html
    assert "<script" not in html
    svg = ET.fromstring(html[html.index("<svg"):html.index("</svg>") + len("</svg>")])
    assert svg.get("role") == "img"
    title, desc = svg.find(f"{SVG}title"), svg.find(f"{SVG}desc")
    assert svg.get("aria-labelledby").split() == [title.get("id"), desc.get("id")]
    assert title.text == "CPD hours, 2025 to 2026"
    assert desc.text.startswith("On track: 9.5 of 18.0 hours so far; 9.3 expected by today.")

    # Axis 0-20 hours over 240 units, bottom at 256: September's 2 participatory hours are 24 units tall,
    # and its 1.5 individual hours (hatched) sit on top, 18 units tall.
    bars = svg.findall(f".//{SVG}rect[@class]")
    participatory = [b for b in bars if b.get("class").endswith("--participatory")]
    individual = [b for b in bars if b.get("class").endswith("--individual")]
    assert len(participatory) == 2 and len(individual) == 3  # only months with hours of that kind
    assert (participatory[0].get("y"), participatory[0].get("height")) == ("232.0", "24.0")
    assert (individual[0].get("y"), individual[0].get("height")) == ("214.0", "18.0")
    assert individual[0].get("fill") == "url(#cpd-hours-hatch)"
    # The running total is drawn to the end of each month begun so far (Sep-Mar): 7 points after the origin.
    lines = {line.get("class").split("--")[-1]: line for line in svg.iter(f"{SVG}polyline")}
    assert len(lines["cumulative"].get("points").split()) == 8
    assert len(lines["expected"].get("points").split()) == 13
    assert lines["expected"].get("stroke-dasharray")
    assert lines["expected"].get("points").split()[-1] == "632,40.0"  # 18 of 20 hours at the year's end


def test_chart_ids_follow_the_prefix_so_two_charts_can_share_a_page():
    summary = summarise([], fte=D("1"), start_month=1, today=date(2026, 1, 1))
    html = render_chart(summary, id_prefix="last-year")
    assert re.findall(r'id="([^"]+)"', html) == ["last-year-title", "last-year-desc", "last-year-hatch"]
    assert "CPD hours, 2026" in html
