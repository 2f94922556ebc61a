"""Password reset by an emailed link: one reply for every address, a hashed single-use 60-minute token,
older links dying, every session ending, the password rules, the rate limits, the trail and the logs."""
from __future__ import annotations

import email
import email.policy
import hashlib
import logging
import re
import time
import urllib.parse
import urllib.request
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from app.agencies.accounts.models import User
from app.agencies.password_reset.models import PasswordResetToken
from app.audit.models import AuditEvent
from app.core.jobs.models import JobRun, JobStatus
from app.core.jobs.queue import start_in_threads
from app.core.mail.models import OutboxMessage
from app.extensions import db
from app.security.passwords import verify_password
from app.types import utcnow
from deploy.mail_server import MailServer
from tests.fixtures.application import sign_in, text_of
from tests.fixtures.browser import LiveServer

NEW_PASSWORD = "saffron-quarry-lantern-58"
UNKNOWN = "nobody-reset-canary@example.org"
LINK = re.compile(r"(https?://[^/\s]+)/sign-in/reset/([A-Za-z0-9_-]+)")


def _ask(client, address: str):
    return client.post("/sign-in/reset", data={"email": address})


def _messages(app) -> list[tuple[str, str]]:
    """(recipient, body) of every message in the outbox, oldest first: the body is read through the model."""
    with app.app_context():
        found = [(m.recipient, m.body) for m in db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]
        db.session.remove()
    return found


def _token_sent_to(app, address: str) -> str:
    bodies = [body for recipient, body in _messages(app) if recipient == address]
    assert bodies, f"no message to {address}"
    return LINK.search(bodies[-1]).group(2)


def _user(app, account) -> dict:
    with app.app_context():
        user = db.session.scalars(select(User).where(User.public_id == account.public_id)).one()
        found = {"hash": user.password_hash, "must_change": user.must_change_password,
                 "version": user.session_version}
        db.session.remove()
    return found


def _reset(client, token: str, password: str = NEW_PASSWORD, confirm: str | None = None):
    return client.post(f"/sign-in/reset/{token}",
                       data={"new_password": password, "confirm_password": password if confirm is None else confirm})


def _comparable(response) -> str:
    """The page without what differs on every response anyway: the CSRF token and the script nonce."""
    body = response.get_data(as_text=True)
    body = re.sub(r'name="csrf_token"[^>]*>', "", body)
    return re.sub(r'nonce="[^"]+"', "", body)


def _events(app, after: int = 0) -> list[AuditEvent]:
    with app.app_context():
        found = db.session.scalars(select(AuditEvent).where(AuditEvent.id > after).order_by(AuditEvent.id)).all()
        db.session.expunge_all()
        db.session.remove()
    return found


def _last_event(app) -> int:
    events = _events(app)
    return events[-1].id if events else 0


# --- asking for a link -------------------------------------------------------------------------------


def test_the_sign_in_page_links_to_the_reset_page(client):
    page = client.get("/sign-in").get_data(as_text=True)
    assert 'href="/sign-in/reset"' in page and "Forgotten your password?" in page
    form = client.get("/sign-in/reset")
    assert form.status_code == 200 and "Reset your password" in text_of(form)
    assert form.headers["Referrer-Policy"] == "no-referrer" and form.headers["Cache-Control"] == "no-store"


def test_every_address_gets_the_same_reply_and_only_a_live_account_gets_mail(app, client, create_user):
    live = create_user("teacher", email="live.reset@example.org")
    create_user("teacher", email="closed.reset@example.org", active=False)
    create_user("parent", email="ended.reset@example.org", access_expires_at=utcnow() - timedelta(days=1))
    replies = {address: _ask(app.test_client(), address) for address in (
        "live.reset@example.org", UNKNOWN, "closed.reset@example.org", "ended.reset@example.org")}
    assert {reply.status_code for reply in replies.values()} == {200}
    assert len({_comparable(reply) for reply in replies.values()}) == 1, "the reply tells addresses apart"
    assert "Check your email" in text_of(replies[UNKNOWN])
    assert [recipient for recipient, _ in _messages(app)] == [live.email]
    # Typed differently, the same account: spaces and capitals do not make it unknown.
    assert _ask(client, "  LIVE.Reset@Example.org ").status_code == 200
    assert [recipient for recipient, _ in _messages(app)] == [live.email] * 2


