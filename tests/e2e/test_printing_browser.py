"""In a real browser, printed (print media, and chromium's own PDF): the plan, a meeting record and the family
profile keep their content and lose the navigation, buttons, forms and back links, with no "(/learners/…)" after
links and no row split across pages."""
from __future__ import annotations

import io
from datetime import time, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from app.agencies.accounts.models import User
from app.cases.family_profile.services import save_family_profile
from app.cases.learners.models import Learner
from app.cases.meetings import services as meetings
from app.cases.meetings.models import Attendance, MeetingKind
from app.cases.meetings.services import MeetingDetails
from app.cases.plans import services as plans
from app.core import dates
from app.extensions import db
from tests.fixtures.browser import assert_accessible, sign_in_with_browser

pytestmark = pytest.mark.e2e

SCHOOL = "Printwell Primary"
OUTCOME = "Nia will read her class timetable aloud each morning."


@pytest.fixture
def case(app, create_agency, create_user, create_case, add_to_team):
    create_agency(name=SCHOOL)
    learner_id = create_case(school=SCHOOL, name="Nia Printwell")
    senco = create_user("senco", agency=SCHOOL)
    with app.app_context():
        today = dates.today()
        lead = db.session.scalars(select(User).where(User.public_id == senco.public_id)).one()
        learner = db.session.scalars(select(Learner).where(Learner.public_id == learner_id)).one()
        cycle = plans.start_plan(lead, learner)
        plans.add_outcome(lead, cycle, description=OUTCOME, measure="Morning check-in", owner_public_id=lead.public_id,
                          target_on=today + timedelta(days=40), progress=None)
        plans.add_provision(lead, cycle, description="Reading buddy", delivered_by="Year 6 buddy",
                            frequency="Daily", starts_on=today, ends_on=None)
        meeting = meetings.record_meeting(lead, learner, MeetingDetails(
            kind=MeetingKind.REVIEW, held_on=today, starts_at=time(9), duration_minutes=30, chair=lead.public_id,
            agenda="<p>Reading</p>", minutes="<p>Nia read four words.</p>",
            attendance={lead.public_id: Attendance.PRESENT}, actions=[], shared_with_family=True))
        meetings.sign_off_meeting(lead, meeting, version=meeting.version)
        save_family_profile(lead, learner, version=0, shared=True, good_at="Nia is a brilliant dancer.",
                            what_helps="A quiet start.", working_on="Reading.", who_to_talk_to="Mrs Head, SENCo")
        db.session.commit()
        return {"senco": senco, "learner": learner_id, "meeting": meeting.public_id}


# Elements only a screen needs: each must be hidden in print (where the page has one).
SCREEN_ONLY = ("header.braid-header", "#navigation", ".govuk-footer", ".braid-case-nav", ".govuk-button",
               ".govuk-back-link", ".govuk-skip-link", "form", ".braid-no-print")

LINK_AFTER = """() => [...document.querySelectorAll('a[href]')]
    .map(a => getComputedStyle(a, '::after').content).filter(c => c && c !== 'none' && c !== 'normal')"""


def test_printed_pages_keep_the_record_and_lose_what_only_a_screen_needs(page, case):
    sign_in_with_browser(page, case["senco"].email, case["senco"].password)
    learner = case["learner"]
    pages = {f"/learners/{learner}/plan": OUTCOME, f"/meetings/{case['meeting']}": "Nia read four words.",
             f"/learners/{learner}/family-profile": "Nia is a brilliant dancer."}
    for url, content in pages.items():
        page.emulate_media(media="screen")
        page.goto(url)
        assert page.locator("#navigation").is_visible() and page.locator("a[href$='.pdf']").first.is_visible()
        page.emulate_media(media="print")
        shown = [selector for selector in SCREEN_ONLY
                 if any(element.is_visible() for element in page.locator(selector).all())]
        assert not shown, f"{url} prints {shown}"
        assert page.get_by_text(content).first.is_visible()
        assert page.evaluate(LINK_AFTER) == [], f"{url} prints link addresses"
        rows = page.locator(".govuk-table__row, .braid-profile-section").all()
        assert rows and all(row.evaluate("r => getComputedStyle(r).breakInside") == "avoid" for row in rows), url
    # The profile's pages on screen are accessible (axe).
    page.emulate_media(media="screen")
    for url in (f"/learners/{learner}/family-profile", f"/learners/{learner}/family-profile/edit"):
        page.goto(url)
        assert_accessible(page, url)
    # Chromium's own PDF of the plan: the outcome is there, the navigation, sign-out and link addresses are not.
    page.goto(f"/learners/{learner}/plan")
    page.emulate_media(media="print")  # as a print dialog would (page.pdf keeps an emulated screen)
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(page.pdf(format="A4"))).pages)
    assert OUTCOME in " ".join(text.split())
    assert "Sign out" not in text and "(/learners/" not in text and "Case sections" not in text
    assert "Download the plan on a page" not in text
