"""A service Braid depends on is down: PostgreSQL unreachable answers a clean 503, Redis unreachable changes nothing
a person sees (rate limits count in this process, queued jobs wait in the ledger for the rescue).

The servers are really absent: the URLs name a loopback port nothing listens on. deploy/faults.py restarts real
servers under load on a whole cluster; these are the same answers, cheap enough for the suite.
"""
from __future__ import annotations

import logging
import socket
import time

import psycopg
import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from app import create_app, database
from app.core.jobs.models import JobRun, JobStatus
from app.database import database_unreachable, roll_back
from app.extensions import db
from tests.fixtures.application import sign_in

WRONG = "not-the-password-at-all"


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # closed again when the probe goes: nothing listens there


@pytest.fixture
def app_without_database():
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI":
                                 f"postgresql+psycopg://postgres@127.0.0.1:{closed_port()}/braid"})
    yield app
    with app.app_context():
        db.engine.dispose()
    app.extensions["braid_learner_keys"].remove_test_store()


def test_an_unreachable_database_answers_503_with_retry_after_and_no_trace(app_without_database, caplog):
    caplog.set_level(logging.WARNING)
    # A page that reads the database before anyone signs in (/health asks nothing of it, by design).
    response = app_without_database.test_client().get("/invitations/accept/an-unknown-token")
    page = response.get_data(as_text=True)
    assert response.status_code == 503, page[:500]
    assert response.headers["Retry-After"].isdigit()
    assert "Traceback" not in page and "psycopg" not in page and "127.0.0.1" not in page
    # Said as it is: not "busy" (which asks for a retry in seconds) but a database out of reach.
    assert "Braid cannot reach its records just now" in page and "nothing was saved" in page
    assert "Braid is busy" not in page
    # Said once for the operator, as a warning without a trace (an outage is not a bug in Braid).
    assert any("database unreachable" in record.getMessage() for record in caplog.records)
    assert not any(record.exc_info for record in caplog.records)


def test_a_post_while_the_database_is_unreachable_shows_back_what_was_typed(app_without_database):
    response = app_without_database.test_client().post("/sign-in", data={"email": "ann@school.example",
                                                                          "password": WRONG})
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "ann@school.example" in page and WRONG not in page  # a password is never shown back


@pytest.fixture
def app_without_redis(app):
    """The test's app and database, with Redis (limits and the jobs queue) on a port nothing listens on."""
    redis = f"redis://127.0.0.1:{closed_port()}/0"
    broken = create_app("testing", {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                                    "BRAID_FIELD_KEYS": app.config["BRAID_FIELD_KEYS"],  # finds the accounts
                                    "REDIS_URL": redis, "RATELIMIT_STORAGE_URI": redis,
                                    "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": closed_port()})  # so mail is queued
    yield broken
    with broken.app_context():
        db.session.remove()
        db.engine.dispose()
    broken.extensions["braid_learner_keys"].remove_test_store()


def test_with_redis_down_the_sign_in_limit_still_holds_in_this_process(app_without_redis, create_user):
    account = create_user("teacher")
    browser = app_without_redis.test_client()
    for _ in range(5):
        assert sign_in(browser, account.email, WRONG).status_code == 200
    assert sign_in(browser, account.email, account.password).status_code == 429


def test_with_redis_down_a_request_that_queues_mail_succeeds_and_the_run_waits_in_the_ledger(
        app_without_redis, create_user, caplog):
    account = create_user("teacher")
    caplog.set_level(logging.WARNING)
    response = app_without_redis.test_client().post("/sign-in/reset", data={"email": account.email})
    assert response.status_code in (200, 302), response.get_data(as_text=True)[:500]
    with app_without_redis.app_context():
        runs = db.session.scalars(select(JobRun)).all()
        assert [run.status for run in runs] == [JobStatus.QUEUED]  # the rescue hands it over once Redis is back
    assert any("rescue will hand them over" in record.getMessage() for record in caplog.records)


@pytest.mark.parametrize("backend", ["postgresql"])
def test_a_connection_the_server_ended_is_dropped_and_the_next_request_succeeds(app, client):
    """What a PostgreSQL restart does to each pooled connection: the query fails as unreachable (503), rolling
    back raises nothing (a failing rollback turned the 503 into a 500 in deploy/faults.py), and the next
    request gets a new connection."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).set(drivername="postgresql")
    with app.app_context():
        pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar_one()
        with psycopg.connect(url.render_as_string(hide_password=False), autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        with pytest.raises(OperationalError) as cut:
            db.session.execute(text("SELECT 1"))
        assert database_unreachable(cut.value)
        roll_back(db.session)  # the server is gone from under it: no error, the connection dropped
        assert db.session.execute(text("SELECT pg_backend_pid()")).scalar_one() != pid
        db.session.remove()
    assert client.get("/health").status_code == 200


def _pooled_connection_ended_by_the_server(app) -> int:
    """Use a connection, give it back to the pool, and have the server end it (as a restart would): its pid."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).set(drivername="postgresql")
    with app.app_context():
        pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar_one()
        db.session.remove()  # back in the pool
    with psycopg.connect(url.render_as_string(hide_password=False), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        for _ in range(200):  # the backend ends a moment after it is told to
            if admin.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone()[0] == 0:
                break
            time.sleep(0.01)
    return pid


@pytest.mark.parametrize("backend", ["postgresql"])
def test_a_pooled_connection_ended_while_it_sat_idle_is_replaced_before_use(app, monkeypatch):
    monkeypatch.setattr(database, "PING_AFTER_IDLE_SECONDS", 0.2)
    pid = _pooled_connection_ended_by_the_server(app)
    time.sleep(0.3)  # idle longer than that: asked before use, found gone, replaced
    with app.app_context():
        assert db.session.execute(text("SELECT pg_backend_pid()")).scalar_one() != pid


@pytest.mark.parametrize("backend", ["postgresql"])
def test_a_connection_asked_after_sitting_idle_is_left_outside_any_transaction(app, monkeypatch):
    # The question must not open a transaction: a connection then wanted in AUTOCOMMIT (VACUUM, say) could not be.
    monkeypatch.setattr(database, "PING_AFTER_IDLE_SECONDS", 0.2)
    with app.app_context():
        db.session.execute(text("SELECT 1"))
        db.session.remove()
        time.sleep(0.3)
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            assert connection.execute(text("SELECT 2")).scalar_one() == 2


@pytest.mark.parametrize("backend", ["postgresql"])
def test_a_connection_in_steady_use_is_not_asked_before_each_use(app, monkeypatch):
    """The price of not pinging before every request: a connection lost a moment after its last use fails the one
    request that meets it (503, nothing saved), and the pool then replaces it and every older one."""
    monkeypatch.setattr(database, "PING_AFTER_IDLE_SECONDS", 60.0)
    _pooled_connection_ended_by_the_server(app)
    with app.app_context():
        with pytest.raises(OperationalError) as cut:
            db.session.execute(text("SELECT 1"))
        assert database_unreachable(cut.value)
        roll_back(db.session)
        assert db.session.execute(text("SELECT 1")).scalar_one() == 1


def test_the_sealer_during_an_outage_says_so_in_one_line_without_a_trace(app_without_database, caplog):
    from app.audit.events import _seal

    caplog.set_level(logging.WARNING)
    _seal(app_without_database)  # what a request's response (or the sealer's timer) runs after an audited request
    lines = [record for record in caplog.records if "seal" in record.getMessage()]
    assert [record.getMessage() for record in lines] == [
        "audit sealing waits: the database is unreachable; the events will be sealed next time"]
    assert not any(record.exc_info for record in lines)
