"""Reading an MIS export into a preview, and carrying out what the SENCo confirmed. Services flush; views commit.

Nothing of the file is logged or kept once the import ends: its rows are sealed while they wait, then deleted.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import undefer

from app.agencies.accounts.models import User
from app.audit.events import record
from app.audit.models import AuditAction
from app.cases.learners.models import Learner, SenStatus, name_and_birth_index
from app.cases.mis_import.columns import Field, missing, recognise, vendor_of
from app.cases.mis_import.models import ImportRow, ImportStatus, LearnerImport, RowOutcome
from app.cases.mis_import.reading import ImportFileError, read_table  # noqa: F401 (the views catch it from here)
from app.cases.mis_import.rows import LearnerValues, read_row
from app.core.dates import today as school_today
from app.core.jobs.models import JobRun
from app.core.jobs.services import enqueue
from app.extensions import db
from app.policy import Action, require, visible_imports, visible_learners
from app.problems import Refusal
from app.security.crypto import blind_index
from app.types import new_public_id, utcnow

PURPOSE = "Import from the school's MIS"
# The fields a file can set, in the order the preview names them.
LEARNER_FIELDS = ("name", "preferred_name", "date_of_birth", "year_group", "upn", "registration_group", "sen_status",
                  "needs", "areas_of_need")
FIELD_LABELS = {"name": "name", "preferred_name": "preferred name", "date_of_birth": "date of birth",
                "year_group": "year group", "upn": "UPN", "registration_group": "registration group",
                "sen_status": "SEN status", "needs": "types of need", "areas_of_need": "areas of need"}
PREVIEW_EXPIRES_AFTER = timedelta(days=1)


class ImportRefused(Refusal):
    """An import that cannot go on as asked (a confirmation of an import no longer waiting for one, say)."""


# --- reading the file -------------------------------------------------------------------------------------


def start_import(actor: User, data: bytes) -> LearnerImport:
    """Read the file in memory and hold its rows sealed; preview them if its columns are known.

    :raise ImportFileError: for a file that cannot be read at all; nothing is written then.
    """
    require(actor, Action.IMPORT_LEARNERS)
    table = read_table(data)
    learner_import = LearnerImport(school_id=actor.agency_id, created_by_id=actor.id, vendor=vendor_of(table.header),
                                   encoding=table.encoding, delimiter=table.delimiter, row_count=len(table.rows))
    learner_import.header = table.header
    columns = recognise(table.header)
    learner_import.columns = {field.value: index for field, index in columns.items()}
    db.session.add(learner_import)
    db.session.flush()
    rows = []
    for table_row in table.rows:
        row = ImportRow(import_id=learner_import.id, number=table_row.number, public_id=new_public_id())
        row.cells = table_row.cells
        rows.append(row)
    db.session.add_all(rows)
    db.session.flush()
    record(actor, AuditAction.CREATE, learner_import, purpose=PURPOSE)
    if not missing(columns):
        _preview(learner_import)
    return learner_import


def columns_of(learner_import: LearnerImport) -> dict[Field, int]:
    return {Field(name): index for name, index in (learner_import.columns or {}).items()}


def missing_of(learner_import: LearnerImport) -> list[str]:
    return missing(columns_of(learner_import))


def name_in_file(cells: list[str], columns: dict[Field, int]) -> str:
    """The learner's name as the row gives it, for the preview (whatever else the row holds)."""
    def cell(field):
        index = columns.get(field)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    name = " ".join(part for part in (cell(Field.FORENAME), cell(Field.SURNAME)) if part) or cell(Field.FULL_NAME)
    return name or "(no name)"


