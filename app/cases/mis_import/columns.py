"""Which column of an MIS export holds what: header names as SIMS, Arbor, Bromcom and ScholarPack write them."""
from __future__ import annotations

import enum
import re


class Field(enum.Enum):
    """What Braid reads from a learner's row; the values are stable, stored as JSON."""

    UPN = "upn"
    FORENAME = "forename"
    SURNAME = "surname"
    FULL_NAME = "full_name"
    PREFERRED_FORENAME = "preferred_forename"
    PREFERRED_SURNAME = "preferred_surname"
    DATE_OF_BIRTH = "date_of_birth"
    YEAR_GROUP = "year_group"
    REGISTRATION_GROUP = "registration_group"
    SEN_STATUS = "sen_status"
    PRIMARY_NEED = "primary_need"
    SECONDARY_NEED = "secondary_need"

    @property
    def label(self) -> str:
        return FIELD_LABELS[self]


FIELD_LABELS = {
    Field.UPN: "UPN",
    Field.FORENAME: "Legal forename",
    Field.SURNAME: "Legal surname",
    Field.FULL_NAME: "Name",
    Field.PREFERRED_FORENAME: "Preferred forename",
    Field.PREFERRED_SURNAME: "Preferred surname",
    Field.DATE_OF_BIRTH: "Date of birth",
    Field.YEAR_GROUP: "Year group",
    Field.REGISTRATION_GROUP: "Registration group",
    Field.SEN_STATUS: "SEN status",
    Field.PRIMARY_NEED: "Primary need",
    Field.SECONDARY_NEED: "Secondary need",
}

Columns = dict[Field, int]  # the column index (0-based) of each recognised field


def normalise_header(name: str) -> str:
    """Case, spaces, punctuation and underscores do not matter: "Date of Birth", "DATE_OF_BIRTH", "date-of-birth"."""
    return re.sub(r"[\W_]+", "", name.casefold())


# Header names, normalised, as the vendors' exports and reports write them (see app/demo/mis/README.md).
LEGAL_FORENAMES = {"legalforename", "legalforenames", "legalfirstname", "legalgivenname"}
LEGAL_SURNAMES = {"legalsurname", "legallastname", "legalfamilyname"}
PLAIN_FORENAMES = {"forename", "forenames", "firstname", "givenname", "pupilforename", "studentforename"}
PLAIN_SURNAMES = {"surname", "lastname", "familyname", "pupilsurname", "studentsurname"}
NAMES = {
    Field.UPN: {"upn", "uniquepupilnumber", "pupilupn", "studentupn"},
    Field.FULL_NAME: {"name", "fullname", "pupilname", "studentname", "learnername", "childname", "legalname"},
    Field.PREFERRED_FORENAME: {
        "preferredforename", "preferredfirstname", "knownas", "knownasforename", "knownasfirstname", "preferredname",
    },
    Field.PREFERRED_SURNAME: {"preferredsurname", "preferredlastname", "knownassurname", "knownaslastname"},
    Field.DATE_OF_BIRTH: {"dob", "dateofbirth", "birthdate"},
    Field.YEAR_GROUP: {
        "year", "yeargroup", "ncyear", "ncyeargroup", "nationalcurriculumyear", "curriculumyear", "yeartaughtin",
    },
    Field.REGISTRATION_GROUP: {
        "reggroup", "reg", "registrationgroup", "registrationform", "regform", "form", "formgroup", "tutorgroup",
        "class",
    },
    Field.SEN_STATUS: {"senstatus", "senprovision", "sendstatus", "sen"},
    Field.PRIMARY_NEED: {
        "primaryneed", "senprimaryneed", "primarysenneed", "senneedtype1", "primaryneedtype", "primarysentype",
    },
    Field.SECONDARY_NEED: {
        "secondaryneed", "sensecondaryneed", "secondarysenneed", "senneedtype2", "secondaryneedtype",
        "secondarysentype",
    },
}


def recognise(header: list[str]) -> Columns:
    """The column of each field the header names; the first column wins when two name one field.

    A legal name column is the forename or surname; a plain one beside it ("First Name" beside "Legal First Name",
    as Arbor writes them) is then the preferred name, unless the file has an explicit preferred column too.
    """
    columns: Columns = {}
    plain: dict[str, int] = {}
    legal: dict[str, int] = {}
    for index, name in enumerate(header):
        key = normalise_header(name)
        if key in LEGAL_FORENAMES:
            legal.setdefault("forename", index)
        elif key in LEGAL_SURNAMES:
            legal.setdefault("surname", index)
        elif key in PLAIN_FORENAMES:
            plain.setdefault("forename", index)
        elif key in PLAIN_SURNAMES:
            plain.setdefault("surname", index)
        else:
            for field, names in NAMES.items():
                if key in names:
                    columns.setdefault(field, index)
                    break
    for part, field, preferred in (
        ("forename", Field.FORENAME, Field.PREFERRED_FORENAME),
        ("surname", Field.SURNAME, Field.PREFERRED_SURNAME),
    ):
        if part in legal:
            columns[field] = legal[part]
            if part in plain:
                columns.setdefault(preferred, plain[part])
        elif part in plain:
            columns[field] = plain[part]
    return dict(sorted(columns.items(), key=lambda item: item[1]))


# Names that one vendor writes and the others do not, with how strongly each one points to that vendor.
VENDOR_MARKS = {
    "SIMS": {
        "legalforename": 1, "legalsurname": 1, "preferredsurname": 2, "reggroup": 1, "reg": 2, "senprovision": 2,
        "primaryneed": 2, "secondaryneed": 2, "yeartaughtin": 2,
    },
    "Arbor": {
        "legalfirstname": 3, "legallastname": 3, "preferredfirstname": 2, "registrationform": 3,
        "primarysenneed": 3, "secondarysenneed": 3,
    },
    "Bromcom": {"legalforename": 1, "legalsurname": 1, "reggroup": 1, "senneedtype1": 4, "senneedtype2": 4},
    "ScholarPack": {"forename": 1, "surname": 1, "knownas": 3, "class": 3, "sensecondaryneed": 1},
}


def vendor_of(header: list[str]) -> str | None:
    """The MIS the file most likely came from, or None when the header does not say: shown to the user only."""
    names = {normalise_header(name) for name in header}
    scores = {vendor: sum(weight for name, weight in marks.items() if name in names)
              for vendor, marks in VENDOR_MARKS.items()}
    best = max(scores.values())
    leaders = [vendor for vendor, score in scores.items() if score == best]
    return leaders[0] if best >= 3 and len(leaders) == 1 else None


def missing(columns: Columns) -> list[str]:
    """What the file lacks that every learner needs: their names and date of birth."""
    problems = []
    if Field.FULL_NAME not in columns:
        has_forename, has_surname = Field.FORENAME in columns, Field.SURNAME in columns
        if not has_forename and not has_surname:
            problems.append(
                "The file has no columns for the learners' names: it needs a forename and a surname column "
                "(such as 'Legal Forename' and 'Legal Surname'), or one 'Name' column."
            )
        elif not has_forename:
            problems.append("The file has no forename column (such as 'Legal Forename' or 'Forename').")
        elif not has_surname:
            problems.append("The file has no surname column (such as 'Legal Surname' or 'Surname').")
    if Field.DATE_OF_BIRTH not in columns:
        problems.append("The file has no date of birth column (such as 'Date of Birth' or 'DOB').")
    return problems
