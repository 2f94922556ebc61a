"""Two-step verification: who must use it, setting it up, codes that work once, recovery codes, rate limits.

Codes are computed with pyotp from the secret the test account was enrolled with (or, when a test sets
up an authenticator itself, the secret the set-up page shows), exactly as an authenticator app would.
"""
from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import unquote, urlsplit

import pyotp
import pytest
from sqlalchemy import select, text

from app.agencies.accounts.models import User
from app.agencies.two_step import services as mfa
from app.agencies.two_step.models import RecoveryCode, TwoStepEnrolment
from app.audit.models import AuditEvent
from app.extensions import db
from app.web import PUBLIC_ENDPOINTS
from tests.fixtures.accounts import TEST_TOTP_SECRET
from tests.fixtures.application import next_code, sign_in, sign_out, text_of

REQUIRED = ["senco", "dsl", "admin", "slt", "ep"]
OPTIONAL = ["teacher", "lsp", "parent"]
WRONG_CODE = "The code is not right, or it has already been used"


# --- helpers -----------------------------------------------------------------------------------------


def password_step(client, account, next_path: str | None = None):
    """The password only: what a thief with the password but not the phone can do."""
    url = "/sign-in" + (f"?next={next_path}" if next_path else "")
    return client.post(url, data={"email": account.email, "password": account.password})


def location(response) -> str:
    return urlsplit(response.headers.get("Location", "")).path


def steady_step(totp: pyotp.TOTP) -> int:
    """The current time step, with at least 4 s of it left, so a test's codes keep their age."""
    left = totp.interval - time.time() % totp.interval
    if left < 4:
        time.sleep(left + 0.05)
    return totp.timecode(datetime.now(UTC))


def fresh_code(app, account, secret: str = TEST_TOTP_SECRET) -> str:
    """The code an authenticator would show next that Braid has not yet taken (waits for a new step if need be)."""
    with app.app_context():
        last = mfa.enrolment_of(user_row(account)).last_used_step
        db.session.remove()
    return next_code(secret, last)[0]


def wrong_code(totp: pyotp.TOTP) -> str:
    """Six digits that are no code of any step near now."""
    now = totp.timecode(datetime.now(UTC))
    near = {totp.generate_otp(step) for step in range(now - 3, now + 4)}
    return next(code for code in ("000000", "111111", "222222", "123456") if code not in near)


def enter(client, code: str, path: str = "/sign-in/code"):
    return client.post(path, data={"code": code})


def user_row(account) -> User:
    return db.session.scalars(select(User).where(User.public_id == account.public_id)).one()


def events_after(app, last: int) -> list[tuple]:
    with app.app_context():
        rows = db.session.execute(
            select(AuditEvent.action, AuditEvent.outcome, AuditEvent.object_public_id, AuditEvent.fields_changed,
                   AuditEvent.actor_id).where(AuditEvent.id > last).order_by(AuditEvent.id)).all()
        db.session.remove()
    return [(row.action.value, row.outcome.value, row.object_public_id, row.fields_changed, row.actor_id)
            for row in rows]


def last_event(app) -> int:
    with app.app_context():
        last = db.session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1)) or 0
        db.session.remove()
    return last


def secret_on(page: str) -> str:
    match = re.search(r'id="secret-key">([A-Z2-7 ]+)<', page)
    assert match, "the set-up page shows no key to type in"
    return match.group(1).replace(" ", "")


def recovery_codes_on(page: str) -> list[str]:
    return re.findall(r"<li>([a-z0-9]{5}-[a-z0-9]{5})</li>", page)


def set_up_during_sign_in(client, account) -> tuple[str, list[str]]:
    """Password, then the set-up page: scan (read the key), confirm with a code. Returns the secret and codes."""
    assert location(password_step(client, account)) == "/sign-in/set-up"
    secret = secret_on(text_of(client.get("/sign-in/set-up")))
    totp = pyotp.TOTP(secret)
    done = enter(client, totp.generate_otp(steady_step(totp)), "/sign-in/set-up")
    assert done.status_code == 200, text_of(done)
    codes = recovery_codes_on(text_of(done))
    assert len(codes) == 10
    return secret, codes


