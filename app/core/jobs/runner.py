"""Running one run of the ledger: claim it, call its job, then mark it done or schedule its retry.

A claim is one conditional UPDATE (queued and due → running, attempts + 1, a lease), so two workers
handed the same run never both run it. The claim commits before the job starts and the job runs with
no transaction open: a job that seals the audit chain must not hold the lock the sealer waits for.
"""
from __future__ import annotations

import contextvars
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app.core.jobs.models import JobRun, JobStatus
from app.core.jobs.registry import JobSpec, spec_of
from app.extensions import db
from app.types import new_public_id, utcnow

log = logging.getLogger("braid.jobs")

WORKER_LOST = "WorkerLost"  # the error of a run whose worker stopped during it (its lease ran out)
UNKNOWN_JOB = "UnknownJob"  # a run naming a job this worker does not have


@dataclass(frozen=True)
class CurrentRun:
    public_id: str
    name: str
    attempt: int  # 1 for the first attempt
    max_attempts: int


_current: contextvars.ContextVar[CurrentRun | None] = contextvars.ContextVar("braid_job_run", default=None)


def current_run() -> CurrentRun | None:
    """The run the calling job is executing (None outside a job)."""
    return _current.get()


@dataclass(frozen=True)
class Outcome:
    ran: bool  # this call claimed the run and called its job
    retry_in: float | None = None  # seconds until the next attempt, when it failed and has attempts left
    public_id: str | None = None


def seconds(value) -> float:
    """A setting given as seconds or as a timedelta."""
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def max_attempts_of(spec: JobSpec) -> int:
    return spec.max_attempts or int(current_app.config["JOBS_MAX_ATTEMPTS"])


def lease_of(spec: JobSpec) -> timedelta:
    return spec.lease or timedelta(seconds=seconds(current_app.config["JOBS_LEASE"]))


def retry_delay(attempt: int) -> float:
    """Exponential back-off: JOBS_RETRY_DELAY after the first failure, doubling, at most JOBS_RETRY_DELAY_MAX."""
    base = seconds(current_app.config["JOBS_RETRY_DELAY"])
    return min(base * 2 ** (attempt - 1), seconds(current_app.config["JOBS_RETRY_DELAY_MAX"]))


def arguments_json(ids: dict) -> str:
    """The canonical text of a run's arguments: the same ids always give the same text (so it can be matched)."""
    return json.dumps(ids, sort_keys=True, separators=(",", ":"))


def execute(public_id: str) -> Outcome:
    """Claim the run `public_id` and run its job (in the current app context), whoever handed it over.

    A run that is not queued and due (done already, running elsewhere, waiting for its back-off, or not
    in the ledger at all, such as one whose transaction rolled back) is left alone.
    """
    session = db.session
    row = session.execute(select(JobRun.id, JobRun.name, JobRun.arguments).where(JobRun.public_id == public_id)).first()
    if row is None:
        session.rollback()
        log.info("job run %s is not in the ledger: nothing to do", public_id)
        return Outcome(False)
    try:
        spec = spec_of(row.name)
    except KeyError:
        _fail_unknown(row.id, row.name, public_id)
        return Outcome(False)
    now = utcnow()
    claimed = session.execute(
        update(JobRun)
        .where(JobRun.id == row.id, JobRun.status == JobStatus.QUEUED, JobRun.next_attempt_at <= now)
        .values(status=JobStatus.RUNNING, attempts=JobRun.attempts + 1, started_at=now, finished_at=None,
                lease_until=now + lease_of(spec))
    ).rowcount
    if not claimed:
        session.rollback()
        return Outcome(False)
    attempt, max_attempts = session.execute(
        select(JobRun.attempts, JobRun.max_attempts).where(JobRun.id == row.id)).one()
    session.commit()
    return _call(spec, row.id, public_id, json.loads(row.arguments or "{}"), attempt, max_attempts)


