"""In a real browser: every role signs in through the sign-in page to its own home; five wrong passwords lock."""
import pytest

from app.demo.accounts import PEOPLE
from config import DEMO_TOTP_SECRET
from tests.fixtures.browser import assert_accessible, sign_in_with_browser, submit

pytestmark = pytest.mark.e2e
DEMO_PASSWORD = "braid-demo-2026"


@pytest.fixture
def app(demo_app):
    """Every test here signs in as demo people (the demo is loaded once, copied per test)."""
    return demo_app


@pytest.mark.parametrize("person", PEOPLE, ids=[person.role.value for person in PEOPLE])
def test_each_role_signs_in_to_its_own_home_page(page, person):
    sign_in_with_browser(page, person.email, DEMO_PASSWORD, totp_secret=DEMO_TOTP_SECRET)
    page.wait_for_url("**/")
    assert page.get_by_role("heading", level=1).inner_text() == f"Welcome, {person.name}"
    assert person.role.label in page.locator(".braid-navigation__who").inner_text()
    assert page.title() == "Home – Braid"
    submit(page, "Sign out")
    assert page.get_by_role("heading", level=1).inner_text() == "Sign in to Braid"
    page.goto("/")
    assert "/sign-in" in page.url


def test_five_wrong_passwords_pause_signing_in_for_the_address(page):
    email = "teacher@oakfield.example"
    for attempt in range(5):
        sign_in_with_browser(page, email, f"wrong-password-{attempt}")
        assert page.locator(".govuk-error-summary").inner_text().count("Email address or password is not right") == 1
        assert page.get_by_label("Email address").input_value() == email
    sign_in_with_browser(page, email, DEMO_PASSWORD)
    summary = page.locator(".govuk-error-summary").inner_text()
    assert "Too many attempts to sign in. Wait 15 minutes, then try again" in summary
    assert page.get_by_label("Email address").input_value() == email
    assert "/sign-in" in page.url
    assert_accessible(page, "sign-in refused for now")
