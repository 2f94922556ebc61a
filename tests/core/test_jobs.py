"""Background jobs: retried with back-off and their effect had once, rescued when a worker dies, periodic jobs
that run with nobody asking, mail sent once by its job (never for a change rolled back), and the
administrator's page. Each runs against a real huey consumer, on an SQLite queue file with no Redis and on
Redis, over both databases.

Workers run either in this process's threads (`queue.start_in_threads`, the consumer `flask jobs worker`
runs) or, where one is killed, as a subprocess running `run_worker` exactly as the command does.
"""
from __future__ import annotations

import json
import logging
import os
import signal
import socketserver
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import redis
from sqlalchemy import func, select, update

from app import create_app
from app.audit import chain
from app.audit.events import record
from app.audit.models import AuditAction, AuditCheckpoint, AuditSeal
from app.core.jobs import queue, runner, services
from app.core.jobs.models import JobRun, JobStatus
from app.core.jobs.registry import spec_of
from app.core.jobs.services import enqueue
from app.core.mail import services as outbox
from app.core.mail.models import OutboxMessage
from app.extensions import db
from app.types import utcnow
from deploy.mail_server import MailServer
from tests.core import sample_jobs  # noqa: F401 (registers the tests' own jobs)
from tests.fixtures.application import text_of
from tests.fixtures.databases import unavailable
from tests.fixtures.learners import school_id

# The ledger's claims and conditional updates, and the sealer's lock, behave differently on each engine.
pytestmark = pytest.mark.both_backends

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
REPO = Path(__file__).resolve().parents[2]
# Short waits for tests: retries after 0.2 s (doubling), queued runs rescued after a second, a tick a second.
FAST = {"JOBS_RETRY_DELAY": 0.2, "JOBS_RETRY_DELAY_MAX": 1.0, "JOBS_LOST_AFTER": 1.0, "JOBS_PERIODIC_INTERVAL": 1}
# The queue on an SQLite file with no Redis (one school) and on Redis (an authority's nodes, on PostgreSQL).
BOTH_QUEUES = pytest.mark.parametrize(
    ("backend", "queue_storage"), [("sqlite", "sqlite"), ("sqlite", "redis"), ("postgresql", "redis")],
    indirect=["queue_storage"], ids=["sqlite-db-sqlite-queue", "sqlite-db-redis-queue", "postgresql-db-redis-queue"])
WORKER = """
import json, sys
import tests.core.sample_jobs  # the tests' own jobs, as the test process knows them
from app import create_app
from app.core.jobs.queue import run_worker
run_worker(create_app("testing", json.loads(sys.argv[1])))
"""


@pytest.fixture
def queue_storage(request) -> str:
    """Where huey keeps its queue: an SQLite file (one school, no Redis), or Redis (several nodes)."""
    storage = getattr(request, "param", "sqlite")
    if storage == "redis":
        try:
            redis.Redis.from_url(REDIS_URL, socket_timeout=2).ping()
        except redis.RedisError as error:
            unavailable(f"Redis at {REDIS_URL} is unreachable: {type(error).__name__}")
    return storage


@pytest.fixture
def app(database_url, queue_storage, tmp_path):
    """The testing app with a queue of its own (a file under tmp_path, or a uniquely named queue on Redis)."""
    effects = tmp_path / "effects"
    effects.mkdir()
    settings = {
        "SQLALCHEMY_DATABASE_URI": database_url, "JOBS_NAME": f"braid_test_{uuid.uuid4().hex[:12]}",
        "JOBS_SQLITE_FILE": str(tmp_path / "queue" / "huey.sqlite3"),
        "REDIS_URL": REDIS_URL if queue_storage == "redis" else None,
        "BRAID_AUDIT_HEAD_FILE": str(tmp_path / "audit-heads" / "heads.jsonl"), "TEST_JOBS_DIR": str(effects),
        **FAST,
    }
    app = create_app("testing", settings)
    # A worker subprocess builds the same app: the same database, queue and field keys.
    app.worker_settings = dict(settings, BRAID_FIELD_KEYS=app.config["BRAID_FIELD_KEYS"],
                               BRAID_KEY_STORE_URL=app.config["BRAID_KEY_STORE_URL"])
    yield app
    if queue_storage == "redis":
        storage = queue.huey_of(app).storage
        storage.conn.delete(storage.queue_key, storage.schedule_key, storage.result_key, storage.counter_key)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