# --- who is asked --------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", REQUIRED)
def test_required_roles_are_asked_for_a_code_after_the_password(client, create_user, role):
    account = create_user(role)
    response = password_step(client, account)
    assert response.status_code == 302 and location(response) == "/sign-in/code"
    assert client.get("/").status_code == 302  # not signed in yet
    page = client.get("/sign-in/code")
    assert page.status_code == 200 and "Enter the code from your authenticator app" in text_of(page)


@pytest.mark.parametrize("role", OPTIONAL)
def test_other_roles_sign_in_with_the_password_alone_until_they_opt_in(client, create_user, role):
    account = create_user(role)
    response = password_step(client, account)
    assert response.status_code == 302 and location(response) == "/"


def test_a_required_role_without_an_authenticator_must_set_one_up_first(client, create_user):
    account = create_user("senco", two_step=False)
    response = password_step(client, account)
    assert location(response) == "/sign-in/set-up"
    assert location(client.get("/sign-in/code")) == "/sign-in/set-up"  # no code page before an authenticator
    assert location(client.get("/")) == "/sign-in"


def _dummy_url(adapter, rule) -> str:
    values = {name: 1 if type(converter).__name__ == "IntegerConverter" else "dummy"
              for name, converter in rule._converters.items()}
    return adapter.build(rule.endpoint, values)


@pytest.mark.parametrize("role", ["senco", "slt"])
def test_a_privileged_password_only_session_reaches_nothing(app, client, create_user, role):
    """After the right password and before the code: every route of the app, every method, dummy arguments."""
    account = create_user(role)
    assert location(password_step(client, account)) == "/sign-in/code"
    adapter = app.url_map.bind("localhost")
    reached, asked = [], 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        url = _dummy_url(adapter, rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method, data={} if method == "POST" else None)
            asked += 1
            if not (response.status_code == 302 and location(response) == "/sign-in"):
                reached.append(f"{method} {url} [{rule.endpoint}]: {response.status_code}")
    assert asked >= 100
    assert not reached, "reached without the code:\n" + "\n".join(reached)
    # The public pages give nothing either: the sign-in, reset and health pages are not personal.
    assert client.get("/sign-in/code").status_code == 200
    # The pending sign-in was intact all along: the code still finishes it.
    totp = pyotp.TOTP(TEST_TOTP_SECRET)
    assert location(enter(client, totp.generate_otp(steady_step(totp)))) == "/"
    assert client.get("/").status_code == 200


def test_without_a_password_first_the_code_pages_send_you_to_sign_in(client):
    for path in ("/sign-in/code", "/sign-in/set-up"):
        assert location(client.get(path)) == "/sign-in"
        assert location(client.post(path, data={"code": "123456"})) == "/sign-in"


def test_a_pending_sign_in_expires(app, client, create_user):
    account = create_user("dsl")
    app.config["MFA_PENDING_LIFETIME"] = timedelta(seconds=-1)
    assert location(password_step(client, account)) == "/sign-in/code"
    assert location(client.get("/sign-in/code")) == "/sign-in"
    totp = pyotp.TOTP(TEST_TOTP_SECRET)
    assert location(enter(client, totp.generate_otp(steady_step(totp)))) == "/sign-in"
    assert client.get("/").status_code == 302


def test_a_pending_sign_in_does_not_survive_someone_elses(client, create_user):
    privileged, teacher = create_user("senco"), create_user("teacher")
    password_step(client, privileged)
    assert location(password_step(client, teacher)) == "/"  # the teacher's session replaces everything
    sign_out(client)
    assert location(client.get("/sign-in/code")) == "/sign-in"


