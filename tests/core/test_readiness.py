"""GET /health (liveness: the process answers, nothing else asked) and GET /ready (the database at the migrations'
head, the learner key store and Redis when set): real databases and a real Redis, and parts that really do not
answer (a closed port). Both answer anonymous callers on any host, name only the failing parts, write nothing
to the audit trail and are never rate-limited."""
from __future__ import annotations

import os
import socket
import threading
import time
from contextlib import suppress

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import make_url

from app import create_app
from app.core.readiness import CHECKING, TIMEOUT_SECONDS
from app.extensions import db

# The schema's version and the key store are read with raw SQL: both engines.
pytestmark = pytest.mark.both_backends

CLOSED = "127.0.0.1:9"  # the discard port: nothing listens there, so a connection is refused at once
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def make_app(app):
    """Apps on `app`'s database and keys, with settings of their own."""
    made = []

    def make(**settings):
        probe = create_app("testing", {
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "BRAID_FIELD_KEYS": app.config["BRAID_FIELD_KEYS"],
            "BRAID_KEY_STORE_URL": app.config["BRAID_KEY_STORE_URL"],
            **settings,
        })
        made.append(probe)
        return probe

    yield make
    for probe in made:
        with probe.app_context():
            db.session.remove()
            db.engine.dispose()
        probe.extensions["braid_learner_keys"].dispose()


def test_ready_when_every_part_answers(client):
    response = client.get("/ready")
    assert (response.status_code, response.get_json()) == (200, {"status": "ready"})
    assert response.headers["Cache-Control"] == "no-store"


def test_ready_with_redis_when_redis_is_set(make_app):
    response = make_app(REDIS_URL=REDIS_URL).test_client().get("/ready")
    assert (response.status_code, response.get_json()) == (200, {"status": "ready"})


def test_health_answers_while_the_database_does_not(make_app):
    dead = make_app(SQLALCHEMY_DATABASE_URI=f"postgresql+psycopg://postgres@{CLOSED}/braid")
    client = dead.test_client()
    assert (client.get("/health").status_code, client.get("/health").get_json()) == (200, {"status": "ok"})
    response = client.get("/ready")
    assert (response.status_code, response.get_json()) == (503, {"status": "not ready", "failing": ["database"]})


def test_not_ready_while_the_database_is_behind_the_migrations(app, client):
    with app.app_context():
        head = db.session.scalar(text("SELECT version_num FROM alembic_version"))
        older = ScriptDirectory(app.extensions["migrate"].directory).get_revision(head).down_revision
        db.session.execute(text("UPDATE alembic_version SET version_num = :older"), {"older": older})
        db.session.commit()
    response = client.get("/ready")
    assert (response.status_code, response.get_json()) == (503, {"status": "not ready", "failing": ["database"]})
    with app.app_context():
        db.session.execute(text("UPDATE alembic_version SET version_num = :head"), {"head": head})
        db.session.commit()
    assert client.get("/ready").status_code == 200  # upgraded: ready again, with no restart


def test_ready_while_the_database_is_ahead_of_this_code(app, client):
    # A rolling upgrade: the new release migrated the database, and this node, still on the old code, serves on
    # until it is replaced (migrations add before they remove).
    with app.app_context():
        head = db.session.scalar(text("SELECT version_num FROM alembic_version"))
        db.session.execute(text("UPDATE alembic_version SET version_num = '9999_newer'"))
        db.session.commit()
    try:
        assert client.get("/ready").status_code == 200
    finally:
        with app.app_context():
            db.session.execute(text("UPDATE alembic_version SET version_num = :head"), {"head": head})
            db.session.commit()


def test_a_database_server_that_accepts_and_never_answers_is_not_ready_within_the_connect_timeout(make_app):
    # A listening socket nobody serves: the connection is made (the kernel accepts it) and then nothing is said.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        stuck = make_app(SQLALCHEMY_DATABASE_URI=f"postgresql+psycopg://postgres@127.0.0.1:{port}/braid",
                         DATABASE_CONNECT_TIMEOUT=2)
        started = time.monotonic()
        response = stuck.test_client().get("/ready")
        waited = time.monotonic() - started
    assert (response.status_code, response.get_json()) == (503, {"status": "not ready", "failing": ["database"]})
    # Bounded by the probe's own deadline, never the connect timeout nor the minutes TCP would wait.
    assert waited < TIMEOUT_SECONDS + 5, waited
    _let_checks_finish(stuck)


