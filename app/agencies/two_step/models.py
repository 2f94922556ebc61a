"""Two-step verification's records: a user's authenticator (its secret sealed) and hashed recovery codes."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.agencies.accounts.models import User
from app.extensions import db
from app.security.crypto import Sealed, SealedText, SensitiveField
from app.types import PublicId, UTCDateTime, new_public_id, utcnow


class TwoStepEnrolment(db.Model):
    """A user's TOTP authenticator (app.agencies.two_step.services). Unconfirmed until the first code is right."""

    __tablename__ = "mfa_enrolment"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(PublicId(), unique=True, default=new_public_id)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), unique=True)
    secret_sealed: Mapped[Sealed] = mapped_column(SealedText())
    # The last time step whose code was accepted: that code and every older one are refused (no replay).
    last_used_step: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    secret = SensitiveField()
    user: Mapped[User] = relationship()


class RecoveryCode(db.Model):
    """A one-time code for when the authenticator is lost: only its SHA-256 is kept (the code is random)."""

    __tablename__ = "mfa_recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
