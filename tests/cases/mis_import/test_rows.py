"""Reading one learner's row: every rule, valid and invalid, and no problem that repeats a value."""
from __future__ import annotations

from datetime import date

import pytest

from app.cases.learners.models import AreaOfNeed, NeedType, SenStatus
from app.cases.mis_import.columns import recognise
from app.cases.mis_import.rows import LearnerValues, Problem, RowReading, read_row

TODAY = date(2026, 12, 3)
HEADER = ["UPN", "Legal Forename", "Legal Surname", "Preferred Forename", "Preferred Surname", "DOB", "Year",
          "Reg Group", "SEN Status", "Primary Need", "Secondary Need"]
GOOD = {
    "UPN": "C801200001015", "Legal Forename": "Maya", "Legal Surname": "Carter", "Preferred Forename": "",
    "Preferred Surname": "", "DOB": "14/05/2018", "Year": "Year 3", "Reg Group": "3B", "SEN Status": "K",
    "Primary Need": "SLCN", "Secondary Need": "",
}


def read(header: list[str] = HEADER, **values: str) -> RowReading:
    """The reading of one row: GOOD's values, with keyword arguments (spaces as underscores) replacing some."""
    cells = {**GOOD, **{name.replace("_", " "): value for name, value in values.items()}}
    return read_row([cells.get(name, "") for name in header], recognise(header), header, today=TODAY)


def value_of(**values: str) -> LearnerValues:
    reading = read(**values)
    assert reading.problems == []
    assert reading.values is not None
    return reading.values


def problems_of(header: list[str] = HEADER, **values: str) -> list[Problem]:
    reading = read(header, **values)
    assert reading.values is None
    assert reading.problems
    return reading.problems


def test_a_good_row_is_read():
    assert read() == RowReading(
        values=LearnerValues(
            name="Maya Carter",
            preferred_name=None,
            date_of_birth=date(2018, 5, 14),
            year_group=3,
            upn="C801200001015",
            registration_group="3B",
            sen_status=SenStatus.SEN_SUPPORT,
            needs=(NeedType.SLCN,),
        ),
        problems=[],
    )


def test_only_the_columns_braid_needs_are_required():
    header = ["Forename", "Surname", "Date of Birth", "Year"]
    reading = read_row(["Maya", "Carter", "14/05/2018", "R"], recognise(header), header, today=TODAY)
    assert reading.values == LearnerValues("Maya Carter", None, date(2018, 5, 14), 0, None, None, None, ())


# Names ---------------------------------------------------------------------------------------------------------


def test_names_are_stripped_and_their_spaces_made_single():
    assert value_of(Legal_Forename="  Mary   Jane ", Legal_Surname=" Ellis-Ward ").name == "Mary Jane Ellis-Ward"


@pytest.mark.parametrize(
    ("forename", "surname", "preferred_forename", "preferred_surname", "expected"),
    [
        ("Aisha", "Rahman", "", "", None),
        ("Aisha", "Rahman", "Aisha", "Rahman", None),
        ("Aisha", "Rahman", "aisha", "RAHMAN", None),
        ("Aisha", "Rahman", "Ash", "", "Ash"),
        ("Aisha", "Rahman", "Ash", "Rahman", "Ash"),
        ("Aisha", "Rahman", "", "Khan", "Aisha Khan"),
        ("Aisha", "Rahman", "Ash", "Khan", "Ash Khan"),
    ],
)
def test_the_preferred_name_is_kept_only_when_it_differs(forename, surname, preferred_forename, preferred_surname,
                                                         expected):
    values = value_of(Legal_Forename=forename, Legal_Surname=surname, Preferred_Forename=preferred_forename,
                      Preferred_Surname=preferred_surname)
    assert values.name == f"{forename} {surname}"
    assert values.preferred_name == expected


def test_arbors_plain_first_name_beside_the_legal_one_is_the_preferred_name():
    header = ["Legal First Name", "Legal Last Name", "First Name", "Last Name", "Date of Birth", "Year Group"]
    reading = read_row(["Oluwaseun", "Adebayo", "Seun", "Adebayo", "2018-03-09", "Year 4"], recognise(header),
                       header, today=TODAY)
    assert (reading.values.name, reading.values.preferred_name) == ("Oluwaseun Adebayo", "Seun")


@pytest.mark.parametrize(
    ("full_name", "expected"),
    [
        ("Maya Carter", "Maya Carter"),
        ("Carter, Maya", "Maya Carter"),
        ("  Ellis-Ward ,  Ruby  Jane ", "Ruby Jane Ellis-Ward"),
        ("Mary Jane Carter", "Mary Jane Carter"),
    ],
)
def test_a_full_name_column_is_read_and_surname_first_is_turned_round(full_name, expected):
    header = ["Name", "DOB", "Year"]
    reading = read_row([full_name, "14/05/2018", "Y3"], recognise(header), header, today=TODAY)
    assert reading.values.name == expected


