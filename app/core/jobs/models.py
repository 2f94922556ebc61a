"""The job ledger: one row per run of a background job, kept in Braid's own database.

huey takes a task off its queue before running it, so a worker killed mid-job would lose it. The ledger
is what survives: a run still `running` after its lease, or `queued` but never picked up, is handed to
huey again by the rescue job. Arguments are plain ids only (never personal data or sealed values), and
an error is kept as the exception's class name only (a message can quote an address or a value).
"""
from __future__ import annotations

import enum
import json
from datetime import datetime

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.types import PublicId, UTCDateTime, enum_column, new_public_id, utcnow


class JobStatus(enum.Enum):
    QUEUED = "queued"  # waiting for a worker (again, after a failed attempt: from next_attempt_at)
    RUNNING = "running"  # claimed by a worker until lease_until
    DONE = "done"
    FAILED = "failed"  # out of attempts

    @property
    def label(self) -> str:
        return self.value.capitalize()


class JobRun(db.Model):
    __tablename__ = "job_run"
    __table_args__ = (
        # The rescue looks for runs queued or running past a time; pruning for runs finished before one.
        Index("ix_job_run_status_next_attempt_at", "status", "next_attempt_at"),
        Index("ix_job_run_status_finished_at", "status", "finished_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(PublicId(), unique=True, default=new_public_id)
    name: Mapped[str] = mapped_column(String(64))
    arguments: Mapped[str] = mapped_column(Text, default="{}")  # canonical JSON of plain ids
    # A periodic run's slot ("audit.seal@29012345"): one run per slot however many nodes schedule it.
    dedupe_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    status: Mapped[JobStatus] = mapped_column(enum_column(JobStatus), default=JobStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(64))  # the exception's class name, nothing more
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def ids(self) -> dict:
        return json.loads(self.arguments or "{}")

    def __repr__(self) -> str:
        return f"<JobRun {self.public_id} {self.name} {self.status.value} {self.attempts}/{self.max_attempts}>"