def choose_columns(actor: User, learner_import: LearnerImport, columns: dict[Field, int]) -> None:
    """Match the file's columns to Braid's fields by hand, then preview again.

    :raise ImportRefused: when a required field is still unmatched, or the import is past its preview.
    """
    require(actor, Action.IMPORT_LEARNERS, learner_import)
    if learner_import.status not in (ImportStatus.COLUMNS, ImportStatus.PREVIEW):
        raise ImportRefused("This import has already been confirmed or ended: its columns cannot change")
    width = len(learner_import.header)
    columns = {field: index for field, index in columns.items() if 0 <= index < width}
    problems = missing(columns)
    if problems:
        raise ImportRefused(problems[0])
    learner_import.columns = {field.value: index for field, index in columns.items()}
    record(actor, AuditAction.UPDATE, learner_import, fields=("columns",), purpose=PURPOSE)
    _preview(learner_import)


# --- the preview: what each row would do, nothing written ---------------------------------------------------


@dataclass
class Match:
    learner: Learner | None
    outcome: RowOutcome
    reasons: list[dict]


class SchoolLearners:
    """The school's learners by blind index, loaded once for a whole file (a school has a few thousand)."""

    def __init__(self, actor: User):
        learners = db.session.scalars(visible_learners(actor).options(
            undefer(Learner.upn_index), undefer(Learner.name_and_birth_index))).all()
        self.by_upn = {learner.upn_index: learner for learner in learners if learner.upn_index}
        self.by_name_and_birth: dict[str, list[Learner]] = {}
        for learner in learners:
            if learner.name_and_birth_index:
                self.by_name_and_birth.setdefault(learner.name_and_birth_index, []).append(learner)

    def add(self, learner: Learner) -> None:
        if learner.upn_index:
            self.by_upn[learner.upn_index] = learner
        self.by_name_and_birth.setdefault(learner.name_and_birth_index, []).append(learner)


def match_learner(values: LearnerValues, known: SchoolLearners) -> tuple[Learner | None, Learner | None]:
    """(the learner this row is, the learner it only looks like): by UPN, then by name and date of birth."""
    if values.upn:
        by_upn = known.by_upn.get(blind_index("upn", values.upn))
        if by_upn is not None:
            return by_upn, None
    for learner in known.by_name_and_birth.get(name_and_birth_index(values.name, values.date_of_birth), []):
        if values.upn and learner.upn and learner.upn != values.upn:
            return None, learner  # same name and birthday, another UPN: ask, never merge silently
        return learner, None
    return None, None


def changes(learner: Learner, values: LearnerValues, columns: Iterable[Field]) -> dict:
    """The values a row would change. A blank cell, or a column the file lacks, never erases what Braid holds."""
    given = set(columns)
    wanted = {"name": values.name, "date_of_birth": values.date_of_birth, "year_group": values.year_group,
              "upn": values.upn, "registration_group": values.registration_group, "sen_status": values.sen_status}
    if given & {Field.PREFERRED_FORENAME, Field.PREFERRED_SURNAME} or values.preferred_name:
        wanted["preferred_name"] = values.preferred_name
    if values.needs:
        wanted["needs"] = list(values.needs)
        # The areas the MIS's needs fall in are added to those recorded in Braid, never taken away.
        areas = list(dict.fromkeys([*(learner.areas_of_need or []), *values.areas_of_need]))
        wanted["areas_of_need"] = areas
    return {name: value for name, value in wanted.items()
            if (value is not None or name == "preferred_name") and getattr(learner, name) != value}


def _preview(learner_import: LearnerImport) -> None:
    actor = learner_import.created_by
    columns, header = columns_of(learner_import), learner_import.header
    known, today = SchoolLearners(actor), school_today()
    seen_upn: dict[str, int] = {}
    seen_person: dict[str, int] = {}
    counts = dict.fromkeys(RowOutcome, 0)
    for row in import_rows(learner_import):
        match = _judge(row, columns, header, known, today, seen_upn, seen_person)
        row.outcome, row.reasons = match.outcome, match.reasons
        row.learner_id = match.learner.id if match.learner is not None else None
        row.confirmed = False
        counts[match.outcome] += 1
    learner_import.created_count = counts[RowOutcome.CREATE]
    learner_import.updated_count = counts[RowOutcome.UPDATE]
    learner_import.unchanged_count = counts[RowOutcome.UNCHANGED]
    learner_import.skipped_count = counts[RowOutcome.SKIPPED] + counts[RowOutcome.DUPLICATE]
    learner_import.refused_count = counts[RowOutcome.REFUSED]
    learner_import.status = ImportStatus.PREVIEW
    db.session.flush()


