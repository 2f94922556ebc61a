"""Four processes writing and sealing at once leave one unbroken chain, on SQLite (WAL) and PostgreSQL."""
from __future__ import annotations

import http.cookiejar
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from itertools import pairwise

import pyotp
import pytest
from sqlalchemy import func, select, text

from app.agencies.accounts.models import AgencyKind
from app.audit import chain
from app.audit.models import AuditEvent, AuditEventLearner, AuditSeal
from app.extensions import db
from tests.audit.conftest import REPO
from tests.fixtures.accounts import TEST_TOTP_SECRET
from tests.fixtures.browser import LiveServer

# Behaviour that can differ between the engines: run on PostgreSQL as well as SQLite.
pytestmark = pytest.mark.both_backends

WRITERS = 4
EVENTS_EACH = 250
SEAL_EVERY = 10  # each writer also seals every few events, so sealing races the other writers

# One writer: its own app and connections, started behind a file barrier so all four write at once.
WRITER = r"""
import sys, time
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, sys.argv[1])
from flask import g
from app import create_app
from app.audit.chain import seal_pending
from app.audit.events import record
from app.audit.models import AuditAction
from app.extensions import db
from sqlalchemy import text

url, barrier = sys.argv[2], Path(sys.argv[6])
worker, count, every = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url})
with app.app_context():
    db.session.execute(text("SELECT 1"))  # connect before the start, not after it
    db.session.rollback()
(barrier / f"ready-{worker}").touch()
deadline = time.monotonic() + 60
while not (barrier / "go").exists():
    if time.monotonic() > deadline:
        sys.exit("no start signal")
    time.sleep(0.001)
sealed = 0
learners = [SimpleNamespace(public_id=f"learner-{worker}-{k}", school_id=1) for k in range(3)]
for n in range(count):
    with app.test_request_context("/learners", environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        g.request_id = f"{worker:02d}{n:030d}"
        record(None, AuditAction.VIEW, object_type="learner", object_public_id=f"w{worker}-{n}",
               learners=learners[: 1 + n % 3])
        db.session.commit()
    if n % every == every - 1:
        with app.app_context():
            sealed += seal_pending()
print(sealed)
"""


def _existing_events(app) -> int:
    with app.app_context():
        chain.seal_pending(lock_timeout_ms=5000)
        result = chain.verify_chain()
        assert result.intact and result.unsealed == 0, result
        return result.event_count


def test_four_processes_writing_and_sealing_at_once_leave_one_unbroken_chain(app, database_url, tmp_path):
    before = _existing_events(app)
    barrier = tmp_path / "barrier"
    barrier.mkdir()
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(REPO), database_url, str(worker), str(EVENTS_EACH), str(SEAL_EVERY),
             str(barrier)],
            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for worker in range(WRITERS)
    ]
    try:
        deadline = time.monotonic() + 120
        while len(list(barrier.glob("ready-*"))) < WRITERS:
            assert all(writer.poll() is None for writer in writers), "a writer died before the start"
            assert time.monotonic() < deadline, "the writers did not get ready"
            time.sleep(0.01)
        (barrier / "go").touch()
        outputs = [writer.communicate(timeout=300) for writer in writers]
    finally:
        for writer in writers:
            if writer.poll() is None:
                writer.kill()
    for writer, (_, err) in zip(writers, outputs, strict=True):
        assert writer.returncode == 0, err[-3000:]
    sealed_by_writers = sum(int(out.strip().splitlines()[-1]) for out, _ in outputs)
    assert sealed_by_writers > 0  # sealing really ran while the others wrote

    with app.app_context():
        chain.seal_pending(lock_timeout_ms=5000)
        result = chain.verify_chain()
        assert result.intact, result.problem
        assert (result.event_count, result.unsealed) == (before + WRITERS * EVENTS_EACH, 0)

        for worker in range(WRITERS):
            written = db.session.scalar(select(func.count()).select_from(AuditEvent).where(
                AuditEvent.object_public_id.like(f"w{worker}-%")))
            assert written == EVENTS_EACH, worker
        # They really wrote at once: in id order, the writers take turns many times.
        order = db.session.scalars(select(AuditEvent.object_public_id).where(AuditEvent.object_public_id.like("w%-%"))
                                   .order_by(AuditEvent.id)).all()
        turns = sum(1 for a, b in pairwise(order) if a.split("-")[0] != b.split("-")[0])
        assert turns >= 20, turns
        indexed = db.session.scalar(select(func.count()).select_from(AuditEventLearner).where(
            AuditEventLearner.learner_public_id.like("learner-%")))
        assert indexed == WRITERS * sum(1 + n % 3 for n in range(EVENTS_EACH))

        # The seals cover every event exactly once, in order, with no gap and no overlap.
        seals = db.session.execute(select(AuditSeal.id, AuditSeal.first_event_id, AuditSeal.last_event_id,
                                          AuditSeal.event_count, AuditSeal.total_count)
                                   .order_by(AuditSeal.id)).all()
        assert [seal.id for seal in seals] == list(range(1, len(seals) + 1))
        previous_last, total = 0, 0
        for seal in seals:
            assert seal.first_event_id == previous_last + 1, seal
            events = db.session.scalar(select(func.count()).select_from(AuditEvent).where(
                AuditEvent.id.between(seal.first_event_id, seal.last_event_id)))
            assert events == seal.event_count, seal
            total += seal.event_count
            assert seal.total_count == total, seal
            previous_last = seal.last_event_id
        assert previous_last == db.session.scalar(select(func.max(AuditEvent.id)))
        assert total == db.session.scalar(select(func.count()).select_from(AuditEvent))
        assert len(seals) > 2
        if db.engine.dialect.name == "sqlite":
            assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"