class WorkerProcess:
    """`flask jobs worker` as its own process (run_worker on the test's app settings)."""

    def __init__(self, app, log: Path, **changes):
        environ = {key: value for key, value in os.environ.items()
                   if not key.startswith(("BRAID_", "FLASK_", "JOBS_", "REDIS_URL"))}
        environ["BRAID_CONFIG"] = "testing"
        self.log = log
        with log.open("ab") as output:
            self.process = subprocess.Popen(
                [sys.executable, "-c", WORKER, json.dumps(dict(app.worker_settings, **changes))],
                cwd=REPO, env=environ, stdout=output, stderr=subprocess.STDOUT, start_new_session=True)

    @property
    def pid(self) -> int:
        return self.process.pid

    def kill(self) -> None:
        """SIGKILL: no chance to finish or to say anything, as when a machine dies."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def worker_process(app, tmp_path):
    """`worker_process(**setting_changes)`: start a worker subprocess; every one is stopped after the test."""
    started: list[WorkerProcess] = []

    def start(**changes) -> WorkerProcess:
        worker = WorkerProcess(app, tmp_path / "worker.log", **changes)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


@pytest.fixture
def worker_threads(app):
    """A consumer in this process's threads, stopped (gracefully) after the test."""
    consumers = []

    def start():
        consumers.append(queue.start_in_threads(app))
        return consumers[-1]

    yield start
    for consumer in consumers:
        consumer.stop(graceful=True)