def _judge(row, columns, header, known, today, seen_upn, seen_person) -> Match:
    reading = read_row(row.cells, columns, header, today=today)
    if reading.values is None:
        return Match(None, RowOutcome.REFUSED, [{"column": p.column, "message": p.message} for p in reading.problems])
    values = reading.values
    person = name_and_birth_index(values.name, values.date_of_birth)
    if values.upn and values.upn in seen_upn:
        return Match(None, RowOutcome.REFUSED, [{"column": _label(header, columns, Field.UPN),
                                                 "message": f"Row {seen_upn[values.upn]} has the same UPN"}])
    if person in seen_person:
        return Match(None, RowOutcome.REFUSED, [{"column": "Name and date of birth",
                                                 "message": f"Row {seen_person[person]} has the same name and date "
                                                            "of birth"}])
    if values.upn:
        seen_upn[values.upn] = row.number
    seen_person[person] = row.number
    learner, lookalike = match_learner(values, known)
    if lookalike is not None:
        return Match(lookalike, RowOutcome.DUPLICATE, [{"column": "", "message": "This looks like the learner beside "
                                                        "it: the same name and date of birth, another UPN"}])
    if learner is None:
        if values.sen_status is SenStatus.NO_SEN:
            return Match(None, RowOutcome.SKIPPED, [])
        return Match(None, RowOutcome.CREATE, [])
    changed = changes(learner, values, columns)
    if not changed:
        return Match(learner, RowOutcome.UNCHANGED, [])
    if learner.restricted_at is not None:  # UK GDPR Article 18: nobody changes a restricted record, an import neither
        return Match(learner, RowOutcome.REFUSED, [{"column": "", "message": "Processing of this learner's record "
                                                    "is restricted: it cannot be changed until that is lifted"}])
    return Match(learner, RowOutcome.UPDATE, [{"column": "", "message": "Changes the " + ", ".join(
        FIELD_LABELS[name] for name in LEARNER_FIELDS if name in changed)}])


def _label(header: list[str], columns: dict[Field, int], field: Field) -> str:
    index = columns.get(field)
    return header[index] if index is not None else field.label


def import_rows(learner_import: LearnerImport, *, undone_only: bool = False,
                limit: int | None = None) -> list[ImportRow]:
    query = select(ImportRow).where(ImportRow.import_id == learner_import.id).order_by(ImportRow.number)
    if undone_only:
        # Two runs of one import (a retry beside a rescued run) never take the same rows (PostgreSQL; SQLite's
        # single writer already keeps their batches apart).
        query = query.where(ImportRow.done.is_(False)).with_for_update(skip_locked=True)
    if limit:
        query = query.limit(limit)
    return db.session.scalars(query).all()


def duplicate_rows(actor: User, learner_import: LearnerImport) -> list[int]:
    """The numbers of the rows that look like a registered learner: no row is opened to list them."""
    require(actor, Action.IMPORT_LEARNERS, learner_import)
    return db.session.scalars(select(ImportRow.number).where(
        ImportRow.import_id == learner_import.id, ImportRow.outcome == RowOutcome.DUPLICATE)
        .order_by(ImportRow.number)).all()


def preview_rows(actor: User, learner_import: LearnerImport) -> list[ImportRow]:
    """The rows of an import still held, in file order, with the learners they match loaded."""
    require(actor, Action.IMPORT_LEARNERS, learner_import)
    rows = import_rows(learner_import)
    columns = columns_of(learner_import)
    for row in rows:
        row.name_in_file, row.matched = name_in_file(row.cells, columns), None
    ids = {row.learner_id for row in rows if row.learner_id}
    if ids:
        learners = {learner.id: learner for learner in db.session.scalars(
            visible_learners(actor).where(Learner.id.in_(ids)))}
        for row in rows:
            row.matched = learners.get(row.learner_id)
    return rows


# --- confirming, cancelling, and the preview's end ----------------------------------------------------------


