"""Recognising an MIS export's columns: each vendor's header names, the vendor, and what is missing."""
from __future__ import annotations

import pytest

from app.cases.mis_import.columns import Field, missing, recognise, vendor_of

F = Field

VENDOR_HEADERS = [
    (
        "SIMS",
        ["UPN", "Legal Surname", "Legal Forename", "Preferred Surname", "Preferred Forename", "DOB", "Year",
         "Reg Group", "SEN Status", "Primary Need", "Secondary Need"],
        {F.UPN: 0, F.SURNAME: 1, F.FORENAME: 2, F.PREFERRED_SURNAME: 3, F.PREFERRED_FORENAME: 4,
         F.DATE_OF_BIRTH: 5, F.YEAR_GROUP: 6, F.REGISTRATION_GROUP: 7, F.SEN_STATUS: 8, F.PRIMARY_NEED: 9,
         F.SECONDARY_NEED: 10},
    ),
    (
        "SIMS",
        ["Legal Forename", "Legal Surname", "Date of Birth", "NC Year", "Reg", "SEN Provision", "SEN Primary Need",
         "UPN"],
        {F.FORENAME: 0, F.SURNAME: 1, F.DATE_OF_BIRTH: 2, F.YEAR_GROUP: 3, F.REGISTRATION_GROUP: 4,
         F.SEN_STATUS: 5, F.PRIMARY_NEED: 6, F.UPN: 7},
    ),
    (
        "Arbor",
        ["UPN", "Legal First Name", "Legal Last Name", "First Name", "Last Name", "Date of Birth", "Year Group",
         "Registration Form", "SEN Status", "Primary SEN Need", "Secondary SEN Need"],
        {F.UPN: 0, F.FORENAME: 1, F.SURNAME: 2, F.PREFERRED_FORENAME: 3, F.PREFERRED_SURNAME: 4,
         F.DATE_OF_BIRTH: 5, F.YEAR_GROUP: 6, F.REGISTRATION_GROUP: 7, F.SEN_STATUS: 8, F.PRIMARY_NEED: 9,
         F.SECONDARY_NEED: 10},
    ),
    (
        "Arbor",
        # An explicit preferred column wins over the plain "First Name", which is then left unused.
        ["Legal First Name", "Legal Last Name", "First Name", "Preferred First Name", "Date of Birth",
         "Registration Form"],
        {F.FORENAME: 0, F.SURNAME: 1, F.PREFERRED_FORENAME: 3, F.DATE_OF_BIRTH: 4, F.REGISTRATION_GROUP: 5},
    ),
    (
        "Bromcom",
        ["UPN", "Legal Surname", "Legal Forename", "Preferred Forename", "DOB", "NC Year", "Reg Group", "SEN Status",
         "SEN Need Type 1", "SEN Need Type 2"],
        {F.UPN: 0, F.SURNAME: 1, F.FORENAME: 2, F.PREFERRED_FORENAME: 3, F.DATE_OF_BIRTH: 4, F.YEAR_GROUP: 5,
         F.REGISTRATION_GROUP: 6, F.SEN_STATUS: 7, F.PRIMARY_NEED: 8, F.SECONDARY_NEED: 9},
    ),
    (
        "ScholarPack",
        ["UPN", "Surname", "Forename", "Known As", "Date Of Birth", "Year", "Class", "SEN Status", "SEN Primary Need",
         "SEN Secondary Need"],
        {F.UPN: 0, F.SURNAME: 1, F.FORENAME: 2, F.PREFERRED_FORENAME: 3, F.DATE_OF_BIRTH: 4, F.YEAR_GROUP: 5,
         F.REGISTRATION_GROUP: 6, F.SEN_STATUS: 7, F.PRIMARY_NEED: 8, F.SECONDARY_NEED: 9},
    ),
]


@pytest.mark.parametrize(("vendor", "header", "expected"), VENDOR_HEADERS,
                         ids=[f"{case[0]}-{number}" for number, case in enumerate(VENDOR_HEADERS)])
def test_each_vendors_header_is_recognised(vendor, header, expected):
    assert recognise(header) == expected
    assert vendor_of(header) == vendor
    assert missing(recognise(header)) == []


