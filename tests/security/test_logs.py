"""Logs: one JSON object a line with the request id, no forged lines, and no secret in any of them."""
from __future__ import annotations

import io
import json
import logging
import urllib.error
import urllib.parse
import urllib.request

import pytest

from app import create_app
from app.logs import SECRET_VIEW_ARGS, StderrHandler, redact
from tests.fixtures.browser import LiveServer

TOKEN = "Zq3rT0kenCanary-x7Yw9pL2mN4"  # shaped like a real link's token


def json_lines(text: str) -> list[dict]:
    """Every line written, each parsed on its own: a line that is not one JSON object fails the test."""
    return [json.loads(line) for line in text.splitlines() if line.strip()]


@pytest.fixture
def logged_input(app):
    """Stands in for any Braid code that logs what a user typed: the `q` query parameter, on every request."""

    @app.before_request
    def note_search():
        from flask import request

        if "q" in request.args:
            logging.getLogger("braid.test").warning("searched for %s", request.args["q"])

    return app


def test_each_line_is_one_json_object_with_the_request_id_the_response_carries(logged_input, capsys):
    response = logged_input.test_client().get("/sign-in?q=plain")
    lines = [line for line in json_lines(capsys.readouterr().err) if line["logger"] == "braid.test"]
    assert len(lines) == 1
    line = lines[0]
    assert set(line) == {"time", "level", "logger", "message", "request_id", "endpoint", "method", "path"}
    assert line["message"] == "searched for plain" and line["level"] == "WARNING"
    assert line["endpoint"] == "agencies.sign_in" and line["method"] == "GET" and line["path"] == "/sign-in"
    assert line["time"].endswith("+00:00") and "T" in line["time"]
    assert len(line["request_id"]) == 32 and line["request_id"] == response.headers["X-Request-ID"]


def test_every_response_carries_its_own_request_id(client):
    first, second = client.get("/sign-in"), client.get("/no-such-page")
    assert first.headers["X-Request-ID"] != second.headers["X-Request-ID"]
    assert len(second.headers["X-Request-ID"]) == 32


def test_an_unexpected_error_logs_its_trace_under_the_reference_shown_to_the_user(database_url, capsys):
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url, "PROPAGATE_EXCEPTIONS": False})

    @app.before_request
    def explode():
        raise RuntimeError("internal detail password=hunter2-canary")

    response = app.test_client().get("/sign-in")
    page = response.get_data(as_text=True)
    reference = response.headers["X-Request-ID"]
    assert response.status_code == 500 and f"Reference: {reference}" in page
    [line] = [line for line in json_lines(capsys.readouterr().err) if line["logger"] == "braid.web"]
    assert line["level"] == "ERROR" and line["request_id"] == reference
    assert "RuntimeError: internal detail password=[redacted]" in line["exception"]
    assert "hunter2-canary" not in json.dumps(line)


@pytest.mark.parametrize("forged", [
    '\n{"time": "2026-01-01T00:00:00+00:00", "level": "CRITICAL", "logger": "braid.web", "message": "forged"}',
    '\r\n{"level": "CRITICAL", "message": "forged"}',
    '\u2028{"level": "CRITICAL", "message": "forged"}',  # a line break to some readers (and to str.splitlines)
])
def test_a_newline_in_user_input_cannot_forge_a_line(logged_input, capsys, forged):
    typed = "innocent" + forged
    logged_input.test_client().get("/sign-in?" + urllib.parse.urlencode({"q": typed}))
    written = capsys.readouterr().err
    assert "\u2028" not in written and "\r" not in written
    lines = json_lines(written)
    mine = [line for line in lines if line["logger"] == "braid.test"]
    assert [line["message"] for line in mine] == [f"searched for {typed}"]  # one line, the input kept whole
    assert not any(line.get("message") == "forged" for line in lines)


def _fetch(url: str, data: bytes | None = None) -> int:
    try:
        with urllib.request.urlopen(url, data=data, timeout=15) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.parametrize("path", [
    f"/invitations/accept/{TOKEN}",
    f"/invitations/accept/{TOKEN}?from=email",
    f"/sign-in/reset/{TOKEN}",
    f"/invitations%2Faccept%2F{TOKEN}",
])
def test_the_access_log_of_a_real_server_never_carries_a_link_token(app, capsys, caplog, path):
    caplog.set_level(logging.INFO)
    with LiveServer(app) as server:
        _fetch(server.url + path)
    written = capsys.readouterr().err
    access = [line for line in json_lines(written) if line["logger"] == "werkzeug" and '"GET ' in line["message"]]
    assert len(access) == 1, written
    assert "[redacted]" in access[0]["message"]
    assert "\x1b" not in access[0]["message"]  # the dev server's colours are stripped
    # Redacted when the record is made, so every handler sees it so: ours and pytest's alike.
    assert TOKEN not in written and TOKEN not in caplog.text


