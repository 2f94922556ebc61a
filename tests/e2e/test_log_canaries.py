"""Canaries in every password, token, code and sensitive field of an end-to-end run appear in no log line.

The run goes over real HTTP through a live server with CSRF on: wrong and right passwords, the second
step (a wrong code, a right one), a contribution, an invitation accepted with a new password and an
authenticator set up (its secret and recovery codes), a password reset by its emailed link, a
recovery code used. Everything written to stderr (Braid's JSON lines and Werkzeug's access lines) and
every log record is searched, with logging turned up to DEBUG and SQL statements logged.
"""
from __future__ import annotations

import html
import http.cookiejar
import logging
import re
import urllib.error
import urllib.parse
import urllib.request
from datetime import date, timedelta
from types import SimpleNamespace

import pyotp
import pytest
from sqlalchemy import select

from app.agencies.accounts.models import Agency, AgencyKind, User
from app.agencies.password_reset.models import PasswordResetToken
from app.core.mail.models import OutboxMessage
from app.extensions import db
from tests.fixtures.application import csrf_token_from, next_code
from tests.fixtures.browser import LiveServer

pytestmark = pytest.mark.e2e

SCHOOL = "Canary Primary School"
RIVERSIDE = "Canary Speech and Language Service"
CANARY = SimpleNamespace(
    senco_password="canary-senco-pw-Qx7Lm2Vb",
    teacher_password="canary-teacher-pw-Hd4Tz8Kc",
    wrong_password="canary-wrong-pw-Yp3Nw6Rf",
    invitee_password="canary-invitee-pw-Jb5Ms9Gd",
    reset_password="canary-reset-pw-Wc2Xk7Pn",
    learner_name="Zephyrine Canarywood",
    contribution_title="Canarytitle Mxq Observation",
    contribution_body="Canarybody: Zephyrine flapped her hands during phonics (qjx canary)",
    invitee_name="Ottoline Canaryslt",
)


class HttpBrowser:
    """Cookies, no automatic redirects, and the CSRF token of the last page read: a browser over urllib."""

    def __init__(self, base: str):
        self.base = base
        self.cookies = http.cookiejar.CookieJar()

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies), NoRedirect)

    def open(self, path: str, data: dict | None = None):
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        try:
            response = self.opener.open(self.base + path, body, timeout=30)
        except urllib.error.HTTPError as error:
            response = error
        page = response.read().decode()
        return SimpleNamespace(status=response.status if hasattr(response, "status") else response.code,
                               location=urllib.parse.urlsplit(response.headers.get("Location", "")).path,
                               text=html.unescape(page), raw=page)

    def get(self, path: str):
        return self.open(path)

    def post(self, path: str, data: dict):
        token = csrf_token_from(self.get(path).raw)
        return self.open(path, {**data, "csrf_token": token})

    def cookie_values(self) -> list[str]:
        return [cookie.value for cookie in self.cookies]


def _code_for(app, email: str, secret: str) -> str:
    from app.agencies.two_step.services import enrolment_of

    with app.app_context():
        user = db.session.scalars(select(User).where(User.email.matches(email))).one()
        last = enrolment_of(user).last_used_step
        db.session.remove()
    return next_code(secret, last)[0]


def _sign_in(browser: HttpBrowser, app, email: str, password: str, secret: str | None = None):
    response = browser.post("/sign-in", {"email": email, "password": password})
    if response.location == "/sign-in/code":
        response = browser.post("/sign-in/code", {"code": _code_for(app, email, secret)})
    assert response.status == 302 and response.location == "/", response.text[:300]