def test_a_preferred_forename_beside_a_full_name_is_kept_when_it_differs():
    header = ["Pupil Name", "Known As", "DOB", "Year"]
    columns = recognise(header)
    assert read_row(["Rahman, Aisha", "Ash", "23/09/2019", "2"], columns, header, today=TODAY).values.preferred_name \
        == "Ash"
    assert read_row(["Rahman, Aisha", "Aisha", "23/09/2019", "2"], columns, header, today=TODAY).values \
        .preferred_name is None


@pytest.mark.parametrize(
    ("values", "column", "fragment"),
    [
        ({"Legal_Forename": ""}, "Legal Forename", "The legal forename is empty"),
        ({"Legal_Surname": "   "}, "Legal Surname", "The legal surname is empty"),
        ({"Legal_Forename": "M" * 101}, "Legal Forename", "longer than 100 characters"),
        ({"Legal_Surname": "C" * 101}, "Legal Surname", "longer than 100 characters"),
        ({"Preferred_Forename": "P" * 101}, "Preferred Forename", "longer than 100 characters"),
    ],
)
def test_a_name_must_be_there_and_not_too_long(values, column, fragment):
    problems = problems_of(**values)
    assert [(problem.column, fragment in problem.message) for problem in problems] == [(column, True)]


def test_a_name_of_exactly_100_characters_is_accepted():
    assert value_of(Legal_Surname="C" * 100).name == "Maya " + "C" * 100


@pytest.mark.parametrize(("full_name", "fragment"), [("", "The name is empty"), (", Maya", "both a forename"),
                                                      ("Carter,", "both a forename"), ("Maya", "both a forename"),
                                                      ("Carter, " + "M" * 101, "longer than 100")])
def test_a_full_name_must_have_a_forename_and_a_surname(full_name, fragment):
    header = ["Full Name", "DOB", "Year"]
    reading = read_row([full_name, "14/05/2018", "3"], recognise(header), header, today=TODAY)
    assert reading.values is None
    assert [problem.column for problem in reading.problems] == ["Full Name"]
    assert fragment in reading.problems[0].message


def test_a_file_without_name_columns_gives_a_problem_under_the_fields_labels():
    header = ["DOB", "Year"]
    reading = read_row(["14/05/2018", "3"], recognise(header), header, today=TODAY)
    assert [problem.column for problem in reading.problems] == ["Legal forename", "Legal surname"]


# Date of birth -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["14/05/2018", "14/5/2018", "14-05-2018", "14.05.2018", "2018-05-14", "2018-5-14", "14/05/2018 00:00",
     "14/05/2018 00:00:00", "2018-05-14 00:00:00", "2018-05-14T00:00:00", " 14/05/2018 "],
)
def test_dates_of_birth_are_read_in_the_formats_schools_export(text):
    assert value_of(DOB=text).date_of_birth == date(2018, 5, 14)


def test_single_digit_days_and_months_are_read():
    assert value_of(DOB="4/9/2018").date_of_birth == date(2018, 9, 4)


def test_29_february_of_a_leap_year_is_a_real_date():
    assert value_of(DOB="29/02/2020").date_of_birth == date(2020, 2, 29)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "The date of birth is empty"),
        ("14/05/18", "write the year in full"),
        ("14-05-18", "write the year in full"),
        ("31/02/2015", "The date of birth is not a real date"),
        ("29/02/2019", "The date of birth is not a real date"),
        ("14/13/2018", "The date of birth is not a real date"),
        ("2018-02-30", "The date of birth is not a real date"),
        ("00/05/2018", "The date of birth is not a real date"),
        ("14/05/02018", "not a date Braid reads"),
        ("14/05-2018", "not a date Braid reads"),
        ("14 May 2018", "not a date Braid reads"),
        ("43234", "not a date Braid reads"),  # an Excel serial number
        ("14/05/2018 09:30", "not a date Braid reads"),
        ("05/14/2018", "The date of birth is not a real date"),  # month first: read day first, so month 14
        ("04/12/2026 00:00", "The date of birth is in the future"),
        ("01/01/2030", "The date of birth is in the future"),
        ("02/12/2001", "more than 25 years old"),
        ("1990-01-01", "more than 25 years old"),
    ],
)
def test_a_date_of_birth_that_is_missing_unreadable_unreal_future_or_too_old_is_refused(text, fragment):
    problems = problems_of(DOB=text)
    assert [problem.column for problem in problems] == ["DOB"]
    assert fragment in problems[0].message