@pytest.mark.parametrize("typed, problem", [
    ("", "Enter your email address"),
    ("not-an-address", "Enter an email address in the correct format"),
    ("a" * 250 + "@example.org", "254 characters or fewer"),
])
def test_a_malformed_address_re_renders_the_form_with_what_was_typed(app, client, typed, problem):
    response = _ask(client, typed)
    assert response.status_code == 400
    page = text_of(response)
    assert "There is a problem" in page and problem in page
    assert not typed or f'value="{typed}"' in page
    assert _messages(app) == []


def test_the_link_is_absolute_random_and_stored_only_as_its_sha256(app, client, create_user):
    account = create_user("teacher")
    _ask(client, account.email)
    (recipient, body), = _messages(app)
    origin, token = LINK.search(body).groups()
    assert recipient == account.email and origin == "http://localhost"
    assert len(token) >= 22  # 16 random bytes, URL-safe base64: 128 bits
    with app.app_context():
        stored = db.session.scalars(select(PasswordResetToken)).one()
        assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert stored.expires_at - stored.created_at == timedelta(minutes=60) and stored.used_at is None
        # The raw token is in no column of any table (the message body is sealed).
        everything = "\n".join(repr(tuple(row)) for table in db.metadata.sorted_tables
                               for row in db.session.execute(select(table)))
        db.session.remove()
    assert token not in everything and stored.token_hash in everything


# --- using it ----------------------------------------------------------------------------------------


def test_a_link_sets_a_new_password_once_and_signs_nobody_in(app, client, create_user):
    account = create_user("teacher", must_change_password=True)
    before = _user(app, account)
    _ask(client, account.email)
    token = _token_sent_to(app, account.email)
    form = client.get(f"/sign-in/reset/{token}")
    assert form.status_code == 200 and "Choose a new password" in text_of(form)
    assert form.headers["Referrer-Policy"] == "no-referrer" and form.headers["Cache-Control"] == "no-store"

    done = _reset(client, token)
    assert done.status_code == 302 and done.headers["Location"] == "/sign-in"
    assert "Your password has been changed" in text_of(client.get("/sign-in"))
    assert client.get("/").status_code == 302  # not signed in by the link
    after = _user(app, account)
    assert after["hash"] != before["hash"] and not after["must_change"] and after["version"] == before["version"] + 1
    with app.app_context():
        assert db.session.scalars(select(PasswordResetToken)).one().used_at is not None
        db.session.remove()

    # Used: the link answers 410 and changes nothing, whatever is sent to it.
    for again in (client.get(f"/sign-in/reset/{token}"), _reset(client, token, "another-brand-new-phrase-91")):
        assert again.status_code == 410 and "This link has already been used" in text_of(again)
    assert _user(app, account)["hash"] == after["hash"]
    assert sign_in(app.test_client(), account.email, account.password).status_code == 200  # the old one is refused
    assert sign_in(app.test_client(), account.email, NEW_PASSWORD).status_code == 302


@pytest.mark.parametrize("age, usable", [(timedelta(minutes=59), True), (timedelta(minutes=61), False)])
def test_a_link_lasts_sixty_minutes(app, client, create_user, age, usable):
    account = create_user("teacher")
    _ask(client, account.email)
    token = _token_sent_to(app, account.email)
    with app.app_context():  # the link was sent `age` ago (and the password set before that)
        stored = db.session.scalars(select(PasswordResetToken)).one()
        stored.created_at, stored.expires_at = stored.created_at - age, stored.expires_at - age
        db.session.execute(update(User).where(User.public_id == account.public_id)
                           .values(password_changed_at=stored.created_at - timedelta(days=1)))
        db.session.commit()
        db.session.remove()
    before = _user(app, account)
    assert client.get(f"/sign-in/reset/{token}").status_code == (200 if usable else 410)
    response = _reset(client, token)
    assert response.status_code == (302 if usable else 410)
    assert (_user(app, account)["hash"] != before["hash"]) is usable
    if not usable:
        assert "This link has expired" in text_of(response)