def wait_for(predicate, timeout: float, what: str, log: Path | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    worker_log = f"\nworker log:\n{log.read_text()[-3000:]}" if log is not None and log.exists() else ""
    pytest.fail(f"gave up after {timeout} s waiting for {what}{worker_log}")


def _run(app, public_id: str) -> JobRun:
    with app.app_context():
        run = db.session.scalars(select(JobRun).where(JobRun.public_id == public_id)).one()
        db.session.expunge(run)
        db.session.remove()
    return run


def _status(app, public_id: str) -> str:
    return _run(app, public_id).status.value


def _enqueue(app, name: str, **ids) -> str:
    with app.app_context():
        run = enqueue(name, **ids)
        public_id = run.public_id
        db.session.commit()  # handed to the queue now, not before
        db.session.remove()
    return public_id


def _lines(app, name: str) -> list[str]:
    path = Path(app.config["TEST_JOBS_DIR"]) / name
    return path.read_text().splitlines() if path.exists() else []


# --- retries with back-off: the effect once ------------------------------------------------------------


@BOTH_QUEUES
def test_a_job_that_fails_twice_then_succeeds_runs_three_times_and_has_its_effect_once(app, worker_threads):
    worker_threads()
    public_id = _enqueue(app, "tests.flaky", token="flaky")
    wait_for(lambda: _status(app, public_id) == "done", 30, "the flaky job to succeed")
    # Handed over again once done (a message delivered twice, the rescue): it does not run again.
    queue.hand_over(app, [public_id])
    with app.app_context():
        services.rescue()
    time.sleep(1.5)
    run = _run(app, public_id)
    assert (run.status, run.attempts, run.max_attempts) == (JobStatus.DONE, 3, 5)
    assert run.last_error == "ConnectionResetError"  # the class of the last failure, never its message
    assert run.finished_at is not None and run.lease_until is None
    assert _lines(app, "flaky.attempts") == ["1", "2", "3"]
    assert _lines(app, "flaky.effect") == ["done"]


def test_the_back_off_doubles_up_to_its_ceiling(app):
    app.config.update(JOBS_RETRY_DELAY=timedelta(seconds=2), JOBS_RETRY_DELAY_MAX=timedelta(seconds=20))
    with app.app_context():
        assert [runner.retry_delay(attempt) for attempt in range(1, 7)] == [2, 4, 8, 16, 20, 20]


def test_a_job_out_of_attempts_is_failed_with_its_error_class_only(app):
    app.config["JOBS_RETRY_DELAY"] = 0
    with app.app_context():
        run = enqueue("tests.flaky", token="short")
        run.max_attempts = 2
        db.session.commit()
        assert services.run_pending() == 1
        assert services.run_pending() == 1
        assert services.run_pending() == 0  # nothing left to run
        failed = db.session.scalars(select(JobRun)).one()
        assert (failed.status, failed.attempts, failed.last_error) == (JobStatus.FAILED, 2, "ConnectionResetError")
        assert "other end" not in repr(db.session.execute(select(JobRun.__table__)).all())
    assert _lines(app, "short.effect") == []


# --- a worker killed mid-job ---------------------------------------------------------------------------


@BOTH_QUEUES
def test_a_worker_killed_mid_job_leaves_it_to_be_retried_by_the_next_worker(app, worker_process, tmp_path):
    first = worker_process()
    public_id = _enqueue(app, "tests.sleepy", token="sleepy")
    wait_for(lambda: _lines(app, "sleepy.started"), 30, "the first attempt to start", tmp_path / "worker.log")
    first.kill()  # while the job sleeps: huey has already taken it off its queue
    run = _run(app, public_id)
    assert (run.status, run.attempts) == (JobStatus.RUNNING, 1)

    second = worker_process()
    wait_for(lambda: _status(app, public_id) == "done", 30, "the next worker to finish it", tmp_path / "worker.log")
    run = _run(app, public_id)
    assert (run.status, run.attempts, run.last_error) == (JobStatus.DONE, 2, runner.WORKER_LOST)
    assert _lines(app, "sleepy.started") == ["1", "2"]
    assert _lines(app, "sleepy.effect") == [f"done by {second.pid}"]  # once, by the next worker


def test_two_workers_handed_the_same_run_run_it_once(app):
    public_id = _enqueue(app, "tests.slow_once", token="once")
    start, ran = threading.Barrier(2), []

    def worker():
        with app.app_context():
            start.wait(timeout=10)
            ran.append(runner.execute(public_id).ran)
            db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(ran) == [False, True]
    assert _lines(app, "once.starts") == ["start"]
    assert _status(app, public_id) == "done"


def test_a_run_the_queue_lost_is_handed_over_again_by_the_rescue(app, worker_threads):
    public_id = _enqueue(app, "tests.slow_once", token="lost")
    queue.huey_of(app).flush()  # the queue lost it: Redis emptied, a disk replaced, a crash after the commit
    worker_threads()
    wait_for(lambda: _status(app, public_id) == "done", 30, "the rescue to hand the lost run over")
    assert _lines(app, "lost.starts") == ["start"]


def test_nothing_is_handed_over_for_a_rolled_back_change(app):
    with app.app_context():
        enqueue("tests.slow_once", token="rolled-back")
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(JobRun)) == 0
        db.session.commit()  # a later commit does not bring it back
    assert queue.huey_of(app).pending_count() == 0


def test_job_arguments_are_plain_ids_only(app):
    with app.app_context():
        for value in ("someone@example.org", "Maya Carter", b"bytes", 1.5, True, None):
            with pytest.raises(ValueError, match="not a plain id"):
                enqueue("tests.slow_once", token=value)
        with pytest.raises(KeyError):
            enqueue("no.such.job")
        db.session.rollback()


# --- periodic jobs -------------------------------------------------------------------------------------


