"""Database connection settings: SQLite takes its write lock only to write, and no lock is waited for without end.

SQLite has one write lock. Outside requests (commands, scripts, the audit sealer) a transaction takes it
at BEGIN (IMMEDIATE). Inside a request a transaction begins without it (DEFERRED), so reading and
rendering never queue behind writers; SQLite takes the lock at the first write and keeps it to the
commit. A transaction that read and then writes cannot wait for the lock (SQLite answers busy at once),
and cannot write at all once another writer has committed since its first read (SQLITE_BUSY_SNAPSHOT):
then the view runs once more from a clean start, this time holding the lock from its first statement
(`dispatch_view`). How long a transaction waits for a lock is a setting, on both engines
(SQLITE_BUSY_TIMEOUT, DATABASE_LOCK_TIMEOUT); past it the request answers 503 (app.web).
"""
from __future__ import annotations

import logging
import sqlite3
import time
from pathlib import Path

import psycopg
from flask import Flask, current_app, g, has_app_context, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import InvalidatePoolError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.pool import Pool

from app.extensions import db

log = logging.getLogger("braid.database")

SQLITE_BUSY = 5  # the low byte of every "busy" code, SQLITE_BUSY_SNAPSHOT (517) included
SQLITE_LOCKED = 6
LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's SQLSTATE when lock_timeout runs out
# PostgreSQL going away: class 08 (connection exceptions), and the server shutting down, crashed or starting up.
CONNECTION_GONE_STATES = ("57P01", "57P02", "57P03")
WRITE_INTENT = "braid_write_intent"  # flask.g: this request's next transaction writes (SQLite: BEGIN IMMEDIATE)
COMMITTED = "braid_committed"  # flask.g: the request has committed something
SQLITE_SYNCHRONOUS_LEVELS = ("OFF", "NORMAL", "FULL", "EXTRA")  # SQLITE_SYNCHRONOUS; None keeps SQLite's own
DEFAULT_LOCK_WAIT = 10.0  # seconds, when no app is there to ask (SQLITE_BUSY_TIMEOUT, DATABASE_LOCK_TIMEOUT)


def configure_engine_options(app: Flask) -> None:
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    if uri.startswith("sqlite"):
        path = make_url(uri).database
        if path and path != ":memory:" and not path.startswith("file:"):
            Path(path).parent.mkdir(parents=True, exist_ok=True)  # SQLite makes the file, not its folder
        # Also covers the pragmas at connect (WAL needs a moment alone); each BEGIN applies the setting afresh.
        options.setdefault("connect_args", {}).setdefault("timeout",
                                                          app.config.get("SQLITE_BUSY_TIMEOUT", DEFAULT_LOCK_WAIT))
    elif uri.startswith("postgresql"):
        # libpq takes whole seconds, and at least 2 (it rounds 1 up).
        options.setdefault("connect_args", {}).setdefault(
            "connect_timeout", max(2, int(app.config.get("DATABASE_CONNECT_TIMEOUT", 5))))
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # Braid issues BEGIN itself (below), so pysqlite must not open transactions on its own.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # WAL lets readers carry on while one writer commits; in-memory databases cannot use it.
    if cursor.execute("PRAGMA database_list").fetchone()[2]:
        cursor.execute("PRAGMA journal_mode=WAL")
    synchronous = current_app.config.get("SQLITE_SYNCHRONOUS") if has_app_context() else None
    if synchronous in SQLITE_SYNCHRONOUS_LEVELS:
        cursor.execute(f"PRAGMA synchronous={synchronous}")
    cursor.close()


# A PostgreSQL connection that has sat in the pool this long is asked "SELECT 1" before it is used: the server
# may have restarted or cut it meanwhile. One in steady use is not (the question was a round trip in five on a
# light page); should its server go away, the request that meets it answers 503 and SQLAlchemy then replaces every
# connection made before (as a failed ping does).
PING_AFTER_IDLE_SECONDS = 1.0
_CHECKED_IN_AT = "braid_checked_in_at"  # a pooled connection's record.info: when it last went back to the pool


@event.listens_for(Pool, "checkin")
def _note_checkin(dbapi_connection, connection_record) -> None:
    connection_record.info[_CHECKED_IN_AT] = time.monotonic()


@event.listens_for(Pool, "checkout")
def _ping_if_idle(dbapi_connection, connection_record, connection_proxy) -> None:
    if not isinstance(dbapi_connection, psycopg.Connection):
        return  # SQLite has no server to lose
    checked_in_at = connection_record.info.get(_CHECKED_IN_AT)
    if checked_in_at is None or time.monotonic() - checked_in_at < PING_AFTER_IDLE_SECONDS:
        return  # new, or used a moment ago
    was_autocommit = dbapi_connection.autocommit
    try:
        dbapi_connection.autocommit = True  # the question opens no transaction (one in AUTOCOMMIT must not find one)
        dbapi_connection.execute("SELECT 1")
    except psycopg.OperationalError as error:
        # The pool drops this connection and every one made before it, then hands out a new one.
        raise InvalidatePoolError("a pooled connection no longer answers") from error
    finally:
        if not dbapi_connection.closed:
            dbapi_connection.autocommit = was_autocommit


# PostgreSQL advisory lock key guarding the audit chain's head (app.audit.chain.ADVISORY_KEY).
AUDIT_CHAIN_LOCK = 0x42524149


