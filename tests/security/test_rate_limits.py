"""Rate limits on the doors in: per account and per IP address, failures only, expiring, and shared
through Redis by every worker (two real server processes below).

Each test app counts on its own (a random key prefix), so tests never see each other's counts, even
in one Redis. Limits are read from the settings on every request: a test may tighten one in place.
"""
from __future__ import annotations

import http.client
import os
import subprocess
import sys
import time
import uuid
from urllib.parse import urlencode

import pytest
import redis as redis_client
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.extensions import db
from tests.fixtures.application import sign_in, sign_out, text_of
from tests.fixtures.databases import unavailable

WRONG = "not-the-password-at-all"
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_the_sixth_failure_for_an_address_is_refused_even_with_the_right_password(app, client, create_user):
    account = create_user("teacher")
    for _ in range(5):  # RATELIMIT_SIGN_IN_ACCOUNT: 5 per 15 minutes
        assert sign_in(client, account.email, WRONG).status_code == 200
    refused = sign_in(client, account.email, account.password)
    assert refused.status_code == 429
    page = text_of(refused)
    assert "Too many attempts to sign in. Wait 15 minutes, then try again" in page
    assert "There is a problem" in page and f'value="{account.email}"' in page  # what was typed is kept
    assert account.password not in page
    assert int(refused.headers["Retry-After"]) > 14 * 60
    assert client.get("/").status_code == 302  # still signed out
    with app.app_context():
        actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert [a.value for a in actions].count("lockout") == 1


def test_unknown_addresses_are_limited_exactly_like_known_ones(client):
    statuses = [sign_in(client, "ghost@example.org", f"{WRONG}-{n}").status_code for n in range(7)]
    assert statuses == [200] * 5 + [429] * 2


def test_the_limit_is_per_address_so_a_colleague_is_unaffected(client, create_user):
    victim, colleague = create_user("teacher"), create_user("teacher")
    for _ in range(6):
        sign_in(client, victim.email, WRONG)
    assert sign_in(client, colleague.email, colleague.password).status_code == 302


def test_successful_sign_ins_do_not_count(client, create_user):
    account = create_user("teacher")
    for _ in range(7):
        assert sign_in(client, account.email, account.password).status_code == 302
        sign_out(client)
    assert sign_in(client, account.email, WRONG).status_code == 200  # a failure, not a refusal


def test_every_ip_address_has_a_limit_of_its_own(app, create_user):
    app.config["RATELIMIT_SIGN_IN_IP"] = "3 per 15 minutes"
    account = create_user("teacher")
    one, other = app.test_client(), app.test_client()
    one.environ_base["REMOTE_ADDR"], other.environ_base["REMOTE_ADDR"] = "10.0.0.1", "10.0.0.2"
    # Three addresses guessed from one IP: each address is far from its own limit, the IP reaches its.
    for n in range(3):
        assert sign_in(one, f"guess{n}@example.org", WRONG).status_code == 200
    assert sign_in(one, account.email, account.password).status_code == 429
    assert sign_in(other, account.email, account.password).status_code == 302


def test_a_limit_runs_out_so_nobody_is_locked_out_for_good(app, client, create_user):
    app.config["RATELIMIT_SIGN_IN_ACCOUNT"] = "2 per 2 seconds"
    account = create_user("teacher")
    assert [sign_in(client, account.email, WRONG).status_code for _ in range(2)] == [200, 200]
    assert sign_in(client, account.email, account.password).status_code == 429
    time.sleep(2.2)
    assert sign_in(client, account.email, account.password).status_code == 302


def test_every_door_has_its_two_limits_in_the_settings(app):
    from app.security import limits
    from config import Config

    doors = {door.name for door in limits._DOORS}
    assert {"sign_in", "mfa", "reset", "reset_link", "invitation", "audit_review"} <= doors
    for name in doors:
        for which in ("ACCOUNT", "IP"):
            assert getattr(Config, f"RATELIMIT_{name.upper()}_{which}", None), f"RATELIMIT_{name.upper()}_{which}"
    assert Config.RATELIMIT_AUDIT_REVIEW_ACCOUNT == "20 per 15 minutes"
    assert Config.RATELIMIT_AUDIT_REVIEW_IP == "100 per 15 minutes"


def test_a_door_for_posts_never_limits_a_get(client):
    """Doors limit POSTs unless they say otherwise (the audit review's door also limits GETs)."""
    for n in range(6):
        sign_in(client, "ghost@example.org", f"{WRONG}-{n}")
    assert sign_in(client, "ghost@example.org", WRONG).status_code == 429
    assert client.get("/sign-in").status_code == 200


# --- Redis: the counts every worker shares ------------------------------------------------------


