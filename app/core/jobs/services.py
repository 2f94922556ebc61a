"""Enqueueing jobs in the caller's transaction, handing them to huey after commit, and keeping the ledger whole.

`enqueue` writes a run into the ledger and nothing else: the run reaches huey only once the caller's
transaction commits (an after-commit hook), so no job ever runs for a change that was rolled back. The
rescue, a periodic job, hands over again what huey lost: runs still `running` after their lease (the
worker died) and runs `queued` that nobody picked up.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, has_app_context
from sqlalchemy import delete, event, func, select, update
from sqlalchemy.orm import Session

from app.core.jobs import queue, runner
from app.core.jobs.models import JobRun, JobStatus
from app.core.jobs.registry import periodic_job, periodic_jobs, spec_of
from app.extensions import db
from app.types import utcnow

log = logging.getLogger("braid.jobs")

PENDING = "braid_jobs_pending"  # session.info: runs written in this transaction, handed over when it commits
_PLAIN_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
RESCUE_BATCH = 500


def enqueue(name: str, **ids) -> JobRun:
    """Queue the job `name` with `ids` as its arguments, in the caller's transaction (no commit).

    Arguments are plain ids only (public ids, numbers): never personal data or sealed values, since the
    ledger and the queue keep them in the clear. :raise KeyError: for an unknown job; ValueError for an
    argument that is not a plain id.
    """
    spec = spec_of(name)
    for key, value in ids.items():
        plain = (isinstance(value, int) and not isinstance(value, bool)) or (
            isinstance(value, str) and _PLAIN_ID.fullmatch(value))
        if not plain:
            raise ValueError(f"job {name}: argument {key!r} is not a plain id")
    run = runner.new_run(spec, ids)
    db.session.info.setdefault(PENDING, []).append(run.public_id)
    return run


@event.listens_for(Session, "after_commit")
def _hand_over_after_commit(session) -> None:
    pending = session.info.pop(PENDING, None)
    if pending and has_app_context():
        queue.hand_over(current_app._get_current_object(), pending)


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session) -> None:
    # Their rows went with the transaction: nothing to hand over.
    session.info.pop(PENDING, None)


def run_now(name: str, **ids) -> runner.Outcome:
    """Enqueue `name` and run it in this process at once, through the ledger (the demo, and commands)."""
    run = enqueue(name, **ids)
    public_id = run.public_id
    db.session.info[PENDING].remove(public_id)  # run here, not by a worker
    db.session.commit()
    return runner.execute(public_id)


def run_pending(limit: int = 100) -> int:
    """Run every queued run that is due, here and in order (what a worker does, without huey); returns how many ran."""
    db.session.remove()
    due = db.session.scalars(
        select(JobRun.public_id).where(JobRun.status == JobStatus.QUEUED, JobRun.next_attempt_at <= utcnow())
        .order_by(JobRun.id).limit(limit)
    ).all()
    db.session.rollback()
    return sum(1 for public_id in due if runner.execute(public_id).ran)


# --- keeping the ledger whole ---------------------------------------------------------------------------


@periodic_job("jobs.rescue", retries=1)
def rescue() -> None:
    """Hand over again runs whose worker died (lease run out while `running`) and `queued` runs nobody picked up."""
    config = current_app.config
    now = utcnow()
    again: list[str] = []
    expired = db.session.execute(
        select(JobRun.id, JobRun.public_id, JobRun.attempts, JobRun.max_attempts)
        .where(JobRun.status == JobStatus.RUNNING, JobRun.lease_until < now).limit(RESCUE_BATCH)
    ).all()
    for run in expired:
        final = run.attempts >= run.max_attempts
        values = dict(status=JobStatus.FAILED, finished_at=now) if final else dict(status=JobStatus.QUEUED,
                                                                                   next_attempt_at=now)
        moved = db.session.execute(
            update(JobRun).where(JobRun.id == run.id, JobRun.status == JobStatus.RUNNING, JobRun.lease_until < now)
            .values(lease_until=None, last_error=runner.WORKER_LOST, **values)
        ).rowcount
        if moved and not final:
            again.append(run.public_id)
        if moved:
            log.warning("job run %s: its worker stopped during attempt %d; %s", run.public_id, run.attempts,
                        "no attempts left" if final else "queued again")
    lost_before = now - timedelta(seconds=runner.seconds(config["JOBS_LOST_AFTER"]))
    lost = db.session.execute(
        select(JobRun.id, JobRun.public_id)
        .where(JobRun.status == JobStatus.QUEUED, JobRun.next_attempt_at < lost_before).limit(RESCUE_BATCH)
    ).all()
    for run in lost:
        # Pushed forward, so the next rescue waits JOBS_LOST_AFTER again before handing it over once more.
        if db.session.execute(
            update(JobRun).where(JobRun.id == run.id, JobRun.status == JobStatus.QUEUED,
                                 JobRun.next_attempt_at < lost_before).values(next_attempt_at=now)
        ).rowcount:
            again.append(run.public_id)
    db.session.commit()
    if lost:
        log.info("%d queued job run(s) not picked up in time: handed over again", len(lost))
    queue.hand_over(current_app._get_current_object(), again)


@periodic_job("jobs.prune", every=timedelta(hours=1))
def prune() -> None:
    """Forget finished runs: done ones after JOBS_KEEP_DONE, failed ones after JOBS_KEEP_FAILED."""
    config, now = current_app.config, utcnow()
    for status, keep in ((JobStatus.DONE, config["JOBS_KEEP_DONE"]), (JobStatus.FAILED, config["JOBS_KEEP_FAILED"])):
        before = now - timedelta(seconds=runner.seconds(keep))
        db.session.execute(delete(JobRun).where(JobRun.status == status, JobRun.finished_at < before))
    db.session.commit()


# --- what the administrator's page and `flask jobs status` show -----------------------------------------


@dataclass(frozen=True)
class Overview:
    counts: dict[JobStatus, int]
    failed: list[JobRun]  # newest first, periodic or not
    periodic: list[JobRun]  # the latest run of each periodic job: is each one running as it should?
    recent: list[JobRun]  # the latest runs of other jobs (mail), not failed
    last_periodic_at: datetime | None  # when a periodic job last finished: is a worker running?
    worker_quiet: bool  # nothing periodic has finished for three ticks and a minute


def overview(failed_limit: int = 50, recent_limit: int = 50) -> Overview:
    counts = dict.fromkeys(JobStatus, 0)
    for status, count in db.session.execute(select(JobRun.status, func.count()).group_by(JobRun.status)):
        counts[status] = count
    failed = db.session.scalars(
        select(JobRun).where(JobRun.status == JobStatus.FAILED).order_by(JobRun.finished_at.desc(), JobRun.id.desc())
        .limit(failed_limit)).all()
    periodic_names = [spec.name for spec in periodic_jobs()]
    latest = select(func.max(JobRun.id)).where(JobRun.name.in_(periodic_names)).group_by(JobRun.name)
    periodic = db.session.scalars(select(JobRun).where(JobRun.id.in_(latest)).order_by(JobRun.name)).all()
    recent = db.session.scalars(
        select(JobRun).where(JobRun.status != JobStatus.FAILED, JobRun.name.not_in(periodic_names))
        .order_by(JobRun.id.desc()).limit(recent_limit)).all()
    last = db.session.scalar(
        select(JobRun.finished_at).where(JobRun.name.in_(periodic_names), JobRun.finished_at.is_not(None))
        .order_by(JobRun.finished_at.desc()).limit(1))
    tick = runner.seconds(current_app.config["JOBS_PERIODIC_INTERVAL"])
    quiet = last is None or (utcnow() - last).total_seconds() > 3 * tick + 60
    return Overview(counts, failed, periodic, recent, last, quiet)
