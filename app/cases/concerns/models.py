"""Safeguarding concerns: kept apart from the plan, read only by the DSL and their author."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.security.crypto import Sealed, SealedText, SensitiveField
from app.types import PublicId, UTCDateTime, new_public_id, utcnow


class SafeguardingConcern(db.Model):
    __tablename__ = "safeguarding_concern"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(PublicId(), unique=True, default=new_public_id)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learner.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    action_recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    action_recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer, default=1)

    concern_sealed: Mapped[Sealed] = mapped_column(SealedText())
    action_taken_sealed: Mapped[Sealed | None] = mapped_column(SealedText())
    concern = SensitiveField()
    action_taken = SensitiveField()

    learner: Mapped[Learner] = relationship()  # noqa: F821
    author: Mapped[User] = relationship(foreign_keys=[author_id])  # noqa: F821
    action_recorded_by: Mapped[User | None] = relationship(foreign_keys=[action_recorded_by_id])  # noqa: F821

    __mapper_args__ = {"version_id_col": version}