def test_signing_out_everywhere_ends_a_pending_sign_in(app, client, create_user):
    account = create_user("ep")
    password_step(client, account)
    with app.app_context():
        user_row(account).end_sessions()
        db.session.commit()
    assert location(client.get("/sign-in/code")) == "/sign-in"


def test_the_code_step_keeps_a_safe_next_page(client, create_user):
    account = create_user("senco")
    totp = pyotp.TOTP(TEST_TOTP_SECRET)
    step = steady_step(totp)
    password_step(client, account, "/learners")
    assert location(enter(client, totp.generate_otp(step))) == "/learners"
    sign_out(client)
    password_step(client, account, "//evil.example/x")
    assert location(enter(client, totp.generate_otp(step + 1))) == "/"


# --- codes work once, within one step -------------------------------------------------------------------


def test_a_right_code_signs_in_and_is_recorded(app, client, create_user):
    account = create_user("dsl")
    totp = pyotp.TOTP(TEST_TOTP_SECRET)
    step = steady_step(totp)
    password_step(client, account)
    last = last_event(app)
    assert enter(client, wrong_code(totp)).status_code == 400
    response = enter(client, " ".join([totp.generate_otp(step)[:3], totp.generate_otp(step)[3:]]))  # as grouped
    assert location(response) == "/" and client.get("/").status_code == 200
    with app.app_context():
        user = user_row(account)
        assert mfa.enrolment_of(user).last_used_step == step
        actor = user.id
    assert events_after(app, last) == [
        ("sign_in_failed", "refused", account.public_id, None, None),
        ("sign_in", "allowed", account.public_id, "second_step", actor),
    ]


def test_a_replayed_code_is_refused(app, client, create_user):
    account = create_user("senco")
    totp = pyotp.TOTP(TEST_TOTP_SECRET)
    step = steady_step(totp)
    password_step(client, account)
    assert location(enter(client, totp.generate_otp(step))) == "/"
    sign_out(client)
    password_step(client, account)
    replay = enter(client, totp.generate_otp(step))
    assert replay.status_code == 400 and WRONG_CODE in text_of(replay)
    older = enter(client, totp.generate_otp(step - 1))  # within the window, but older than the one used
    assert older.status_code == 400
    assert client.get("/").status_code == 302
    assert location(enter(client, totp.generate_otp(step + 1))) == "/"  # the next step's code is new


def test_a_code_replayed_by_another_client_is_refused(client, app, create_user):
    account = create_user("slt")
    totp = pyotp.TOTP(TEST_TOTP_SECRET)
    step = steady_step(totp)
    thief = app.test_client()
    password_step(client, account)
    password_step(thief, account)
    assert location(enter(client, totp.generate_otp(step))) == "/"
    assert enter(thief, totp.generate_otp(step)).status_code == 400
    assert thief.get("/").status_code == 302


@pytest.mark.parametrize("offset", [-2, -3, -20, 2, 3])
def test_a_code_outside_one_step_either_way_is_refused(client, create_user, offset):
    account = create_user("admin")
    totp = pyotp.TOTP(TEST_TOTP_SECRET)
    step = steady_step(totp)
    password_step(client, account)
    response = enter(client, totp.generate_otp(step + offset))
    assert response.status_code == 400 and WRONG_CODE in text_of(response)
    assert client.get("/").status_code == 302


@pytest.mark.parametrize("offset", [-1, 0, 1])
def test_a_code_one_step_either_way_is_accepted(app, client, create_user, offset):
    account = create_user("admin")
    totp = pyotp.TOTP(TEST_TOTP_SECRET)
    step = steady_step(totp)
    password_step(client, account)
    assert location(enter(client, totp.generate_otp(step + offset))) == "/"
    with app.app_context():
        assert mfa.enrolment_of(user_row(account)).last_used_step == step + offset  # the step that matched


