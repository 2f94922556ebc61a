"""A consent: who gave it, when, for what and how; who recorded it; and its withdrawal."""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.agencies.accounts.models import Agency, User
from app.cases.learners.models import Learner
from app.extensions import db
from app.security.crypto import Sealed, SealedText, SensitiveField
from app.types import PublicId, UTCDateTime, enum_column, new_public_id, utcnow


class ConsentPurpose(enum.Enum):
    REFERRAL = "referral"  # a referral to a named outside agency
    SHARING = "sharing"  # sharing the case with a named outside agency or person

    @property
    def label(self) -> str:
        return {ConsentPurpose.REFERRAL: "A referral", ConsentPurpose.SHARING: "Sharing the case"}[self]


class ConsentMethod(enum.Enum):
    IN_WRITING = "in_writing"
    VERBALLY_AT_MEETING = "verbally_at_meeting"
    THROUGH_BRAID = "through_braid"

    @property
    def label(self) -> str:
        return {ConsentMethod.IN_WRITING: "In writing", ConsentMethod.VERBALLY_AT_MEETING: "Verbally, at a meeting",
                ConsentMethod.THROUGH_BRAID: "Through Braid"}[self]


class Consent(db.Model):
    """One consent for one learner, kept after it is withdrawn (the record of what was agreed, and until when).

    Given by a parent's account on the team (`given_by`), or by a named person with their relationship to the
    child (sealed: a name is personal data). For a named agency (`agency`) and/or a named person (sealed)."""

    __tablename__ = "consent"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(PublicId(), unique=True, default=new_public_id)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learner.id", ondelete="CASCADE"), index=True)
    given_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    given_by_name_sealed: Mapped[Sealed | None] = mapped_column(SealedText())
    giver_relationship_sealed: Mapped[Sealed | None] = mapped_column(SealedText())
    given_on: Mapped[date] = mapped_column(Date())
    purpose: Mapped[ConsentPurpose] = mapped_column(enum_column(ConsentPurpose))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"))
    recipient_name_sealed: Mapped[Sealed | None] = mapped_column(SealedText())  # a named person, when one
    method: Mapped[ConsentMethod] = mapped_column(enum_column(ConsentMethod))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    withdrawal_method: Mapped[ConsentMethod | None] = mapped_column(
        enum_column(ConsentMethod, name="withdrawalmethod"))
    withdrawal_reason_sealed: Mapped[Sealed | None] = mapped_column(SealedText())

    given_by_name = SensitiveField()
    giver_relationship = SensitiveField()
    recipient_name = SensitiveField()
    withdrawal_reason = SensitiveField()

    learner: Mapped[Learner] = relationship()
    given_by: Mapped[User | None] = relationship(foreign_keys=[given_by_id])
    agency: Mapped[Agency | None] = relationship()
    recorded_by: Mapped[User] = relationship(foreign_keys=[recorded_by_id])
    withdrawn_by: Mapped[User | None] = relationship(foreign_keys=[withdrawn_by_id])

    @property
    def is_live(self) -> bool:
        return self.withdrawn_at is None

    @property
    def giver(self) -> str:
        """Who gave it, as a page names them."""
        if self.given_by is not None:
            return f"{self.given_by.display_name} (parent or carer on the team)"
        name = str(self.given_by_name)
        return f"{name} ({self.giver_relationship})" if self.giver_relationship else name

    @property
    def recipient(self) -> str:
        """For whom: the agency, the person, or both."""
        parts = [part for part in (self.agency.name if self.agency else None, self.recipient_name) if part]
        return ", ".join(parts)
