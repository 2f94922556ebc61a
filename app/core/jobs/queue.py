"""huey, one instance per app: Redis when REDIS_URL is set (several nodes), else an SQLite file (one school).

huey carries only a run's public id (the ledger holds the rest), serialised as JSON: its default is
pickle, and unpickling what is read from Redis would run code for anyone able to write to Redis.
"""
from __future__ import annotations

import atexit
import json
import logging
import threading
import time
from datetime import datetime
from pathlib import Path

from flask import Flask
from huey import RedisHuey, SqliteHuey
from huey.consumer import Consumer
from huey.registry import Message
from huey.serializer import Serializer

from app.core.jobs import runner
from app.core.jobs.registry import JobSpec, periodic_jobs

log = logging.getLogger("braid.jobs")

EXTENSION = "braid_jobs_huey"
_making = threading.Lock()
POLL_MAX_SECONDS = 1.0  # an idle worker looks at an SQLite queue at least this often (Redis wakes it at once)


class JsonMessages(Serializer):
    """huey's task messages as JSON, and only the fields Braid's tasks use: a run id, an eta, a name."""

    def _serialize(self, message: Message) -> bytes:
        eta = message.eta.isoformat() if isinstance(message.eta, datetime) else None
        return json.dumps({"id": message.id, "name": message.name, "eta": eta, "args": list(message.args or ()),
                           "retries": message.retries or 0}).encode()

    def _deserialize(self, data: bytes) -> Message:
        fields = json.loads(data)
        args = fields.get("args") or []
        if not isinstance(fields.get("name"), str) or not all(isinstance(arg, str) for arg in args):
            raise ValueError("not a Braid task message")
        eta = datetime.fromisoformat(fields["eta"]) if fields.get("eta") else None
        return Message(fields.get("id"), fields["name"], eta, int(fields.get("retries") or 0), 0, None, tuple(args),
                       {}, None, None, None, None, None, None, None)


def huey_of(app: Flask):
    """The app's huey, made (with Braid's tasks registered) on first use."""
    huey = app.extensions.get(EXTENSION)
    if huey is None:
        with _making:
            huey = app.extensions.get(EXTENSION)
            if huey is None:
                huey = app.extensions[EXTENSION] = _make(app)
    return huey


def _make(app: Flask):
    config = app.config
    options = dict(results=False, utc=True, serializer=JsonMessages())
    if config.get("REDIS_URL"):
        # Every node of a deployment shares one queue, named by JOBS_NAME (the key prefix in Redis).
        huey = RedisHuey(config["JOBS_NAME"], url=config["REDIS_URL"], **options)
    else:
        path = Path(config["JOBS_SQLITE_FILE"])
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        huey = SqliteHuey(config["JOBS_NAME"], filename=str(path), **options)
        if config.get("JOBS_SQLITE_TEMPORARY"):
            atexit.register(_remove, path)  # a test app's own queue file
    _register_tasks(app, huey)
    return huey


def _remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _register_tasks(app: Flask, huey) -> None:
    """One task runs any run of the ledger; one periodic task per periodic job starts that job's slot."""

    def run(public_id: str) -> None:
        with app.app_context():
            outcome = runner.execute(public_id)
        if outcome.retry_in is not None:
            hand_over(app, [public_id], delay=outcome.retry_in)

    huey.braid_run = huey.task(name="run")(run)
    for spec in periodic_jobs():
        huey.periodic_task(_once_a_slot(app, spec), name=f"periodic:{spec.name}")(_periodic(app, spec))


def _periodic(app: Flask, spec: JobSpec):
    def start() -> None:
        with app.app_context():
            outcome = runner.start_periodic(spec)
        if outcome.retry_in is not None:
            hand_over(app, [outcome.public_id], delay=outcome.retry_in)

    return start


def _once_a_slot(app: Flask, spec: JobSpec):
    """huey asks at every tick whether the job is due: once per slot in this process (the ledger makes it once
    per slot across nodes)."""
    last = {"slot": None}

    def due(timestamp: datetime) -> bool:
        with app.app_context():
            slot = runner.periodic_slot(spec, timestamp)
        if slot == last["slot"]:
            return False
        last["slot"] = slot
        return True

    return due


