"""In a real browser: a teacher records a safeguarding concern, the DSL records the action; every page passes axe."""
from __future__ import annotations

import pytest

from tests.fixtures.browser import assert_accessible, sign_in_with_browser, submit

pytestmark = pytest.mark.e2e

SCHOOL = "Fernhill Primary"
CONCERN = "Arrived without a coat again today.\nSaid: \"Mum wasn't up this morning.\""
ACTION = "Called mum; she is unwell. Early help assessment offered and accepted."


def _sign_out(page):
    submit(page, "Sign out")


def test_a_concern_goes_from_the_teacher_to_the_dsl(page, create_agency, create_user, create_case, add_to_team):
    create_agency(name=SCHOOL)
    learner = create_case(school=SCHOOL, name="Ava Pemberton")
    teacher = create_user("teacher", agency=SCHOOL)
    dsl = create_user("dsl", agency=SCHOOL)
    add_to_team(learner, teacher)

    sign_in_with_browser(page, teacher.email, teacher.password)
    page.goto(f"/learners/{learner}")
    page.get_by_role("link", name="Record a safeguarding concern").click()
    page.wait_for_url(f"**/learners/{learner}/concerns/new")
    assert_accessible(page, "record a concern")
    submit(page, "Record concern")
    assert "Describe your concern" in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page, "record a concern with errors")
    page.get_by_label("What is your concern?").fill(CONCERN)
    submit(page, "Record concern")
    assert "Your safeguarding concern has been recorded" in page.locator(".govuk-notification-banner").inner_text()
    assert page.locator("#concern-text").inner_text().strip() == CONCERN
    assert page.get_by_label("Action taken").count() == 0  # the author cannot record the DSL's action
    assert_accessible(page, "concern as its author sees it")
    concern_url = page.url
    page.get_by_role("link", name="Concerns").first.click()
    assert "Awaiting action" in page.locator("#concerns").inner_text()
    assert_accessible(page, "concern list")
    _sign_out(page)

    sign_in_with_browser(page, dsl.email, dsl.password)
    page.wait_for_url("**/")
    page.get_by_role("link", name="1 concern is waiting for you to record the action taken").click()
    page.get_by_role("link", name="Ava Pemberton").click()
    assert page.url == concern_url
    assert_accessible(page, "concern as the DSL sees it")
    page.get_by_label("Action taken").fill(ACTION)
    submit(page, "Save action taken")
    assert page.locator("#concern-action").inner_text().strip() == ACTION
    page.goto("/concerns")
    assert "Action recorded" in page.locator("#concerns").inner_text()
    page.goto("/")
    assert "No concern is waiting for action" in page.locator("main").inner_text()
