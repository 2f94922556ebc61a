"""The outbox: every email Braid sends, kept with its body sealed (it may carry a sign-in link)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.security.crypto import Sealed, SealedText, SensitiveField
from app.types import PublicId, UTCDateTime, new_public_id, utcnow


class OutboxMessage(db.Model):
    """An email Braid has sent or will send. The body carries a sign-in link and the address names a person, so
    both are sealed; the subject is one of Braid's fixed lines and names nobody."""

    __tablename__ = "outbox_message"
    __table_args__ = (
        # The administrator's list (visible_unsent_mail): their agency's unsent messages, newest first, from the index.
        Index("ix_outbox_message_agency_unsent", "agency_id", "sent_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(PublicId(), unique=True, default=new_public_id)
    # Whose administrator looks after it: the recipient account's agency, or the inviter's for an invitation.
    # None only for messages written before 0033, which no administrator is shown.
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"))
    recipient_sealed: Mapped[Sealed] = mapped_column(SealedText())
    subject: Mapped[str] = mapped_column(String(200))
    body_sealed: Mapped[Sealed] = mapped_column(SealedText())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Claimed by the sending job (app.core.mail.services.send) before the mail server is called: sent once.
    sending_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    recipient = SensitiveField()
    body = SensitiveField()
