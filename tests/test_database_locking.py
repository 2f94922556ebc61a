"""Waiting for the database: SQLite's write lock only while writing, one retry for a stale read, 503 when busy."""
from __future__ import annotations

import html
import logging
import re
import sqlite3
import threading
import time
from collections import Counter, defaultdict
from contextlib import contextmanager
from types import SimpleNamespace

import psycopg
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from app.agencies.accounts.models import AgencyKind, User
from app.audit.models import AuditAction, AuditEvent
from app.cases.contributions import services
from app.cases.contributions.models import Contribution, ContributionRevision
from app.cases.learners.models import Learner
from app.database import AUDIT_CHAIN_LOCK
from app.extensions import db
from tests.cases.test_concurrent_edits import Browser
from tests.fixtures.application import sign_in, text_of
from tests.fixtures.browser import LiveServer

# Locking is where the engines differ most: every test runs on PostgreSQL as well as SQLite.
pytestmark = pytest.mark.both_backends

SCHOOL = "Locking School"
RECORDS = 3
VERSION = re.compile(r'name="version" type="hidden" value="(\d+)"')
SHORT_WAIT = 0.3  # seconds: the lock timeouts while a test holds the lock
TYPED_TITLE = "Typed while Braid was busy"
TYPED_BODY = "<p>Reads best with a ruler under the line – don’t lose this</p>"


@pytest.fixture
def case(app, create_agency, create_user, create_case, add_to_team):
    """A learner with an LSP and a teacher on the team, and a few contributions by the LSP."""
    create_agency(AgencyKind.SCHOOL, name=SCHOOL)
    learner_id = create_case(school=SCHOOL)
    author = create_user("lsp", agency=SCHOOL)
    reader = create_user("teacher", agency=SCHOOL)
    add_to_team(learner_id, author)
    add_to_team(learner_id, reader)
    with app.app_context():
        user = db.session.scalars(select(User).where(User.public_id == author.public_id)).one()
        learner = db.session.scalars(select(Learner).where(Learner.public_id == learner_id)).one()
        records = [
            services.add_contribution(user, learner, kind="intervention_record", visibility="team",
                                      title=f"Record {n}", body=f"<p>initial {n}</p>").public_id
            for n in range(RECORDS)
        ]
        db.session.commit()
    return SimpleNamespace(learner=learner_id, author=author, reader=reader, records=records)


def _client(app, account):
    client = app.test_client()
    assert sign_in(client, account.email, account.password).status_code == 302
    return client


def _edit_form(client, record: str, **typed) -> dict:
    page = client.get(f"/contributions/{record}/edit").get_data(as_text=True)
    version = VERSION.search(page)
    assert version, "the edit page has no version"
    return {"version": version.group(1), "visibility": "team", "title": TYPED_TITLE, "body": TYPED_BODY, **typed}


def _counts(app) -> dict:
    """What a save or a read writes: contributions, their revisions, audit events."""
    with app.app_context():
        counts = {model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
                  for model in (Contribution, ContributionRevision, AuditEvent)}
        db.session.rollback()
        return counts


def _is_sqlite(app) -> bool:
    return make_url(app.config["SQLALCHEMY_DATABASE_URI"]).get_backend_name() == "sqlite"


