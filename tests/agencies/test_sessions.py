"""Sessions end on the server: the cookie's flags, both time limits, restricted access, no fixation.

A cookie copied before sign-out, a password change or deactivation: tests/security/test_session_replay.py.
"""
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.agencies.accounts.models import User
from app.agencies.sign_in.sessions import LOGIN_AT, SEEN_AT, SEEN_AT_PRECISION_SECONDS
from app.extensions import db
from app.types import utcnow
from tests.fixtures.application import sign_in


def test_session_cookie_is_httponly_samesite_and_short_lived(client, create_user):
    account = create_user("teacher")
    response = sign_in(client, account.email, account.password)
    header = response.headers["Set-Cookie"]
    assert "HttpOnly" in header and "SameSite=Lax" in header
    cookie = client.get_cookie("braid_session")
    assert cookie.expires is not None
    assert cookie.expires - utcnow() <= timedelta(minutes=30, seconds=5)


@pytest.mark.parametrize(
    "key, age, signed_in",
    [
        (SEEN_AT, timedelta(minutes=29), True),
        (SEEN_AT, timedelta(minutes=31), False),
        (LOGIN_AT, timedelta(hours=11, minutes=50), True),
        (LOGIN_AT, timedelta(hours=12, minutes=1), False),
    ],
)
def test_idle_and_absolute_limits_are_enforced_on_the_server(client_as, key, age, signed_in):
    client = client_as("teacher")
    with client.session_transaction() as session:
        session[key] = int((utcnow() - age).timestamp())
    assert (client.get("/").status_code == 200) is signed_in


def test_activity_keeps_an_idle_session_alive(client_as):
    client = client_as("teacher")
    with client.session_transaction() as session:
        session[SEEN_AT] = int((utcnow() - timedelta(minutes=20)).timestamp())
    assert client.get("/").status_code == 200
    with client.session_transaction() as session:
        assert utcnow().timestamp() - session[SEEN_AT] < 60


def test_restricted_access_ends_mid_session(app, client_as):
    client = client_as("ep")
    assert client.get("/").status_code == 200
    with app.app_context():
        user = db.session.scalars(select(User).where(User.public_id == client.account.public_id)).one()
        user.access_expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    assert client.get("/").status_code == 302


def test_sign_in_starts_a_fresh_session(client, create_user):
    account = create_user("teacher")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    sign_in(client, account.email, account.password)
    with client.session_transaction() as session:
        assert "planted" not in session


def test_the_cookie_is_resent_only_when_the_last_seen_time_is_renewed(client_as):
    client = client_as("teacher")
    assert client.get("/").status_code == 200  # renewed at sign-in: nothing to send again
    assert "Set-Cookie" not in client.get("/").headers
    with client.session_transaction() as session:
        session[SEEN_AT] -= SEEN_AT_PRECISION_SECONDS
    response = client.get("/")
    assert "braid_session=" in response.headers["Set-Cookie"]
    with client.session_transaction() as session:
        assert utcnow().timestamp() - session[SEEN_AT] < 5


def test_a_new_secret_key_signs_at_once_and_the_old_one_still_opens_as_a_fallback(app, client_as):
    # The cookie signer is built once per set of keys: changing them must not leave the old signer in use.
    client = client_as("teacher")
    assert client.get("/").status_code == 200
    old_key = app.config["SECRET_KEY"]
    app.config.update(SECRET_KEY="a-new-key-for-this-test-0123456789abcdef", SECRET_KEY_FALLBACKS=[old_key])
    assert client.get("/").status_code == 200  # signed with the old key: opened by the fallback
    app.config["SECRET_KEY_FALLBACKS"] = []
    assert client.get("/").status_code == 302  # neither key now: signed out
