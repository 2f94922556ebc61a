"""The same child registered twice is caught (name and date of birth, through a blind index), and name search
ignores case, accents, punctuation and spacing as the README says."""
from datetime import date

from sqlalchemy import func, select

from app.cases.learners.models import Learner, name_and_birth_index, normalise_name
from app.extensions import db
from tests.fixtures.application import text_of


def _form(**changes):
    data = {
        "name": "Ruby Ellis-Ward",
        "date_of_birth": ["3", "3", "2017"],
        "year_group": "4",
        "areas_of_need": ["cognition_learning"],
    }
    data.update(changes)
    return data


def _count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Learner))


def test_registering_the_same_learner_twice_warns_and_needs_a_confirmation(app, client_as):
    senco = client_as("senco")
    first = senco.post("/learners/new", data=_form())
    assert first.status_code == 302
    first_url = first.headers["Location"]

    # Spelt a little differently, same child: refused with a link to the learner already registered.
    again = senco.post("/learners/new", data=_form(name="ruby  ellis ward", year_group="5"))
    page = text_of(again)
    assert again.status_code == 400
    assert "This looks like" in page and "Ruby Ellis-Ward</a>" in page and "already registered" in page
    assert f'href="{first_url.replace("http://localhost", "")}"' in again.get_data(as_text=True)
    assert 'value="ruby  ellis ward"' in again.get_data(as_text=True)  # what was typed is kept
    assert _count(app) == 1

    confirmed = senco.post("/learners/new", data=_form(name="ruby  ellis ward", year_group="5", not_a_duplicate="y"))
    assert confirmed.status_code == 302
    assert _count(app) == 2


def test_another_date_of_birth_is_another_learner(app, client_as):
    senco = client_as("senco")
    assert senco.post("/learners/new", data=_form()).status_code == 302
    assert senco.post("/learners/new", data=_form(date_of_birth=["4", "3", "2017"])).status_code == 302
    assert _count(app) == 2


def test_a_learner_of_another_school_is_not_a_duplicate(app, client_as, create_agency):
    assert client_as("senco").post("/learners/new", data=_form()).status_code == 302
    other = client_as("senco", agency=create_agency(name="Another School"))
    assert other.post("/learners/new", data=_form()).status_code == 302
    assert _count(app) == 2


def test_name_search_ignores_case_accents_punctuation_and_spacing(app, client_as):
    senco = client_as("senco")
    assert senco.post("/learners/new", data=_form()).status_code == 302
    assert senco.post("/learners/new", data=_form(name="Zoë O'Brien-Smith", date_of_birth=["1", "1", "2016"]))\
        .status_code == 302
    for query, found in [("ruby ellis ward", "Ruby Ellis-Ward"), ("RUBY ELLISWARD", "Ruby Ellis-Ward"),
                         ("Ruby Ellis–Ward", "Ruby Ellis-Ward"), ("zoe obrien smith", "Zoë O&#39;Brien-Smith"),
                         ("Zoë  O’Brien Smith", "Zoë O&#39;Brien-Smith")]:
        response = senco.post("/learners/find", data={"query": query})
        assert response.status_code == 200
        assert found in response.get_data(as_text=True), query
    missing = senco.post("/learners/find", data={"query": "ruby ellis"})
    assert "Ruby Ellis-Ward" not in missing.get_data(as_text=True)


def test_the_name_index_ignores_spacing_and_punctuation():
    assert normalise_name("Ruby Ellis-Ward") == normalise_name("ruby ellis ward") == normalise_name("RUBYELLISWARD")
    assert normalise_name("Zoë O’Brien") == normalise_name("zoe o'brien") == "zoeobrien"
    assert normalise_name("Ruby Ellis") != normalise_name("Ruby Ellis-Ward")


def test_the_name_and_birth_index_is_keyed_and_depends_on_both(app):
    with app.app_context():
        one = name_and_birth_index("Ruby Ellis-Ward", date(2017, 3, 3))
        assert one == name_and_birth_index("ruby ellis ward", date(2017, 3, 3))
        assert one != name_and_birth_index("Ruby Ellis-Ward", date(2017, 3, 4))
        assert "ruby" not in one and len(one) == 32