def test_asking_again_kills_the_older_links(app, client, create_user):
    account = create_user("teacher")
    _ask(client, account.email)
    first = _token_sent_to(app, account.email)
    _ask(client, account.email)
    second = _token_sent_to(app, account.email)
    assert first != second
    assert client.get(f"/sign-in/reset/{first}").status_code == 410
    assert _reset(client, first).status_code == 410
    assert _reset(client, second).status_code == 302


def test_a_reset_kills_every_other_link_of_the_account(app, client, create_user):
    account = create_user("teacher")
    _ask(client, account.email)
    token = _token_sent_to(app, account.email)
    with app.app_context():  # a second live link, as two requests racing would leave
        user_id = db.session.scalars(select(User.id).where(User.public_id == account.public_id)).one()
        db.session.add(PasswordResetToken(user_id=user_id, token_hash=hashlib.sha256(b"racing-link").hexdigest(),
                                          created_at=utcnow(), expires_at=utcnow() + timedelta(minutes=60)))
        db.session.commit()
        db.session.remove()
    assert _reset(client, token).status_code == 302
    assert client.get("/sign-in/reset/racing-link").status_code == 410


def test_a_session_copied_before_the_reset_is_refused_after_it(app, client_as):
    victim = client_as("teacher")
    stolen = victim.get_cookie("braid_session").value
    thief = app.test_client()
    thief.set_cookie("braid_session", stolen)
    assert thief.get("/").status_code == 200
    anonymous = app.test_client()
    _ask(anonymous, victim.account.email)
    assert _reset(anonymous, _token_sent_to(app, victim.account.email)).status_code == 302
    for path in ("/", "/account/password", "/cpd"):
        assert thief.get(path).status_code == 302, path
    assert victim.get("/").status_code == 302


@pytest.mark.parametrize("password, confirm, problem", [
    ("short-one", None, "Password must be 12 characters or more"),
    ("password1234", None, "Password is too common"),
    ("resetter.person-forgets", None, "Password must not contain your email address"),
    ("tidal-marmalade-lantern-42", None, "must be different from your current one"),  # the fixture's password
    (NEW_PASSWORD, "something-else-entirely-7", "The passwords do not match"),
    ("", "", "Enter a new password"),
])
def test_a_refused_password_re_renders_with_a_summary_and_changes_nothing(app, client, create_user,
                                                                         password, confirm, problem):
    account = create_user("teacher", email="resetter.person@example.org")
    _ask(client, account.email)
    token = _token_sent_to(app, account.email)
    before = _user(app, account)
    response = _reset(client, token, password, confirm)
    assert response.status_code == 400
    page = text_of(response)
    assert "There is a problem" in page and problem in page
    assert 'href="#new_password"' in page or 'href="#confirm_password"' in page
    assert page.startswith("<!DOCTYPE html>") and "Choose a new password" in page
    assert _user(app, account) == before
    with app.app_context():
        assert db.session.scalars(select(PasswordResetToken)).one().used_at is None
        db.session.remove()
    assert _reset(client, token).status_code == 302  # the link still works


def test_an_unknown_link_is_not_found_and_changes_nothing(app, client, create_user):
    account = create_user("teacher")
    before = _user(app, account)
    for response in (client.get("/sign-in/reset/not-a-real-token-0000"), _reset(client, "not-a-real-token-0000"),
                     client.get("/sign-in/reset/" + "x" * 500)):
        assert response.status_code == 404 and "This link is not valid" in text_of(response)
    assert _user(app, account) == before