def hand_over(app: Flask, public_ids, delay: float | None = None) -> None:
    """Give committed runs to huey (after `delay` seconds). A run huey never gets (Redis down, a process killed
    between the commit and this call) stays queued in the ledger, and the rescue hands it over again."""
    if not public_ids:
        return
    try:
        task = huey_of(app).braid_run
        for public_id in public_ids:
            if delay:
                task.schedule(args=(public_id,), delay=delay)
            else:
                task(public_id)
    except Exception as error:  # noqa: BLE001 - the request that enqueued has committed and must not fail now
        log.warning("job runs not handed to the queue (%s): the rescue will hand them over", type(error).__name__)


class RepeatedFailures(logging.Filter):
    """While the queue cannot be read (Redis down, say), huey's scheduler logs the same error with its traceback
    every second, and each worker at every poll: the first of each goes through whole, then one line a minute per
    logger says how many more there were (an outage of an hour is sixty lines, not thousands of tracebacks)."""

    def __init__(self, every: float = 60.0, clock=time.monotonic):
        super().__init__()
        self.every, self.clock = every, clock
        self._last: dict[tuple[str, str], tuple[float, int]] = {}  # (logger, message) -> (let through at, held)
        self._lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING:
            return True
        key, now = (record.name, str(record.msg)), self.clock()
        with self._lock:
            last = self._last.get(key)
            if last is not None and now - last[0] < self.every:
                self._last[key] = (last[0], last[1] + 1)
                return False
            held = last[1] if last is not None else 0
            self._last[key] = (now, 0)
        if held:
            # Said once already with its traceback: now only how often it went on.
            record.msg = f"{record.msg} (and {held} more times in the last {self.every:g} s)"
            record.exc_info, record.exc_text = None, None
        return True


REPEATED_FAILURES = RepeatedFailures()


class BraidConsumer(Consumer):
    """huey's consumer, whose scheduler starts periodic jobs every `tick` seconds instead of every 60, and whose
    loops say a failure that repeats once a minute (RepeatedFailures)."""

    def __init__(self, huey, tick: float, **options):
        self.tick = tick
        super().__init__(huey, **options)
        for loop in [self._scheduler_loop, *(worker for worker, _ in self.worker_threads)]:
            loop._logger.addFilter(REPEATED_FAILURES)  # a logger's filters: addFilter adds this one once
        self._logger.addFilter(REPEATED_FAILURES)

    def _create_scheduler(self):
        scheduler = super()._create_scheduler()
        scheduler.periodic_task_seconds = self.tick
        self._scheduler_loop = scheduler
        return scheduler


def consumer_for(app: Flask, workers: int | None = None) -> BraidConsumer:
    config = app.config
    return BraidConsumer(
        huey_of(app), tick=runner.seconds(config["JOBS_PERIODIC_INTERVAL"]),
        workers=workers or int(config["JOBS_WORKERS"]), worker_type="thread", periodic=True,
        initial_delay=0.1, max_delay=POLL_MAX_SECONDS, scheduler_interval=1,
    )


def run_worker(app: Flask, workers: int | None = None) -> None:
    """`flask jobs worker`: run huey's consumer in this process until SIGINT or SIGTERM."""
    logging.getLogger("huey").setLevel(logging.WARNING)  # not two lines for every periodic tick
    consumer = consumer_for(app, workers)
    log.info("jobs worker started: %d thread(s), %s queue, periodic jobs every %g s", len(consumer.worker_threads),
             "Redis" if app.config.get("REDIS_URL") else "SQLite", consumer.tick)
    consumer.run()


def start_in_threads(app: Flask, workers: int | None = None) -> BraidConsumer:
    """A consumer running in this process's threads (no signal handlers): stop it with `.stop(graceful=True)`."""
    consumer = consumer_for(app, workers)
    consumer.scheduler.start()
    for _, thread in consumer.worker_threads:
        thread.start()
    return consumer
