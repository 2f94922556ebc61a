"""A UPN's check letter: the DfE modulo-23 weighted sum, checked when a learner is registered."""
import pytest
from sqlalchemy import func, select

from app.cases.learners.models import Learner
from app.cases.learners.upn import WRONG_CHECK_LETTER, WRONG_SHAPE, upn_problem, with_check_letter
from app.extensions import db
from tests.fixtures.application import text_of

# The check letters in order of their value: I, O and S are never used.
LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"


def _by_the_standard(rest: str) -> str:
    """The GovTalk UPN 2.0 rule written out again, independently of python-stdnum: weights 2 to 13, a final
    letter counting as its place in LETTERS, the sum modulo 23 read back through LETTERS."""
    values = [int(ch) if ch.isdigit() else LETTERS.index(ch) for ch in rest]
    return LETTERS[sum(weight * value for weight, value in enumerate(values, 2)) % 23]


@pytest.mark.parametrize("upn", [
    "B801200005001",  # python-stdnum's documentation
    # Arbor's census error 1510 page "corrects" B207000016049 to Q207000016049, but its sum is 266, not 267:
    # 266 - 11 x 23 = 13, which is P by its own table.
    "P207000016049",
    "A123456789012",
    "C801200001015",  # the demo's Maya Carter
    "X12345678901A",  # a temporary UPN: its last character is a letter
    "L80120000501Z",
    "A000000000000",
])
def test_valid_upns_have_no_problem(upn):
    assert upn_problem(upn) is None


@pytest.mark.parametrize("upn", [
    "A801200005001",  # stdnum's example of a wrong check letter
    "Q207000016049",  # Arbor's miscalculated correction
    "B207000016049",
    "Z123456789012",
    "K12345678901A",
    "I801200005001",  # never a check letter
])
def test_a_wrong_check_letter_is_named_without_repeating_the_upn(upn):
    problem = upn_problem(upn)
    assert problem == WRONG_CHECK_LETTER
    assert upn not in problem and upn[1:] not in problem


@pytest.mark.parametrize("upn", [
    "",
    "12345",
    "B80120000500",  # 12 characters
    "B8012000050011",  # 14 characters
    "1801200005001",  # no letter first
    "BX01200005001",  # a letter among the 11 digits
    "B80120000500I", "B80120000500O", "B80120000500S",  # never a final letter
    "b801200005001",  # not normalised
    "B 801200005001",
    "B801200005001\n",  # `$` would let a final newline through
    "B١٢٣٤٥٦٧٨٩٠١2",  # Arabic-Indic digits
    "B１２３４５６７８９０１2",  # full-width digits
    "É801200005001",
    "B80120000500é",
])
def test_a_wrong_shape_is_refused_before_the_check_letter(upn):
    assert upn_problem(upn) == WRONG_SHAPE


@pytest.mark.parametrize("rest", ["801200005001", "207000016049", "801200001015", "12345678901A", "80120000501Z",
                                  "999999999999", "00000000000Y"])
def test_with_check_letter_agrees_with_the_standard(rest):
    upn = with_check_letter(rest)
    assert upn == _by_the_standard(rest) + rest
    assert upn_problem(upn) is None


def test_every_other_first_letter_is_wrong():
    rest = "801200005001"
    right = with_check_letter(rest)[0]
    assert right == "B"
    for letter in "ABCDEFGHIJKLMNOPQRSTUVWXYZ".replace(right, ""):
        assert upn_problem(letter + rest) == WRONG_CHECK_LETTER, letter


@pytest.mark.parametrize("rest", ["80120000500", "8012000050011", "80120000500S", "8012000X5001"])
def test_with_check_letter_refuses_a_wrong_shape(rest):
    with pytest.raises(ValueError, match="11 digits"):
        with_check_letter(rest)


def _form(upn):
    return {
        "name": "Robin Checkletter",
        "date_of_birth": ["4", "6", "2017"],
        "year_group": "3",
        "areas_of_need": ["communication_interaction"],
        "sen_status": "",  # "Not recorded", as a browser sends the select
        "upn": upn,
    }


def _learner_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Learner))


@pytest.mark.parametrize("typed", ["A801200005001", "a801 2000 0500 1", "Q207000016049"])
def test_registering_with_a_wrong_check_letter_is_refused_and_writes_nothing(app, client_as, typed):
    senco = client_as("senco")
    before = _learner_count(app)
    response = senco.post("/learners/new", data=_form(typed))
    page = text_of(response)
    assert response.status_code == 400
    assert "There is a problem" in page and WRONG_CHECK_LETTER in page
    assert _learner_count(app) == before


@pytest.mark.parametrize("typed", ["b801 2000 0500 1", "X12345678901A", "x1234 5678 901a"])
def test_registering_with_a_valid_upn_works(app, client_as, typed):
    senco = client_as("senco")
    before = _learner_count(app)
    response = senco.post("/learners/new", data=_form(typed))
    assert response.status_code == 302
    assert _learner_count(app) == before + 1