@pytest.fixture
def redis_url():
    connection = redis_client.Redis.from_url(REDIS_URL)
    try:
        connection.ping()
    except redis_client.RedisError as error:
        unavailable(f"Redis at {REDIS_URL} is unreachable: {error}")
    prefix = f"braid-test-{uuid.uuid4().hex[:12]}"
    yield REDIS_URL, prefix
    for key in connection.scan_iter(f"*{prefix}*"):
        connection.delete(key)
    connection.close()


def test_redis_holds_the_counts_under_hashed_keys(app, client, create_user, redis_url):
    url, prefix = redis_url
    from app import create_app

    redis_app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                                       "BRAID_FIELD_KEYS": app.config["BRAID_FIELD_KEYS"],  # finds the account
                                       "RATELIMIT_STORAGE_URI": url, "RATELIMIT_KEY_PREFIX": prefix})
    account = create_user("teacher")
    browser = redis_app.test_client()
    for _ in range(5):
        assert sign_in(browser, account.email, WRONG).status_code == 200
    assert sign_in(browser, account.email, account.password).status_code == 429
    # The in-memory counts of the test's own app saw nothing: the refusal came from Redis.
    assert sign_in(client, account.email, account.password).status_code == 302
    keys = [key.decode() for key in redis_client.Redis.from_url(url).scan_iter(f"*{prefix}*")]
    assert keys, "nothing was counted in Redis"
    assert not any(account.email.split("@")[0] in key for key in keys)  # keyed hashes, never the address
    with redis_app.app_context():
        db.session.remove()
        db.engine.dispose()


SERVER = """
import os, sys
from werkzeug.serving import make_server
from app import create_app
app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": os.environ["BRAID_TEST_DB"],
                             "RATELIMIT_KEY_PREFIX": os.environ["BRAID_TEST_PREFIX"]})
server = make_server("127.0.0.1", 0, app, threaded=True)
print(server.server_port, flush=True)
server.serve_forever()
"""


class ServerProcess:
    """The app in a process of its own (its own memory), over real HTTP on loopback."""

    def __init__(self, database_url: str, prefix: str, redis: str | None, field_keys: str):
        env = {key: value for key, value in os.environ.items() if key != "REDIS_URL"}
        # The same field keys as the test's app: accounts are found by their (keyed) email index.
        env.update(BRAID_TEST_DB=database_url, BRAID_TEST_PREFIX=prefix, PYTHONPATH=ROOT, BRAID_FIELD_KEYS=field_keys)
        if redis:
            env["REDIS_URL"] = redis
        self.process = subprocess.Popen([sys.executable, "-c", SERVER], cwd=ROOT, env=env,
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.port = int(self.process.stdout.readline())

    def sign_in(self, email: str, password: str) -> int:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        body = urlencode({"email": email, "password": password})
        connection.request("POST", "/sign-in", body, {"Content-Type": "application/x-www-form-urlencoded"})
        status = connection.getresponse().status
        connection.close()
        return status

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


@pytest.mark.parametrize("shared", [True, False], ids=["redis", "memory"])
def test_limits_hold_across_two_server_processes_sharing_redis(app, create_user, redis_url, shared):
    url, prefix = redis_url
    account = create_user("teacher")
    servers = [ServerProcess(app.config["SQLALCHEMY_DATABASE_URI"], prefix, url if shared else None,
                             app.config["BRAID_FIELD_KEYS"]) for _ in range(2)]
    try:
        first, second = servers
        # Five failures spread over both processes: three here, two there.
        statuses = [server.sign_in(account.email, WRONG) for server in (first, second, first, second, first)]
        assert statuses == [200] * 5
        if shared:
            # Redis holds one count for both: the sixth attempt is refused by either process.
            assert second.sign_in(account.email, account.password) == 429
            assert first.sign_in(account.email, account.password) == 429
        else:
            # The control: counted in memory, each process saw too few failures to refuse anything.
            assert second.sign_in(account.email, account.password) == 302
    finally:
        for server in servers:
            server.stop()


def test_behind_a_trusted_proxy_each_client_has_its_own_address(app, database_url, create_user):
    from app import create_app

    account = create_user("teacher")
    keys = app.config["BRAID_FIELD_KEYS"]  # the account is found by its keyed email index
    for hops, shared in ((1, False), (0, True)):
        app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url, "BRAID_TRUSTED_PROXIES": hops,
                                     "BRAID_FIELD_KEYS": keys})
        app.config["RATELIMIT_SIGN_IN_IP"] = "2 per 15 minutes"
        clients = []
        for n in range(3):  # three people behind one load balancer at 10.0.0.9
            client = app.test_client()
            client.environ_base.update(REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR=f"203.0.113.{n + 1}")
            clients.append(client)
        for client in clients[:2]:
            assert sign_in(client, f"typo-{hops}@example.org", WRONG).status_code == 200
        # With the proxy trusted, the third person's address has no failures; without, the proxy's has two.
        expected = 429 if shared else 302
        assert sign_in(clients[2], account.email, account.password).status_code == expected
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