def test_a_password_changed_another_way_kills_the_link(app, client, create_user):
    account = create_user("teacher")
    _ask(client, account.email)
    token = _token_sent_to(app, account.email)
    signed_in = app.test_client()
    assert sign_in(signed_in, account.email, account.password).status_code == 302
    changed = signed_in.post("/account/password", data={
        "current_password": account.password, "new_password": "lantern-harbour-quiet-77",
        "confirm_password": "lantern-harbour-quiet-77"})
    assert changed.status_code == 302
    before = _user(app, account)
    assert _reset(client, token).status_code == 410
    assert _user(app, account) == before


def test_a_link_for_an_account_closed_since_it_was_sent_cannot_be_used(app, client, create_user):
    account = create_user("teacher")
    _ask(client, account.email)
    token = _token_sent_to(app, account.email)
    with app.app_context():
        db.session.execute(update(User).where(User.public_id == account.public_id).values(active=False))
        db.session.commit()
        db.session.remove()
    before = _user(app, account)
    assert _reset(client, token).status_code == 410
    assert _user(app, account) == before


def test_a_signed_in_user_is_sent_home_and_the_link_is_kept(app, client_as):
    client = client_as("teacher")
    anonymous = app.test_client()
    _ask(anonymous, client.account.email)
    token = _token_sent_to(app, client.account.email)
    for response in (client.get("/sign-in/reset"), _ask(client, client.account.email),
                     client.get(f"/sign-in/reset/{token}"), _reset(client, token)):
        assert response.status_code == 302 and response.headers["Location"] == "/"
    assert len(_messages(app)) == 1
    assert _reset(anonymous, token).status_code == 302  # still unused


# --- rate limits ----------------------------------------------------------------------------------


@pytest.mark.parametrize("known", [True, False])
def test_the_fourth_request_for_one_address_in_an_hour_is_refused_and_sends_nothing(app, create_user, known):
    address = create_user("teacher").email if known else UNKNOWN
    for attempt in range(3):
        assert _ask(app.test_client(), address.upper() if attempt else address).status_code == 200
    sent = len(_messages(app))
    assert sent == (3 if known else 0)
    refused = _ask(app.test_client(), address)
    assert refused.status_code == 429
    assert len(_messages(app)) == sent
    assert _ask(app.test_client(), "someone.else@example.org").status_code == 200  # per address


def test_forms_that_send_nothing_do_not_count(app, client, create_user):
    account = create_user("teacher")
    for typed in ("", "", "not-an-address", "", ""):
        assert _ask(client, typed).status_code == 400
    for _ in range(3):
        assert _ask(client, account.email).status_code == 200


def test_failed_attempts_at_one_link_are_limited(app, client, create_user):
    account = create_user("teacher")
    _ask(client, account.email)
    token = _token_sent_to(app, account.email)
    # RATELIMIT_RESET_LINK_ACCOUNT: 10 failed attempts per link in 15 minutes.
    for _ in range(10):
        assert _reset(client, token, "short").status_code == 400
    assert _reset(client, token).status_code == 429
    for _ in range(10):
        assert _reset(client, "not-a-real-token-0001").status_code == 404
    assert _reset(client, "not-a-real-token-0001").status_code == 429


# --- the trail and the logs --------------------------------------------------------------------------


