"""The one canonical address: emailed links never come from the request, and unknown hosts are refused.

Reproduces reset-link poisoning through the Host header (a security assessment's finding) over real HTTP,
with the request lines an attacker can send: a forged Host, X-Forwarded-Host, an absolute URI, with
and without a trusted proxy in front.
"""
from __future__ import annotations

import logging
import re
import socket
from datetime import date, timedelta
from urllib.parse import urlencode

import pytest
from sqlalchemy import select

from app import create_app
from app.core.mail.models import OutboxMessage
from app.extensions import db
from app.security.hosts import external_url, parse_base_url
from tests.fixtures.application import sign_in
from tests.fixtures.browser import LiveServer

CANONICAL = "https://braid.example.gov.uk"
EVIL = "evil.example"
RESET_LINK = re.compile(r"(\S+)/sign-in/reset/([A-Za-z0-9_-]+)")
INVITATION_LINK = re.compile(r"(\S+)/invitations/accept/([A-Za-z0-9_-]+)")

sqlite_only = pytest.mark.parametrize("backend", ["sqlite"])  # hosts and links do not depend on the database


def _http(server: LiveServer, method: str, target: str, host: str | None, headers: dict | None = None,
          body: str = "", cookie: str | None = None) -> int:
    """One request written by hand (so the request line and Host are exactly as an attacker sends them):
    the status code."""
    port = server.server.server_port
    lines = [f"{method} {target} HTTP/1.1"]
    if host is not None:
        lines.append(f"Host: {host}")
    for name, value in (headers or {}).items():
        lines.append(f"{name}: {value}")
    if cookie:
        lines.append(f"Cookie: {cookie}")
    data = body.encode()
    lines += ["Content-Type: application/x-www-form-urlencoded", f"Content-Length: {len(data)}", "Connection: close"]
    with socket.create_connection(("127.0.0.1", port), timeout=30) as connection:
        connection.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + data)
        reply = b""
        while chunk := connection.recv(65536):
            reply += chunk
    return int(reply.split(b" ", 2)[1])


def _bodies(app) -> list[str]:
    with app.app_context():
        found = [message.body for message in db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]
        db.session.remove()
    return found


@pytest.fixture(params=[0, 1], ids=["no-proxy", "one-trusted-proxy"])
def app(request, database_url):
    """The app with a canonical address that is not where the test server listens, directly or behind one
    trusted proxy (which may set X-Forwarded-For and -Proto, never the host)."""
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url, "BRAID_TRUSTED_PROXIES": request.param,
                                 "RATELIMIT_RESET_ACCOUNT": "1000 per hour", "RATELIMIT_RESET_IP": "1000 per hour"})
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


# (label, request target, Host header, extra headers, status expected). "{port}" is the live server's port.
HOSTILE_REQUESTS = [
    ("canonical host", "/sign-in/reset", "braid.example.gov.uk", {}, 200),
    ("canonical host with a port", "/sign-in/reset", "braid.example.gov.uk:443", {}, 200),
    ("an allowed host", "/sign-in/reset", "127.0.0.1:{port}", {}, 200),
    ("forged Host", "/sign-in/reset", EVIL, {}, 400),
    ("forged Host on the server's port", "/sign-in/reset", EVIL + ":{port}", {}, 400),
    ("forged Host ending like the canonical one", "/sign-in/reset", "braid.example.gov.uk." + EVIL, {}, 400),
    ("forged Host starting like the canonical one", "/sign-in/reset", "braid.example.gov.uk@" + EVIL, {}, 400),
    ("forged Host with a path", "/sign-in/reset", EVIL + "/x", {}, 400),
    ("X-Forwarded-Host", "/sign-in/reset", "braid.example.gov.uk", {"X-Forwarded-Host": EVIL}, 200),
    ("X-Forwarded-Host, -Proto, -Port and -For", "/sign-in/reset", "braid.example.gov.uk",
     {"X-Forwarded-Host": EVIL, "X-Forwarded-Proto": "http", "X-Forwarded-Port": "8080",
      "X-Forwarded-For": "203.0.113.9"}, 200),
    ("X-Forwarded-Host with a forged Host", "/sign-in/reset", EVIL, {"X-Forwarded-Host": "braid.example.gov.uk"}, 400),
    ("X-Host and Forwarded", "/sign-in/reset", "braid.example.gov.uk",
     {"X-Host": EVIL, "Forwarded": f"host={EVIL};proto=http", "X-Original-Host": EVIL}, 200),
    ("absolute URI naming an evil host", f"http://{EVIL}/sign-in/reset", "braid.example.gov.uk", {}, 400),
    ("absolute URI naming the canonical host", f"{CANONICAL}/sign-in/reset", EVIL, {}, 200),
    ("absolute URI with userinfo", f"http://braid.example.gov.uk@{EVIL}/sign-in/reset", "braid.example.gov.uk", {},
     400),
]