# --- sealing after responses, through a real HTTP server ----------------------------------------------


def _events_left_unsealed(app, expected_events: int, wait: float = 30.0):
    """Wait (never sealing ourselves) until the server has sealed `expected_events`; return the last check.

    The deadline only bounds a failure: a busy machine (the whole suite on two cores) may take more than 10 s.
    """
    deadline = time.monotonic() + wait
    while True:
        with app.app_context():
            result = chain.verify_chain()
        if result.event_count >= expected_events and result.unsealed == 0 or time.monotonic() > deadline:
            return result
        # Not too often: on PostgreSQL each check is a transaction in flight, which the sealer waits for.
        time.sleep(0.25)


@pytest.fixture
def served(app, create_agency, create_user, create_case):
    """The app on a real HTTP server (Werkzeug, threaded) sealing after every response; `request(path, data)`."""
    create_agency(AgencyKind.SCHOOL, name="Sealing School")
    senco = create_user("senco", agency="Sealing School")
    learner = create_case(school="Sealing School")
    with app.app_context():
        chain.seal_pending()
    app.config["AUDIT_SEAL_INTERVAL"] = 0  # seal after every response that wrote an event
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
                                         _NoRedirects())
    with LiveServer(app) as server:

        def request(path: str, data: dict | None = None) -> int:
            body = urllib.parse.urlencode(data).encode() if data is not None else None
            try:
                with opener.open(server.url + path, data=body, timeout=10) as response:
                    response.read()
                    return response.status
            except urllib.error.HTTPError as error:
                return error.code

        assert request("/sign-in", {"email": senco.email, "password": senco.password}) == 302
        assert request("/sign-in/code", {"code": pyotp.TOTP(TEST_TOTP_SECRET).now()}) == 302  # the second step
        yield request, learner


def _all_events(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AuditEvent))


def test_a_real_server_seals_the_events_of_its_reads_after_responding(app, served):
    request, learner = served
    for _ in range(3):
        assert request(f"/learners/{learner}/plan") == 200
    expected = _all_events(app)
    result = _events_left_unsealed(app, expected)
    assert result.intact, result.problem
    assert (result.event_count, result.unsealed) == (expected, 0), "the server left events unsealed"


def test_a_real_server_seals_the_event_of_a_change_after_responding(app, served):
    request, learner = served
    assert request(f"/learners/{learner}/plan") == 200
    assert _events_left_unsealed(app, _all_events(app)).unsealed == 0  # the read's own sealing is over
    assert request(f"/learners/{learner}/contributions/new",
                   {"kind": "learner_voice", "visibility": "team", "title": "In their words",
                    "body": "<p>I like the quiet table.</p>"}) == 302
    expected = _all_events(app)
    result = _events_left_unsealed(app, expected)
    assert result.intact, result.problem
    assert (result.event_count, result.unsealed) == (expected, 0), "the server left the change's event unsealed"


def test_an_event_written_inside_the_interval_is_sealed_by_the_timer_with_no_later_request(app, served):
    """The window is bounded by AUDIT_SEAL_INTERVAL even when no request follows the last one."""
    request, learner = served
    assert request(f"/learners/{learner}/plan") == 200
    assert _events_left_unsealed(app, _all_events(app)).unsealed == 0
    app.config["AUDIT_SEAL_INTERVAL"] = 1.5  # the last seal was just now: this write falls inside the interval
    assert request(f"/learners/{learner}/contributions/new",
                   {"kind": "learner_voice", "visibility": "team", "title": "Later on",
                    "body": "<p>I like the reading corner.</p>"}) == 302
    expected = _all_events(app)
    with app.app_context():
        assert chain.verify_chain().unsealed >= 1, "sealed at once: the interval was not exercised"
    result = _events_left_unsealed(app, expected, wait=6.0)  # no request in between: only the timer can seal
    assert result.intact, result.problem
    assert (result.event_count, result.unsealed) == (expected, 0)


def test_a_sealer_kept_waiting_by_a_transaction_in_flight_tries_again(app, served):
    """PostgreSQL: the timer's sealer finds a transaction still holding the chain (it gives up after 200 ms);
    it tries again once the interval has passed, instead of leaving the event for the next request."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("only PostgreSQL's sealer waits on transactions in flight (SQLite serialises writers)")
    request, learner = served
    assert request(f"/learners/{learner}/plan") == 200
    assert _events_left_unsealed(app, _all_events(app)).unsealed == 0
    app.config["AUDIT_SEAL_INTERVAL"] = 1.0
    with app.app_context(), db.engine.connect() as in_flight:
        in_flight.execute(select(1))  # a transaction in flight: it holds the chain lock shared from here
        assert request(f"/learners/{learner}/contributions/new",
                       {"kind": "learner_voice", "visibility": "team", "title": "Held up",
                        "body": "<p>I like the quiet table.</p>"}) == 302
        time.sleep(2.0)  # the timer's sealer comes (about 1 s) and is turned away while this transaction lasts
        assert chain.verify_chain().unsealed >= 1, "sealed while the transaction held the chain"
        in_flight.rollback()
    expected = _all_events(app)
    result = _events_left_unsealed(app, expected, wait=4.0)  # no request in between: only a retry can seal
    assert result.intact, result.problem
    assert (result.event_count, result.unsealed) == (expected, 0), "the sealer gave up and never came back"


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None
