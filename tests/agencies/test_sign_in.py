"""Signing in: one generic answer, equal cost, expired access explained (rate limits: tests/security)."""
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from app.agencies.accounts.models import User
from app.agencies.sign_in import services
from app.extensions import db
from app.types import utcnow
from tests.fixtures.application import sign_in

GENERIC = "Email address or password is not right"


def test_right_password_signs_in_and_lands_on_home(client, create_user):
    account = create_user("teacher")
    response = sign_in(client, account.email, account.password)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert "Class teacher" in home.get_data(as_text=True)


def test_email_is_matched_case_insensitively(client, create_user):
    account = create_user("lsp", email="Tom.Fletcher@Example.org")
    assert account.email == "tom.fletcher@example.org"
    assert sign_in(client, "  TOM.FLETCHER@example.ORG ", account.password).status_code == 302


@pytest.mark.parametrize("which", ["wrong password", "unknown email"])
def test_wrong_email_or_password_gets_one_generic_message(client, create_user, which):
    account = create_user("teacher")
    email = account.email if which == "wrong password" else "nobody@example.org"
    response = sign_in(client, email, "not-the-password-at-all")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert GENERIC in page
    assert "There is a problem" in page
    assert f'value="{email}"' in page  # what was typed is kept
    assert client.get("/").status_code == 302  # still signed out


def test_unknown_email_costs_a_real_hash_verification(app, create_user, monkeypatch):
    create_user("teacher", email="known@example.org")
    calls = []
    module = services

    real = module.burn_equal_time
    monkeypatch.setattr(module, "burn_equal_time", lambda password: calls.append(1) or real(password))
    with app.app_context():
        assert services.authenticate("unknown@example.org", "whatever-password").outcome.value == "invalid"
    assert calls == [1]


def test_restricted_account_past_its_end_date_is_told_why(app, client, create_user):
    account = create_user("slt")
    with app.app_context():
        user = db.session.scalars(select(User).where(User.email.matches(account.email))).one()
        user.access_expires_at = utcnow() - timedelta(days=1)
        db.session.commit()
    response = sign_in(client, account.email, account.password)
    page = response.get_data(as_text=True)
    assert "Your access to Braid has ended" in page
    assert client.get("/").status_code == 302


def test_expired_access_is_not_revealed_without_the_password(app, client, create_user):
    account = create_user("ep", access_expires_at=utcnow() - timedelta(days=1))
    page = sign_in(client, account.email, "a-wrong-password-here").get_data(as_text=True)
    assert GENERIC in page and "has ended" not in page


def test_deactivated_account_cannot_sign_in(client, create_user):
    account = create_user("teacher", active=False)
    page = sign_in(client, account.email, account.password).get_data(as_text=True)
    assert "deactivated" in page
    assert client.get("/").status_code == 302


@pytest.mark.parametrize(
    "data, message",
    [
        ({"email": "", "password": "x"}, "Enter your email address"),
        ({"email": "a@example.org", "password": ""}, "Enter your password"),
    ],
)
def test_missing_fields_get_an_error_summary(client, data, message):
    response = client.post("/sign-in", data=data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "There is a problem" in page and message in page


def test_after_sign_in_only_local_next_paths_are_followed(client, create_user):
    account = create_user("teacher")
    credentials = {"email": account.email, "password": account.password}
    response = client.post("/sign-in?next=//evil.example/x", data=credentials)
    assert response.headers["Location"] == "/"
    client.post("/sign-out")
    response = client.post("/sign-in?next=/account/password", data=credentials)
    assert response.headers["Location"] == "/account/password"


def test_the_page_asked_for_comes_back_exactly_with_an_encoded_query_and_never_with_a_host(client, create_user):
    """The page to return to is the request's own path and query, escapes kept as sent (the sign-in page's safe-redirect
    helper then judges it); a host in the request (an absolute URL in the request line) is never part of it."""
    for asked in ("/learners?name=Zo%C3%AB&year=7", "/learners?q=O%27Neil+%26+Sons&year=7"):
        response = client.get(asked)
        location = urlsplit(response.headers["Location"])
        assert response.status_code == 302 and location.path == "/sign-in"
        assert parse_qs(location.query) == {"next": [asked]}
    # Signing in from there goes back to exactly that page.
    account = create_user("teacher")
    signed_in = client.post(response.headers["Location"], data={"email": account.email, "password": account.password})
    assert signed_in.headers["Location"] == asked
    client.post("/sign-out")
    elsewhere = client.get("http://localhost/learners?year=7")  # the address asked for in full
    assert parse_qs(urlsplit(elsewhere.headers["Location"]).query) == {"next": ["/learners?year=7"]}


def test_a_successful_sign_in_upgrades_an_outdated_hash(app, client, create_user):
    account = create_user("teacher")
    from argon2 import PasswordHasher

    with app.app_context():
        user = db.session.scalars(select(User).where(User.email.matches(account.email))).one()
        user.password_hash = PasswordHasher(time_cost=1, memory_cost=16, parallelism=1).hash(account.password)
        db.session.commit()
    assert sign_in(client, account.email, account.password).status_code == 302
    with app.app_context():
        user = db.session.scalars(select(User).where(User.email.matches(account.email))).one()
        assert "m=8,t=1,p=1" in user.password_hash


def test_a_page_asked_for_signed_out_sends_to_sign_in_without_a_cookie_and_says_why(client, create_user):
    response = client.get("/learners?year=7")
    assert response.status_code == 302 and response.headers["Location"] == "/sign-in?next=%2Flearners%3Fyear%3D7"
    # Nothing is stored for a visitor: no session cookie is set by being sent away.
    assert "Set-Cookie" not in response.headers
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Sign in to continue." in page
    # Signing in from there goes to the page asked for; the plain sign-in page has no such banner.
    account = create_user("teacher")
    signed_in = client.post(response.headers["Location"], data={"email": account.email, "password": account.password})
    assert signed_in.headers["Location"] == "/learners?year=7"
    client.post("/sign-out")
    assert "Sign in to continue." not in client.get("/sign-in").get_data(as_text=True)
