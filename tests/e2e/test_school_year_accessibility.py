"""axe-core finds no WCAG 2.2 A/AA violation on the school year's pages: the calendar, the year end, a leaving
date and an archived leaver (the demo's)."""
import pytest

from config import DEMO_TOTP_SECRET
from tests.fixtures.browser import assert_accessible, sign_in_with_browser, submit

pytestmark = pytest.mark.e2e


def test_the_administrators_calendar_pages(app, page):
    assert app.test_cli_runner().invoke(args=["demo", "load"]).exit_code == 0
    sign_in_with_browser(page, "admin@oakfield.example", "braid-demo-2026", totp_secret=DEMO_TOTP_SECRET)
    page.wait_for_url("**/")
    page.goto("/school/calendar")
    assert "INSET day: staff training" in page.locator("main").inner_text()
    assert_accessible(page, "school calendar")
    page.get_by_role("link", name="Add dates").click()
    assert_accessible(page, "add dates")
    page.get_by_label("Name").fill("Polling day")
    submit(page, "Save")
    assert page.get_by_label("Name").input_value() == "Polling day"  # kept, with the errors shown
    assert_accessible(page, "add dates with errors")
    page.goto("/school/calendar")
    page.get_by_role("link", name="Change Autumn term").click()
    assert_accessible(page, "change dates")


def test_the_sencos_year_end_and_leaver_pages(app, page):
    assert app.test_cli_runner().invoke(args=["demo", "load"]).exit_code == 0
    sign_in_with_browser(page, "senco@oakfield.example", "braid-demo-2026", totp_secret=DEMO_TOTP_SECRET)
    page.wait_for_url("**/")
    page.goto("/school/year-end")
    assert "move up a year group" in page.locator("#year-end-plan").inner_text()
    assert_accessible(page, "year end")
    page.get_by_label("Year").first.fill("1999")
    submit(page, "Save the year end")
    assert "must be inside the school year" in page.locator("main").inner_text()
    assert_accessible(page, "year end with errors")
    page.goto("/learners?archived=1")
    assert_accessible(page, "learners with the archived")
    page.get_by_role("link", name="Jacob Whitfield").click()
    assert "(archived)" in page.locator("h1").inner_text()
    assert_accessible(page, "archived learner")
    page.goto("/learners")
    page.get_by_role("link", name="Leo Nowak").click()
    page.get_by_role("link", name="Change the leaving date").click()
    assert_accessible(page, "leaving date")
