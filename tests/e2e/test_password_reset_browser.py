"""In a real browser: a teacher who forgot their password asks for a link, opens it from the outbox,
sets a new password and signs in with it; every page passes axe."""
import re

import pytest
from sqlalchemy import select

from app.core.mail.models import OutboxMessage
from app.extensions import db
from tests.fixtures.browser import assert_accessible, sign_in_with_browser, submit

pytestmark = pytest.mark.e2e
NEW_PASSWORD = "meadow-copper-ferry-26"


def _link_in_outbox(app, address: str) -> str:
    with app.app_context():
        newest_first = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc()))
        message = next(message for message in newest_first if message.recipient == address)
        body = message.body  # sealed at rest: read through the model
        db.session.remove()
    return re.search(r"https?://\S+/sign-in/reset/[A-Za-z0-9_-]+", body).group(0)


def test_a_forgotten_password_is_reset_by_the_emailed_link(page, app, live_server, create_user):
    account = create_user("teacher", email="forgetful.teacher@browser-test.example", name="Sam Forgetful")
    page.goto("/sign-in")
    page.get_by_role("link", name="Forgotten your password?").click()
    page.wait_for_url("**/sign-in/reset")
    assert_accessible(page, "reset request")

    submit(page, "Send me a link")  # nothing typed: the form says so
    assert page.get_by_role("heading", name="There is a problem").is_visible()
    assert_accessible(page, "reset request with an error")
    page.get_by_label("Email address").fill(account.email)
    submit(page, "Send me a link")
    assert page.get_by_role("heading", level=1).inner_text() == "Check your email"
    assert_accessible(page, "check your email")

    link = _link_in_outbox(app, account.email)
    assert link.startswith(live_server.url)
    page.goto(link)
    assert page.get_by_role("heading", level=1).inner_text() == "Choose a new password"
    assert_accessible(page, "choose a new password")
    page.get_by_label("New password", exact=True).fill("too-short")
    page.get_by_label("Confirm new password").fill("too-short")
    submit(page, "Set new password")
    assert page.get_by_role("heading", name="There is a problem").is_visible()
    assert page.get_by_text("Password must be 12 characters or more").first.is_visible()
    assert_accessible(page, "choose a new password with an error")
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Confirm new password").fill(NEW_PASSWORD)
    submit(page, "Set new password")
    assert page.url.endswith("/sign-in")
    assert page.get_by_text("Your password has been changed").is_visible()
    assert_accessible(page, "sign-in after the reset")

    page.goto(link)  # used: it changes nothing now
    assert page.get_by_role("heading", level=1).inner_text() == "This link has already been used"
    assert_accessible(page, "used link")

    sign_in_with_browser(page, account.email, account.password)  # the old password no longer works
    assert page.get_by_text("Email address or password is not right").first.is_visible()
    sign_in_with_browser(page, account.email, NEW_PASSWORD)
    assert page.url.rstrip("/") == live_server.url
    assert page.get_by_text("Sam Forgetful").first.is_visible()
