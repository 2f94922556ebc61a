"""The line manager's progress reviews (Appendix 4): targets achieved or not, revised targets, two signatures."""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Integer, Numeric, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.cpd.goals.models import DevelopmentGoal
from app.extensions import db
from app.security.crypto import Sealed, SealedText, SensitiveField
from app.types import PublicId, UTCDateTime, enum_column, new_public_id, utcnow


class Achieved(enum.Enum):
    YES = "yes"
    NO = "no"
    PARTIALLY = "partially"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class ReviewKind(enum.Enum):
    ANNUAL = "annual"
    MID_YEAR = "mid_year"

    @property
    def label(self) -> str:
        return {"annual": "Annual progress review", "mid_year": "Mid-year progress review"}[self.value]


class ProgressReview(db.Model):
    """Appendix 4: the line manager's progress review of a practitioner, signed by both.

    Any change after a signature clears both signatures: each signs the record as it finally reads.
    """

    __tablename__ = "cpd_progress_review"
    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(PublicId(), unique=True, default=new_public_id)
    practitioner_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    manager_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    kind: Mapped[ReviewKind] = mapped_column(enum_column(ReviewKind))
    held_on: Mapped[date]
    manager_signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    practitioner_signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The practitioner's CPD hours in the year of `held_on`, as they stood at the first signature: the figure
    # both signed, kept whatever is withdrawn or added later; cleared with the signatures. NULL on reviews
    # signed before migration 0010 (the page then shows the live total, saying so).
    signed_hours: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)
    individual_summary_sealed: Mapped[Sealed | None] = mapped_column(SealedText())
    manager_summary_sealed: Mapped[Sealed | None] = mapped_column(SealedText())
    key_targets_sealed: Mapped[Sealed | None] = mapped_column(SealedText())
    personal_development_sealed: Mapped[Sealed | None] = mapped_column(SealedText())
    revised_targets_sealed: Mapped[Sealed | None] = mapped_column(SealedText())
    development_needs_sealed: Mapped[Sealed | None] = mapped_column(SealedText())
    comments_sealed: Mapped[Sealed | None] = mapped_column(SealedText())

    individual_summary = SensitiveField()
    manager_summary = SensitiveField()
    key_targets = SensitiveField()  # for the next 12 months
    personal_development = SensitiveField()
    revised_targets = SensitiveField()
    development_needs = SensitiveField()
    comments = SensitiveField()

    practitioner: Mapped[User] = relationship(foreign_keys=[practitioner_id])  # noqa: F821
    manager: Mapped[User] = relationship(foreign_keys=[manager_id])  # noqa: F821
    targets: Mapped[list[ReviewTarget]] = relationship(back_populates="review", order_by="ReviewTarget.position",
                                                         cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_signed(self) -> bool:
        return self.manager_signed_at is not None and self.practitioner_signed_at is not None


class ReviewTarget(db.Model):
    """One target reviewed: achieved yes / no / partially, with comments; usually one of the goals."""

    __tablename__ = "cpd_review_target"
    __table_args__ = (UniqueConstraint("review_id", "position", name="one_target_per_position"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(PublicId(), unique=True, default=new_public_id)
    review_id: Mapped[int] = mapped_column(ForeignKey("cpd_progress_review.id", ondelete="CASCADE"), index=True)
    goal_id: Mapped[int | None] = mapped_column(ForeignKey("cpd_goal.id"))
    position: Mapped[int] = mapped_column(Integer)
    achieved: Mapped[Achieved] = mapped_column(enum_column(Achieved))
    target_sealed: Mapped[Sealed] = mapped_column(SealedText())
    comments_sealed: Mapped[Sealed | None] = mapped_column(SealedText())

    target = SensitiveField()
    comments = SensitiveField()

    review: Mapped[ProgressReview] = relationship(back_populates="targets")
    goal: Mapped[DevelopmentGoal | None] = relationship()
