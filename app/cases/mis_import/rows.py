"""One learner's row of an MIS export read into Braid's values, or every problem with it, none repeating a value."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from app.cases.learners.models import (
    NEED_TYPES,
    SEN_STATUS_LABELS,
    AreaOfNeed,
    NeedType,
    SenStatus,
    normalise_upn,
)
from app.cases.learners.upn import upn_problem
from app.cases.mis_import.columns import Columns, Field

MAX_NAME_CHARS = 100
MAX_REGISTRATION_GROUP_CHARS = 100
MAX_AGE_YEARS = 25

YEAR_GROUP_HELP = "use Nursery, Reception or Year 1 to Year 13"
DATE_HELP = "write it as day/month/year, for example 14/05/2018"


@dataclass(frozen=True)
class LearnerValues:
    name: str  # "Forename Surname" (legal)
    preferred_name: str | None  # what the learner is known as, only when it differs from the legal name
    date_of_birth: date
    year_group: int  # a key of YEAR_GROUPS: -1 Nursery, 0 Reception, 1..13
    upn: str | None  # normalised
    registration_group: str | None
    sen_status: SenStatus | None
    needs: tuple[NeedType, ...]  # primary first

    @property
    def areas_of_need(self) -> list[AreaOfNeed]:
        return list(dict.fromkeys(need.area for need in self.needs if need.area is not None))


@dataclass(frozen=True)
class Problem:
    column: str  # the file's own header text for the column (or the field's label when the column is absent)
    message: str  # plain English; never the cell's value (problems are stored and shown; values are personal data)


@dataclass(frozen=True)
class RowReading:
    values: LearnerValues | None  # None when there is any problem
    problems: list[Problem] = field(default_factory=list)


class _Row:
    """A row's cells looked up by field, collecting problems against the file's own column names."""

    def __init__(self, cells: list[str], columns: Columns, header: list[str]):
        self.cells, self.columns, self.header = cells, columns, header
        self.problems: list[Problem] = []

    def has(self, field_: Field) -> bool:
        return field_ in self.columns

    def text(self, field_: Field) -> str:
        """The cell's text with runs of spaces made one; "" when the column is absent or the cell empty."""
        index = self.columns.get(field_)
        if index is None or index >= len(self.cells):
            return ""
        return " ".join(self.cells[index].split())

    def column(self, field_: Field) -> str:
        index = self.columns.get(field_)
        return self.header[index] if index is not None and index < len(self.header) else field_.label

    def problem(self, field_: Field, message: str) -> None:
        self.problems.append(Problem(column=self.column(field_), message=message))


def read_row(cells: list[str], columns: Columns, header: list[str], *, today: date) -> RowReading:
    """The learner's values from one row, or every problem that stops the row from being imported."""
    row = _Row(cells, columns, header)
    names = read_names(row)
    date_of_birth = read_date_of_birth(row, today)
    year_group = read_year_group(row)
    upn = read_upn(row)
    registration_group = read_registration_group(row)
    sen_status = read_sen_status(row)
    needs = read_needs(row)
    if row.problems or names is None or date_of_birth is None or year_group is None:
        return RowReading(values=None, problems=row.problems)
    name, preferred_name = names
    return RowReading(
        values=LearnerValues(
            name=name,
            preferred_name=preferred_name,
            date_of_birth=date_of_birth,
            year_group=year_group,
            upn=upn,
            registration_group=registration_group,
            sen_status=sen_status,
            needs=needs,
        ),
        problems=[],
    )


# Names ---------------------------------------------------------------------------------------------------------


def read_names(row: _Row) -> tuple[str, str | None] | None:
    """The legal name, "Forename Surname", and the preferred name when it differs."""
    if row.has(Field.FORENAME) and row.has(Field.SURNAME):
        forename = name_part(row, Field.FORENAME, "legal forename")
        surname = name_part(row, Field.SURNAME, "legal surname")
        if not forename or not surname:
            return None
        name = f"{forename} {surname}"
    elif row.has(Field.FULL_NAME):
        parts = full_name(row)
        if parts is None:
            return None
        forename, surname, name = parts
    else:
        if not row.has(Field.FORENAME):
            row.problem(Field.FORENAME, "The file has no forename column, so the learner has no name")
        if not row.has(Field.SURNAME):
            row.problem(Field.SURNAME, "The file has no surname column, so the learner has no name")
        return None
    preferred_forename = name_part(row, Field.PREFERRED_FORENAME, "preferred forename", required=False)
    preferred_surname = name_part(row, Field.PREFERRED_SURNAME, "preferred surname", required=False)
    return name, preferred_name(forename, surname, preferred_forename, preferred_surname)