def test_the_eleventh_wrong_code_is_refused_even_when_right(app, client, create_user):
    account = create_user("senco")
    totp = pyotp.TOTP(TEST_TOTP_SECRET)
    password_step(client, account)
    last = last_event(app)
    for _ in range(10):  # RATELIMIT_MFA_ACCOUNT = "10 per 15 minutes"
        assert enter(client, wrong_code(totp)).status_code == 400
    eleventh = enter(client, totp.generate_otp(steady_step(totp)))
    assert eleventh.status_code == 429 and "Too many wrong codes. Wait 15 minutes" in text_of(eleventh)
    assert client.get("/").status_code == 302
    # A new password step does not reset the count: it is kept per account, not per session or pending sign-in.
    fresh = app.test_client()
    password_step(fresh, account)
    assert enter(fresh, fresh_code(app, account)).status_code == 429
    actions = [event[0] for event in events_after(app, last)]
    assert actions.count("sign_in_failed") == 10 and "lockout" in actions and "sign_in" in actions  # the password
    # Someone else is not locked out by it.
    other = create_user("senco")
    assert location(sign_in(app.test_client(), other.email, other.password)) == "/"


def test_an_empty_code_is_asked_for_again(client, create_user):
    account = create_user("senco")
    password_step(client, account)
    response = enter(client, "")
    assert response.status_code == 400
    assert "Enter the 6-digit code from your authenticator app, or a recovery code" in text_of(response)


# --- setting up an authenticator ---------------------------------------------------------------------------


def test_the_set_up_page_shows_an_svg_qr_code_and_the_key_as_text(app, client, create_user):
    account = create_user("slt", two_step=False)
    password_step(client, account)
    response = client.get("/sign-in/set-up")
    page = text_of(response)
    assert response.status_code == 200
    match = re.search(r'<img src="(data:image/svg\+xml[^"]+)" alt="([^"]+)"', response.get_data(as_text=True))
    assert match and "QR code" in match.group(2)
    svg = unquote(match.group(1).partition(",")[2])
    assert svg.startswith("<svg") and "<path" in svg and "<script" not in svg and "style=" not in svg
    # Drawn on the server: nothing on the page needs an inline style or a script without the CSP's nonce.
    assert ' style="' not in response.get_data(as_text=True)
    assert "img-src 'self' data:" in response.headers["Content-Security-Policy"]
    with app.app_context():
        enrolment = mfa.enrolment_of(user_row(account))
        assert enrolment.confirmed_at is None
        assert secret_on(page) == enrolment.secret
    assert secret_on(text_of(client.get("/sign-in/set-up"))) == secret_on(page)  # the same key on every load


def test_setting_up_during_sign_in_shows_ten_recovery_codes_once_then_signs_in(app, client, create_user):
    account = create_user("ep", two_step=False)
    last = last_event(app)
    secret, codes = set_up_during_sign_in(client, account)
    assert len(set(codes)) == 10
    assert client.get("/").status_code == 200  # signed in
    with app.app_context():
        user = user_row(account)
        stored = db.session.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id)).all()
        assert len(stored) == 10 and not any(code in " ".join(stored) for code in codes)
        assert mfa.enrolment_of(user).confirmed_at is not None
        actor = user.id
    assert [event for event in events_after(app, last) if event[0] != "sign_in" or event[3]] == [
        ("update", "allowed", account.public_id, "two_step", actor),
        ("sign_in", "allowed", account.public_id, "second_step", actor),
    ]
    # Once set up, the set-up page is gone: the next sign-in asks for a code.
    sign_out(client)
    assert location(password_step(client, account)) == "/sign-in/code"
    assert location(client.get("/sign-in/set-up")) == "/sign-in/code"


def test_a_wrong_first_code_does_not_turn_it_on(app, client, create_user):
    account = create_user("dsl", two_step=False)
    password_step(client, account)
    client.get("/sign-in/set-up")
    response = enter(client, "12345", "/sign-in/set-up")
    assert response.status_code == 400 and "The code is not right" in text_of(response)
    assert "data:image/svg+xml" in response.get_data(as_text=True)  # the QR code is still there to scan
    assert client.get("/").status_code == 302
    with app.app_context():
        assert mfa.enrolment_of(user_row(account)).confirmed_at is None


