"""The family one-page profile of a learner: four sections in plain English, written by the SENCo with the family.

A draft until the SENCo shares it with the family (`published_at`); every save checks `version` (the conflict page).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.security.crypto import Sealed, SealedText, SensitiveField
from app.types import PublicId, UTCDateTime, new_public_id, utcnow

# The sections in the order the page and the PDF show them: (field, heading; "{name}" is the learner's known-as).
SECTIONS = (
    ("good_at", "What {name} is good at"),
    ("what_helps", "What helps me"),
    ("working_on", "What we are working on together"),
    ("who_to_talk_to", "Who to talk to"),
)


class FamilyProfile(db.Model):
    __tablename__ = "family_profile"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(PublicId(), unique=True, default=new_public_id)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learner.id"), unique=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # shared with the family since

    good_at_sealed: Mapped[Sealed | None] = mapped_column(SealedText())
    what_helps_sealed: Mapped[Sealed | None] = mapped_column(SealedText())
    working_on_sealed: Mapped[Sealed | None] = mapped_column(SealedText())
    who_to_talk_to_sealed: Mapped[Sealed | None] = mapped_column(SealedText())
    good_at = SensitiveField()
    what_helps = SensitiveField()
    working_on = SensitiveField()
    who_to_talk_to = SensitiveField()

    learner: Mapped[Learner] = relationship()  # noqa: F821
    updated_by: Mapped[User | None] = relationship()  # noqa: F821

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_published(self) -> bool:
        return self.published_at is not None
