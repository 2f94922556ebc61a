"""Database connection settings: SQLite gets foreign keys, WAL, a busy timeout and immediate writes."""
from __future__ import annotations

import sqlite3
from pathlib import Path

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url


def configure_engine_options(app: Flask) -> None:
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    if uri.startswith("sqlite"):
        path = make_url(uri).database
        if path and path != ":memory:" and not path.startswith("file:"):
            Path(path).parent.mkdir(parents=True, exist_ok=True)  # SQLite makes the file, not its folder
        options.pop("pool_pre_ping", None)
        options.setdefault("connect_args", {}).setdefault("timeout", 15)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # Braid issues BEGIN itself (below), so pysqlite must not open transactions on its own.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=15000")
    # WAL lets readers carry on while one writer commits; in-memory databases cannot use it.
    if cursor.execute("PRAGMA database_list").fetchone()[2]:
        cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


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
        # Take the write lock when the transaction starts: a read-then-write transaction in WAL
        # would otherwise fail at once (SQLITE_BUSY_SNAPSHOT) when another writer got in between.
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    elif connection.dialect.name == "postgresql" and not connection.info.get("braid_audit_sealer"):
        # Every transaction that may write an audit event holds this lock shared from its first
        # statement; the sealer takes it exclusively, so it never seals past an uncommitted event.
        # Taken before any row lock, it cannot join a deadlock.
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock_shared({AUDIT_CHAIN_LOCK})")
