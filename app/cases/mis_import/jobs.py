"""The import's background work: carrying out a confirmed import in short batches, and closing stale previews.

Each batch is one short transaction (its learners, their audit events and the rows marked done), so on
SQLite other users wait at most a batch for the write lock, and a worker that dies loses at most a batch:
the run is handed over again and carries on from the first row not done.
"""
from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update

from app.audit.changes import fields_given
from app.audit.events import record
from app.audit.models import AuditAction
from app.cases.learners.models import Learner, YearGroupSource
from app.cases.mis_import.models import ImportRow, ImportStatus, LearnerImport, RowOutcome
from app.cases.mis_import.rows import LearnerValues, read_row
from app.cases.mis_import.services import (
    LEARNER_FIELDS,
    PURPOSE,
    SchoolLearners,
    changes,
    close_import,
    columns_of,
    expire_previews,
    import_rows,
    match_learner,
)
from app.core.dates import today as school_today
from app.core.jobs.registry import job, periodic_job
from app.extensions import db
from app.policy import Action, require
from app.types import utcnow

log = logging.getLogger("braid.imports")
# Rows per transaction: about a tenth of a second of work on SQLite (bench/learner_import.py measures it).
BATCH_ROWS = 50
CARRIED_ON = (ImportStatus.QUEUED, ImportStatus.RUNNING, ImportStatus.FAILED)


# A lease far beyond a batch: a worker that dies is replaced within minutes, not half an hour.
@job("learners.import", retries=3, lease=timedelta(minutes=5))
def carry_out_import(import_id: str) -> None:
    learner_import = db.session.scalars(select(LearnerImport).where(LearnerImport.public_id == import_id)).first()
    if learner_import is None or learner_import.status not in CARRIED_ON:
        return  # carried out, cancelled or expired already: running twice changes nothing
    public_id = learner_import.public_id
    try:
        _carry_out(learner_import)
    except Exception:
        # Shown on the import's page ("Try again"); the job's own retries carry on from the first row not done.
        db.session.rollback()
        db.session.execute(update(LearnerImport).where(LearnerImport.public_id == public_id)
                           .values(status=ImportStatus.FAILED, finished_at=utcnow()))
        db.session.commit()
        raise


def _carry_out(learner_import: LearnerImport) -> None:
    actor = learner_import.created_by
    require(actor, Action.IMPORT_LEARNERS, learner_import)  # the SENCo may have left since confirming
    learner_import.status = ImportStatus.RUNNING
    learner_import.finished_at = None
    db.session.commit()
    batch = current_app.config.get("IMPORT_BATCH_ROWS", BATCH_ROWS)
    columns, header, today = columns_of(learner_import), learner_import.header, school_today()
    known = SchoolLearners(actor)
    while rows := import_rows(learner_import, undone_only=True, limit=batch):
        for row in rows:
            _carry_out_row(actor, row, columns, header, today, known)
            row.done = True
        learner_import.done_count = learner_import.done_count + len(rows)
        db.session.commit()
    _finish(actor, learner_import)


def _carry_out_row(actor, row: ImportRow, columns, header, today, known: SchoolLearners) -> None:
    """Do what the preview said, against the records as they are now: a learner registered since the preview
    is updated, never registered twice."""
    wanted = row.outcome in (RowOutcome.CREATE, RowOutcome.UPDATE) or (
        row.outcome is RowOutcome.DUPLICATE and row.confirmed)
    if not wanted:
        row.outcome = RowOutcome.UNCHANGED if row.outcome is RowOutcome.DUPLICATE else row.outcome
        return
    values = read_row(row.cells, columns, header, today=today).values
    if values is None:  # cannot happen for a row the preview accepted; refused rather than guessed at
        row.outcome = RowOutcome.REFUSED
        return
    learner = None if row.outcome is RowOutcome.DUPLICATE else match_learner(values, known)[0]
    if learner is None:
        learner = _register(actor, values, columns)
        known.add(learner)
        row.outcome, row.learner_id = RowOutcome.CREATE, learner.id
        return
    if learner.archived_at is not None:  # a leaver still in the MIS: archived records are not changed
        row.outcome, row.learner_id = RowOutcome.UNCHANGED, learner.id
        return
    changed = changes(learner, values, columns)
    for name, value in changed.items():
        if name in ("name", "date_of_birth", "year_group"):
            continue
        setattr(learner, name, value)
    if "year_group" in changed:  # the MIS holds it for the year it is in: a year end does not move it again
        learner.set_year_group(values.year_group, YearGroupSource.MIS_IMPORT, today)
    if "name" in changed or "date_of_birth" in changed:
        learner.set_name_and_birth(values.name, values.date_of_birth)
    row.outcome, row.learner_id = (RowOutcome.UPDATE if changed else RowOutcome.UNCHANGED), learner.id
    if changed:
        record(actor, AuditAction.UPDATE, learner, fields=changed.keys(), purpose=PURPOSE)


def _register(actor, values: LearnerValues, columns) -> Learner:
    learner = Learner(school_id=actor.agency_id)
    learner.set_year_group(values.year_group, YearGroupSource.MIS_IMPORT, school_today())
    learner.set_name_and_birth(values.name, values.date_of_birth)
    learner.preferred_name = values.preferred_name
    learner.upn = values.upn
    learner.registration_group = values.registration_group
    learner.sen_status = values.sen_status
    learner.needs = list(values.needs) or None
    learner.areas_of_need = values.areas_of_need
    db.session.add(learner)
    db.session.flush()
    record(actor, AuditAction.CREATE, learner, fields=fields_given(learner, LEARNER_FIELDS), purpose=PURPOSE)
    return learner


def _finish(actor, learner_import: LearnerImport) -> None:
    counts = dict.fromkeys(RowOutcome, 0)
    for outcome in db.session.scalars(select(ImportRow.outcome).where(ImportRow.import_id == learner_import.id)):
        counts[outcome] += 1
    learner_import.created_count = counts[RowOutcome.CREATE]
    learner_import.updated_count = counts[RowOutcome.UPDATE]
    learner_import.unchanged_count = counts[RowOutcome.UNCHANGED]
    learner_import.skipped_count = counts[RowOutcome.SKIPPED]
    learner_import.refused_count = counts[RowOutcome.REFUSED]
    learner_import.done_count = learner_import.row_count
    close_import(learner_import, ImportStatus.DONE)
    record(actor, AuditAction.UPDATE, learner_import, fields=("status",), purpose=PURPOSE)
    db.session.commit()
    log.info("import %s done: %d created, %d updated", learner_import.public_id, counts[RowOutcome.CREATE],
             counts[RowOutcome.UPDATE])


@periodic_job("learners.import_expire", every=timedelta(hours=1))
def expire() -> None:
    """Previews left for a day are closed and their rows deleted."""
    expire_previews()
    db.session.commit()


