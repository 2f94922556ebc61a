"""An attached file: its name, description and bytes sealed, bound to its row; its kind and size in the clear."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.cases.attachments.files import FileKind, size_in_words
from app.extensions import db
from app.security.crypto import BYTES, Sealed, SealedText, SensitiveField
from app.types import PublicId, UTCDateTime, enum_column, new_public_id, utcnow

# A file is up to 20 MB (27 MB sealed as base64): `flask keys rotate` re-seals a few rows at a time.
ROTATION_BATCH = 4


class Attachment(db.Model):
    """A file on exactly one contribution, meeting or safeguarding concern, seen by exactly who sees that parent.

    Deleted with its parent (ON DELETE CASCADE); it names no learner of its own, so a merge or a move of the
    parent takes it along.
    """

    __tablename__ = "attachment"
    __table_args__ = (
        CheckConstraint(
            "(CASE WHEN contribution_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN meeting_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN concern_id IS NULL THEN 0 ELSE 1 END) = 1",
            name="one_parent",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(PublicId(), unique=True, default=new_public_id)
    contribution_id: Mapped[int | None] = mapped_column(ForeignKey("contribution.id", ondelete="CASCADE"), index=True)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    concern_id: Mapped[int | None] = mapped_column(ForeignKey("safeguarding_concern.id", ondelete="CASCADE"),
                                                   index=True)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    kind: Mapped[FileKind] = mapped_column(enum_column(FileKind))  # what the content is, by its magic bytes
    size_bytes: Mapped[int] = mapped_column(Integer)

    name_sealed: Mapped[Sealed] = mapped_column(SealedText())
    description_sealed: Mapped[Sealed | None] = mapped_column(SealedText())
    # Deferred: lists of attachments never load the files themselves.
    content_sealed: Mapped[Sealed] = mapped_column(SealedText(), deferred=True)
    name = SensitiveField()  # file names often carry the child's name
    description = SensitiveField()
    content = SensitiveField(codec=BYTES, rotation_batch=ROTATION_BATCH)

    contribution: Mapped[Contribution | None] = relationship()  # noqa: F821
    meeting: Mapped[Meeting | None] = relationship()  # noqa: F821
    concern: Mapped[SafeguardingConcern | None] = relationship()  # noqa: F821
    uploaded_by: Mapped[User] = relationship()  # noqa: F821

    @property
    def parent(self):
        return self.contribution or self.meeting or self.concern

    @property
    def learner(self):
        parent = self.parent
        return parent.learner if parent is not None else None

    @property
    def size_in_words(self) -> str:
        return size_in_words(self.size_bytes)
