"""In the browser: a teacher opens a case they are not on from their home page, and every page is accessible."""
import pytest

from tests.fixtures.browser import assert_accessible, sign_in_with_browser, submit

pytestmark = pytest.mark.e2e


def test_teacher_breaks_glass_from_home(page, create_agency, create_user, create_case):
    school = create_agency(name="Oakfield Primary School")
    teacher = create_user("teacher", agency=school, name="Hannah Okafor")
    learner = create_case(school=school, name="Sofia Marques")

    sign_in_with_browser(page, teacher.email, teacher.password)
    page.wait_for_url("**/")
    page.get_by_role("link", name="Open a case in an emergency").click()
    page.wait_for_url("**/break-glass")
    assert_accessible(page, "break-glass chooser")
    submit(page, "Open the case for one hour")
    assert page.locator(".govuk-error-summary").is_visible()
    assert_accessible(page, "break-glass chooser with errors")

    # Found by the name typed: the one learner found is chosen.
    page.get_by_label("Learner’s full name or UPN").fill("Sofia Marques")
    submit(page, "Find the learner")
    assert_accessible(page, "break-glass chooser with the learner found")
    assert page.get_by_label("Learner", exact=True).input_value() == learner
    page.get_by_label("A safeguarding concern needs action").check()
    page.get_by_label("Explain what has happened").fill(
        "Sofia's aunt rang: nobody collected her from after-school club.")
    submit(page, "Open the case for one hour")
    page.wait_for_url(f"**/learners/{learner}/plan")
    banner = page.locator("#break-glass-banner")
    assert "Everything you view is recorded" in banner.inner_text()
    assert_accessible(page, "plan read through break-glass")

    page.goto("/")
    assert "Sofia Marques" in page.locator("#break-glass-grants").inner_text()
    assert_accessible(page, "home with an open grant")
