"""Exporting the DSL's filtered view of the trail to CSV: every matching event, itself audited with a purpose.

The CSV holds ids, people's names and roles, actions, outcomes, object types, public ids, times,
purposes and field names: never a learner's name, an IP address or any sealed value. Every cell that
a spreadsheet would read as a formula is prefixed with a quote.
"""
from __future__ import annotations

import codecs
import csv
import tempfile

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.audit.chain import READ_ONLY
from app.audit.directory import lookup
from app.audit.events import record
from app.audit.models import AuditAction, AuditExport, PurposeCategory
from app.audit.review.services import (
    AuditFilters,
    actor_of,
    event_action,
    event_outcome,
    event_time,
    load_actors,
    page_query,
    purpose_label,
    review_school,
)
from app.extensions import db
from app.policy import Action, require
from app.problems import Refusal

BATCH = 2000  # events read per keyset step
DETAILS_MAX = 2000
CSV_HEADER = (
    "Event id", "Time (UTC)", "Actor public id", "Actor", "Actor role", "Actor agency", "Action", "Outcome",
    "Object type", "Object public id", "Learner public ids", "Purpose", "Out of hours", "Fields changed",
    "Request id",
)
# A cell starting with one of these is run as a formula by spreadsheets (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class ExportError(Refusal):
    """An export that cannot be made as asked."""


def safe_cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def export_events(actor, filters: AuditFilters, *, purpose, details: str, learners=()):
    """Write every event of the DSL's school trail matching `filters` to a CSV file, then record the
    export (an AuditExport row with the sealed details, and an EXPORT event with its purpose) in the
    current transaction. Returns (export, binary file at its start). Flushes; the caller commits.

    `learners` are the learners the filters name (the export event names them in their histories).
    :raise 403: for anyone but a DSL. :raise ExportError: without a purpose or details.
    """
    require(actor, Action.EXPORT_AUDIT)
    if not isinstance(purpose, PurposeCategory):
        raise ExportError("Choose why you are exporting the audit trail", "purpose")
    text = (details or "").replace("\r\n", "\n").strip()
    if not text:
        raise ExportError("Explain what the export is for", "details")
    if len(text) > DETAILS_MAX:
        raise ExportError(f"The details must be {DETAILS_MAX:,} characters or fewer", "details")
    school = review_school(actor)
    actor_id = actor.id
    # The request has only read so far: end its transaction, so that a long export holds no lock that
    # writers or the sealer wait for (SQLite takes the write lock at BEGIN). The rows are read from
    # one snapshot; the export's own records are written afterwards in a new transaction.
    db.session.rollback()
    file, count = write_csv(school, filters)
    export = AuditExport(user_id=actor_id, purpose=purpose, event_count=count, filters=filters.describe()[:400])
    export.details = text
    db.session.add(export)
    db.session.flush()
    record(actor, AuditAction.EXPORT, export, purpose=purpose.value, learners=list(learners))
    return export, file


def write_csv(school_id: int, filters: AuditFilters):
    """(binary file at its start, rows written): the matching events newest first, read in keyset batches
    from one snapshot that holds no writer's lock."""
    file = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024, mode="w+b")
    writer_stream = codecs.getwriter("utf-8")(file)
    writer_stream.write("\ufeff")  # a byte order mark, so that spreadsheets read the names as UTF-8
    writer = csv.writer(writer_stream)
    writer.writerow(CSV_HEADER)
    count = 0
    people: dict[int, tuple] = {}
    with db.engine.connect() as connection:
        connection.info[READ_ONLY] = True
        try:
            with connection.begin():
                if connection.dialect.name == "postgresql":
                    connection.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                before = None
                while True:
                    rows = connection.execute(*page_query(school_id, filters, before=before, limit=BATCH)).all()
                    if not rows:
                        break
                    unknown = {row.actor_id for row in rows if row.actor_id is not None} - set(people)
                    people.update(load_actors(unknown, execute=connection.execute))
                    for row in rows:
                        writer.writerow([safe_cell(value) for value in _csv_row(row, people)])
                    count += len(rows)
                    before = rows[-1].id
                    if len(rows) < BATCH:
                        break
        finally:
            connection.info.pop(READ_ONLY, None)
    writer_stream.flush()
    file.seek(0)
    return file, count


def _csv_row(row, people) -> list:
    actor = actor_of(row, people)
    return [
        row.id,
        event_time(row.occurred_at).isoformat(timespec="seconds"),
        actor.public_id,
        actor.name,
        actor.role_label,
        actor.agency_name,
        event_action(row.action).label,
        event_outcome(row.outcome).label,
        row.object_type,
        row.object_public_id,
        row.learner_public_ids,
        purpose_label(row.purpose),
        "yes" if row.out_of_hours else "no",
        row.fields_changed,
        row.request_id,
    ]


def exports_made(actor, limit: int = 20) -> list[AuditExport]:
    """The school's most recent exports (by anyone of the school), for the export page."""
    school = review_school(actor)
    if school is None:
        return []
    query = (
        select(AuditExport).options(selectinload(AuditExport.user))
        .where(AuditExport.user_id.in_(lookup.school_accounts(school)))
        .order_by(AuditExport.id.desc()).limit(limit)
    )
    return db.session.scalars(query).all()
