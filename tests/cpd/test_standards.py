"""The standards reference data: every NOS performance criterion and ETF standard, worded as published."""
import re
from pathlib import Path

import pytest

from app.cpd.standards import STANDARDS, Framework, standard, standards_in

SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"
NOS_SEED = SEEDS / "nos-learning-support-practitioner-2007.txt"
POLICY_SEED = SEEDS / "cpd-policy-reflective-record.txt"
needs_seeds = pytest.mark.skipif(not SEEDS.is_dir(), reason="the seed documents sit beside the checkout, not in it")


def codes_with_prefix(prefix):
    return [s.code for s in STANDARDS if s.code.split(" ")[0] == prefix]


@pytest.mark.parametrize(("prefix", "count"), [("AP", 17), ("BP", 8), ("CP", 6), ("ETF", 20)])
def test_each_set_has_its_published_number_of_standards(prefix, count):
    assert codes_with_prefix(prefix) == [f"{prefix} {n}" for n in range(1, count + 1)]


def test_there_are_51_standards_with_unique_codes():
    codes = [s.code for s in STANDARDS]
    assert len(codes) == 51
    assert len(set(codes)) == 51


def test_sort_order_is_nos_a_b_c_then_etf_by_number():
    ordered = [s.code for s in sorted(STANDARDS, key=lambda s: s.sort_key)]
    assert ordered[:3] == ["AP 1", "AP 2", "AP 3"]
    assert ordered[9:11] == ["AP 10", "AP 11"]  # by number, not as text ("AP 10" < "AP 2")
    assert ordered[16:18] == ["AP 17", "BP 1"]
    assert ordered[24:26] == ["BP 8", "CP 1"]
    assert ordered[30:32] == ["CP 6", "ETF 1"]
    assert ordered[-1] == "ETF 20"
    assert [s.code for s in STANDARDS] == ordered


@pytest.mark.parametrize(("code", "title"), [
    ("AP 1", "Provide high quality learning support that enables learners to achieve identified goals"),
    ("AP 14", "Maintain accurate records relating to learning support"),
    ("BP 3", "Contribute to the negotiation and monitoring of individual learning objectives"),
    ("CP 6", "Support progression and the transition of the learner in the context of the specialist area(s)"),
    ("ETF 1", "Critically reflect on and evaluate your practices, values, and beliefs to improve learner outcomes."),
    ("ETF 11", "Develop and apply your knowledge of special educational needs and disabilities to create "
               "inclusive learning experiences."),
    ("ETF 20", "Develop enrichment and progression opportunities for learners through collaboration with "
               "employers, higher education and/or community groups."),
])
def test_titles_spot_checked_against_the_published_wording(code, title):
    assert standard(code).title == title


@pytest.mark.parametrize(("code", "framework", "group"), [
    ("AP 1", Framework.NOS_LSP, "Standard A: Providing learning support to individuals or groups of learners"),
    ("AP 17", Framework.NOS_LSP, "Standard A: Providing learning support to individuals or groups of learners"),
    ("BP 1", Framework.NOS_LSP, "Standard B: Planning and assessing for learning support"),
    ("CP 4", Framework.NOS_LSP, "Standard C: Providing specialist learning support"),
    ("ETF 7", Framework.ETF, "Professional values and attributes"),
    ("ETF 8", Framework.ETF, "Professional knowledge and understanding"),
    ("ETF 12", Framework.ETF, "Professional knowledge and understanding"),
    ("ETF 13", Framework.ETF, "Professional skills"),
])
def test_framework_and_group(code, framework, group):
    assert standard(code).framework is framework
    assert standard(code).group == group


def test_sources_and_framework_labels():
    assert standard("BP 2").source == (
        "National Occupational Standards for the role of learning support practitioner in the lifelong "
        "learning sector, LLUK, December 2007")
    assert standard("ETF 2").source == (
        "Professional Standards for Tutors and Trainers in Education and Training, Education and Training "
        "Foundation, 2022 (CPD policy, Appendix 3)")
    assert Framework("nos_lsp").label == (
        "National Occupational Standards for learning support practitioners (LLUK, 2007)")
    assert Framework("etf_2022").label == (
        "Professional Standards for Tutors and Trainers in Education and Training (ETF, 2022)")
    assert len(standards_in(Framework.NOS_LSP)) == 31
    assert [s.code for s in standards_in(Framework.ETF)][:2] == ["ETF 1", "ETF 2"]


@pytest.mark.parametrize("code", ["AP 18", "ap 1", "AP1", "ETF 0", "AK 1.1", ""])
def test_unknown_code_is_a_key_error_naming_it(code):
    with pytest.raises(KeyError, match=re.escape(repr(code))):
        standard(code)


@needs_seeds
def test_every_nos_title_matches_the_seed():
    # In the seed each performance criterion is a line "AP n" followed, after a blank line, by its title.
    lines = [line.strip() for line in NOS_SEED.read_text(encoding="utf-8").splitlines()]
    from_seed = {}
    for index, line in enumerate(lines):
        if re.fullmatch(r"(AP|BP|CP) \d+", line):
            from_seed[line] = next(text for text in lines[index + 1:] if text)
    assert len(from_seed) == 31
    assert {s.code: s.title for s in standards_in(Framework.NOS_LSP)} == from_seed


@needs_seeds
def test_every_etf_title_matches_appendix_3_of_the_policy():
    text = POLICY_SEED.read_text(encoding="utf-8")
    appendix = text[text.rindex("Appendix 3:"):text.rindex("Appendix 4")]
    from_seed = {}
    for items in re.findall(r"<ol[^>]*>(.*)", appendix):
        for number, title in re.findall(r"(\d+)\. (.*?)(?=\s+\d+\. |$)", items.strip()):
            from_seed[f"ETF {number}"] = title
    assert len(from_seed) == 20
    assert {s.code: s.title for s in standards_in(Framework.ETF)} == from_seed
