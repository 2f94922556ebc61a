"""In a real browser: a teacher records a concern; the DSL sees the count in the header, opens the notification
and lands on the concern; the list and the settings page pass axe."""
from __future__ import annotations

import pytest

from tests.fixtures.browser import assert_accessible, sign_in_with_browser, submit

pytestmark = pytest.mark.e2e

SCHOOL = "Larkspur Primary"


def test_the_dsl_is_told_of_a_concern_and_opens_it(page, create_agency, create_user, create_case, add_to_team):
    create_agency(name=SCHOOL)
    learner = create_case(school=SCHOOL, name="Idris Fairweather")
    teacher = create_user("teacher", agency=SCHOOL)
    dsl = create_user("dsl", agency=SCHOOL)
    add_to_team(learner, teacher)

    sign_in_with_browser(page, teacher.email, teacher.password)
    page.goto(f"/learners/{learner}/concerns/new")
    page.get_by_label("What is your concern?").fill("Came in upset and would not say why.")
    submit(page, "Record concern")
    concern_url = page.url
    submit(page, "Sign out")

    sign_in_with_browser(page, dsl.email, dsl.password)
    page.wait_for_url("**/")
    header = page.get_by_role("link", name="Notifications, 1 unread")
    assert header.count() == 1
    header.click()
    page.wait_for_url("**/notifications")
    assert_accessible(page, "notifications")
    page.get_by_role("link", name="recorded a safeguarding concern about Idris Fairweather").click()
    page.wait_for_url(concern_url)
    assert page.get_by_role("link", name="Notifications", exact=True).count() == 1  # read: no count now
    page.goto("/notifications/settings")
    assert "At once, by email (cannot be turned off)" in page.locator("main").inner_text()
    assert_accessible(page, "notification settings")
    page.get_by_role("group", name="A contribution is added to a case you are on").get_by_label(
        "On the notifications page only").check()
    submit(page, "Save settings")
    assert "Your notification settings are saved." in page.locator("main").inner_text()
    assert page.get_by_role("group", name="A contribution is added to a case you are on").get_by_label(
        "On the notifications page only").is_checked()