def test_the_trail_names_accounts_never_addresses_or_links(app, client, create_user):
    account = create_user("teacher")
    closed = create_user("teacher", active=False)
    start = _last_event(app)
    _ask(client, account.email)
    _ask(client, UNKNOWN)
    _ask(client, closed.email)
    token = _token_sent_to(app, account.email)
    client.get("/sign-in/reset/not-a-real-token-0000")
    _reset(client, token)
    client.get(f"/sign-in/reset/{token}")
    got = [(e.action.value, e.outcome.value, e.object_type, e.object_public_id, e.fields_changed, e.actor_id)
           for e in _events(app, start)]
    with app.app_context():
        user_id = db.session.scalars(select(User.id).where(User.public_id == account.public_id)).one()
        db.session.remove()
    assert got == [
        ("update", "allowed", "user_account", account.public_id, "password_reset_requested", None),
        ("update", "refused", None, None, "password_reset_requested", None),
        ("update", "refused", "user_account", closed.public_id, "password_reset_requested", None),
        ("view", "refused", "user_account", None, None, None),
        ("update", "allowed", "user_account", account.public_id, "password", user_id),
        ("view", "refused", "user_account", account.public_id, None, None),
    ]
    with app.app_context():
        trail = "\n".join(repr(tuple(row)) for row in db.session.execute(select(AuditEvent.__table__)))
        db.session.remove()
    assert "@" not in trail and token not in trail and NEW_PASSWORD not in trail


def test_a_link_in_an_access_log_line_is_redacted(app, client, create_user, caplog):
    account = create_user("teacher")
    _ask(client, account.email)
    token = _token_sent_to(app, account.email)
    caplog.set_level(logging.INFO, logger="werkzeug")
    with LiveServer(app) as server:
        with urllib.request.urlopen(f"{server.url}/sign-in/reset/{token}?from=mail") as response:
            assert response.status == 200
    assert "/sign-in/reset/[redacted]?from=mail" in caplog.text
    assert token not in caplog.text


# --- mail by SMTP, by the jobs worker ---------------------------------------------------------------------


def test_mail_goes_by_the_jobs_worker_so_a_known_address_answers_as_fast(app, create_user):
    account = create_user("teacher")
    mail = MailServer(delay=5.0)  # takes each message five seconds after its DATA
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=mail.server_address[1], MAIL_USE_TLS=False)
    worker = start_in_threads(app)  # what `flask jobs worker` runs, in this process's threads
    try:
        with LiveServer(app) as server:
            def ask(address: str) -> None:
                data = urllib.parse.urlencode({"email": address}).encode()
                with urllib.request.urlopen(f"{server.url}/sign-in/reset", data=data, timeout=30) as response:
                    assert response.status == 200 and b"Check your email" in response.read()

            ask(UNKNOWN)
            ask(account.email)
            # No clock to race: a reply that waited for the mail would come after the server took it.
            assert mail.received == [], "the reply waited for the mail server"
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and _messages_sent(app) == 0:
                time.sleep(0.05)
    finally:
        worker.stop(graceful=True)
        mail.close()
    assert len(mail.received) == 1  # none for the unknown address, and one for the known one
    message = email.message_from_string(mail.received[0], policy=email.policy.default)
    assert message["To"] == account.email and message["Subject"] == "Reset your Braid password"
    token = LINK.search(message.get_content()).group(2)
    with app.app_context():
        assert db.session.scalars(select(PasswordResetToken)).one().token_hash == \
            hashlib.sha256(token.encode()).hexdigest()
        # Its job: done at the first attempt, and its arguments name the message, never the address.
        run = db.session.scalars(select(JobRun).where(JobRun.name == "outbox.send")).one()
        assert (run.status, run.attempts) == (JobStatus.DONE, 1)
        assert account.email not in run.arguments
        db.session.remove()
    assert _messages_sent(app) == 1


def _messages_sent(app) -> int:
    with app.app_context():
        sent = len(db.session.scalars(select(OutboxMessage).where(OutboxMessage.sent_at.is_not(None))).all())
        db.session.remove()
    return sent


def test_the_new_password_is_stored_as_an_argon2_hash(app, client, create_user):
    """The stored hash is an Argon2 hash of the new password (not the password itself)."""
    account = create_user("teacher")
    _ask(client, account.email)
    _reset(client, _token_sent_to(app, account.email))
    stored = _user(app, account)["hash"]
    with app.app_context():
        assert stored.startswith("$argon2id$") and verify_password(stored, NEW_PASSWORD)