@sqlite_only
@pytest.mark.parametrize("label, target, host, headers, status", HOSTILE_REQUESTS,
                         ids=[row[0] for row in HOSTILE_REQUESTS])
def test_a_reset_link_is_built_from_the_canonical_address_whatever_the_request_says(
        app, create_user, label, target, host, headers, status):
    parent = create_user("parent", email="carer.reset@family.example")
    with LiveServer(app) as server:
        app.config["BRAID_BASE_URL"] = CANONICAL
        port = server.server.server_port
        answered = _http(server, "POST", target, host.format(port=port), headers,
                         urlencode({"email": parent.email}))
    assert answered == status, label
    bodies = _bodies(app)
    assert not any(EVIL in body for body in bodies)
    if status == 400:
        assert bodies == []  # refused before anything was issued
        return
    assert len(bodies) == 1
    origin, token = RESET_LINK.search(bodies[0]).groups()
    assert origin == CANONICAL and len(token) >= 20


INVITATION_HOSTS = [
    ("canonical host", "/learners/{learner}/team/invite", "braid.example.gov.uk", {}, 200),
    ("forged Host", "/learners/{learner}/team/invite", EVIL, {}, 400),
    ("X-Forwarded-Host", "/learners/{learner}/team/invite", "braid.example.gov.uk",
     {"X-Forwarded-Host": EVIL, "X-Forwarded-Proto": "http"}, 200),
    ("absolute URI naming an evil host", f"http://{EVIL}/learners/{{learner}}/team/invite", "braid.example.gov.uk",
     {}, 400),
]


@sqlite_only
@pytest.mark.parametrize("label, target, host, headers, status", INVITATION_HOSTS,
                         ids=[row[0] for row in INVITATION_HOSTS])
def test_an_invitation_link_is_built_from_the_canonical_address(
        app, create_agency, create_case, create_user, label, target, host, headers, status):
    from app.agencies.accounts.models import AgencyKind

    school = create_agency(AgencyKind.SCHOOL, name="Hosts Primary")
    learner = create_case(school=school, name="Hosts Learner")
    senco = create_user("senco", agency=school)
    ends = date.today() + timedelta(days=60)
    signed_in = app.test_client()
    assert sign_in(signed_in, senco.email, senco.password).status_code == 302
    cookie = f"braid_session={signed_in.get_cookie('braid_session').value}"
    form = urlencode({"display_name": "Megan Test", "email": "megan@riverside.example", "role": "parent",
                      "agency": "new", "new_agency_name": "The Test family", "new_agency_kind": "family",
                      "access_ends_on": [str(ends.day), str(ends.month), str(ends.year)]}, doseq=True)
    with LiveServer(app) as server:
        app.config["BRAID_BASE_URL"] = CANONICAL
        answered = _http(server, "POST", target.format(learner=learner), host, headers, form, cookie)
    assert answered == status, label
    bodies = _bodies(app)
    assert not any(EVIL in body for body in bodies)
    if status == 400:
        assert bodies == []
        return
    assert len(bodies) == 1, "the invitation was not sent"
    assert INVITATION_LINK.search(bodies[0]).group(1) == CANONICAL


