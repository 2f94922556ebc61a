"""Codes are ASCII digits only: the right code typed in another script's digits is a
wrong code on every code form, refused with the form again, counted against the limit and audited, never
a 500 (the pattern took Unicode digits and compare_digest then raised TypeError)."""
from __future__ import annotations

import re

import pyotp
import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent, AuditOutcome
from app.extensions import db
from tests.fixtures.accounts import TEST_TOTP_SECRET
from tests.fixtures.application import text_of

# ASCII digit -> the same digit in another script. Some are Unicode decimal digits (`\d` takes them); the
# last ones are not, and must fail the same way.
SCRIPTS = {
    "full-width": "０１２３４５６７８９",
    "arabic-indic": "٠١٢٣٤٥٦٧٨٩",
    "extended-arabic-indic": "۰۱۲۳۴۵۶۷۸۹",
    "devanagari": "०१२३४५६७८९",
    "bengali": "০১২৩৪৫৬৭৮৯",
    "thai": "๐๑๒๓๔๕๖๗๘๙",
    "mathematical-bold": "𝟎𝟏𝟐𝟑𝟒𝟓𝟔𝟕𝟖𝟗",
    "superscript": "⁰¹²³⁴⁵⁶⁷⁸⁹",
    "circled": "⓪①②③④⑤⑥⑦⑧⑨",
}
WRONG = re.compile(r"The code is not right")
sqlite_only = pytest.mark.parametrize("backend", ["sqlite"])  # checked before any database work


def in_script(code: str, script: str) -> str:
    return code.translate(str.maketrans("0123456789", SCRIPTS[script]))


def refusals(app) -> int:
    with app.app_context():
        found = len(db.session.scalars(select(AuditEvent.id).where(AuditEvent.outcome == AuditOutcome.REFUSED)).all())
        db.session.remove()
    return found


def _pending_sign_in(client, account) -> None:
    response = client.post("/sign-in", data={"email": account.email, "password": account.password})
    assert response.status_code == 302


def _set_up_secret(page) -> str:
    """The key the set-up page shows as text, as someone typing it into an authenticator app reads it."""
    return re.search(r'id="secret-key">([A-Z2-7 ]+)<', text_of(page)).group(1).replace(" ", "")


def _forms(app, client_as, create_user):
    """(form name, a client at that form, its path, the field data for a code, the secret whose code is right)."""
    senco = create_user("senco")
    code_page = app.test_client()
    _pending_sign_in(code_page, senco)

    dsl = create_user("dsl", two_step=False)
    set_up_page = app.test_client()
    _pending_sign_in(set_up_page, dsl)
    set_up_secret = _set_up_secret(set_up_page.get("/sign-in/set-up"))

    enrolled = client_as("teacher", two_step=True)
    opting_in = client_as("lsp")
    assert opting_in.post("/account/two-step/set-up").status_code == 302
    opt_in_secret = _set_up_secret(opting_in.get("/account/two-step/set-up"))
    return [
        ("sign-in code", code_page, "/sign-in/code", "code", {}, TEST_TOTP_SECRET),
        ("sign-in set-up", set_up_page, "/sign-in/set-up", "code", {}, set_up_secret),
        ("turn off", enrolled, "/account/two-step", "off-code", {"off-submit": "y"}, TEST_TOTP_SECRET),
        ("new recovery codes", enrolled, "/account/two-step", "codes-code", {"codes-submit": "y"}, TEST_TOTP_SECRET),
        ("opt-in set-up", opting_in, "/account/two-step/set-up", "code", {}, opt_in_secret),
    ]


@sqlite_only
@pytest.mark.parametrize("script", SCRIPTS)
def test_the_right_code_in_another_script_is_a_wrong_code_on_every_form(app, client_as, create_user, script):
    for name, client, path, field, extra, secret in _forms(app, client_as, create_user):
        before = refusals(app)
        typed = in_script(pyotp.TOTP(secret).now(), script)
        response = client.post(path, data={field: typed, **extra})
        assert response.status_code == 400, f"{name}: {response.status_code}"
        assert WRONG.search(text_of(response)), name
        assert refusals(app) == before + 1, f"{name}: the wrong code was not audited"


@sqlite_only
def test_codes_in_other_scripts_count_against_the_limit(app, client, create_user):
    senco = create_user("senco")
    _pending_sign_in(client, senco)
    scripts = list(SCRIPTS)
    for attempt in range(10):
        typed = in_script(pyotp.TOTP(TEST_TOTP_SECRET).now(), scripts[attempt % len(scripts)])
        assert client.post("/sign-in/code", data={"code": typed}).status_code == 400
    refused = client.post("/sign-in/code", data={"code": pyotp.TOTP(TEST_TOTP_SECRET).now()})
    assert refused.status_code == 429  # even the right code, after ten wrong ones
    assert client.get("/").status_code == 302  # not signed in


@sqlite_only
@pytest.mark.parametrize(
    "typed", ["１２３４５６", "12345６", "\u212a" * 10, "ａｂｃｄｅ-ｆｇｈｊｋ", "123 456\u00a0", "12\x003456"])
def test_odd_characters_in_a_code_or_recovery_code_are_a_wrong_code(app, client, create_user, typed):
    senco = create_user("senco")
    _pending_sign_in(client, senco)
    response = client.post("/sign-in/code", data={"code": typed})
    assert response.status_code == 400 and WRONG.search(text_of(response))
