"""In a real browser: a teacher records a concern; the DSL sees the count in the header, opens the notification
and lands on the concern; the list and the settings page pass axe. The EP adds an assessment with a report
attached; the SENCo is told, opens it and downloads the very file."""
from __future__ import annotations

import pytest
from fpdf import FPDF

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


def test_the_ep_attaches_a_report_and_the_senco_is_told_opens_it_and_downloads_it(
        page, tmp_path, create_agency, create_user, create_case, add_to_team):
    create_agency(name=SCHOOL)
    learner = create_case(school=SCHOOL, name="Wren Abernethy")
    senco = create_user("senco", agency=SCHOOL)
    ep = create_user("ep")
    add_to_team(learner, ep)
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text="Consultation report: working memory and attention")
    report = tmp_path / "Consultation report.pdf"
    report.write_bytes(bytes(pdf.output()))

    sign_in_with_browser(page, ep.email, ep.password)
    page.goto(f"/learners/{learner}/contributions/new")
    page.get_by_label("Kind of contribution").select_option(label="Psychological assessment and advice")
    page.get_by_label("The team around the child").check()
    page.get_by_label("Title").fill("Consultation, autumn term")
    page.get_by_label("Contribution", exact=True).fill(
        "Wren's working memory is a relative weakness.\n\n- Chunk instructions")
    page.get_by_label("Attach a report (optional)").set_input_files(str(report))
    submit(page, "Save contribution")
    assert "Consultation report.pdf" in page.locator("main").inner_text()
    submit(page, "Sign out")

    sign_in_with_browser(page, senco.email, senco.password)
    page.wait_for_url("**/")
    page.get_by_role("link", name="Notifications, 1 unread").click()
    page.wait_for_url("**/notifications")
    assert_accessible(page, "the SENCo's notifications")
    page.locator("main").get_by_role("link", name="Wren Abernethy").first.click()
    page.wait_for_url("**/contributions/**")
    main = page.locator("main").inner_text()
    assert "Consultation, autumn term" in main and "Consultation report.pdf" in main
    assert_accessible(page, "the EP's contribution with its report")
    with page.expect_download() as waiting:
        page.get_by_role("link", name="Consultation report.pdf", exact=True).click()
    download = waiting.value
    assert download.suggested_filename.startswith("braid-attachment-")
    assert open(download.path(), "rb").read() == report.read_bytes()
