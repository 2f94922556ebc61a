"""Learners: every identifying value sealed at rest, found only through blind indexes."""
from __future__ import annotations

import enum
import re
import unicodedata
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.agencies.accounts.models import Agency
from app.extensions import db
from app.security.crypto import DATE, EnumList, Sealed, SealedText, SensitiveField
from app.types import PublicId, UTCDateTime, new_public_id, utcnow

YEAR_GROUPS = {-1: "Nursery", 0: "Reception", **{year: f"Year {year}" for year in range(1, 14)}}


def normalise_name(name: str) -> str:
    """Case, accents, punctuation and spacing do not matter when looking a learner up by name."""
    decomposed = unicodedata.normalize("NFKD", name or "")
    letters = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    letters = re.sub(r"[^\w\s]", "", letters.casefold())
    return " ".join(letters.split())


def normalise_upn(upn: str) -> str:
    return re.sub(r"\s+", "", (upn or "").upper())


class AreaOfNeed(enum.Enum):
    """The four broad areas of need of the SEND Code of Practice."""

    COMMUNICATION_INTERACTION = "communication_interaction"
    COGNITION_LEARNING = "cognition_learning"
    SEMH = "social_emotional_mental_health"
    SENSORY_PHYSICAL = "sensory_physical"

    @property
    def label(self) -> str:
        return AREA_OF_NEED_LABELS[self]


AREA_OF_NEED_LABELS = {
    AreaOfNeed.COMMUNICATION_INTERACTION: "Communication and interaction",
    AreaOfNeed.COGNITION_LEARNING: "Cognition and learning",
    AreaOfNeed.SEMH: "Social, emotional and mental health",
    AreaOfNeed.SENSORY_PHYSICAL: "Sensory and/or physical",
}


class LearnerNames:
    """How a learner is named on a page, from whichever columns hold the values."""

    @property
    def year_group_label(self) -> str:
        return YEAR_GROUPS[self.year_group]

    @property
    def known_as(self) -> str:
        return self.preferred_name or self.name


class Learner(LearnerNames, db.Model):
    __tablename__ = "learner"
    __table_args__ = (CheckConstraint("year_group BETWEEN -1 AND 13", name="year_group_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(PublicId(), unique=True, default=new_public_id)
    school_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), index=True)
    year_group: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    name_sealed: Mapped[Sealed] = mapped_column(SealedText())
    # Blind indexes are only ever compared in SQL, never read: deferred, so pages do not load them.
    name_index: Mapped[str] = mapped_column(String(32), index=True, deferred=True)
    preferred_name_sealed: Mapped[Sealed | None] = mapped_column(SealedText())
    date_of_birth_sealed: Mapped[Sealed] = mapped_column(SealedText())
    upn_sealed: Mapped[Sealed | None] = mapped_column(SealedText())
    upn_index: Mapped[str | None] = mapped_column(String(32), index=True, deferred=True)
    notes_sealed: Mapped[Sealed | None] = mapped_column(SealedText())
    areas_of_need_sealed: Mapped[Sealed | None] = mapped_column(SealedText())

    name = SensitiveField(index=normalise_name)
    preferred_name = SensitiveField()
    date_of_birth = SensitiveField(codec=DATE)
    upn = SensitiveField(index=normalise_upn)
    notes = SensitiveField()  # rich text, cleaned by app.security.sanitize before it is stored
    # A child's needs are special category data too: sealed like the rest.
    areas_of_need = SensitiveField(codec=EnumList(AreaOfNeed))

    school: Mapped[Agency] = relationship()
    memberships: Mapped[list[TeamMembership]] = relationship(back_populates="learner")  # noqa: F821 (team.models)
    plan: Mapped[SupportPlan | None] = relationship(back_populates="learner")  # noqa: F821

    def __repr__(self) -> str:
        return f"<Learner {self.public_id}>"