@BOTH_QUEUES
def test_a_periodic_checkpoint_appears_without_anyone_running_a_command(app, worker_process, tmp_path):
    with app.app_context():
        for n in range(3):
            record(None, AuditAction.VIEW, object_type="learner", object_public_id=f"quiet-{n}")
            db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(AuditSeal)) == 0
        db.session.remove()
    heads_file = Path(app.config["BRAID_AUDIT_HEAD_FILE"])
    assert not heads_file.exists()
    # A checkpoint falls due a second after the first seal; the worker's periodic job seals and signs.
    worker_process(AUDIT_CHECKPOINT_INTERVAL=1.0, AUDIT_CHECKPOINT_EVERY_SEALS=None)

    def checkpoint():
        with app.app_context():
            found = db.session.execute(select(AuditCheckpoint.seal_id, AuditCheckpoint.event_count)).first()
            db.session.remove()
        return found

    seal_id, events = wait_for(checkpoint, 30, "a checkpoint", tmp_path / "worker.log")
    assert events == 3
    line = json.loads(wait_for(lambda: heads_file.exists() and heads_file.read_text().splitlines(), 10,
                               "a line in the heads file")[0])
    assert (line["seal"], line["events"]) == (seal_id, 3)
    with app.app_context():
        names = set(db.session.scalars(select(JobRun.name).where(JobRun.status == JobStatus.DONE)))
        assert {"audit.seal", "jobs.rescue", "outbox.sweep"} <= names
        assert chain.verify_chain().intact


def test_a_periodic_job_runs_once_a_slot_however_many_schedulers_ask(app, monkeypatch):
    app.config["JOBS_PERIODIC_INTERVAL"] = 60
    moment = [datetime(2026, 11, 24, 10, 0, 5, tzinfo=UTC)]
    monkeypatch.setattr(runner, "utcnow", lambda: moment[0])
    spec = spec_of("jobs.rescue")
    with app.app_context():
        assert runner.start_periodic(spec).ran
        assert not runner.start_periodic(spec).ran  # another node's scheduler, the same minute
        moment[0] += timedelta(minutes=1)
        assert runner.start_periodic(spec).ran
        keys = db.session.scalars(select(JobRun.dedupe_key).order_by(JobRun.id)).all()
    assert len(keys) == 2 and len(set(keys)) == 2


def test_prune_forgets_old_finished_runs_only(app):
    app.config.update(JOBS_KEEP_DONE=timedelta(days=7), JOBS_KEEP_FAILED=timedelta(days=90))
    now = runner.utcnow()
    with app.app_context():
        for status, age in ((JobStatus.DONE, 8), (JobStatus.DONE, 6), (JobStatus.FAILED, 30), (JobStatus.FAILED, 91)):
            db.session.add(JobRun(name="tests.slow_once", status=status, attempts=1, max_attempts=1,
                                  queued_at=now - timedelta(days=age), finished_at=now - timedelta(days=age)))
        db.session.commit()
        services.prune()
        kept = db.session.execute(select(JobRun.status, JobRun.finished_at).order_by(JobRun.id)).all()
    assert [(status, round((now - finished).total_seconds() / 86400)) for status, finished in kept] == [
        (JobStatus.DONE, 6), (JobStatus.FAILED, 30)]


# --- mail: sent once by its job -----------------------------------------------------------------------


def _committed_school() -> int:
    """The id of the school whose mail these are, committed (a rolled-back message must not take it along)."""
    school = school_id("Mail School")
    db.session.commit()
    return school