@pytest.mark.parametrize(
    "header",
    [
        ["Name", "DOB"],
        ["Forename", "Surname", "Date of Birth"],
        ["Pupil Name", "Year", "Date of Birth"],
        ["UPN", "First Name", "Last Name", "DOB"],
    ],
)
def test_a_header_without_a_vendors_own_names_has_no_vendor(header):
    assert vendor_of(header) is None


def test_a_plain_name_is_the_legal_name_when_there_is_no_legal_column():
    assert recognise(["First Name", "Last Name", "Preferred First Name", "DOB"]) == {
        F.FORENAME: 0, F.SURNAME: 1, F.PREFERRED_FORENAME: 2, F.DATE_OF_BIRTH: 3,
    }


def test_a_plain_surname_beside_a_legal_one_is_the_preferred_surname():
    columns = recognise(["Legal Surname", "Surname", "Legal Forename", "Forename", "Preferred Forename", "DOB"])
    assert columns == {
        F.SURNAME: 0, F.PREFERRED_SURNAME: 1, F.FORENAME: 2, F.PREFERRED_FORENAME: 4, F.DATE_OF_BIRTH: 5,
    }


@pytest.mark.parametrize("name", ["Name", "Pupil Name", "Full Name", "full_name", "PUPIL NAME"])
def test_one_name_column_is_the_full_name(name):
    assert recognise([name, "DOB"]) == {F.FULL_NAME: 0, F.DATE_OF_BIRTH: 1}


@pytest.mark.parametrize(
    ("name", "field"),
    [
        ("date of birth", F.DATE_OF_BIRTH),
        ("DATE_OF_BIRTH", F.DATE_OF_BIRTH),
        ("Date-of-Birth", F.DATE_OF_BIRTH),
        ("  Date  Of  Birth ", F.DATE_OF_BIRTH),
        ("D.O.B.", F.DATE_OF_BIRTH),
        ("legal_forename", F.FORENAME),
        ("LEGAL SURNAME", F.SURNAME),
        ("Reg. Group", F.REGISTRATION_GROUP),
        ("N.C. Year", F.YEAR_GROUP),
        ("SEN need type (1)", F.PRIMARY_NEED),
        ("u.p.n", F.UPN),
        ("Known-As", F.PREFERRED_FORENAME),
    ],
)
def test_matching_ignores_case_spaces_punctuation_and_underscores(name, field):
    assert recognise([name]) == {field: 0}


def test_the_first_of_two_columns_for_one_field_is_used():
    assert recognise(["DOB", "Date of Birth", "Name"]) == {F.DATE_OF_BIRTH: 0, F.FULL_NAME: 2}


def test_unknown_columns_are_ignored():
    assert recognise(["Gender", "Ethnicity", "Name", "Admission Number", "DOB"]) == {
        F.FULL_NAME: 2, F.DATE_OF_BIRTH: 4,
    }


@pytest.mark.parametrize(
    ("header", "messages"),
    [
        (["Name", "DOB"], []),
        (["Forename", "Surname", "DOB"], []),
        (["Name", "Forename", "DOB"], []),
        (["UPN", "DOB"], ["The file has no columns for the learners' names"]),
        (["Forename", "DOB"], ["The file has no surname column"]),
        (["Legal Surname", "DOB"], ["The file has no forename column"]),
        (["Forename", "Surname"], ["The file has no date of birth column"]),
        (["UPN", "Year"], ["The file has no columns for the learners' names", "The file has no date of birth column"]),
    ],
)
def test_missing_names_what_is_required_but_absent(header, messages):
    found = missing(recognise(header))
    assert len(found) == len(messages)
    for message, expected in zip(found, messages, strict=True):
        assert message.startswith(expected)


def test_a_missing_upn_or_year_group_is_not_reported_as_required():
    assert missing(recognise(["Name", "DOB"])) == []


def test_every_field_has_a_label_and_a_stable_value():
    assert {field.value for field in Field} == {
        "upn", "forename", "surname", "full_name", "preferred_forename", "preferred_surname", "date_of_birth",
        "year_group", "registration_group", "sen_status", "primary_need", "secondary_need",
    }
    assert Field.FORENAME.label == "Legal forename"
    assert Field.DATE_OF_BIRTH.label == "Date of birth"
    assert Field.SEN_STATUS.label == "SEN status"
    assert Field.PRIMARY_NEED.label == "Primary need"
    assert all(field.label for field in Field)