@event.listens_for(Engine, "begin")
def _begin(connection) -> None:
    if connection.info.get("braid_read_only"):
        # A long read that must not hold or wait for any writer's lock (audit verification).
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("BEGIN")
        return
    if connection.dialect.name == "sqlite":
        _apply_busy_timeout(connection)
        # In a request, the write lock waits for the first write (see the module's docstring); elsewhere it is
        # taken here, so a read-then-write transaction never meets SQLITE_BUSY_SNAPSHOT. The sealer always
        # takes it here: holding it, it sees every committed event and no uncommitted one.
        deferred = not connection.info.get("braid_audit_sealer") and has_request_context() and not _take_write_intent()
        connection.exec_driver_sql("BEGIN" if deferred else "BEGIN IMMEDIATE")
    elif connection.dialect.name == "postgresql" and not connection.info.get("braid_audit_sealer"):
        # Every transaction that may write an audit event holds this lock shared from its first
        # statement; the sealer takes it exclusively, so it never seals past an uncommitted event.
        # Taken before any row lock, it cannot join a deadlock. No lock is waited for without end:
        # past lock_timeout the statement fails (a request answers 503). One round trip for both.
        milliseconds = int(_setting("DATABASE_LOCK_TIMEOUT") * 1000)
        connection.exec_driver_sql(
            f"SET LOCAL lock_timeout = '{milliseconds}ms'; SELECT pg_advisory_xact_lock_shared({AUDIT_CHAIN_LOCK})"
        )


def _setting(name: str) -> float:
    # Read at each BEGIN, so a changed setting applies to the next transaction (tests make them short).
    return float(current_app.config.get(name, DEFAULT_LOCK_WAIT)) if has_app_context() else DEFAULT_LOCK_WAIT


def _apply_busy_timeout(connection) -> None:
    milliseconds = int(_setting("SQLITE_BUSY_TIMEOUT") * 1000)
    if connection.info.get("braid_busy_timeout") != milliseconds:
        connection.exec_driver_sql(f"PRAGMA busy_timeout = {milliseconds}")
        connection.info["braid_busy_timeout"] = milliseconds


def want_write_lock() -> None:
    """The request's next transaction will write: on SQLite it takes the write lock at BEGIN."""
    if has_request_context():
        g.setdefault(WRITE_INTENT, True)


def _take_write_intent() -> bool:
    # For one transaction only: once it commits, later reads of the request (rendering) hold no lock.
    return bool(g.pop(WRITE_INTENT, False))


@event.listens_for(Session, "after_commit")
def _remember_commit(session) -> None:
    # A view that committed has done its work: it is never run a second time (dispatch_view).
    if has_request_context():
        g.setdefault(COMMITTED, True)


# --- waiting for locks ---------------------------------------------------------------------------


def lock_wait_failed(error: BaseException) -> bool:
    """Did `error` come from a lock that could not be had in time: SQLite busy or locked, or PostgreSQL's
    lock_timeout (55P03)? Anything else is not a lock wait and stays an error."""
    original = getattr(error, "orig", error)
    if isinstance(original, sqlite3.OperationalError):
        code = getattr(original, "sqlite_errorcode", None)
        return code is not None and code & 0xFF in (SQLITE_BUSY, SQLITE_LOCKED)
    return getattr(original, "sqlstate", None) == LOCK_NOT_AVAILABLE


def database_unreachable(error: BaseException) -> bool:
    """Did `error` come from a database server that cannot be reached just now (stopped, restarting, the
    connection cut)? Then nothing was saved and the request can simply be tried again; the pool checks each
    connection that has sat idle before use (_ping_if_idle), and replaces every older one once a request has met a
    lost connection, so the requests after the server is back succeed."""
    if getattr(error, "connection_invalidated", False):
        return True
    original = getattr(error, "orig", error)
    if isinstance(original, sqlite3.Error) or not isinstance(original, psycopg.OperationalError):
        return False
    state = getattr(original, "sqlstate", None)  # a connection refused or dropped on the client's side has none
    return state is None or state.startswith("08") or state in CONNECTION_GONE_STATES


def roll_back(session) -> None:
    """Roll back what the request did. When the server has gone away the rollback fails too: the connection is
    then dropped instead (the pool makes a new one once the server is back), so the error page still shows."""
    try:
        session.rollback()
    except OperationalError as error:
        if not database_unreachable(error):
            raise
        session.invalidate()


def _lost_a_race_for_sqlite_write_lock(error: OperationalError) -> bool:
    original = getattr(error, "orig", None)
    return isinstance(original, sqlite3.OperationalError) \
        and (getattr(original, "sqlite_errorcode", 0) or 0) & 0xFF == SQLITE_BUSY


def dispatch_view(dispatch):
    """Run the view; if SQLite refused its first write (the lock was taken, or another writer committed
    after this request's first read), run it once more holding the write lock from its first statement.

    Safe because a view sends and commits nothing before its one commit (mail goes after it): the first
    run leaves only its rollback. The before- and after-request hooks run once, around both.
    """
    g.pop(COMMITTED, None)
    saved = dict(vars(g))
    try:
        return dispatch()
    except OperationalError as error:
        if not _lost_a_race_for_sqlite_write_lock(error) or g.get(COMMITTED):
            raise
    db.session.rollback()
    # The request's state as it was before the view: no reads noted by the first run, no cached policy answers.
    vars(g).clear()
    vars(g).update(saved)
    g.pop("audit_reads", None)
    want_write_lock()
    # Expected under load (most saves of a busy minute), so not worth a line at INFO.
    log.debug("view %s met another writer; run again holding the write lock request_id=%s",
             request.endpoint, g.get("request_id"))
    return dispatch()