def _raw_connection(app):
    """A connection of the test's own to the app's database, outside SQLAlchemy (another process, in effect)."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if _is_sqlite(app):
        return sqlite3.connect(url.database, isolation_level=None, timeout=30, check_same_thread=False)
    return psycopg.connect(url.set(drivername="postgresql").render_as_string(hide_password=False), autocommit=True)


@contextmanager
def holding_the_lock(app, row: str | None = None):
    """Another connection holds what every writer needs until the block ends: SQLite's write lock, or on
    PostgreSQL the audit chain's lock exclusively (as a sealer that never finished would), or `row`'s lock."""
    connection = _raw_connection(app)
    try:
        if _is_sqlite(app):
            connection.execute("BEGIN IMMEDIATE")
        elif row is not None:
            connection.execute("BEGIN")
            connection.execute("SELECT 1 FROM contribution WHERE public_id = %s FOR UPDATE", (row,))
        else:
            connection.execute(f"SELECT pg_advisory_lock({AUDIT_CHAIN_LOCK})")
        yield
    finally:
        if _is_sqlite(app) or row is not None:
            connection.execute("ROLLBACK")
        else:
            connection.execute(f"SELECT pg_advisory_unlock({AUDIT_CHAIN_LOCK})")
        connection.close()


@pytest.fixture
def short_waits(app):
    """Lock timeouts of a fraction of a second, read by the next transaction (app.database)."""
    app.config.update(SQLITE_BUSY_TIMEOUT=SHORT_WAIT, DATABASE_LOCK_TIMEOUT=SHORT_WAIT)


def _assert_busy_page(response) -> str:
    page = text_of(response)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "Braid is busy" in page and "nothing was saved" in page and "Try again in a few seconds" in page
    assert "Traceback" not in page and "OperationalError" not in page and "locked" not in page
    return page


# --- (a) readers and writers at once, over real HTTP --------------------------------------------------


@pytest.fixture
def server_port(app):
    logger = logging.getLogger("werkzeug")
    level = logger.level
    logger.setLevel(logging.WARNING)  # a line per request would cost real time
    try:
        with LiveServer(app) as server:
            yield server.server.server_port
    finally:
        logger.setLevel(level)


def test_readers_and_writers_at_once_get_no_5xx_and_lose_no_edit(app, case, server_port):
    writers, edits, readers, reads = 3, 20, 3, 40
    statuses: Counter = Counter()
    saved: dict[str, list[str]] = defaultdict(list)
    read_ok = Counter()
    failures: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(writers + readers)

    def session(account) -> Browser:
        browser = Browser(server_port)
        status, _ = browser.request("POST", "/sign-in", {"email": account.email, "password": account.password})
        assert status == 302, f"could not sign in: {status}"
        return browser

    def writer(n: int) -> None:
        browser = session(case.author)
        try:
            start.wait()
            for edit in range(edits):
                record = case.records[(n + edit) % RECORDS]
                status, page = browser.request("GET", f"/contributions/{record}/edit")
                version = VERSION.search(page)
                with lock:
                    statuses[f"GET {status}"] += 1
                if status != 200 or version is None:
                    continue
                body = f"<p>writer {n} edit {edit}</p>"
                status, page = browser.request("POST", f"/contributions/{record}/edit", {
                    "version": version.group(1), "visibility": "team", "title": f"By {n}", "body": body})
                with lock:
                    statuses[f"POST {status}"] += 1
                    if status == 302:
                        saved[record].append(body)
        finally:
            browser.close()

    def reader(n: int) -> None:
        browser = session(case.reader)
        try:
            start.wait()
            for read in range(reads):
                path = (f"/learners/{case.learner}" if read % 3 == 0
                        else f"/contributions/{case.records[(n + read) % RECORDS]}")
                status, _ = browser.request("GET", path)
                with lock:
                    statuses[f"GET {status}"] += 1
                    if status == 200:
                        read_ok[path.split("/")[1]] += 1
        finally:
            browser.close()

    def run(target, n):
        try:
            target(n)
        except Exception as error:  # noqa: BLE001 - reported below, with the thread it came from
            with lock:
                failures.append(f"{target.__name__} {n}: {error!r}")
            start.abort()

    threads = [threading.Thread(target=run, args=(writer, n)) for n in range(writers)]
    threads += [threading.Thread(target=run, args=(reader, n)) for n in range(readers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)

    assert not failures, failures
    assert set(statuses) <= {"GET 200", "POST 302", "POST 409"}, f"unexpected statuses: {dict(statuses)}"
    assert statuses["POST 302"] + statuses["POST 409"] == writers * edits
    assert sum(read_ok.values()) == readers * reads
    with app.app_context():
        for n, public_id in enumerate(case.records):
            contribution = db.session.scalars(select(Contribution).where(Contribution.public_id == public_id)).one()
            kept = [revision.body for revision in contribution.revisions] + [contribution.body]
            assert contribution.version == 1 + len(saved[public_id]), "a save was lost or doubled"
            assert kept[0] == f"<p>initial {n}</p>"
            assert Counter(kept[1:]) == Counter(saved[public_id])
        # Every page a reader was shown was audited: one VIEW event each, none lost to a busy moment.
        reader_id = db.session.scalar(select(User.id).where(User.public_id == case.reader.public_id))
        views = db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.actor_id == reader_id, AuditEvent.action == AuditAction.VIEW))
        assert views == readers * reads


# --- (b) a read that went stale before its write -----------------------------------------------------


@pytest.mark.parametrize("other", ["committed a write", "holds the lock for a moment"])
def test_a_save_that_meets_another_writer_after_reading_still_saves(app, case, monkeypatch, other):
    """The request reads (its user, the record), then another connection writes, then the request writes.

    SQLite refuses that write (SQLITE_BUSY_SNAPSHOT, or busy at once while the lock is held): the view runs
    once more holding the write lock from its first statement, and saves. PostgreSQL just waits its turn.
    """
    client = _client(app, case.author)
    form = _edit_form(client, case.records[0])
    connection = _raw_connection(app)
    connection.execute("CREATE TABLE test_other_writer (n INTEGER)")
    before = _counts(app)
    runs, interfered, timers = [], [], []
    original_view = app.view_functions["cases.contribution_edit"]
    original_clean = services._clean

    def counted_view(**kwargs):
        runs.append(1)
        return original_view(**kwargs)

    def let_another_write_first(*args):
        # After the request's first reads (its user, the record), before it locks or writes anything; once.
        if not interfered:
            interfered.append(1)
            if other == "committed a write":
                connection.execute("INSERT INTO test_other_writer VALUES (1)")
            elif _is_sqlite(app):
                connection.execute("BEGIN IMMEDIATE")
                connection.execute("INSERT INTO test_other_writer VALUES (1)")
                timers.append(threading.Timer(0.5, connection.execute, args=("COMMIT",)))
            else:
                connection.execute("BEGIN")
                connection.execute("SELECT 1 FROM contribution WHERE public_id = %s FOR UPDATE", (case.records[0],))
                connection.execute("INSERT INTO test_other_writer VALUES (1)")
                timers.append(threading.Timer(0.5, connection.execute, args=("COMMIT",)))
            for timer in timers:
                timer.start()
        return original_clean(*args)

    monkeypatch.setitem(app.view_functions, "cases.contribution_edit", counted_view)
    monkeypatch.setattr(services, "_clean", let_another_write_first)
    try:
        response = client.post(f"/contributions/{case.records[0]}/edit", data=form)
    finally:
        for timer in timers:
            timer.join()
        connection.close()

    assert response.status_code == 302, text_of(response)[:500]
    assert len(runs) == (2 if _is_sqlite(app) else 1)
    after = _counts(app)
    # Saved once, with one event: the first run left nothing behind.
    assert after["contribution_revision"] == before["contribution_revision"] + 1
    assert after["audit_event"] == before["audit_event"] + 1
    with app.app_context():
        saved = db.session.scalars(select(Contribution).where(Contribution.public_id == case.records[0])).one()
        assert (saved.title, saved.body, saved.version) == (TYPED_TITLE, TYPED_BODY, int(form["version"]) + 1)


@pytest.mark.parametrize("backend", ["sqlite"])
def test_sqlite_reads_and_renders_without_the_write_lock_and_scripts_take_it_at_begin(app, case, monkeypatch):
    """In a request, another writer gets the lock at once while the page renders; outside one (a script,
    the sealer), a transaction holds it from its first statement, so its read-then-write cannot go stale."""
    client = _client(app, case.reader)
    other = _raw_connection(app)
    other.execute("PRAGMA busy_timeout = 0")
    other.execute("CREATE TABLE test_other_writer (n INTEGER)")
    original = app.view_functions["cases.contribution_detail"]
    took_the_lock = []

    def view_then_write_elsewhere(**kwargs):
        page = original(**kwargs)  # read and rendered, in the request's transaction
        other.execute("BEGIN IMMEDIATE")
        other.execute("INSERT INTO test_other_writer VALUES (1)")
        other.execute("COMMIT")
        took_the_lock.append(1)
        return page

    monkeypatch.setitem(app.view_functions, "cases.contribution_detail", view_then_write_elsewhere)
    assert client.get(f"/contributions/{case.records[0]}").status_code == 200
    assert took_the_lock

    with app.app_context():
        db.session.scalar(select(func.count()).select_from(Contribution))  # a script's first statement: a read
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        db.session.rollback()
    other.close()


# --- (c) a save that cannot get its lock ------------------------------------------------------------


def test_a_save_that_cannot_get_its_lock_answers_503_keeps_the_text_and_writes_nothing(app, case, short_waits,
                                                                                      caplog):
    client = _client(app, case.author)
    form = _edit_form(client, case.records[0])
    before = _counts(app)
    with holding_the_lock(app):
        began = time.monotonic()
        with caplog.at_level(logging.WARNING, logger="braid.web"):
            response = client.post(f"/contributions/{case.records[0]}/edit", data=form)
        waited = time.monotonic() - began

    page = _assert_busy_page(response)
    assert waited < 5, "the short lock timeout was not used"
    # What was typed is given back, each field in a read-only box labelled with its name.
    body = re.search(r'<label[^>]*for="(typed-\d+)">Body</label>\s*'
                     r'<textarea[^>]*id="\1"[^>]*readonly>([^<]*)</textarea>', response.get_data(as_text=True))
    assert body and html.unescape(body.group(2)) == TYPED_BODY
    assert TYPED_TITLE in page
    assert _counts(app) == before

    warnings = [r for r in caplog.records if r.name == "braid.web" and r.levelno == logging.WARNING]
    assert len(warnings) == 1
    line = warnings[0].getMessage()
    assert "cases.contribution_edit" in line and response.headers["X-Request-ID"] in line
    assert TYPED_TITLE not in line and "Reads best" not in line

    # Once the lock is free the same form saves.
    assert client.post(f"/contributions/{case.records[0]}/edit", data=form).status_code == 302


@pytest.mark.parametrize("backend", ["postgresql"])
def test_a_save_waiting_on_a_row_lock_answers_503_and_writes_nothing(app, case, short_waits):
    client = _client(app, case.author)
    form = _edit_form(client, case.records[0])
    before = _counts(app)
    with holding_the_lock(app, row=case.records[0]):
        response = client.post(f"/contributions/{case.records[0]}/edit", data=form)
    page = _assert_busy_page(response)
    assert TYPED_TITLE in page and TYPED_BODY in page
    assert _counts(app) == before


def test_the_busy_page_never_shows_a_password_token_or_code(app, case, short_waits):
    """A busy sign-in shows back the address typed, never the password, nor any token, code or secret posted."""
    client = app.test_client()
    posted = {"email": case.author.email, "password": case.author.password, "csrf_token": "csrf-value-1471",
              "recovery_code": "code-value-2582", "token": "token-value-3693", "client_secret": "secret-value-4704"}
    before = _counts(app)
    with holding_the_lock(app):
        response = client.post("/sign-in", data=posted)
    page = _assert_busy_page(response)
    assert case.author.email in page
    for name, value in posted.items():
        if name != "email":
            assert value not in page, name
    assert _counts(app) == before


# --- (d) a page to read under a held lock -----------------------------------------------------------


def test_a_page_to_read_under_a_held_lock_answers_503_and_is_not_shown(app, case, short_waits):
    """A read is shown only with its audit event: when the event cannot be written in time (SQLite), or
    the request cannot even begin (PostgreSQL, the chain's lock held), the answer is 503, never 500."""
    client = _client(app, case.reader)
    before = _counts(app)
    with holding_the_lock(app):
        response = client.get(f"/contributions/{case.records[0]}")
    page = _assert_busy_page(response)
    assert "initial 0" not in page and "Record 0" not in page
    assert _counts(app) == before
    shown = client.get(f"/contributions/{case.records[0]}")
    assert shown.status_code == 200 and "initial 0" in text_of(shown)
