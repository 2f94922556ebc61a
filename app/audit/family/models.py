"""The DSL's decisions about what a family sees of their child's trail: withheld or released, with a sealed reason.

Decisions are never changed: a later decision on the same event and learner overrides an earlier one, so the
history of who withheld and released what, and why, stays readable.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.audit.models import EventId
from app.extensions import db
from app.security.crypto import Sealed, SealedText, SensitiveField
from app.types import PublicId, UTCDateTime, new_public_id, utcnow


class FamilyVisibilityDecision(db.Model):
    """One event of one learner's trail withheld from (or released to) their family's view, by the DSL."""

    __tablename__ = "family_visibility_decision"
    __table_args__ = (Index("ix_family_visibility_decision_learner_event", "learner_public_id", "event_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    public_id: Mapped[str] = mapped_column(PublicId(), unique=True, default=new_public_id)
    event_id: Mapped[int] = mapped_column(EventId, ForeignKey("audit_event.id"))
    learner_public_id: Mapped[str] = mapped_column(String(64))
    withheld: Mapped[bool] = mapped_column(Boolean)
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    reason_sealed: Mapped[Sealed] = mapped_column(SealedText())
    reason = SensitiveField()
