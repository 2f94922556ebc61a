"""A restriction of processing of one learner's record: who restricted it, when and why, and who lifted it."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.agencies.accounts.models import User
from app.cases.learners.models import Learner
from app.extensions import db
from app.security.crypto import Sealed, SealedText, SensitiveField
from app.types import PublicId, UTCDateTime, new_public_id, utcnow


class ProcessingRestriction(db.Model):
    """One restriction, kept after it is lifted: past restrictions stay on the record for the SENCo and DSL.

    The learner's `restricted_at` is the policy's cheap flag; this row holds the history. Reasons are sealed:
    they may name people (a parent contesting accuracy, a solicitor's letter)."""

    __tablename__ = "processing_restriction"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(PublicId(), unique=True, default=new_public_id)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learner.id", ondelete="CASCADE"), index=True)
    restricted_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    restricted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    reason_sealed: Mapped[Sealed] = mapped_column(SealedText())
    lifted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    lift_reason_sealed: Mapped[Sealed | None] = mapped_column(SealedText())

    reason = SensitiveField()
    lift_reason = SensitiveField()

    learner: Mapped[Learner] = relationship()
    restricted_by: Mapped[User] = relationship(foreign_keys=[restricted_by_id])
    lifted_by: Mapped[User | None] = relationship(foreign_keys=[lifted_by_id])

    @property
    def is_lifted(self) -> bool:
        return self.lifted_at is not None
