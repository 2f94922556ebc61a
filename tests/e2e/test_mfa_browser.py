"""In a real browser: a SENCo sets up two-step verification at first sign-in, then signs in with a code;
a teacher opts in from their account. axe checks every page of the way."""
import re

import pytest

from tests.fixtures.application import next_code
from tests.fixtures.browser import assert_accessible, submit

pytestmark = pytest.mark.e2e


def _password(page, account) -> None:
    page.goto("/sign-in")
    page.get_by_label("Email address").fill(account.email)
    page.get_by_label("Password", exact=True).fill(account.password)
    submit(page, "Sign in")


def _scan(page) -> str:
    """What a person does with the QR code, done with the key typed in by hand: read it off the page."""
    assert page.get_by_role("img", name=re.compile("QR code")).is_visible()
    assert page.locator("img[src^='data:image/svg+xml']").count() == 1
    return page.locator("#secret-key").inner_text().replace(" ", "")


def test_a_senco_sets_up_an_authenticator_at_first_sign_in_then_signs_in_with_codes(page, create_user):
    senco = create_user("senco", two_step=False, name="Priya Browser")
    _password(page, senco)
    assert page.url.endswith("/sign-in/set-up")
    assert page.get_by_role("heading", level=1).inner_text() == "Set up two-step verification"
    assert_accessible(page, "set-up page")
    secret = _scan(page)

    page.get_by_label("Code from your authenticator app").fill("000000" if next_code(secret, None)[0] != "000000"
                                                                 else "111111")
    submit(page, "Turn on two-step verification")
    assert "The code is not right" in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page, "set-up page with an error")

    code, step = next_code(secret, None)
    page.get_by_label("Code from your authenticator app").fill(code)
    submit(page, "Turn on two-step verification")
    codes = page.locator("#recovery-codes li").all_inner_texts()
    assert len(codes) == 10 and all(re.fullmatch(r"[a-z0-9]{5}-[a-z0-9]{5}", c) for c in codes)
    assert_accessible(page, "recovery codes")
    with page.expect_navigation():
        page.get_by_role("button", name="I have saved my recovery codes").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Welcome, Priya Browser"
    submit(page, "Sign out")

    _password(page, senco)
    assert page.url.endswith("/sign-in/code")
    assert_accessible(page, "code page")
    page.get_by_text("I cannot use my authenticator app").click()
    assert page.get_by_text("Enter one of the recovery codes").is_visible()
    page.get_by_label("Code", exact=True).fill(code)  # the code already used: refused
    submit(page, "Continue")
    assert "already been used" in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page, "code page with an error")
    code, step = next_code(secret, step)
    page.get_by_label("Code", exact=True).fill(code)
    submit(page, "Continue")
    assert page.get_by_role("heading", level=1).inner_text() == "Welcome, Priya Browser"

    page.goto("/account/two-step")
    assert "cannot be turned off" in page.locator("main").inner_text()
    assert page.get_by_role("button", name="Turn off two-step verification").count() == 0
    assert_accessible(page, "two-step settings of a required role")


def test_a_teacher_opts_in_from_their_account(page, create_user):
    teacher = create_user("teacher", name="Hannah Browser")
    _password(page, teacher)
    assert page.get_by_role("heading", level=1).inner_text() == "Welcome, Hannah Browser"  # no code yet
    page.goto("/account/two-step")
    assert_accessible(page, "two-step settings, off")
    submit(page, "Set up two-step verification")
    assert page.url.endswith("/account/two-step/set-up")
    assert_accessible(page, "opt-in set-up")
    secret = _scan(page)
    code, step = next_code(secret, None)
    page.get_by_label("Code from your authenticator app").fill(code)
    submit(page, "Turn on two-step verification")
    assert len(page.locator("#recovery-codes li").all_inner_texts()) == 10
    with page.expect_navigation():
        page.get_by_role("button", name="I have saved my recovery codes").click()
    assert "10 of 10" in page.locator("main").inner_text()
    assert_accessible(page, "two-step settings, on")
    submit(page, "Sign out")

    _password(page, teacher)
    assert page.url.endswith("/sign-in/code")
    code, step = next_code(secret, step)
    page.get_by_label("Code", exact=True).fill(code)
    submit(page, "Continue")
    assert page.get_by_role("heading", level=1).inner_text() == "Welcome, Hannah Browser"
