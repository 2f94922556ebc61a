"""Gauges read from Braid's database at scrape time: the job ledger, and how far the audit trail's sealing,
checkpoints and verification have got. A handful of aggregate queries, never a row of anyone's data."""
from __future__ import annotations

import logging
import math
from datetime import datetime

from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from app.audit.models import AuditCheckpoint, AuditEvent, AuditSeal, AuditVerification
from app.core.jobs.models import JobRun, JobStatus
from app.core.jobs.registry import all_jobs
from app.extensions import db
from app.types import utcnow

log = logging.getLogger("braid.metrics")

# Queued and running: the queue's depth; failed: runs out of attempts, kept in the ledger (JOBS_KEEP_FAILED).
JOB_STATUSES = (JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.FAILED)


class DatabaseGauges:
    """A prometheus-client collector; `collect` runs in the scraping request's app context."""

    def describe(self):
        return []  # registering must not query the database

    def collect(self):
        try:
            families = [self._job_runs(), *self._audit()]
        except SQLAlchemyError as error:  # a database that does not answer is what the operator must see
            log.warning("metrics: the database did not answer (%s)", type(error).__name__)
            families = []
        finally:
            db.session.rollback()  # a scrape holds no transaction (nor SQLite's lock) open
        yield GaugeMetricFamily("braid_database_up", "1 when the database answered this scrape's queries, else 0.",
                                value=1 if families else 0)
        yield from families

    def _job_runs(self) -> GaugeMetricFamily:
        family = GaugeMetricFamily("braid_job_runs", "Runs in the job ledger queued, running or failed, by job.",
                                   labels=["job", "status"])
        counts = dict.fromkeys(((spec.name, status) for spec in all_jobs() for status in JOB_STATUSES), 0)
        rows = db.session.execute(
            select(JobRun.name, JobRun.status, func.count()).where(JobRun.status.in_(JOB_STATUSES))
            .group_by(JobRun.name, JobRun.status)
        )
        for name, status, count in rows:
            counts[(name, status)] = count
        for (name, status), count in sorted(counts.items(), key=lambda item: (item[0][0], item[0][1].value)):
            family.add_metric([name, status.value], count)
        return family

    def _audit(self):
        last_sealed = select(func.coalesce(func.max(AuditSeal.last_event_id), 0)).scalar_subquery()
        unsealed = db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.id > last_sealed))
        yield GaugeMetricFamily("braid_audit_unsealed_events",
                                "Audit events committed but not yet sealed into the hash chain.", value=unsealed)
        now = utcnow()
        checkpoint = db.session.scalar(select(func.max(AuditCheckpoint.created_at)))
        yield GaugeMetricFamily("braid_audit_seconds_since_checkpoint",
                                "Seconds since the audit chain's last signed checkpoint (+Inf: none yet).",
                                value=_seconds_since(checkpoint, now))
        verification = db.session.execute(
            select(AuditVerification.verified_at, AuditVerification.intact)
            .order_by(AuditVerification.id.desc()).limit(1)
        ).first()
        yield GaugeMetricFamily("braid_audit_seconds_since_verification",
                                "Seconds since the audit chain was last verified (+Inf: never).",
                                value=_seconds_since(verification and verification.verified_at, now))
        yield GaugeMetricFamily("braid_audit_last_verification_intact",
                                "1 when the last verification found the chain intact, 0 when it did not or none ran.",
                                value=1 if verification and verification.intact else 0)


def _seconds_since(moment: datetime | None, now: datetime) -> float:
    return math.inf if moment is None else max((now - moment).total_seconds(), 0.0)