@BOTH_QUEUES
def test_an_outbox_message_is_sent_once_by_its_job_and_never_for_a_rolled_back_change(app, worker_threads):
    mail = MailServer(failures=2)
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=mail.server_address[1], MAIL_USE_TLS=False)
    try:
        with app.app_context():
            school = _committed_school()
            outbox.queue_message("rolled.back@example.org", "Never sent", "A change that was rolled back.",
                                 agency_id=school)
            db.session.rollback()
            kept = outbox.queue_message("kept@example.org", "Sent once", "A change that committed.", agency_id=school)
            message_id = kept.public_id
            db.session.commit()
            [run_id] = db.session.scalars(select(JobRun.public_id).where(JobRun.name == outbox.SEND)).all()
            db.session.remove()
        assert queue.huey_of(app).pending_count() == 1  # only the committed message's job reached the queue
        worker_threads()
        wait_for(lambda: _status(app, run_id) == "done", 30, "the message's job")
        queue.hand_over(app, [run_id])  # delivered again: already sent, nothing happens
        with app.app_context():
            outbox.sweep()  # it had its job: the sweep queues nothing more
            assert db.session.scalar(select(func.count()).select_from(JobRun).where(JobRun.name == outbox.SEND)) == 1
            message = db.session.scalars(select(OutboxMessage).where(OutboxMessage.public_id == message_id)).one()
            assert message.sent_at is not None and message.sending_at is not None
            assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 1
            db.session.remove()
        time.sleep(1.0)
    finally:
        mail.close()
    assert mail.refused == 2
    assert len(mail.received) == 1 and "To: kept@example.org" in mail.received[0]
    run = _run(app, run_id)
    assert (run.attempts, run.last_error) == (3, "SMTPSenderRefused")


def test_the_sweep_sends_recent_mail_written_while_mail_was_off(app):
    with app.app_context():
        waiting = outbox.queue_message("waiting@example.org", "Written with mail off", "Kept in the outbox.",
                                       agency_id=_committed_school())
        waiting_id = waiting.public_id
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(JobRun)) == 0  # no MAIL_SERVER: stays put
        outbox.sweep()
        assert db.session.scalar(select(func.count()).select_from(JobRun)) == 0
        app.config["MAIL_SERVER"] = "127.0.0.1"
        outbox.sweep()
        outbox.sweep()  # it has its job now: not queued twice
        runs = db.session.scalars(select(JobRun)).all()
        assert [(run.name, run.ids) for run in runs] == [(outbox.SEND, {"message": waiting_id})]


# --- what people see -----------------------------------------------------------------------------------


CANARY = {"recipient": "canary.recipient@example.org", "subject": "CANARY-SUBJECT-2b7e",
          "body": "CANARY-BODY-91ce http://localhost/invitations/accept/CANARYTOKEN"}


def _a_failed_send_and_a_done_seal(app) -> str:
    """A real failure through the runner (a mail server that refuses connections), and a periodic run done."""
    with socketserver.TCPServer(("127.0.0.1", 0), socketserver.BaseRequestHandler) as closed:
        port = closed.server_address[1]
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_USE_TLS=False, MAIL_TIMEOUT=2)
    with app.app_context():
        message = outbox.queue_message(CANARY["recipient"], CANARY["subject"], CANARY["body"],
                                       agency_id=_committed_school())
        message_id = message.public_id
        db.session.execute(update(JobRun).values(max_attempts=1))
        db.session.commit()
        assert services.run_pending() == 1
        services.run_now("audit.seal")
        db.session.remove()
    return message_id


def test_the_administrators_page_lists_failures_first_and_shows_no_personal_data(app, client_as):
    message_id = _a_failed_send_and_a_done_seal(app)
    page = client_as("admin").get("/admin/jobs")
    assert page.status_code == 200
    body = text_of(page)
    failed, periodic = body.index('id="failed-runs"'), body.index('id="periodic-runs"')
    assert failed < body.index("outbox.send") < periodic < body.index("audit.seal") < body.index('id="recent-runs"')
    assert "ConnectionRefusedError" in body and "1 of 1" in body
    for value in (*CANARY.values(), "CANARYTOKEN", message_id, "example.org"):
        assert value not in body
    # Linked from the administrator's navigation and home page.
    home = client_as("admin").get("/").get_data(as_text=True)
    assert 'href="/admin/jobs"' in home


@pytest.mark.parametrize("role", ["senco", "lsp", "teacher", "dsl", "slt", "ep", "parent"])
def test_the_jobs_page_is_refused_to_everyone_but_administrators(app, client_as, role):
    client = client_as(role)
    assert client.get("/admin/jobs").status_code == 403
    assert 'href="/admin/jobs"' not in client.get("/").get_data(as_text=True)