def _let_checks_finish(app) -> None:
    # A check left running past its probe ends with its server: it must not log into a later test.
    for check in app.extensions.get(CHECKING, {}).values():
        check.join(30)
        assert not check.is_alive()


class FreezableProxy:
    """A loopback TCP proxy to a real server that can stop passing bytes on: what a database server frozen in the
    middle of a statement (stopped, or cut off by the network) looks like to a connection already open to it."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.flowing = threading.Event()
        self.flowing.set()
        self.sockets: list[socket.socket] = []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return  # closed
            server = socket.create_connection(self.target)
            self.sockets += [client, server]
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pass, args=(source, sink), daemon=True).start()

    def _pass(self, source: socket.socket, sink: socket.socket) -> None:
        with suppress(OSError):
            while data := source.recv(65536):
                self.flowing.wait()
                sink.sendall(data)
        with suppress(OSError):
            sink.shutdown(socket.SHUT_WR)

    def close(self) -> None:
        self.flowing.set()
        self.listener.close()
        for each in self.sockets:
            with suppress(OSError):
                each.close()


@pytest.mark.parametrize("backend", ["postgresql"])
def test_a_database_that_stops_answering_mid_statement_is_not_ready_within_the_probe_timeout(app, make_app):
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    proxy = FreezableProxy(url.host or "127.0.0.1", url.port or 5432)
    try:
        probed = make_app(SQLALCHEMY_DATABASE_URI=url.set(host="127.0.0.1", port=proxy.port).render_as_string(
            hide_password=False))
        client = probed.test_client()
        assert client.get("/ready").status_code == 200  # the pool now holds a connection through the proxy
        proxy.flowing.clear()  # the server stops answering; the connection stays open
        for _ in range(2):
            answers = []
            # Asked from a thread of the test's own, so that a probe that hangs fails here instead of hanging the run.
            asking = threading.Thread(target=lambda into: into.append(client.get("/ready")), args=(answers,),
                                      daemon=True)
            started = time.monotonic()
            asking.start()
            asking.join(TIMEOUT_SECONDS + 5)  # the deadline, and room for a busy machine: not the wait of a hang
            assert answers, f"no answer after {time.monotonic() - started:.1f} s"
            assert (answers[0].status_code, answers[0].get_json()) == (
                503, {"status": "not ready", "failing": ["database"]})
        # The second probe did not wait again: the first one's check is still the one waiting.
        assert sum(thread.name == "braid-ready-database" for thread in threading.enumerate()) == 1
        proxy.flowing.set()  # answering again: the stuck check ends, and the next probe is ready
        _let_checks_finish(probed)
        assert client.get("/ready").status_code == 200
    finally:
        proxy.close()


def test_not_ready_while_the_learner_key_store_does_not_answer(make_app):
    response = make_app(BRAID_KEY_STORE_URL=f"postgresql+psycopg://braid:s3cret@{CLOSED}/keys").test_client().get(
        "/ready")
    assert (response.status_code, response.get_json()) == (
        503, {"status": "not ready", "failing": ["learner_key_store"]})
    assert b"s3cret" not in response.data and b"127.0.0.1" not in response.data  # names, never addresses


def test_not_ready_while_redis_does_not_answer(make_app, caplog):
    response = make_app(REDIS_URL=f"redis://:hunter22@{CLOSED}/0").test_client().get("/ready")
    assert (response.status_code, response.get_json()) == (503, {"status": "not ready", "failing": ["redis"]})
    # The operator's log names the part and the kind of failure, never the URL's password.
    assert "redis does not answer" in caplog.text and "hunter22" not in caplog.text


def test_probes_answer_any_host_never_429_and_write_nothing_to_the_trail(app, client):
    for _ in range(120):  # two minutes of a load balancer probing every second, in a moment
        assert client.get("/health", headers={"Host": "10.0.0.7:8000"}).status_code == 200
        assert client.get("/ready", headers={"Host": "10.0.0.7:8000"}).status_code == 200
    with app.app_context():
        assert db.session.scalar(text("SELECT count(*) FROM audit_event")) == 0