@sqlite_only
def test_every_page_but_the_health_check_refuses_an_unknown_host(app, client, caplog):
    caplog.set_level(logging.WARNING, logger="braid.hosts")
    for path in ("/sign-in", "/sign-in/reset", "/", "/learners", "/no-such-page", "/static/css/braid.css"):
        refused = client.get(path, headers={"Host": EVIL})
        assert refused.status_code == 400, path
        assert EVIL not in refused.get_data(as_text=True)
    assert "a request for a host Braid does not serve" in caplog.text
    assert client.get("/health", headers={"Host": "10.0.0.7:8000"}).status_code == 200  # load balancers
    assert client.get("/ready", headers={"Host": "10.0.0.7:8000"}).status_code == 200
    assert client.get("/metrics", headers={"Host": "10.0.0.7:8000"}).status_code == 404  # Prometheus: no token set
    assert client.get("/sign-in", headers={"Host": "localhost"}).status_code == 200
    assert client.get("/sign-in", headers={"Host": "LOCALHOST:5000"}).status_code == 200


@sqlite_only
def test_development_works_on_loopback_out_of_the_box(database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("BRAID_INSTANCE_PATH", str(tmp_path))
    for name in ("BRAID_BASE_URL", "BRAID_ALLOWED_HOSTS"):
        monkeypatch.delenv(name, raising=False)
    app = create_app("development", {"SQLALCHEMY_DATABASE_URI": database_url})
    try:
        client = app.test_client()
        for host in ("127.0.0.1:5000", "localhost:5000", "localhost"):
            assert client.get("/sign-in", headers={"Host": host}).status_code == 200, host
        assert client.get("/sign-in", headers={"Host": EVIL}).status_code == 400
        with app.app_context():
            assert external_url("agencies.password_reset", token="t0k3n") == "http://127.0.0.1:5000/sign-in/reset/t0k3n"
    finally:
        with app.app_context():
            db.engine.dispose()


@sqlite_only
def test_extra_hosts_and_their_subdomains_can_be_allowed(database_url):
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url,
                                 "BRAID_ALLOWED_HOSTS": ("braid.internal", ".schools.example")})
    try:
        client = app.test_client()
        for host, status in (("braid.internal", 200), ("oak.schools.example", 200), ("schools.example", 200),
                             ("evilschools.example", 400), ("braid.internal.evil.example", 400)):
            assert client.get("/sign-in", headers={"Host": host}).status_code == status, host
    finally:
        with app.app_context():
            db.engine.dispose()


@sqlite_only
def test_links_need_no_request_and_keep_a_path_prefix(app):
    app.config["BRAID_BASE_URL"] = "https://la.example.gov.uk/braid/"
    with app.app_context():
        assert external_url("cases.invitation_accept", token="abc") == "https://la.example.gov.uk/braid/invitations/accept/abc"
    with app.test_request_context("/sign-in", base_url=f"http://{EVIL}"):
        assert external_url("agencies.password_reset", token="abc") == "https://la.example.gov.uk/braid/sign-in/reset/abc"


@pytest.mark.parametrize("value, problem", [
    ("", "is not set"),
    ("braid.example.gov.uk", "must start with https://"),
    ("ftp://braid.example.gov.uk", "must start with https://"),
    ("https://", "has no valid host name"),
    ("https://braid example.gov.uk", "plain ASCII without spaces"),
    ("https://user@braid.example.gov.uk", "must not hold a user name"),
    ("https://braid.example.gov.uk/#top", "must not have a query"),
    ("https://braid.example.gov.uk:0", "has port 0"),
    ("https://braid.example.gov.uk:x", "is not a URL"),
])
def test_a_canonical_address_that_is_not_one_is_refused(value, problem):
    with pytest.raises(ValueError, match=problem):
        parse_base_url(value)