def test_the_jobs_page_sends_the_signed_out_to_sign_in(app):
    response = app.test_client().get("/admin/jobs")
    assert response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/sign-in"


def test_flask_jobs_status_counts_runs_and_names_the_latest_failures(app):
    _a_failed_send_and_a_done_seal(app)
    result = app.test_cli_runner().invoke(args=["jobs", "status"])
    assert result.exit_code == 0, result.output
    assert "0 queued, 0 running, 1 done, 1 failed" in result.output
    assert "outbox.send" in result.output and "ConnectionRefusedError" in result.output
    assert CANARY["recipient"] not in result.output


def test_a_send_that_finds_its_message_claimed_but_unsent_is_tried_again_not_counted_done(app):
    """A worker that died just as its lease ran out still holds the claim: the rescued run must not end as done
    with nothing sent (the message would be lost), but retry until it is sent or claimable."""
    mail = MailServer(failures=0)
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=mail.server_address[1], MAIL_USE_TLS=False)
    try:
        with app.app_context():
            message_id = outbox.queue_message("claimed@example.org", "Claimed", "Held by a dying worker.",
                                              agency_id=_committed_school()).public_id
            db.session.execute(update(OutboxMessage).where(OutboxMessage.public_id == message_id)
                               .values(sending_at=utcnow()))
            db.session.commit()
            with pytest.raises(outbox.MessageBeingSent):
                outbox.send(message_id)
            assert mail.received == []
            db.session.execute(update(OutboxMessage).where(OutboxMessage.public_id == message_id)
                               .values(sending_at=utcnow() - outbox.SEND_LEASE - timedelta(seconds=1)))
            db.session.commit()
            outbox.send(message_id)  # the claim has lapsed: this run sends it
            outbox.send(message_id)  # and a later duplicate finds it sent and does nothing
            db.session.remove()
    finally:
        mail.close()
    assert len(mail.received) == 1 and "To: claimed@example.org" in mail.received[0]


def test_a_failure_that_repeats_is_logged_whole_once_then_counted_once_a_minute():
    now = [0.0]
    quiet = queue.RepeatedFailures(every=60, clock=lambda: now[0])

    def failure(logger: str = "huey.consumer.Scheduler", level: int = logging.ERROR) -> logging.LogRecord:
        try:
            raise ConnectionError("Error 111 connecting to 127.0.0.1:1")
        except ConnectionError:
            return logging.LogRecord(logger, level, __file__, 1, "Error reading schedule.", None, sys.exc_info())

    passed = []
    for second in range(125):
        now[0] = float(second)
        record_ = failure()
        if quiet.filter(record_):
            passed.append((second, record_))
    assert [second for second, _ in passed] == [0, 60, 120]
    assert passed[0][1].exc_info is not None and passed[0][1].getMessage() == "Error reading schedule."
    assert passed[1][1].exc_info is None
    assert passed[1][1].getMessage() == "Error reading schedule. (and 59 more times in the last 60 s)"
    # Another loop's failure, and anything below a warning, are never held back by this one's.
    assert quiet.filter(failure("huey.consumer.Worker-1")) and quiet.filter(failure(level=logging.INFO))


def test_a_worker_whose_redis_is_down_says_so_once_not_every_second(app, tmp_path):
    """The real `flask jobs worker` against a Redis that is not there (a closed port): its scheduler fails to read
    the schedule every second, and says so once, with the error."""
    log = tmp_path / "worker.log"
    worker = WorkerProcess(app, log, REDIS_URL="redis://127.0.0.1:1/0")
    try:
        wait_for(lambda: log.exists() and "Error reading schedule" in log.read_text(), 30,
                 "the scheduler's first failure", log)
        time.sleep(3.5)  # three more seconds of the scheduler failing
    finally:
        worker.stop()
    text = log.read_text()
    assert text.count("Error reading schedule") == 1, text[-3000:]
    assert "ConnectionError" in text  # the first one says what failed
