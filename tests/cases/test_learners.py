"""A SENCo registers a learner: identity, year group and areas of need, all sealed; bad input keeps what was typed."""
import html

import pytest
from sqlalchemy import select, text

from app.cases.learners.models import AreaOfNeed, Learner
from app.extensions import db
from tests.fixtures.application import text_of


def _form(**changes):
    data = {
        "name": "Sam Okoro",
        "preferred_name": "Sammy",
        "date_of_birth": ["4", "6", "2017"],
        "year_group": "3",
        "areas_of_need": ["communication_interaction", "social_emotional_mental_health"],
        "upn": "a123 4567 8901 2",
        "notes": "Loves *Lego*\n<script>steal()</script>",
    }
    data.update(changes)
    return data


def test_a_registered_learner_reads_back_with_their_areas_of_need(app, client_as):
    senco = client_as("senco")
    response = senco.post("/learners/new", data=_form())
    assert response.status_code == 302
    raw = senco.get(response.headers["Location"]).get_data(as_text=True)
    page = html.unescape(raw)
    assert "Sam Okoro" in page and "Sammy" in page and "A12345678901 2".replace(" ", "") in page
    assert "Communication and interaction" in page and "Social, emotional and mental health" in page
    assert "<em>Lego</em><br>" in raw and "&lt;script&gt;steal()" in raw and "<script>steal" not in raw
    with app.app_context():
        learner = db.session.scalars(select(Learner)).one()
        assert learner.areas_of_need == [AreaOfNeed.COMMUNICATION_INTERACTION, AreaOfNeed.SEMH]
        stored = db.session.execute(text("SELECT areas_of_need_sealed FROM learner")).scalar_one()
        assert "communication" not in stored and stored.startswith("b1.")


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"areas_of_need": []}, "Select at least one area of need"),
        ({"areas_of_need": ["not_an_area"]}, "not a valid choice"),
        ({"name": ""}, "Enter the learner's full name"),
        ({"date_of_birth": ["31", "2", "2017"]}, "Not a valid date value"),
        ({"date_of_birth": ["1", "1", "2099"]}, "Date of birth must be in the past"),
        ({"upn": "12345"}, "Enter a UPN in the correct format"),
        # Digits of another script would pass `\d` and store a UPN whose blind index no ASCII search finds.
        ({"upn": "A١٢٣٤٥٦٧٨٩٠١2"}, "Enter a UPN in the correct format"),
        ({"upn": "A１２３４５６７８９０１2"}, "Enter a UPN in the correct format"),
        ({"year_group": "20"}, "Not a valid choice"),
    ],
)
def test_bad_input_is_refused_with_what_was_typed_kept(app, client_as, changes, message):
    senco = client_as("senco")
    response = senco.post("/learners/new", data=_form(**changes))
    page = text_of(response)
    assert response.status_code == 400
    assert "There is a problem" in page and message.lower() in page.lower()
    if "name" not in changes:
        assert 'value="Sam Okoro"' in page
    with app.app_context():
        assert db.session.scalars(select(Learner)).all() == []


def test_a_duplicate_upn_is_refused(client_as):
    senco = client_as("senco")
    assert senco.post("/learners/new", data=_form()).status_code == 302
    again = senco.post("/learners/new", data=_form(name="Another Child"))
    assert again.status_code == 400 and "already registered" in text_of(again)


def test_the_demo_learners_have_their_areas_of_need(app):
    assert app.test_cli_runner().invoke(args=["demo", "load"]).exit_code == 0
    with app.app_context():
        areas = {learner.name: learner.areas_of_need for learner in db.session.scalars(select(Learner))}
    assert areas["Aisha Rahman"] == [AreaOfNeed.SEMH]
    assert areas["Leo Nowak"] == [AreaOfNeed.COGNITION_LEARNING, AreaOfNeed.SENSORY_PHYSICAL]