def test_no_secret_or_sensitive_value_reaches_any_log(app, create_agency, create_user, create_case,
                                                       add_to_team, capfd, caplog):
    from tests.fixtures.accounts import TEST_TOTP_SECRET

    app.config["WTF_CSRF_ENABLED"] = True  # read on every request: forms carry tokens, as in production
    school = create_agency(AgencyKind.SCHOOL, name=SCHOOL)
    create_agency(AgencyKind.NHS_SERVICE, name=RIVERSIDE)
    senco = create_user("senco", agency=school, password=CANARY.senco_password)
    teacher = create_user("teacher", agency=school, password=CANARY.teacher_password)
    learner = create_case(school=school, name=CANARY.learner_name)
    add_to_team(learner, teacher)
    with app.app_context():
        riverside = db.session.scalars(select(Agency.public_id).where(Agency.name.matches(RIVERSIDE))).one()
        db.session.remove()

    caplog.set_level(logging.DEBUG)
    logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO)  # SQL statements, parameters hidden
    seen = SimpleNamespace(tokens=[], codes=[], cookies=[])
    try:
        with LiveServer(app) as server:
            # The SENCo: a wrong password, then the right one and a wrong code, then a right code.
            office = HttpBrowser(server.url)
            assert office.post("/sign-in", {"email": senco.email, "password": CANARY.wrong_password}).status == 200
            assert office.post("/sign-in", {"email": senco.email, "password": CANARY.senco_password}).location \
                == "/sign-in/code"
            assert office.post("/sign-in/code", {"code": "000000"}).status == 400
            assert office.post("/sign-in/code", {"code": _code_for(app, senco.email, TEST_TOTP_SECRET)}).location \
                == "/"
            assert CANARY.learner_name in office.get(f"/learners/{learner}").text

            # The teacher writes a contribution.
            classroom = HttpBrowser(server.url)
            _sign_in(classroom, app, teacher.email, CANARY.teacher_password)
            saved = classroom.post(f"/learners/{learner}/contributions/new", {
                "kind": "classroom_view", "visibility": "team", "title": CANARY.contribution_title,
                "body": CANARY.contribution_body})
            assert saved.status == 302
            assert CANARY.contribution_body in classroom.get(saved.location).text

            # The SENCo invites a therapist, who accepts with a new account and sets up an authenticator.
            ends = date.today() + timedelta(days=60)
            invited = office.post(f"/learners/{learner}/team/invite", {
                "display_name": CANARY.invitee_name, "email": "ottoline.canary@riverside.example", "role": "slt",
                "agency": riverside, "new_agency_name": "", "new_agency_kind": "",
                "access_ends_on": [str(ends.day), str(ends.month), str(ends.year)]})
            assert invited.status == 200, re.findall(r"<li>\s*<a[^>]*>([^<]+)", invited.text)
            link = re.search(r'id="invitation-link"[^>]*value="([^"]+)"', invited.raw).group(1)
            invitation_path = urllib.parse.urlsplit(link).path
            seen.tokens.append(invitation_path.rsplit("/", 1)[1])
            therapist = HttpBrowser(server.url)
            accepted = therapist.post(invitation_path, {
                "display_name": CANARY.invitee_name, "new_password": CANARY.invitee_password,
                "confirm_password": CANARY.invitee_password})
            assert accepted.location == "/sign-in/set-up", accepted.text[:300]
            enrol_page = therapist.get("/sign-in/set-up")
            secret = re.search(r'id="secret-key">\s*([A-Z2-7 ]+?)\s*<', enrol_page.raw).group(1).replace(" ", "")
            seen.tokens.append(secret)
            confirmed = therapist.post("/sign-in/set-up", {"code": pyotp.TOTP(secret).now()})
            codes_list = re.search(r'id="recovery-codes"[^>]*>(.*?)</ul>', confirmed.raw, re.S).group(1)
            recovery_codes = re.findall(r"<li>\s*([^<\s]+)\s*</li>", codes_list)
            assert recovery_codes, confirmed.text[:500]
            seen.codes.extend(recovery_codes)
            seen.cookies.extend(therapist.cookie_values())

            # The teacher forgets their password: a link by email, a new password, then signing in.
            stranger = HttpBrowser(server.url)
            assert stranger.post("/sign-in/reset", {"email": teacher.email}).status == 200
            with app.app_context():
                message = next(message for message in db.session.scalars(
                    select(OutboxMessage).order_by(OutboxMessage.id.desc())) if message.recipient == teacher.email)
                reset_path = urllib.parse.urlsplit(re.search(r"https?://\S+", message.body).group(0)).path
                db.session.remove()
            seen.tokens.append(reset_path.rsplit("/", 1)[1])
            assert stranger.post(reset_path, {"new_password": CANARY.reset_password,
                                              "confirm_password": CANARY.reset_password}).location == "/sign-in"
            _sign_in(HttpBrowser(server.url), app, teacher.email, CANARY.reset_password)

            # The therapist signs in again with a recovery code instead of the app.
            again = HttpBrowser(server.url)
            assert again.post("/sign-in", {"email": "ottoline.canary@riverside.example",
                                           "password": CANARY.invitee_password}).location == "/sign-in/code"
            assert again.post("/sign-in/code", {"code": recovery_codes[0]}).location in ("/", "/account/two-step")
            seen.cookies.extend(office.cookie_values() + classroom.cookie_values() + again.cookie_values())
            logging.getLogger("braid.canary-control").warning("control line %s", "plain-control-marker")
    finally:
        logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)

    written = capfd.readouterr()
    logs = "\n".join([written.out, written.err, caplog.text])
    # The capture works: our control line and the requests' own lines are in it.
    assert "plain-control-marker" in logs and "/sign-in/code" in logs and "/sign-in/reset/[redacted]" in logs
    with app.app_context():  # and the tokens were real: the reset link's hash is stored
        assert db.session.scalars(select(PasswordResetToken)).first() is not None
        db.session.remove()
    canaries = list(vars(CANARY).values()) + seen.tokens + seen.codes + [c for c in seen.cookies if len(c) >= 16]
    canaries += [TEST_TOTP_SECRET, senco.email, teacher.email, "ottoline.canary@riverside.example"]
    leaked = sorted({canary for canary in canaries if canary and canary.lower() in logs.lower()})
    assert not leaked, f"in the logs: {leaked}"