def name_part(row: _Row, field_: Field, what: str, *, required: bool = True) -> str:
    value = row.text(field_)
    if not value:
        if required:
            row.problem(field_, f"The {what} is empty: every learner needs one")
        return ""
    if len(value) > MAX_NAME_CHARS:
        row.problem(field_, f"The {what} is longer than {MAX_NAME_CHARS} characters")
        return ""
    return value


def full_name(row: _Row) -> tuple[str, str, str] | None:
    """Forename, surname and "Forename Surname" from one name column: "Surname, Forename" is turned round."""
    value = row.text(Field.FULL_NAME)
    if not value:
        row.problem(Field.FULL_NAME, "The name is empty: every learner needs one")
        return None
    if "," in value:
        surname, forename = (" ".join(part.split()) for part in value.split(",", 1))
        if not surname or not forename:
            row.problem(Field.FULL_NAME, "The name needs both a forename and a surname")
            return None
    else:
        forename, _, surname = value.partition(" ")
        if not surname:
            row.problem(Field.FULL_NAME, "The name needs both a forename and a surname")
            return None
    if len(forename) > MAX_NAME_CHARS or len(surname) > MAX_NAME_CHARS:
        row.problem(Field.FULL_NAME, f"A part of the name is longer than {MAX_NAME_CHARS} characters")
        return None
    return forename, surname, f"{forename} {surname}".strip()


def preferred_name(forename: str, surname: str, preferred_forename: str, preferred_surname: str) -> str | None:
    """What the learner is known as, only when it differs from the legal name: the forename alone when only it does."""
    known_forename = preferred_forename or forename
    known_surname = preferred_surname or surname
    same_forename = known_forename.casefold() == forename.casefold()
    same_surname = known_surname.casefold() == surname.casefold()
    if same_forename and same_surname:
        return None
    if same_surname:
        return known_forename
    return f"{known_forename} {known_surname}"


# Date of birth -------------------------------------------------------------------------------------------------

# Excel writes a date cell with a midnight time when the column is formatted as a date and time.
MIDNIGHT = r"(?:[ T]00:00(?::00)?)?"
DAY_FIRST = re.compile(rf"(\d{{1,2}})([/.-])(\d{{1,2}})\2(\d+){MIDNIGHT}")
YEAR_FIRST = re.compile(rf"(\d{{4}})-(\d{{1,2}})-(\d{{1,2}}){MIDNIGHT}")


def read_date_of_birth(row: _Row, today: date) -> date | None:
    if not row.has(Field.DATE_OF_BIRTH):
        row.problem(Field.DATE_OF_BIRTH, "The file has no date of birth column: every learner needs one")
        return None
    value = row.text(Field.DATE_OF_BIRTH)
    if not value:
        row.problem(Field.DATE_OF_BIRTH, "The date of birth is empty: every learner needs one")
        return None
    if match := YEAR_FIRST.fullmatch(value):
        year, month, day = match.group(1), match.group(2), match.group(3)
    elif match := DAY_FIRST.fullmatch(value):
        day, month, year = match.group(1), match.group(3), match.group(4)
        if len(year) == 2:
            row.problem(Field.DATE_OF_BIRTH, "The date of birth has a two-digit year: write the year in full")
            return None
        if len(year) != 4:
            row.problem(Field.DATE_OF_BIRTH, f"The date of birth is not a date Braid reads: {DATE_HELP}")
            return None
    else:
        row.problem(Field.DATE_OF_BIRTH, f"The date of birth is not a date Braid reads: {DATE_HELP}")
        return None
    try:
        born = date(int(year), int(month), int(day))
    except ValueError:
        row.problem(Field.DATE_OF_BIRTH, "The date of birth is not a real date: check the day and the month")
        return None
    if born > today:
        row.problem(Field.DATE_OF_BIRTH, "The date of birth is in the future")
        return None
    if born < years_before(today, MAX_AGE_YEARS):
        row.problem(
            Field.DATE_OF_BIRTH,
            f"The date of birth makes the learner more than {MAX_AGE_YEARS} years old: check the year",
        )
        return None
    return born


def years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year - years, day=28)


# Year group ----------------------------------------------------------------------------------------------------

YEAR_PREFIXES = ("nationalcurriculumyear", "ncyear", "yeargroup", "year", "yr", "nc", "y")
RECEPTION = {"r", "rec", "reception", "0", "00"}
NURSERY = {"n", "n1", "n2", "nur", "nursery"}