def test_a_learner_born_today_or_exactly_25_years_ago_is_accepted():
    assert value_of(DOB="03/12/2026").date_of_birth == TODAY
    assert value_of(DOB="03/12/2001").date_of_birth == date(2001, 12, 3)


def test_25_years_is_counted_from_28_february_when_today_is_29_february():
    header = ["Name", "DOB", "Year"]
    leap_day = date(2028, 2, 29)
    assert read_row(["Maya Carter", "28/02/2003", "13"], recognise(header), header, today=leap_day).values
    assert read_row(["Maya Carter", "27/02/2003", "13"], recognise(header), header, today=leap_day).values is None


def test_a_missing_date_of_birth_column_is_a_problem_under_the_fields_label():
    header = ["Name", "Year"]
    reading = read_row(["Maya Carter", "3"], recognise(header), header, today=TODAY)
    assert [problem.column for problem in reading.problems] == ["Date of birth"]


# Year group ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "year"),
    [
        ("Year 7", 7), ("year 7", 7), ("Y7", 7), ("y 7", 7), ("7", 7), ("07", 7), ("NC Year 7", 7), ("Yr 7", 7),
        ("Year 1", 1), ("Year 13", 13), ("13", 13), ("Y13", 13),
        ("R", 0), ("r", 0), ("YR", 0), ("Year R", 0), ("Reception", 0), ("RECEPTION", 0), ("0", 0), ("Rec", 0),
        ("N", -1), ("N1", -1), ("N2", -1), ("Nursery", -1), ("Year N", -1), ("nursery", -1),
    ],
)
def test_year_groups_are_read_as_schools_write_them(text, year):
    assert value_of(Year=text).year_group == year


@pytest.mark.parametrize("text", ["Year 14", "14", "-1", "Y-1", "Year Seven", "Sixth Form", "P7", "N3", "Yellow",
                                  "٣", "1.5"])
def test_an_unknown_year_group_is_refused(text):
    problems = problems_of(Year=text)
    assert problems == [Problem(
        column="Year",
        message="The year group is not one Braid knows: use Nursery, Reception or Year 1 to Year 13",
    )]


def test_an_empty_year_group_is_refused():
    problems = problems_of(Year="")
    assert [problem.column for problem in problems] == ["Year"]
    assert "The year group is empty" in problems[0].message


def test_a_missing_year_group_column_is_a_problem_for_every_row():
    header = ["Name", "DOB"]
    reading = read_row(["Maya Carter", "14/05/2018"], recognise(header), header, today=TODAY)
    assert reading.values is None
    assert [problem.column for problem in reading.problems] == ["Year group"]
    assert "no year group column" in reading.problems[0].message


# UPN -----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["C801200001015", "c801200001015", " C801 2000 01015 "])
def test_a_upn_is_normalised(text):
    assert value_of(UPN=text).upn == "C801200001015"


def test_a_upn_is_optional():
    assert value_of(UPN="").upn is None
    header = ["Name", "DOB", "Year"]
    assert read_row(["Maya Carter", "14/05/2018", "3"], recognise(header), header, today=TODAY).values.upn is None


@pytest.mark.parametrize(("text", "fragment"), [("H801200001015", "check letter"), ("C8012000010", "format"),
                                                ("801200001015C", "format"), ("C80120000101S", "format")])
def test_an_invalid_upn_is_refused(text, fragment):
    problems = problems_of(UPN=text)
    assert [problem.column for problem in problems] == ["UPN"]
    assert fragment in problems[0].message


# Registration group --------------------------------------------------------------------------------------------


def test_a_registration_group_is_kept_as_written_or_none():
    assert value_of(Reg_Group=" 4 Oak ").registration_group == "4 Oak"
    assert value_of(Reg_Group="").registration_group is None


def test_an_over_long_registration_group_is_refused():
    assert [problem.column for problem in problems_of(Reg_Group="x" * 101)] == ["Reg Group"]


# SEN status and needs ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("N", SenStatus.NO_SEN), ("n", SenStatus.NO_SEN), ("No SEN", SenStatus.NO_SEN),
        ("No special educational needs", SenStatus.NO_SEN),
        ("K", SenStatus.SEN_SUPPORT), ("SEN Support", SenStatus.SEN_SUPPORT),
        ("K - SEN Support", SenStatus.SEN_SUPPORT),
        ("E", SenStatus.EHC_PLAN), ("EHC Plan", SenStatus.EHC_PLAN), ("EHCP", SenStatus.EHC_PLAN),
        ("Education, Health and Care Plan", SenStatus.EHC_PLAN), ("S", SenStatus.EHC_PLAN),
        ("Statement", SenStatus.EHC_PLAN),
        ("", None),
    ],
)
def test_sen_status_is_read_from_census_codes_and_words(text, status):
    assert value_of(SEN_Status=text).sen_status is status


