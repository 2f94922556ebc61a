"""The sample MIS exports in app/demo/mis: each reads, is its vendor's, and every row reads without a problem."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from stdnum.gb import upn as stdnum_upn

from app.cases.learners.models import NeedType, SenStatus
from app.cases.mis_import.columns import Field, missing, recognise, vendor_of
from app.cases.mis_import.reading import read_table
from app.cases.mis_import.rows import LearnerValues, read_row

SAMPLES = Path(__file__).resolve().parents[3] / "app" / "demo" / "mis"
TODAY = date.today()  # the samples must read on the day the demo is used

# file, vendor, encoding, delimiter, learners
EXPECTED = [
    ("sims.csv", "SIMS", "Windows-1252", ",", 11),
    ("arbor.csv", "Arbor", "UTF-8 with BOM", ",", 10),
    ("bromcom.csv", "Bromcom", "UTF-8", ";", 9),
    ("scholarpack.csv", "ScholarPack", "UTF-8", ",", 10),
]
DEMO_LEARNERS = {
    # name: (date of birth, UPN) as the demo school has them (with a correct check letter)
    "Maya Carter": (date(2018, 5, 14), "801200001015"),
    "Leo Nowak": (date(2016, 11, 2), "801200002020"),
    "Oliver Bennett": (date(2017, 2, 8), "801200004030"),
}


def learners(file_name: str) -> list[LearnerValues]:
    table = read_table((SAMPLES / file_name).read_bytes())
    columns = recognise(table.header)
    readings = [read_row(row.cells, columns, table.header, today=TODAY) for row in table.rows]
    assert [reading.problems for reading in readings] == [[] for _ in readings]
    return [reading.values for reading in readings]


@pytest.mark.parametrize(("file_name", "vendor", "encoding", "delimiter", "count"), EXPECTED,
                         ids=[case[0] for case in EXPECTED])
def test_each_sample_reads_as_its_vendors_export_without_a_problem(file_name, vendor, encoding, delimiter, count):
    data = (SAMPLES / file_name).read_bytes()
    table = read_table(data)
    assert (table.encoding, table.delimiter, len(table.rows)) == (encoding, delimiter, count)
    assert vendor_of(table.header) == vendor
    columns = recognise(table.header)
    assert missing(columns) == []
    assert set(columns) >= {Field.UPN, Field.DATE_OF_BIRTH, Field.YEAR_GROUP, Field.REGISTRATION_GROUP,
                            Field.SEN_STATUS, Field.PRIMARY_NEED, Field.SECONDARY_NEED}
    assert len(learners(file_name)) == count


def test_the_encodings_are_as_described():
    sims = (SAMPLES / "sims.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        sims.decode("utf-8")
    assert "Zoë" in sims.decode("cp1252")
    assert (SAMPLES / "arbor.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    for name in ("bromcom.csv", "scholarpack.csv"):
        data = (SAMPLES / name).read_bytes()
        assert not data.startswith(b"\xef\xbb\xbf")
        data.decode("utf-8")


def test_the_formats_differ_on_purpose():
    assert b"\r\n" in (SAMPLES / "sims.csv").read_bytes()
    arbor = (SAMPLES / "arbor.csv").read_text(encoding="utf-8-sig")
    assert "-03-09," in arbor  # ISO dates
    assert '"Social, Emotional and Mental Health"' in arbor  # Excel quoting of a value with commas
    assert "/" in (SAMPLES / "bromcom.csv").read_text(encoding="utf-8")
    assert "Class" in read_table((SAMPLES / "scholarpack.csv").read_bytes()).header


def test_every_upn_is_valid_and_belongs_to_one_learner():
    owners: dict[str, tuple[str, date]] = {}
    for file_name, *_ in EXPECTED:
        for learner in learners(file_name):
            if learner.upn is None:
                continue
            assert stdnum_upn.calc_check_digit(learner.upn[1:]) == learner.upn[0]
            owner = (learner.name, learner.date_of_birth)
            assert owners.setdefault(learner.upn, owner) == owner, learner.upn


def test_the_sims_sample_has_the_demo_schools_learners_and_ruby_ellis_ward():
    by_name = {learner.name: learner for learner in learners("sims.csv")}
    for name, (born, upn_rest) in DEMO_LEARNERS.items():
        learner = by_name[name]
        assert learner.date_of_birth == born
        assert learner.upn == stdnum_upn.calc_check_digit(upn_rest) + upn_rest
        assert learner.sen_status is SenStatus.SEN_SUPPORT
        assert learner.needs
        assert learner.registration_group
    assert by_name["Ruby Ellis-Ward"].year_group == 4
    assert "Zoë Okafor" in by_name


@pytest.mark.parametrize("file_name", ["arbor.csv", "bromcom.csv", "scholarpack.csv"])
def test_the_other_samples_hold_no_demo_learner(file_name):
    demo_upns = {rest for _born, rest in DEMO_LEARNERS.values()}
    for learner in learners(file_name):
        assert learner.name not in DEMO_LEARNERS
        assert learner.name != "Aisha Rahman"
        assert learner.upn is None or learner.upn[1:] not in demo_upns


def test_the_samples_use_every_sen_status_and_every_need():
    all_learners = [learner for file_name, *_ in EXPECTED for learner in learners(file_name)]
    assert {learner.sen_status for learner in all_learners} >= set(SenStatus)
    assert {need for learner in all_learners for need in learner.needs} == set(NeedType)


def test_the_samples_have_preferred_names_nursery_and_reception_learners():
    all_learners = [learner for file_name, *_ in EXPECTED for learner in learners(file_name)]
    assert {learner.year_group for learner in all_learners} >= {-1, 0, 1, 2, 3, 4, 5, 6}
    preferred = {learner.preferred_name for learner in all_learners} - {None}
    assert {"Seun", "Mo", "Gracie Reid"} <= preferred
