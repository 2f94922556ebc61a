"""The family one-page profile: drafted from the plan (never from contributions), edited and shared by the SENCo,
read by the family as a page and a PDF (pypdf), refused to everyone else, versioned with the conflict page."""
from __future__ import annotations

import io
from datetime import timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from app.agencies.accounts.models import User
from app.audit.models import AuditEvent
from app.cases.contributions import services as contributions
from app.cases.family_profile.models import FamilyProfile
from app.cases.learners.models import Learner
from app.cases.plans import services as plans
from app.core import dates
from app.extensions import db
from tests.fixtures.application import text_of

SCHOOL = "Ysgol Glan Môr"
SENTINEL = {"team": "CANARY-STAFF-ONLY-7d21", "restricted": "CANARY-RESTRICTED-0b9e",
            "family": "CANARY-FAMILY-SHARED-33c1"}
EDIT = {"good_at": "Megan loves singing in Welsh and looking after the class rabbit.",
        "what_helps": "A visual timetable on her desk.\nA named adult at the door after lunch.",
        "working_on": "We are working on: Megan reads a short passage aloud.",
        "who_to_talk_to": "Mrs Ŷr Pryce, SENCo"}


@pytest.fixture
def case(app, create_agency, create_user, create_case, client_as, add_to_team):
    create_agency(name=SCHOOL)
    learner_id = create_case(school=SCHOOL, name="Megan Ŵyn", year_group=3)
    senco = client_as("senco", agency=SCHOOL, name="Ŷr Pryce")
    teacher = client_as("teacher", agency=SCHOOL, name="Dafydd Llŷr")
    parent, stranger = client_as("parent"), client_as("parent")
    add_to_team(learner_id, teacher.account)
    add_to_team(learner_id, parent.account)
    other_id = create_case(school=SCHOOL, name="Other Child")
    add_to_team(other_id, stranger.account)
    with app.app_context():
        today = dates.today()

        def user(account) -> User:
            return db.session.scalars(select(User).where(User.public_id == account.public_id)).one()

        learner = db.session.scalars(select(Learner).where(Learner.public_id == learner_id)).one()
        lead, author, family = user(senco.account), user(teacher.account), user(parent.account)
        cycle = plans.start_plan(lead, learner)
        plans.update_cycle(lead, cycle, version=cycle.version, learner_views="I like singing and drawing.",
                           aspirations="To read a bedtime story to my brother.")
        plans.add_outcome(lead, cycle, description="Megan reads a short passage aloud",
                          measure="Reading record", target_on=today + timedelta(days=60),
                          owner_public_id=author.public_id, progress=None)
        plans.add_provision(lead, cycle, description="Daily precision teaching", delivered_by="Learning support",
                            frequency="Daily", starts_on=today, ends_on=None)
        for visibility, who in (("team", author), ("restricted", author), ("team_and_family", family)):
            kind = "family_view" if who is family else "classroom_view"
            contributions.add_contribution(who, learner, kind=kind, visibility=visibility, title="Notes",
                                           body=SENTINEL[visibility.split("_")[0]])
        db.session.commit()
    return {"learner": learner_id, "senco": senco, "teacher": teacher, "parent": parent, "stranger": stranger}


def _url(case, tail=""):
    return f"/learners/{case['learner']}/family-profile{tail}"


def _pdf_text(response) -> str:
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(response.data)).pages)


def _form(version, shared=True, **changes):
    return {**EDIT, "version": str(version), **({"shared": "y"} if shared else {}), **changes}