def test_the_seed_is_stored_sealed(app, client, create_user):
    account = create_user("senco", two_step=False)
    secret, _ = set_up_during_sign_in(client, account)
    with app.app_context():
        raw = db.session.execute(text("SELECT secret_sealed FROM mfa_enrolment")).all()
        db.session.remove()
    assert len(raw) == 1
    value = raw[0][0]
    value = value.decode("latin-1") if isinstance(value, (bytes, memoryview)) else str(value)
    assert secret not in value and secret.lower() not in value
    assert TEST_TOTP_SECRET not in value


def test_fixture_and_demo_secrets_are_sealed_too(app, create_user):
    create_user("admin")
    with app.app_context():
        raw = " ".join(str(row[0]) for row in db.session.execute(text("SELECT secret_sealed FROM mfa_enrolment")))
        db.session.remove()
    assert raw and TEST_TOTP_SECRET not in raw


# --- recovery codes -------------------------------------------------------------------------------------


def test_a_recovery_code_works_once(app, client, create_user):
    account = create_user("senco", two_step=False)
    secret, codes = set_up_during_sign_in(client, account)
    sign_out(client)
    password_step(client, account)
    last = last_event(app)
    used = enter(client, codes[3].upper().replace("-", " "))  # as someone might type it
    assert location(used) == "/"
    assert "You signed in with a recovery code. You have 9 left" in text_of(client.get("/"))
    sign_out(client)
    password_step(client, account)
    again = enter(client, codes[3])
    assert again.status_code == 400 and WRONG_CODE in text_of(again)
    assert client.get("/").status_code == 302
    assert location(enter(client, codes[4])) == "/"  # another one still works
    with app.app_context():
        user_id = user_row(account).id
        assert db.session.scalar(select(db.func.count(RecoveryCode.id)).where(
            RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_not(None))) == 2
        trail = "\n".join(repr(tuple(row)) for row in db.session.execute(select(AuditEvent.__table__)))
        db.session.remove()
    assert [event[:4] for event in events_after(app, last) if event[3]] == [
        ("sign_in", "allowed", account.public_id, "recovery_code"),
        ("sign_in", "allowed", account.public_id, "recovery_code"),
    ]
    for value in [secret, *codes]:
        assert value not in trail and value.replace("-", "") not in trail


def test_new_recovery_codes_replace_the_old_ones(app, client, create_user):
    account = create_user("dsl", two_step=False)
    secret, old = set_up_during_sign_in(client, account)
    page = text_of(client.get("/account/two-step"))
    assert "Recovery codes left" in page and "10 of 10" in page
    last = last_event(app)
    response = client.post("/account/two-step", data={"codes-code": fresh_code(app, account, secret),
                                                      "codes-submit": "Get new recovery codes"})
    new = recovery_codes_on(text_of(response))
    assert response.status_code == 200 and len(new) == 10 and not set(new) & set(old)
    with app.app_context():
        actor = user_row(account).id
    assert events_after(app, last) == [("update", "allowed", account.public_id, "recovery_codes", actor)]
    sign_out(client)
    password_step(client, account)
    assert enter(client, old[0]).status_code == 400
    assert location(enter(client, new[0])) == "/"


# --- opting in, and turning it off --------------------------------------------------------------------------


