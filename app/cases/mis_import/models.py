"""An import of learners from the school's MIS, and its rows while it is previewed and carried out.

The uploaded file itself is never stored: it is read in memory, and each of its rows is sealed into an
`ImportRow`, bound to that row, until the import is finished, cancelled or expires; then the rows are
deleted and only the counts remain.
"""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.agencies.accounts.models import User
from app.extensions import db
from app.security.crypto import JSON, Sealed, SealedText, SensitiveField
from app.types import PublicId, UTCDateTime, enum_column, new_public_id, utcnow


class ImportStatus(enum.Enum):
    COLUMNS = "columns"  # read, but the file's columns must be matched before a preview
    PREVIEW = "preview"  # checked row by row; nothing written to any learner yet
    QUEUED = "queued"  # confirmed: waiting for the background job
    RUNNING = "running"
    DONE = "done"
    CANCELLED = "cancelled"
    EXPIRED = "expired"  # left at the preview for a day: its rows were deleted
    FAILED = "failed"

    @property
    def label(self) -> str:
        return {"columns": "Columns to match", "preview": "Waiting for confirmation"}.get(
            self.value, self.value.capitalize())

    @property
    def open(self) -> bool:
        """Rows still held, so the import can still be previewed, confirmed or carried on."""
        return self in (ImportStatus.COLUMNS, ImportStatus.PREVIEW, ImportStatus.QUEUED, ImportStatus.RUNNING)


class RowOutcome(enum.Enum):
    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    DUPLICATE = "duplicate"  # looks like a learner already registered: created only if the SENCo confirms it
    SKIPPED = "skipped"  # not on the SEN register and not yet in Braid: left out (Braid holds only SEN learners)
    REFUSED = "refused"

    @property
    def label(self) -> str:
        return ROW_OUTCOME_LABELS[self]


ROW_OUTCOME_LABELS = {
    RowOutcome.CREATE: "New learner",
    RowOutcome.UPDATE: "Update",
    RowOutcome.UNCHANGED: "No change",
    RowOutcome.DUPLICATE: "Looks like a learner already registered",
    RowOutcome.SKIPPED: "Left out: no special educational needs",
    RowOutcome.REFUSED: "Refused",
}


class LearnerImport(db.Model):
    __tablename__ = "learner_import"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(PublicId(), unique=True, default=new_public_id)
    school_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    status: Mapped[ImportStatus] = mapped_column(enum_column(ImportStatus), default=ImportStatus.COLUMNS)
    vendor: Mapped[str | None] = mapped_column(String(20))  # whose layout the header looked like; shown only
    encoding: Mapped[str] = mapped_column(String(20))
    delimiter: Mapped[str] = mapped_column(String(1))
    # The file's header and how its columns map to Braid's fields ({field: column index}): sealed, since a
    # header is the file's own text.
    header_sealed: Mapped[Sealed] = mapped_column(SealedText())
    columns_sealed: Mapped[Sealed | None] = mapped_column(SealedText())
    row_count: Mapped[int] = mapped_column(Integer, default=0)
    created_count: Mapped[int] = mapped_column(Integer, default=0)
    updated_count: Mapped[int] = mapped_column(Integer, default=0)
    unchanged_count: Mapped[int] = mapped_column(Integer, default=0)
    skipped_count: Mapped[int] = mapped_column(Integer, default=0)
    refused_count: Mapped[int] = mapped_column(Integer, default=0)
    done_count: Mapped[int] = mapped_column(Integer, default=0)  # rows carried out so far: the progress bar
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    header = SensitiveField(codec=JSON)
    columns = SensitiveField(codec=JSON)

    created_by: Mapped[User] = relationship()

    @property
    def percent_done(self) -> int:
        return 100 if not self.row_count else min(100, self.done_count * 100 // self.row_count)

    def __repr__(self) -> str:
        return f"<LearnerImport {self.public_id} {self.status.value}>"


class ImportRow(db.Model):
    __tablename__ = "learner_import_row"
    __table_args__ = (UniqueConstraint("import_id", "number", name="uq_learner_import_row_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(PublicId(), unique=True, default=new_public_id)
    import_id: Mapped[int] = mapped_column(ForeignKey("learner_import.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]  # the row's number in the spreadsheet (the header is row 1)
    cells_sealed: Mapped[Sealed] = mapped_column(SealedText())
    outcome: Mapped[RowOutcome | None] = mapped_column(enum_column(RowOutcome))
    # The preview's reasons (refusals, the fields an update changes): sealed, as they name the file's columns.
    reasons_sealed: Mapped[Sealed | None] = mapped_column(SealedText())
    learner_id: Mapped[int | None] = mapped_column(ForeignKey("learner.id", ondelete="SET NULL"))
    confirmed: Mapped[bool] = mapped_column(default=False)  # a DUPLICATE the SENCo said is a different learner
    done: Mapped[bool] = mapped_column(default=False)

    cells = SensitiveField(codec=JSON)
    reasons = SensitiveField(codec=JSON)

    def __repr__(self) -> str:
        return f"<ImportRow {self.number} {self.outcome.value if self.outcome else '-'}>"
