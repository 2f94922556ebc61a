"""In a real browser: the SENCo invites an SLT, who accepts by link, adds an assessment, and sees no other case."""
import logging
import re
from datetime import date, timedelta

import pyotp
import pytest

from app.agencies.accounts.models import AgencyKind
from tests.fixtures.browser import assert_accessible, sign_in_with_browser, submit

pytestmark = pytest.mark.e2e
SCHOOL = "Browser Test Primary School"
RIVERSIDE = "Riverside Children's Speech and Language Therapy"
SLT_PASSWORD = "harbour-lantern-pebble-73"


@pytest.fixture
def school(create_agency, create_user, create_case):
    name = create_agency(AgencyKind.SCHOOL, name=SCHOOL)
    create_agency(AgencyKind.NHS_SERVICE, name=RIVERSIDE)
    senco = create_user("senco", agency=name, email="senco@browser-test.example", name="Priya Test")
    learner = create_case(school=name, name="Maya Invited")
    other = create_case(school=name, name="Leo Elsewhere")
    return senco, learner, other


def test_slt_accepts_an_invitation_adds_an_assessment_and_cannot_open_another_case(page, school, caplog):
    caplog.set_level(logging.INFO)
    senco, learner, other = school
    sign_in_with_browser(page, senco.email, senco.password)
    page.goto(f"/learners/{learner}")
    page.locator("#case-sections").get_by_role("link", name="Team").click()
    page.wait_for_url(f"**/learners/{learner}/team")
    assert_accessible(page, "team page")

    page.get_by_role("link", name="Invite a speech and language therapist").click()
    page.wait_for_url(f"**/learners/{learner}/team/invite")
    assert_accessible(page, "invitation form")
    page.get_by_label("Full name").fill("Megan Browser")
    page.get_by_label("Email address").fill("megan.browser@riverside.example")
    page.get_by_label("Role", exact=True).select_option(label="Speech and language therapist")
    page.get_by_label("Agency", exact=True).select_option(label=f"{RIVERSIDE} (NHS service)")
    ends = date.today() + timedelta(days=90)
    page.get_by_label("Day").fill(str(ends.day))
    page.get_by_label("Month").fill(str(ends.month))
    page.get_by_label("Year").fill(str(ends.year))
    submit(page, "Send invitation")
    assert page.get_by_role("heading", name="Invitation created").is_visible()
    assert_accessible(page, "invitation created")
    link = page.get_by_label("Invitation link").input_value()
    assert "/invitations/accept/" in link and "/invitations/accept/" not in page.url
    submit(page, "Sign out")

    page.goto(link)
    assert page.get_by_role("heading", level=1).inner_text() == "Accept your invitation"
    assert page.get_by_label("Your full name").input_value() == "Megan Browser"
    assert_accessible(page, "accept invitation")
    page.get_by_label("Create a password").fill(SLT_PASSWORD)
    page.get_by_label("Confirm your password").fill(SLT_PASSWORD)
    submit(page, "Create account and accept")
    # An SLT's role requires two-step verification: set up an authenticator before the case opens.
    assert page.url.endswith("/sign-in/set-up")
    assert page.get_by_role("img", name=re.compile("QR code")).is_visible()
    assert_accessible(page, "set up two-step verification")
    secret = page.locator("#secret-key").inner_text().replace(" ", "")
    page.get_by_label("Code from your authenticator app").fill(pyotp.TOTP(secret).now())
    submit(page, "Turn on two-step verification")
    assert len(page.locator("#recovery-codes li").all_inner_texts()) == 10
    assert_accessible(page, "recovery codes")
    with page.expect_navigation():
        page.get_by_role("button", name="I have saved my recovery codes").click()
    assert page.url.endswith(f"/learners/{learner}")
    assert page.get_by_role("heading", level=1).inner_text() == "Maya Invited"
    assert "Speech and language therapist" in page.locator(".braid-navigation__who").inner_text()

    page.goto(f"/learners/{learner}/contributions/new")
    page.get_by_label("Kind of contribution").select_option("slt_assessment")
    page.get_by_label("The team around the child").check()
    page.get_by_label("Title").fill("Speech sound assessment, autumn term")
    page.get_by_label("Contribution", exact=True).fill(
        "Maya fronts /k/ and /g/ in all word positions. Advice: daily minimal pairs.")
    submit(page, "Save contribution")
    assert "Speech sound assessment, autumn term" in page.locator("main").inner_text()

    response = page.goto(f"/learners/{other}")
    assert response.status == 404
    assert "Leo Elsewhere" not in page.content()
    assert page.goto(link).status == 410  # the link worked once
    # The live server logged every request, the invitation's too, but never its token.
    assert "/invitations/accept/[redacted]" in caplog.text
    assert link.rsplit("/", 1)[1] not in caplog.text