def test_the_senco_drafts_from_the_plan_then_shares_and_the_family_reads_and_downloads(app, case):
    senco, parent = case["senco"], case["parent"]
    assert "Draft the profile from the plan" in text_of(senco.get(_url(case)))
    draft = text_of(senco.get(_url(case, "/edit")))
    for expected in ("Megan Ŵyn told us: I like singing and drawing.", "Hopes for the future: To read a bedtime story",
                     "We are working on: Megan reads a short passage aloud, by",
                     "Daily precision teaching (Learning support, daily).", "Ŷr Pryce, SENCo",
                     "Dafydd Llŷr, Class teacher", "What Megan Ŵyn is good at"):
        assert expected in draft, expected
    assert not [name for name, sentinel in SENTINEL.items() if sentinel in draft]
    assert "Test Parent" not in draft  # the family itself is not one of "who to talk to"
    # Saved as a draft: the family cannot see it yet (page and file), the team can.
    assert senco.post(_url(case, "/edit"), data=_form(0, shared=False)).status_code == 302
    assert parent.get(_url(case)).status_code == 404 and parent.get(_url(case, ".pdf")).status_code == 404
    assert "Draft: the family cannot see" in text_of(case["teacher"].get(_url(case)))
    with app.app_context():
        version = db.session.scalars(select(FamilyProfile.version)).one()
    assert senco.post(_url(case, "/edit"), data=_form(version)).status_code == 302
    page = text_of(parent.get(_url(case)))
    assert _url(case, ".pdf") in page  # the family's to keep: the one case document a restricted account downloads
    assert "A visual timetable on her desk." in page and "Mrs Ŷr Pryce, SENCo" in page
    assert "Megan loves singing in Welsh" in page and "Draft" not in page
    response = parent.get(_url(case, ".pdf"))
    text = _pdf_text(response)
    for expected in ("All about Megan Ŵyn", "What Megan Ŵyn is good at", "Megan loves singing in Welsh",
                     "What helps me", "A named adult at the door after lunch.", "Who to talk to", "Mrs Ŷr Pryce"):
        assert expected in text, expected
    assert not [name for name, sentinel in SENTINEL.items() if sentinel in text + page]
    assert response.headers["Cache-Control"] == "no-store" and "Megan" not in response.headers["Content-Disposition"]
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "family_profile",
                                                             AuditEvent.outcome == "allowed")).all()
        assert [event.action.value for event in events] == ["create", "update", "export"]
        assert events[1].fields_changed == "published_at"  # the second save only shared it
        assert all(event.learner_public_ids == case["learner"] for event in events)
        sealed = db.session.execute(select(FamilyProfile.__table__)).one()
        assert "Megan loves singing" not in repr(tuple(sealed))  # sealed at rest
        db.session.remove()


def test_refusals_change_nothing(app, case, client_as, create_agency):
    assert case["senco"].post(_url(case, "/edit"), data=_form(0)).status_code == 302
    other = client_as("senco", agency=create_agency(name="Elsewhere Primary"))
    for client in (other, case["stranger"]):  # another school's SENCo, the parent of another child
        for tail in ("", ".pdf", "/edit"):
            assert client.get(_url(case, tail)).status_code == 404, tail
    for client in (case["teacher"], case["parent"]):  # on the case, but not the SENCo
        assert client.get(_url(case, "/edit")).status_code == 403
        assert client.post(_url(case, "/edit"), data=_form(1, good_at="Changed")).status_code == 403
    assert case["teacher"].get(_url(case, ".pdf")).status_code == 200  # the team reads it
    with app.app_context():
        assert db.session.scalars(select(FamilyProfile)).one().good_at == EDIT["good_at"]
        db.session.remove()


def test_a_stale_save_shows_the_conflict_page_and_keeps_what_was_saved(app, case):
    senco = case["senco"]
    assert senco.post(_url(case, "/edit"), data=_form(0)).status_code == 302
    assert senco.post(_url(case, "/edit"), data=_form(1, what_helps="Saved first")).status_code == 302
    stale = senco.post(_url(case, "/edit"), data=_form(1, what_helps="Typed second"))
    assert stale.status_code == 409
    page = text_of(stale)
    assert "Saved first" in page and "Typed second" in page
    # A second "new" profile from a form opened before the first was saved is a conflict too.
    assert senco.post(_url(case, "/edit"), data=_form(0, what_helps="Also new")).status_code == 409
    with app.app_context():
        assert db.session.scalars(select(FamilyProfile)).one().what_helps == "Saved first"
        db.session.remove()
    # Bad input: the form again with what was typed and the error summary, nothing saved.
    too_long = senco.post(_url(case, "/edit"), data=_form(2, good_at="x" * 4001))
    assert too_long.status_code == 400 and "govuk-error-summary" in text_of(too_long)
