"""A learner's transfer bundle (the encrypted file for the next school, sealed at rest) and the DSL's records of
child-protection files sent outside Braid."""
from __future__ import annotations

import base64
import enum
from datetime import date, datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.agencies.accounts.models import User
from app.cases.lawful_basis.bases import Article6, Article9
from app.cases.learners.models import Learner
from app.extensions import db
from app.security.crypto import Sealed, SealedText, SensitiveField
from app.types import PublicId, UTCDateTime, enum_column, new_public_id, utcnow


class _Bytes:
    """Binary content (the encrypted PDF), sealed as base64 text."""

    dump = staticmethod(lambda value: base64.b64encode(bytes(value)).decode("ascii"))
    load = staticmethod(lambda text: base64.b64decode(text))


BYTES = _Bytes()


class TransferBundle(db.Model):
    """The educational record and SEND file of a learner, as a passphrase-encrypted PDF for the next school.

    The PDF is AES-256 encrypted with a one-time passphrase that Braid shows once and never keeps; the file is
    then sealed again under Braid's keys, bound to this row, so neither copy is readable from the database.
    """

    __tablename__ = "transfer_bundle"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(PublicId(), unique=True, default=new_public_id)  # binds the sealed values
    learner_id: Mapped[int] = mapped_column(ForeignKey("learner.id"), index=True)
    made_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    made_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))  # of the encrypted file: what the next school received
    # The record sent to the next school: a legal obligation (Education (Pupil Information) Regulations 2005).
    lawful_basis: Mapped[Article6 | None] = mapped_column(enum_column(Article6))
    special_category_condition: Mapped[Article9 | None] = mapped_column(enum_column(Article9))
    lawful_basis_assumed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    receiving_school_sealed: Mapped[Sealed] = mapped_column(SealedText())
    content_sealed: Mapped[Sealed] = mapped_column(SealedText())
    receiving_school = SensitiveField()  # where a child goes can be as sensitive as who they are
    content = SensitiveField(codec=BYTES)

    learner: Mapped[Learner] = relationship()
    made_by: Mapped[User] = relationship()


class TransferMethod(enum.Enum):
    SECURE_SYSTEM = "secure_system"
    ENCRYPTED_EMAIL = "encrypted_email"
    BY_HAND = "by_hand"
    SIGNED_FOR_POST = "signed_for_post"

    @property
    def label(self) -> str:
        return {
            "secure_system": "Secure electronic transfer (for example CPOMS or MyConcern)",
            "encrypted_email": "Encrypted email to the receiving DSL",
            "by_hand": "By hand, signed for by the receiving DSL",
            "signed_for_post": "Signed-for post (Special Delivery)",
        }[self.value]


class ChildProtectionTransfer(db.Model):
    """The DSL's record that a child-protection file left the school outside Braid, and that it arrived.

    Only the DSL sees these records: the file itself never enters Braid.
    """

    __tablename__ = "child_protection_transfer"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(PublicId(), unique=True, default=new_public_id)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learner.id"), index=True)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_on: Mapped[date]
    method: Mapped[TransferMethod] = mapped_column(enum_column(TransferMethod))
    receipt_confirmed_on: Mapped[date | None]
    receipt_recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    receipt_recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    receiving_school_sealed: Mapped[Sealed] = mapped_column(SealedText())
    reference_sealed: Mapped[Sealed | None] = mapped_column(SealedText())
    confirmed_by_sealed: Mapped[Sealed | None] = mapped_column(SealedText())
    receiving_school = SensitiveField()
    reference = SensitiveField()  # the secure transfer's reference, or to whom it was handed
    confirmed_by = SensitiveField()  # who at the receiving school confirmed receipt

    learner: Mapped[Learner] = relationship()
    recorded_by: Mapped[User] = relationship(foreign_keys=[recorded_by_id])
    receipt_recorded_by: Mapped[User | None] = relationship(foreign_keys=[receipt_recorded_by_id])

    @property
    def is_confirmed(self) -> bool:
        return self.receipt_confirmed_on is not None
