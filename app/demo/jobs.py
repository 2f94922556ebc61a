"""Demo job runs: yesterday's periodic runs, a sent invitation and one send that ran out of attempts.

Fictional history written once (recognised by its `demo:` keys), so the administrator's page shows what
done and failed runs look like before a worker has run anything. No row names a real record.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.core.jobs.models import JobRun, JobStatus
from app.extensions import db
from app.types import utcnow

DEMO_KEY = "demo:"

# name, minutes before now when queued, attempts, max attempts, status, last error, seconds it took
_RUNS = (
    ("audit.seal", 26 * 60 + 3, 1, 3, JobStatus.DONE, None, 1),
    ("outbox.sweep", 26 * 60 + 3, 1, 1, JobStatus.DONE, None, 1),
    ("outbox.send", 25 * 60 + 40, 1, 10, JobStatus.DONE, None, 2),
    # A send that never got through: the mail server dropped the connection on every attempt (fictional).
    ("outbox.send", 25 * 60 + 10, 10, 10, JobStatus.FAILED, "SMTPServerDisconnected", 17 * 60),
    ("jobs.rescue", 25 * 60 + 2, 1, 2, JobStatus.DONE, None, 1),
    ("audit.seal", 25 * 60 + 2, 2, 3, JobStatus.DONE, "SealerBusy", 6),
)


def load_demo_jobs() -> int:
    """Write the demo runs once; returns how many were written."""
    if db.session.scalar(select(JobRun.id).where(JobRun.dedupe_key.like(f"{DEMO_KEY}%")).limit(1)) is not None:
        return 0
    now = utcnow()
    for number, (name, minutes_ago, attempts, max_attempts, status, error, took) in enumerate(_RUNS, start=1):
        queued = now - timedelta(minutes=minutes_ago)
        finished = queued + timedelta(seconds=took)
        db.session.add(JobRun(
            name=name, arguments="{}", dedupe_key=f"{DEMO_KEY}{number}", status=status, attempts=attempts,
            max_attempts=max_attempts, last_error=error, queued_at=queued, next_attempt_at=queued,
            started_at=finished - timedelta(seconds=1), finished_at=finished,
        ))
    db.session.flush()
    return len(_RUNS)