def confirm_import(actor: User, learner_import: LearnerImport, different_rows: Iterable[int] = ()) -> JobRun:
    """Queue the import. `different_rows`: the numbers of rows that looked like a registered learner and
    that the SENCo says are someone else (created as new learners).

    :raise ImportRefused: when the import is not waiting for confirmation.
    """
    require(actor, Action.IMPORT_LEARNERS, learner_import)
    claimed = db.session.execute(
        update(LearnerImport).where(LearnerImport.id == learner_import.id,
                                    LearnerImport.status == ImportStatus.PREVIEW)
        .values(status=ImportStatus.QUEUED, confirmed_at=utcnow())).rowcount
    if not claimed:
        raise ImportRefused("This import is not waiting for confirmation: it has been confirmed or has ended")
    db.session.refresh(learner_import)
    numbers = sorted({int(number) for number in different_rows})
    if numbers:
        db.session.execute(update(ImportRow).where(
            ImportRow.import_id == learner_import.id, ImportRow.outcome == RowOutcome.DUPLICATE,
            ImportRow.number.in_(numbers)).values(confirmed=True))
    record(actor, AuditAction.UPDATE, learner_import, fields=("status",), purpose=PURPOSE)
    return enqueue("learners.import", import_id=learner_import.public_id)


def cancel_import(actor: User, learner_import: LearnerImport) -> None:
    """:raise ImportRefused: when the import has already been confirmed or has ended."""
    require(actor, Action.IMPORT_LEARNERS, learner_import)
    if learner_import.status not in (ImportStatus.COLUMNS, ImportStatus.PREVIEW):
        raise ImportRefused("This import has already been confirmed or has ended: it cannot be cancelled")
    close_import(learner_import, ImportStatus.CANCELLED)
    record(actor, AuditAction.UPDATE, learner_import, fields=("status",), purpose=PURPOSE)


def close_import(learner_import: LearnerImport, status: ImportStatus) -> None:
    """End an import and delete its rows: nothing of the file stays."""
    db.session.execute(delete(ImportRow).where(ImportRow.import_id == learner_import.id))
    learner_import.status = status
    learner_import.finished_at = utcnow()
    db.session.flush()


def try_again(actor: User, learner_import: LearnerImport) -> None:
    """Queue a failed import again: it carries on from its first row not done.

    :raise ImportRefused: when it has not failed, or its rows are gone.
    """
    require(actor, Action.IMPORT_LEARNERS, learner_import)
    if learner_import.status is not ImportStatus.FAILED or not rows_left(learner_import):
        raise ImportRefused("This import cannot be tried again: upload the file again instead")
    learner_import.status = ImportStatus.QUEUED
    record(actor, AuditAction.UPDATE, learner_import, fields=("status",), purpose=PURPOSE)
    enqueue("learners.import", import_id=learner_import.public_id)


def expire_previews() -> int:
    """Close imports left unconfirmed for a day, and delete the rows of failed ones (their file is not kept)."""
    before = utcnow() - PREVIEW_EXPIRES_AFTER
    stale = db.session.scalars(select(LearnerImport).where(
        LearnerImport.status.in_([ImportStatus.COLUMNS, ImportStatus.PREVIEW]),
        LearnerImport.created_at < before)).all()
    for learner_import in stale:
        close_import(learner_import, ImportStatus.EXPIRED)
    failed = select(LearnerImport.id).where(LearnerImport.status == ImportStatus.FAILED,
                                            LearnerImport.finished_at < before)
    db.session.execute(delete(ImportRow).where(ImportRow.import_id.in_(failed)))
    return len(stale)


def past_imports(actor: User, limit: int = 20) -> list[LearnerImport]:
    require(actor, Action.IMPORT_LEARNERS)
    return db.session.scalars(visible_imports(actor).limit(limit)).all()


def rows_left(learner_import: LearnerImport) -> int:
    return db.session.scalar(select(func.count()).select_from(ImportRow).where(
        ImportRow.import_id == learner_import.id, ImportRow.done.is_(False))) or 0
