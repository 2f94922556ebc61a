"""In a real browser: the demo parent reads who has seen Maya's record; the DSL withholds the newest opening the
family sees (a reason is required: the error summary first), and the parent's summary no longer lists it. Every page
passes axe."""
import re

import pytest

from config import DEMO_TOTP_SECRET
from tests.fixtures.browser import assert_accessible, sign_in_with_browser, submit

pytestmark = pytest.mark.e2e

PASSWORD = "braid-demo-2026"


def _openings(page) -> list[str]:
    return page.locator("#openings tbody tr").all_inner_texts()


def test_a_parent_reads_who_has_seen_their_childs_record_and_the_dsl_withholds_an_entry(app, chromium, live_server):
    assert app.test_cli_runner().invoke(args=["demo", "load"]).exit_code == 0
    parent = chromium.new_context(base_url=live_server.url, locale="en-GB").new_page()
    sign_in_with_browser(parent, "parent@family.example", PASSWORD)
    parent.wait_for_url("**/")
    parent.get_by_role("link", name=re.compile("Maya Carter")).first.click()
    with parent.expect_navigation():
        parent.get_by_role("link", name="Who has seen the record").click()
    assert parent.get_by_role("heading", level=1).inner_text() == "Who has seen Maya Carter’s record"
    before = _openings(parent)
    assert len(before) >= 4 and any("A speech and language therapist" in row for row in before)
    assert not any("educational psychologist" in row for row in before)  # withheld by the DSL in the demo
    assert_accessible(parent, "who has seen (parent)")
    learner_path = parent.url.split("?")[0]

    dsl = chromium.new_context(base_url=live_server.url, locale="en-GB").new_page()
    sign_in_with_browser(dsl, "dsl@oakfield.example", PASSWORD, totp_secret=DEMO_TOTP_SECRET)
    dsl.wait_for_url("**/")
    dsl.goto(learner_path)
    assert "preview" in (dsl.locator("#preview").get_attribute("id") or "")
    with dsl.expect_navigation():
        dsl.get_by_role("link", name="Withhold or release entries in the access history").click()
    assert "Family sees it?" in dsl.locator("#events").inner_text()
    assert_accessible(dsl, "access history with the family column")
    # The newest entry the family sees (the history is newest first, as is the family's summary): withheld now.
    newest_shown = dsl.locator("#events tbody tr").filter(has_text="Shown").first
    with dsl.expect_navigation():
        newest_shown.get_by_role("link", name=re.compile("Withhold")).click()
    assert dsl.get_by_role("heading", level=1).inner_text() == "Withhold this entry from the family"
    submit(dsl, "Save decision")
    assert dsl.locator(".govuk-error-summary").is_visible()
    assert "Enter the reason for your decision" in dsl.locator(".govuk-error-summary").inner_text()
    assert_accessible(dsl, "withhold with no reason")
    dsl.get_by_label("Reason").fill("Part of a referral the family will hear about at Friday's meeting")
    submit(dsl, "Save decision")
    assert "now withheld from the family" in dsl.locator("main").inner_text()

    parent.reload()
    after = _openings(parent)
    assert after[0] == before[1]  # the newest entry is gone; the next one leads


def test_the_senco_names_staff_to_families_and_ends_a_parents_access_with_a_reason(app, page):
    assert app.test_cli_runner().invoke(args=["demo", "load"]).exit_code == 0
    sign_in_with_browser(page, "senco@oakfield.example", PASSWORD, totp_secret=DEMO_TOTP_SECRET)
    page.wait_for_url("**/")
    page.goto("/school/family-view")
    assert_accessible(page, "family view settings")
    page.get_by_label("Their name as well as their role and organisation").check()
    submit(page, "Save")
    assert "Your choice is saved" in page.locator("main").inner_text()

    page.get_by_role("link", name=re.compile("Learners")).first.click()
    page.get_by_role("link", name=re.compile("Maya Carter")).first.click()
    with page.expect_navigation():
        page.get_by_role("link", name="Who has seen the record").click()
    assert page.locator("#preview").is_visible()
    assert ", a speech and language therapist" in page.locator("#openings").inner_text()  # named now
    with page.expect_navigation():
        page.locator("#case-sections").get_by_role("link", name="Team").click()
    with page.expect_navigation():
        page.locator("#team-live tr", has_text="Jo Carter").get_by_role("link", name=re.compile("End")).click()
    page.get_by_role("button", name=re.compile("Yes, end")).click()
    page.wait_for_load_state()
    assert "Enter why you are ending this parent or carer" in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page, "end a parent's access with no reason")
    page.get_by_label("Why are you ending their access?").fill("Court order of 1 December (prohibited steps)")
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile("Yes, end")).click()
    assert "Jo Carter is no longer on the team" in page.locator("main").inner_text()