def test_a_failed_sign_in_logs_neither_the_password_nor_the_email(app, create_user, capsys, caplog):
    account = create_user("teacher")
    password = "Canary-Passw0rd-9f3kq-never-logged"
    unknown = "canary.nobody.7x@example.org"
    caplog.set_level(logging.DEBUG)  # everything,
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")  # SQL statements included
    with LiveServer(app) as server:
        for email in (account.email, unknown, account.email.upper()):
            form = urllib.parse.urlencode({"email": email, "password": password}).encode()
            assert _fetch(server.url + "/sign-in", data=form) == 200  # the form again, with a problem
    written = capsys.readouterr().err
    posts = [line for line in json_lines(written)
             if line["logger"] == "werkzeug" and "POST /sign-in" in line["message"]]
    assert len(posts) == 3  # the capture saw the requests
    everything = written + caplog.text
    assert "sqlalchemy.engine" in caplog.text  # statements were logged: their values were not
    for secret in (password, account.email, account.email.upper(), unknown, "canary.nobody"):
        assert secret.lower() not in everything.lower(), secret


def test_a_server_with_handlers_of_its_own_writes_json_too():
    """Gunicorn logs through its own handlers, not the root's: the app's start-up makes their lines JSON."""
    access = logging.getLogger("gunicorn.access")
    output = io.StringIO()
    handler = logging.StreamHandler(output)  # as gunicorn sets up its access log before loading the app
    access.addHandler(handler)
    access.propagate, access.level = False, logging.INFO
    try:
        create_app("testing")
        access.info('%(h)s "%(r)s" %(s)s',
                    {"h": "10.0.0.7", "r": f"GET /invitations/accept/{TOKEN} HTTP/1.1", "s": "200"})
    finally:
        access.removeHandler(handler)
        access.propagate, access.level = True, logging.NOTSET
    [line] = json_lines(output.getvalue())
    assert line["logger"] == "gunicorn.access"
    assert line["message"] == '10.0.0.7 "GET /invitations/accept/[redacted] HTTP/1.1" 200'


def test_every_route_with_a_credential_in_its_path_is_redacted(app):
    """A new route with a <token> in its path must be one redaction covers, or this fails."""
    adapter = app.url_map.bind("braid.test")
    credential_rules = [rule for rule in app.url_map.iter_rules() if rule.arguments & SECRET_VIEW_ARGS]
    assert {rule.endpoint for rule in credential_rules} >= {"cases.invitation_accept"}
    for rule in credential_rules:
        values = {name: TOKEN if name in SECRET_VIEW_ARGS else "abc" for name in rule.arguments}
        path = adapter.build(rule.endpoint, values)
        assert TOKEN not in redact(f'127.0.0.1 - - [now] "GET {path} HTTP/1.1" 200 -'), rule.rule


@pytest.mark.parametrize("text, secret", [
    ("password=hunter2-canary&next=/", "hunter2-canary"),
    ("{'email': 'sam@example.org', 'password': 'two words canary'}", "two words canary"),
    ('{"totp": "123456", "recovery_code": "ab12-cd34-ef56"}', "123456"),
    ('{"totp": "123456", "recovery_code": "ab12-cd34-ef56"}', "ab12-cd34-ef56"),
    ("code=654321", "654321"),
    ("csrf_token: IjA1ZmQ4canary", "IjA1ZmQ4canary"),
    ("Cookie: __Host-braid_session=eyJfcanary; other=1", "eyJfcanary"),
    ("Cookie: __Host-braid_session=eyJfcanary; other=1", "other=1"),
    ("Authorization: Bearer eyJhbGcanary.payload.sig", "eyJhbGcanary"),
    ("connecting to redis://:redis-canary@cache:6379/0", "redis-canary"),
    ("signed in as sam.canary@example.org", "sam.canary@example.org"),
    ("/sign-in/reset/AbC-123_canary?x=1", "AbC-123_canary"),
])
def test_secrets_in_a_message_are_cut_out(text, secret):
    assert secret not in redact(text)
    assert "[redacted]" in redact(text) or "[email]" in redact(text)


def test_ordinary_messages_are_left_alone():
    for text in ("outbox message 3f9a sent",
                 "decryption failed request_id=ab12 endpoint=cases.learner: learner.name_sealed",
                 '"GET /learners/3f9a2b HTTP/1.1" 200 -', "SELECT id FROM user_account WHERE user_account.email = ?",
                 "WHERE invitation.token_hash = %(token_hash_1)s]", "Invitation.token_hash == hash_token(token)"):
        assert redact(text) == text


def test_logging_is_set_up_once_however_many_apps_are_made(app):
    create_app("testing")
    create_app("testing")
    assert sum(isinstance(handler, StderrHandler) for handler in logging.getLogger().handlers) == 1
    factory = logging.getLogRecordFactory()
    assert factory.braid_redacting and not getattr(factory.wrapped, "braid_redacting", False)  # wrapped once
    record = factory("braid.test", logging.INFO, __file__, 1, "token=%s", ("abc",), None)
    assert record.getMessage() == "token=[redacted]" and record.args == ()
