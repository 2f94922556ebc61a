"""The sweep over every school, for the command and the periodic job: one transaction per school."""
from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import date, timedelta

from sqlalchemy import select

from app.agencies.accounts.models import Agency, AgencyKind
from app.cases.learners.models import Learner
from app.core.dates import today as school_today
from app.core.jobs.registry import periodic_job
from app.data_protection.retention import services
from app.extensions import db
from app.security.learner_keys import destroy_orphan_keys

log = logging.getLogger("braid.retention")


def sweep_every_school(today: date, *, dry_run: bool) -> Iterator[tuple[Agency, services.SweepResult]]:
    schools = list(db.session.scalars(select(Agency).where(Agency.kind == AgencyKind.SCHOOL).order_by(Agency.id)))
    for school in schools:
        result = services.sweep(school.id, today, dry_run=dry_run)
        if dry_run:
            db.session.rollback()  # a dry run changes nothing, not even by accident
        else:
            db.session.commit()
        yield school, result
    if not dry_run:
        destroy_orphan_keys(learners_still_held)


def learners_still_held(public_ids: list[str]) -> list[str]:
    """Which of these public ids still have a learner row (merged-away records included: their values stay)."""
    return list(db.session.scalars(select(Learner.public_id).where(Learner.public_id.in_(public_ids))))


def describe(school: Agency, result: services.SweepResult, *, dry_run: bool) -> list[str]:
    """One line per item: class, learner public id, rule, due since, held, and what the sweep does. No names."""
    lines = []
    for item in result.items:
        held = "held" if item.held else "not held"
        doing = ("would destroy" if dry_run else "destroyed") if item.destroys else \
            ("kept: legal hold" if item.held and item.what == services.DESTROY else item.what)
        due = item.due_on.isoformat() if item.due_on else "unknown"
        lines.append(f"{school.public_id}\t{item.record_class.label}\t{item.learner_public_id}"
                     f"\t{item.rule.label}\tdue since {due}\t{held}\t{doing}\t{item.why}")
    if not dry_run:
        lines.append(f"{school.public_id}\t{len(result.destroyed)} destruction(s) registered")
    return lines


@periodic_job("retention.sweep", every=timedelta(days=1))
def sweep_daily() -> None:
    """Destroy what is due every day, without an operator. Idempotent: what is gone is not found again."""
    destroyed = sum(len(result.destroyed) for _, result in sweep_every_school(school_today(), dry_run=False))
    if destroyed:
        log.info("retention sweep: %d destruction(s) registered", destroyed)
