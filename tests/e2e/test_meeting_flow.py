"""In a real browser: the LSP records a joint-planning meeting with attendees and actions, and it passes axe."""
import re

import pytest

from app.agencies.accounts.models import AgencyKind
from tests.fixtures.browser import assert_accessible, sign_in_with_browser, submit

pytestmark = pytest.mark.e2e


def test_lsp_records_a_joint_planning_meeting(page, create_agency, create_user, create_case, add_to_team):
    school = create_agency(AgencyKind.SCHOOL, name="Oakfield Primary School")
    lsp = create_user("lsp", agency=school, name="Tom Fletcher")
    teacher = create_user("teacher", agency=school, name="Hannah Okafor")
    senco = create_user("senco", agency=school, name="Priya Shah")
    learner = create_case(school=school, name="Maya Carter")
    create_case(school=school, name="Leo Nowak")  # a learner the LSP is not on the team of
    add_to_team(learner, lsp)
    add_to_team(learner, teacher)
    assert senco.public_id

    sign_in_with_browser(page, lsp.email, lsp.password)
    page.wait_for_url("**/")
    page.goto("/learners")
    assert "Leo Nowak" not in page.locator("main").inner_text()
    with page.expect_navigation():
        page.get_by_role("link", name="Maya Carter").click()
    with page.expect_navigation():
        page.locator("#case-sections").get_by_role("link", name="Meetings").click()
    with page.expect_navigation():
        page.get_by_role("link", name="Record a meeting").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Record a meeting"
    assert_accessible(page, "new meeting form")

    submit(page, "Save meeting")  # nothing filled in: errors, accessibly shown
    assert page.locator(".govuk-error-summary").is_visible()
    assert_accessible(page, "new meeting form with errors")

    page.get_by_label("Planning meeting").check()
    page.locator("#held_on-day").fill("3")
    page.locator("#held_on-month").fill("3")
    page.locator("#held_on-year").fill("2026")
    page.get_by_label("Start time").fill("15:30")
    page.get_by_label("Length in minutes").fill("45")
    page.get_by_label("Chair").select_option(label="Priya Shah, Special educational needs co-ordinator (SENCo)")
    page.get_by_role("group", name="Hannah Okafor, Class teacher").get_by_label("Present").check()
    page.get_by_role("group", name="Priya Shah, Special educational needs co-ordinator (SENCo)").get_by_label(
        "Apologies").check()
    page.get_by_label("Agenda").fill("1. Maya's speech sounds\n2. Following instructions")
    page.get_by_label("Minutes", exact=True).fill(
        "Maya now uses her **visual timetable** every morning.\nShe ticks off each step.")
    page.locator("#actions-0-description").fill("Send home a copy of the visual timetable")
    page.locator("#actions-0-owner").select_option(label="Hannah Okafor")
    page.locator("#actions-0-due_on-day").fill("20")
    page.locator("#actions-0-due_on-month").fill("3")
    page.locator("#actions-0-due_on-year").fill("2026")
    page.locator("#actions-1-description").fill("Run two Talk Boost sessions a week")
    page.locator("#actions-1-owner").select_option(label="Tom Fletcher")
    page.locator("#actions-1-due_on-day").fill("1")
    page.locator("#actions-1-due_on-month").fill("5")
    page.locator("#actions-1-due_on-year").fill("2026")
    submit(page, "Save meeting")

    assert re.search(r"/meetings/[^/]+$", page.url), page.url
    assert page.get_by_role("heading", level=1).inner_text() == "Planning meeting, Tuesday 3 March 2026"
    assert page.locator("#record-status").inner_text() == "Draft, not yet signed off"
    attendees = page.locator("#meeting-attendees").inner_text()
    assert re.search(r"Hannah Okafor\s+Class teacher\s+Present", attendees)
    assert re.search(r"Priya Shah\s+Special educational needs co-ordinator \(SENCo\)\s+Apologies", attendees)
    actions = page.locator("#meeting-actions").inner_text()
    assert "Send home a copy of the visual timetable" in actions and "Hannah Okafor" in actions
    assert "Run two Talk Boost sessions a week" in actions and "1 May 2026" in actions
    assert page.locator("#meeting-minutes strong").inner_text() == "visual timetable"
    assert page.locator("#meeting-minutes br").count() == 1 and page.locator("#meeting-agenda ol li").count() == 2
    assert_accessible(page, "meeting page")

    # The chair signs it off; the frozen record page is accessible too.
    meeting_url = page.url
    submit(page, "Sign out")
    sign_in_with_browser(page, senco.email, senco.password)
    page.wait_for_url("**/")
    page.goto(meeting_url)
    assert_accessible(page, "meeting page for the chair")
    submit(page, "Sign off this record")
    assert page.locator("#record-status").inner_text().startswith("Version 1, signed off on")
    with page.expect_navigation():
        page.get_by_role("link", name=re.compile(r"^Version 1, signed off on")).click()
    assert "Send home a copy of the visual timetable" in page.locator("#meeting-actions").inner_text()
    assert_accessible(page, "signed-off record")