def read_year_group(row: _Row) -> int | None:
    if not row.has(Field.YEAR_GROUP):
        row.problem(Field.YEAR_GROUP, f"The file has no year group column: every learner needs one ({YEAR_GROUP_HELP})")
        return None
    value = row.text(Field.YEAR_GROUP)
    if not value:
        row.problem(Field.YEAR_GROUP, f"The year group is empty: every learner needs one ({YEAR_GROUP_HELP})")
        return None
    year = year_group_of(value)
    if year is None:
        row.problem(Field.YEAR_GROUP, f"The year group is not one Braid knows: {YEAR_GROUP_HELP}")
    return year


def year_group_of(value: str) -> int | None:
    """"Year 7", "Y7", "NC Year 7" and "7" are 7; "R", "YR" and "Reception" are 0; "N", "N1" and "Nursery" are -1."""
    text = re.sub(r"\s+", "", value.casefold())
    for prefix in YEAR_PREFIXES:
        if text.startswith(prefix) and len(text) > len(prefix):
            text = text[len(prefix):]
            break
    if text in RECEPTION:
        return 0
    if text in NURSERY:
        return -1
    if text.isascii() and text.isdigit() and 1 <= int(text) <= 13:
        return int(text)
    return None


# UPN and registration group ------------------------------------------------------------------------------------


def read_upn(row: _Row) -> str | None:
    value = row.text(Field.UPN)
    if not value:
        return None
    upn = normalise_upn(value)
    if message := upn_problem(upn):
        row.problem(Field.UPN, message)
        return None
    return upn


def read_registration_group(row: _Row) -> str | None:
    value = row.text(Field.REGISTRATION_GROUP)
    if len(value) > MAX_REGISTRATION_GROUP_CHARS:
        row.problem(
            Field.REGISTRATION_GROUP,
            f"The registration group is longer than {MAX_REGISTRATION_GROUP_CHARS} characters",
        )
        return None
    return value or None


# SEN status and needs ------------------------------------------------------------------------------------------


def lookup_key(value: str) -> str:
    return re.sub(r"[\W_]+", "", value.casefold())


SEN_STATUSES = {
    **{lookup_key(status.value): status for status in SenStatus},
    **{lookup_key(label): status for status, label in SEN_STATUS_LABELS.items()},
    "nosen": SenStatus.NO_SEN,
    "nospecialeducationalneed": SenStatus.NO_SEN,
    "sensupport": SenStatus.SEN_SUPPORT,
    "ehcplan": SenStatus.EHC_PLAN,
    "ehcp": SenStatus.EHC_PLAN,
    "educationhealthandcareplan": SenStatus.EHC_PLAN,
    "s": SenStatus.EHC_PLAN,  # the census's retired code for a statement, which EHC plans replaced
    "statement": SenStatus.EHC_PLAN,
}
NEEDS = {
    **{lookup_key(need.value): need for need in NeedType},
    **{lookup_key(label): need for need, (label, _area) in NEED_TYPES.items()},
    # Older or vendors' wordings of the census descriptions.
    "visualimpairment": NeedType.VI,
    "autismspectrumdisorder": NeedType.ASD,
    "autism": NeedType.ASD,
    "otherdifficultydisability": NeedType.OTH,
    "other": NeedType.OTH,
    "nospecialistassessment": NeedType.NSA,
}
# "K - SEN Support", "ASD - Autistic Spectrum Disorder": a code, then its description.
CODE_AND_DESCRIPTION = re.compile(r"([A-Za-z]{1,4})\s*[-–:]\s+\S.*")


def coded(value: str, table: dict[str, object]) -> object | None:
    found = table.get(lookup_key(value))
    if found is None and (match := CODE_AND_DESCRIPTION.fullmatch(value)):
        found = table.get(lookup_key(match.group(1)))
    return found


def read_sen_status(row: _Row) -> SenStatus | None:
    value = row.text(Field.SEN_STATUS)
    if not value:
        return None
    status = coded(value, SEN_STATUSES)
    if status is None:
        row.problem(
            Field.SEN_STATUS,
            "The SEN status is not one Braid knows: use the census code N (no SEN), K (SEN support) "
            "or E (EHC plan)",
        )
    return status


def read_needs(row: _Row) -> tuple[NeedType, ...]:
    needs = []
    for field_, what in ((Field.PRIMARY_NEED, "primary need"), (Field.SECONDARY_NEED, "secondary need")):
        value = row.text(field_)
        if not value:
            continue
        need = coded(value, NEEDS)
        if need is None:
            row.problem(
                field_,
                f"The {what} is not one Braid knows: use a school census code such as SpLD, MLD, SEMH, SLCN "
                "or ASD, or its full name",
            )
        elif need not in needs:
            needs.append(need)
    return tuple(needs)
