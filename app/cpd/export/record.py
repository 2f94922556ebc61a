"""The reflective record exported for a review or an external quality visit: Appendix 5 as PDF and CSV.

Pure: it takes plain data (built by the CPD services from the practitioner's own log, with case
work already reduced to kind, date, role and a pseudonymous learner reference) and returns bytes or
text. It never reads the database, so what an external reader receives is exactly what was passed in.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

# The policy's own words (seed: CPD policy, Appendix 5); "pro rata" because part-time staff
# have a target scaled by FTE, which the summary line beneath states in hours.
RECORD_TITLE = "Continuous Professional Development: Reflective Record"
TARGET_SENTENCE = (
    "It is expected that everyone engages in at least 30 hours of professional development "
    "throughout the year (pro rata for part-time staff), many of you will do more."
)
CSV_HEADER = (
    "Date",
    "Length of activity (hours)",
    "Activity title",
    "Activity type",
    "Content and learning (record)",
    "Implication on practice (reflection)",
    "Case-work evidence",
)

# --------------------------------------------------------------------------- the plain data


@dataclass(frozen=True, slots=True)
class RecordRow:
    """One line of the Appendix 5 table; `evidence` is the case-work line shown under the title."""

    on: date
    hours: Decimal
    title: str
    activity_type: str
    content_and_learning: str
    implication: str
    evidence: str | None = None

    def __post_init__(self) -> None:
        _require_date("RecordRow.on", self.on)
        _require_hours("RecordRow.hours", self.hours, allow_zero=False)
        _require_text("RecordRow.title", self.title)
        _require_text("RecordRow.activity_type", self.activity_type)
        _require_text("RecordRow.content_and_learning", self.content_and_learning, blank_ok=True)
        _require_text("RecordRow.implication", self.implication, blank_ok=True)
        if self.evidence is not None:
            _require_text("RecordRow.evidence", self.evidence)


@dataclass(frozen=True, slots=True)
class GoalRow:
    """A SMART development goal as it appears in the export."""

    goal: str
    measure: str
    relevant_to: str
    target_on: date
    status: str

    def __post_init__(self) -> None:
        _require_text("GoalRow.goal", self.goal)
        _require_text("GoalRow.measure", self.measure, blank_ok=True)
        _require_text("GoalRow.relevant_to", self.relevant_to, blank_ok=True)
        _require_date("GoalRow.target_on", self.target_on)
        _require_text("GoalRow.status", self.status)


@dataclass(frozen=True, slots=True)
class ReflectiveRecord:
    """Everything the export shows: one practitioner's record for one CPD year."""

    name: str
    job_title: str
    line_manager: str | None
    year_label: str
    target_hours: Decimal
    total_hours: Decimal
    participatory_hours: Decimal
    individual_hours: Decimal
    rows: list[RecordRow] = field(default_factory=list)
    goals: list[GoalRow] = field(default_factory=list)
    standards_evidenced: list[str] = field(default_factory=list)
    generated_on: date = field(default_factory=date.today)

    def __post_init__(self) -> None:
        _require_text("ReflectiveRecord.name", self.name)
        _require_text("ReflectiveRecord.job_title", self.job_title, blank_ok=True)
        if self.line_manager is not None:
            _require_text("ReflectiveRecord.line_manager", self.line_manager, blank_ok=True)
        _require_text("ReflectiveRecord.year_label", self.year_label)
        _require_hours("ReflectiveRecord.target_hours", self.target_hours, allow_zero=False)
        for label in ("total_hours", "participatory_hours", "individual_hours"):
            _require_hours(f"ReflectiveRecord.{label}", getattr(self, label), allow_zero=True)
        _require_items("ReflectiveRecord.rows", self.rows, RecordRow)
        _require_items("ReflectiveRecord.goals", self.goals, GoalRow)
        _require_items("ReflectiveRecord.standards_evidenced", self.standards_evidenced, str)
        _require_date("ReflectiveRecord.generated_on", self.generated_on)
        # The summary line and the table sit on the same page in front of an external reader:
        # if they disagree the document contradicts itself, so refuse to produce it.
        if self.participatory_hours + self.individual_hours != self.total_hours:
            raise ValueError(
                "ReflectiveRecord: participatory_hours + individual_hours "
                f"({format_hours(self.participatory_hours)} + {format_hours(self.individual_hours)}) "
                f"must equal total_hours ({format_hours(self.total_hours)})"
            )
        row_sum = sum((row.hours for row in self.rows), Decimal(0))
        if row_sum != self.total_hours:
            raise ValueError(
                f"ReflectiveRecord: the rows add up to {format_hours(row_sum)} hours but "
                f"total_hours is {format_hours(self.total_hours)}"
            )

    def rows_in_date_order(self) -> list[RecordRow]:
        # Stable sort: rows on the same day keep the order the caller gave.
        return sorted(self.rows, key=lambda row: row.on)


def _require_text(label: str, value: object, *, blank_ok: bool = False) -> None:
    if not isinstance(value, str):
        raise TypeError(f"{label} must be a str, not {type(value).__name__}")
    if not blank_ok and not value.strip():
        raise ValueError(f"{label} must not be blank")


def _require_date(label: str, value: object) -> None:
    # datetime is a subclass of date; a time of day has no place in the record and would break
    # sorting against plain dates.
    if not isinstance(value, date) or isinstance(value, datetime):
        raise TypeError(f"{label} must be a datetime.date, not {type(value).__name__}")


def _require_hours(label: str, value: object, *, allow_zero: bool) -> None:
    # Decimal only: floats would print 0.30000000000000004 hours and break the totals check.
    if not isinstance(value, Decimal):
        raise TypeError(f"{label} must be a Decimal, not {type(value).__name__}")
    if not value.is_finite():
        raise ValueError(f"{label} must be a finite number of hours, not {value}")
    if value < 0 or (value == 0 and not allow_zero):
        bound = "zero or more" if allow_zero else "more than zero"
        raise ValueError(f"{label} must be {bound}, not {value}")


def _require_items(label: str, value: object, kind: type) -> None:
    if not isinstance(value, (list, tuple)):
        raise TypeError(f"{label} must be a list, not {type(value).__name__}")
    for index, item in enumerate(value):
        if not isinstance(item, kind):
            raise TypeError(f"{label}[{index}] must be a {kind.__name__}, not {type(item).__name__}")


# --------------------------------------------------------------------------- shared formatting


def format_hours(hours: Decimal) -> str:
    """1.50 -> "1.5", 2.0 -> "2", 1E+1 -> "10": hours as a person writes them."""
    return format(hours.normalize(), "f")


# --------------------------------------------------------------------------- CSV

_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _csv_safe(value: str) -> str:
    # A spreadsheet runs a cell starting with one of these as a formula (CSV injection);
    # the leading quote makes it plain text.
    return "'" + value if value.startswith(_FORMULA_PREFIXES) else value


def record_csv(record: ReflectiveRecord) -> str:
    """The record's table as CSV, one row per activity in date order.

    Newlines stay inside quoted cells; text is kept exactly .
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)
    for row in record.rows_in_date_order():
        writer.writerow(
            (
                row.on.isoformat(),
                format_hours(row.hours),
                _csv_safe(row.title),
                _csv_safe(row.activity_type),
                _csv_safe(row.content_and_learning),
                _csv_safe(row.implication),
                _csv_safe(row.evidence or ""),
            )
        )
    return buffer.getvalue()