@pytest.mark.parametrize("text", ["A", "School Action Plus", "P", "Yes", "KE"])
def test_an_unknown_sen_status_is_refused(text):
    problems = problems_of(SEN_Status=text)
    assert [problem.column for problem in problems] == ["SEN Status"]
    assert problems[0].message.startswith("The SEN status is not one Braid knows")


@pytest.mark.parametrize("need", list(NeedType))
def test_every_census_need_is_read_by_its_code_in_any_case_and_by_its_label(need):
    for text in (need.value, need.value.upper(), need.value.lower(), need.label, need.label.upper()):
        assert value_of(Primary_Need=text).needs == (need,)


@pytest.mark.parametrize(
    ("text", "need"),
    [
        ("Social, Emotional and Mental Health", NeedType.SEMH),
        ("ASD - Autistic Spectrum Disorder", NeedType.ASD),
        ("Visual Impairment", NeedType.VI),
        ("Other Difficulty/Disability", NeedType.OTH),
        ("SPLD", NeedType.SPLD),
    ],
)
def test_needs_are_read_as_vendors_word_them(text, need):
    assert value_of(Primary_Need=text).needs == (need,)


def test_needs_keep_the_primary_first_and_appear_once():
    assert value_of(Primary_Need="SEMH", Secondary_Need="SpLD").needs == (NeedType.SEMH, NeedType.SPLD)
    assert value_of(Primary_Need="ASD", Secondary_Need="asd").needs == (NeedType.ASD,)
    assert value_of(Primary_Need="", Secondary_Need="").needs == ()


def test_areas_of_need_come_from_the_needs_in_order_once_and_without_none():
    values = value_of(Primary_Need="ASD", Secondary_Need="SLCN")
    assert values.areas_of_need == [AreaOfNeed.COMMUNICATION_INTERACTION]
    values = value_of(Primary_Need="NSA", Secondary_Need="HI")
    assert values.areas_of_need == [AreaOfNeed.SENSORY_PHYSICAL]
    values = value_of(Primary_Need="SEMH", Secondary_Need="MLD")
    assert values.areas_of_need == [AreaOfNeed.SEMH, AreaOfNeed.COGNITION_LEARNING]
    assert value_of(Primary_Need="OTH").areas_of_need == []


@pytest.mark.parametrize(("column", "what"), [("Primary Need", "primary need"), ("Secondary Need", "secondary need")])
def test_an_unknown_need_is_refused_naming_its_column(column, what):
    problems = problems_of(**{column.replace(" ", "_"): "Dyspraxia"})
    assert [problem.column for problem in problems] == [column]
    assert problems[0].message.startswith(f"The {what} is not one Braid knows")


# Several problems, and never a value ---------------------------------------------------------------------------


def test_every_problem_of_a_row_is_reported():
    problems = problems_of(Legal_Forename="", DOB="31/02/2015", Year="Year 14", UPN="H801200001015",
                           SEN_Status="Q", Primary_Need="Dyspraxia", Secondary_Need="Wobbly")
    assert [problem.column for problem in problems] == [
        "Legal Forename", "DOB", "Year", "UPN", "SEN Status", "Primary Need", "Secondary Need",
    ]


BAD_VALUES = [
    ("Legal_Forename", "Wojciechowska" * 8),
    ("Preferred_Surname", "Featherstonehaugh" * 6),
    ("DOB", "31/02/2015"),
    ("DOB", "14/05/18"),
    ("DOB", "2099-01-01"),
    ("DOB", "12/12/1912"),
    ("DOB", "Fourteenth of May"),
    ("Year", "Year 14"),
    ("Year", "Sixth Form"),
    ("UPN", "H801200001015"),
    ("UPN", "X1234"),
    ("Reg_Group", "Kestrels-and-Owls" * 7),
    ("SEN_Status", "School Action"),
    ("Primary_Need", "Dyspraxia"),
    ("Secondary_Need", "Global developmental delay"),
]


@pytest.mark.parametrize(("name", "text"), BAD_VALUES)
def test_no_problem_repeats_the_cells_text(name, text):
    problems = problems_of(**{name: text})
    for problem in problems:
        assert text not in problem.message
        assert text.strip() not in problem.column
        # Nor any distinctive word of it (short words such as "Year" are the message's own).
        for word in text.replace("/", " ").replace("-", " ").split():
            if len(word) >= 6 and not word.isdigit():
                assert word.casefold() not in problem.message.casefold()
