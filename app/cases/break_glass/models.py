"""A break-glass grant: an hour's read access to a case the user is not on, opened with a reason (audited)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.audit.models import PurposeCategory
from app.extensions import db
from app.security.crypto import Sealed, SealedText, SensitiveField
from app.types import PublicId, UTCDateTime, enum_column, new_public_id, utcnow


class BreakGlassAccess(db.Model):
    """One hour's read access to a case the user is not on, opened by giving a reason."""

    __tablename__ = "break_glass_access"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(PublicId(), unique=True, default=new_public_id)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learner.id"), index=True)
    purpose: Mapped[PurposeCategory] = mapped_column(enum_column(PurposeCategory))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())

    reason_sealed: Mapped[Sealed] = mapped_column(SealedText())
    reason = SensitiveField()  # the user's own words can name people: sealed, and never in the trail

    user: Mapped[User] = relationship()  # noqa: F821
    learner: Mapped[Learner] = relationship()  # noqa: F821