def _call(spec: JobSpec, run_id: int, public_id: str, arguments: dict, attempt: int, max_attempts: int) -> Outcome:
    token = _current.set(CurrentRun(public_id, spec.name, attempt, max_attempts))
    try:
        spec.function(**arguments)
        # What the job left pending commits with its "done": the effect and the mark in one transaction.
        _finish(run_id, attempt, status=JobStatus.DONE)
        db.session.commit()
        return Outcome(True)
    except Exception as error:  # noqa: BLE001 - any failure of a job is recorded on its run and retried
        db.session.rollback()
        return _failed(spec, run_id, public_id, attempt, max_attempts, error)
    finally:
        _current.reset(token)


def _finish(run_id: int, attempt: int, **values) -> bool:
    """Close this attempt, unless the rescue has given the run to another worker since (its lease ran out)."""
    return bool(db.session.execute(
        update(JobRun)
        .where(JobRun.id == run_id, JobRun.status == JobStatus.RUNNING, JobRun.attempts == attempt)
        .values(finished_at=utcnow() if values.get("status") in (JobStatus.DONE, JobStatus.FAILED) else None,
                lease_until=None, **values)
    ).rowcount)


def _failed(spec: JobSpec, run_id: int, public_id: str, attempt: int, max_attempts: int, error: Exception) -> Outcome:
    # The class name only: an exception's message can quote an address, a value or a query's parameters.
    error_name = type(error).__name__[:64]
    if attempt >= max_attempts:
        _finish(run_id, attempt, status=JobStatus.FAILED, last_error=error_name)
        db.session.commit()
        log.error("job %s run %s failed for good after %d attempt(s): %s", spec.name, public_id, attempt, error_name)
        return Outcome(True)
    delay = retry_delay(attempt)
    moved = _finish(run_id, attempt, status=JobStatus.QUEUED, last_error=error_name,
                    next_attempt_at=utcnow() + timedelta(seconds=delay))
    db.session.commit()
    log.warning("job %s run %s attempt %d of %d failed: %s; next attempt in %.1f s", spec.name, public_id, attempt,
                max_attempts, error_name, delay)
    return Outcome(True, retry_in=delay if moved else None, public_id=public_id)


def _fail_unknown(run_id: int, name: str, public_id: str) -> None:
    db.session.execute(
        update(JobRun).where(JobRun.id == run_id, JobRun.status == JobStatus.QUEUED)
        .values(status=JobStatus.FAILED, last_error=UNKNOWN_JOB, finished_at=utcnow())
    )
    db.session.commit()
    log.error("job run %s names %r, which no job registered in this worker has", public_id, name[:64])


def new_run(spec: JobSpec, ids: dict, *, dedupe_key: str | None = None, now: datetime | None = None) -> JobRun:
    """A queued run of `spec`, added to the session (the caller's transaction carries it)."""
    now = now or utcnow()
    run = JobRun(public_id=new_public_id(), name=spec.name, arguments=arguments_json(ids), dedupe_key=dedupe_key,
                 status=JobStatus.QUEUED, attempts=0, max_attempts=max_attempts_of(spec), queued_at=now,
                 next_attempt_at=now)
    db.session.add(run)
    return run


def periodic_slot(spec: JobSpec, moment: datetime) -> int:
    """Which slot of its period `moment` falls in: a periodic job runs once per slot, on however many nodes."""
    every = seconds(spec.every) if spec.every else seconds(current_app.config["JOBS_PERIODIC_INTERVAL"])
    stamp = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
    return int(stamp.timestamp() // max(every, 1.0))


def start_periodic(spec: JobSpec) -> Outcome:
    """This slot's run of a periodic job, written to the ledger and run here; nothing if another node has it."""
    now = utcnow()
    run = new_run(spec, {}, dedupe_key=f"{spec.name}@{periodic_slot(spec, now)}", now=now)
    public_id = run.public_id
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()  # this slot's run exists: another scheduler wrote it first
        return Outcome(False)
    return execute(public_id)
