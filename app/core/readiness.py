"""Whether this process can serve (GET /ready): the database answers at the migrations' head, the learner key store
answers, and Redis answers when it is configured. Each check gives a name, never an error's text (which could
name a host, a user or a statement).

A probe answers within TIMEOUT_SECONDS whatever a part does. A database server that stops answering in the middle of
a statement (stopped, frozen, cut off) leaves a pooled connection waiting for as long as TCP keeps it open, and no
server-side timeout fires: so each part is checked in a thread of its own, and a part that has not answered by the
deadline is named as not ready. Its thread is left to finish; until it does, later probes name that part at once
rather than start another wait (at most one stuck check per part and app).
"""
from __future__ import annotations

import logging
import threading
import time

import redis
from alembic.script import ScriptDirectory
from flask import Flask, current_app
from sqlalchemy import text

from app.extensions import db
from app.security.learner_keys import key_store

log = logging.getLogger("braid.readiness")

MIGRATIONS = "braid_migrations"  # app.extensions: the code's migration heads and revisions
REDIS = "braid_readiness_redis"  # app.extensions: the client used to ping Redis
CHECKING = "braid_readiness_checking"  # app.extensions: part name -> the check of it still running
TIMEOUT_SECONDS = 2.0  # a probe that waits longer than a load balancer's own timeout tells it nothing

_starting = threading.Lock()


class PartCheck(threading.Thread):
    """One part's check, in its own app context (and so its own database session, removed at the end)."""

    def __init__(self, app: Flask, name: str, check) -> None:
        super().__init__(name=f"braid-ready-{name}", daemon=True)
        self.app, self.part, self.check = app, name, check
        self.answered = False

    def run(self) -> None:
        # Leaving the app context closes the session, which fails too when its server has gone: caught here as well,
        # or the thread would print its trace.
        try:
            with self.app.app_context():
                self.answered = bool(self.check())
        except Exception as error:  # noqa: BLE001 - any failure of a part is "not ready"
            self.answered = False
            # The error's class only, no trace: a probe every second would fill the log with the same one.
            log.warning("not ready: %s does not answer (%s)", self.part, type(error).__name__)


def not_ready() -> list[str]:
    """The names of the parts that do not answer within TIMEOUT_SECONDS, in a fixed order; empty when ready."""
    app = current_app._get_current_object()
    deadline = time.monotonic() + TIMEOUT_SECONDS
    checking = app.extensions.setdefault(CHECKING, {})
    started: list[tuple[str, PartCheck | None]] = []
    with _starting:
        for name, check in (("database", _database_at_head), ("learner_key_store", _key_store), ("redis", _redis)):
            earlier = checking.get(name)
            if earlier is not None and earlier.is_alive():
                started.append((name, None))  # the last probe's check still waits: no second wait beside it
                continue
            checking[name] = part = PartCheck(app, name, check)
            part.start()
            started.append((name, part))
    failing = []
    for name, part in started:
        if part is None:
            log.warning("not ready: %s has still not answered an earlier probe", name)
            failing.append(name)
            continue
        part.join(max(0.0, deadline - time.monotonic()))
        if part.is_alive():
            log.warning("not ready: %s did not answer within %g s", name, TIMEOUT_SECONDS)
            failing.append(name)
        elif not part.answered:
            failing.append(name)
    return failing


def _database_at_head() -> bool:
    """At the head of this code's migrations, or past it: a rolling upgrade migrates first, and the nodes still on
    the old code keep serving (migrations add before they remove) until they are replaced. Behind it, this code
    would ask for tables and columns that are not there yet."""
    try:
        if db.engine.dialect.name == "postgresql":
            # A server that is up but stuck answers "not ready" within the probe's time, not the balancer's.
            db.session.execute(text(f"SET LOCAL statement_timeout = {int(TIMEOUT_SECONDS * 1000)}"))
        current = set(db.session.scalars(text("SELECT version_num FROM alembic_version")))
    finally:
        db.session.rollback()  # a probe holds no transaction (nor SQLite's lock) open
    heads, known = _migrations(current_app)
    if current == heads or (current and not current <= known):  # a revision this code does not have: newer
        return True
    log.warning("not ready: the database is at %s, the code's migrations at %s", sorted(current), sorted(heads))
    return False


def _migrations(app: Flask) -> tuple[set[str], set[str]]:
    """The code's migration heads and every revision it has, read from the scripts once per app."""
    found = app.extensions.get(MIGRATIONS)
    if found is None:
        scripts = ScriptDirectory(app.extensions["migrate"].directory)
        found = app.extensions[MIGRATIONS] = (set(scripts.get_heads()),
                                              {script.revision for script in scripts.walk_revisions()})
    return found


def _key_store() -> bool:
    with key_store().engine.connect() as connection:
        return connection.execute(text("SELECT 1")).scalar() == 1


def _redis() -> bool:
    url = current_app.config.get("REDIS_URL")
    if not url:
        return True
    client = current_app.extensions.get(REDIS)
    if client is None:
        client = current_app.extensions[REDIS] = redis.Redis.from_url(
            url, socket_timeout=TIMEOUT_SECONDS, socket_connect_timeout=TIMEOUT_SECONDS)
    return bool(client.ping())