def test_a_teacher_can_opt_in_and_is_then_asked_for_a_code(app, client_as):
    teacher = client_as("teacher")
    page = text_of(teacher.get("/account/two-step"))
    assert re.search(r"Status\s*</dt>\s*<dd[^>]*>\s*Off\s*</dd>", page)
    assert "Set up two-step verification" in page and "Turn off" not in page
    assert location(teacher.get("/account/two-step/set-up")) == "/account/two-step"  # a button starts it
    assert location(teacher.post("/account/two-step/set-up")) == "/account/two-step/set-up"
    set_up = teacher.get("/account/two-step/set-up")
    assert set_up.status_code == 200 and "data:image/svg+xml" in set_up.get_data(as_text=True)
    secret = secret_on(text_of(set_up))
    totp = pyotp.TOTP(secret)
    last = last_event(app)
    done = teacher.post("/account/two-step/set-up", data={"code": totp.generate_otp(steady_step(totp))})
    recovery = recovery_codes_on(text_of(done))
    assert done.status_code == 200 and len(recovery) == 10
    assert "Two-step verification is on" in text_of(done)
    assert [event[:4] for event in events_after(app, last)] == [
        ("update", "allowed", teacher.account.public_id, "two_step")]
    sign_out(teacher)
    assert location(password_step(teacher, teacher.account)) == "/sign-in/code"
    assert location(enter(teacher, fresh_code(app, teacher.account, secret))) == "/"

    # A teacher may turn it off again, with a code (a recovery code here: the authenticator's next code is
    # thirty seconds away); then the password is enough.
    page = text_of(teacher.get("/account/two-step"))
    assert "Turn off two-step verification" in page
    wrong = teacher.post("/account/two-step", data={"off-code": wrong_code(totp),
                                                    "off-submit": "Turn off two-step verification"})
    assert wrong.status_code == 400
    off = teacher.post("/account/two-step", data={"off-code": recovery[0],
                                                  "off-submit": "Turn off two-step verification"})
    assert location(off) == "/account/two-step", text_of(off)
    sign_out(teacher)
    assert location(password_step(teacher, teacher.account)) == "/"
    with app.app_context():
        assert db.session.scalar(select(db.func.count(TwoStepEnrolment.id))) == 0
        assert db.session.scalar(select(db.func.count(RecoveryCode.id))) == 0


@pytest.mark.parametrize("role", REQUIRED)
def test_required_roles_cannot_turn_it_off(app, client_as, role):
    client = client_as(role)
    page = text_of(client.get("/account/two-step"))
    assert re.search(r"Status\s*</dt>\s*<dd[^>]*>\s*On\s*</dd>", page) and "cannot be turned off" in page
    assert "Turn off two-step verification" not in page
    response = client.post("/account/two-step", data={"off-code": fresh_code(app, client.account),
                                                      "off-submit": "Turn off two-step verification"})
    assert response.status_code == 403
    with app.app_context():
        assert mfa.is_enrolled(user_row(client.account))
    sign_out(client)
    assert location(password_step(client, client.account)) == "/sign-in/code"


def test_wrong_codes_on_the_settings_page_count_towards_the_same_limit(app, client_as):
    client = client_as("senco")
    for attempt in range(10):
        response = client.post("/account/two-step", data={"codes-code": f"x{attempt}", "codes-submit": "Get new"})
        assert response.status_code == 400
    assert client.post("/account/two-step", data={"codes-code": "x", "codes-submit": "Get new"}).status_code == 429


# --- the demo ------------------------------------------------------------------------------------------------


def test_the_demo_enrols_its_privileged_accounts_with_the_printed_secret(app):
    from app.demo.accounts import PEOPLE

    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    secret = app.config["BRAID_DEMO_TOTP_SECRET"]
    with app.app_context():
        for person in PEOPLE:
            enrolment = mfa.enrolment_of(db.session.scalars(select(User).where(User.email.matches(person.email))).one())
            if person.role.value in REQUIRED:
                assert enrolment.secret == secret and enrolment.confirmed_at is not None, person.email
            else:
                assert enrolment is None, person.email  # parents, teachers and LSPs may opt in themselves
        db.session.remove()
    output = runner.invoke(args=["demo", "logins"]).output
    assert secret in output and "authenticator app" in output
    # A new user with any authenticator app: the password, then the code from the printed key.
    client = app.test_client()
    assert location(client.post("/sign-in", data={"email": "senco@oakfield.example",
                                                  "password": app.config["BRAID_DEMO_PASSWORD"]})) == "/sign-in/code"
    assert location(enter(client, pyotp.TOTP(secret).now())) == "/"
