"""SMART development goals, linked to the entries that evidence them."""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Column, ForeignKey, Integer, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.cpd.entries.models import ReflectiveEntry, Standard
from app.extensions import db
from app.security.crypto import Sealed, SealedText, SensitiveField
from app.types import PublicId, UTCDateTime, enum_column, new_public_id, utcnow


class RelevantTo(enum.Enum):
    STANDARD = "standard"
    JOB_DESCRIPTION = "job_description"
    FEEDBACK = "feedback"

    @property
    def label(self) -> str:
        return {"standard": "A professional standard", "job_description": "My job description",
                "feedback": "Feedback I have received"}[self.value]


class GoalStatus(enum.Enum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    ACHIEVED = "achieved"
    PARTLY_ACHIEVED = "partly_achieved"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()

    @property
    def is_open(self) -> bool:
        return self in (GoalStatus.NOT_STARTED, GoalStatus.IN_PROGRESS)


goal_entry = Table(
    "cpd_goal_entry",
    db.metadata,
    Column("goal_id", ForeignKey("cpd_goal.id", ondelete="CASCADE"), primary_key=True),
    Column("entry_id", ForeignKey("cpd_entry.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class DevelopmentGoal(db.Model):
    """A SMART goal: specific, with a measurable criterion, relevant to something named, and a date."""

    __tablename__ = "cpd_goal"
    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(PublicId(), unique=True, default=new_public_id)
    owner_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    relevant_to: Mapped[RelevantTo] = mapped_column(enum_column(RelevantTo))
    standard_id: Mapped[int | None] = mapped_column(ForeignKey("cpd_standard.id"))
    target_on: Mapped[date]
    status: Mapped[GoalStatus] = mapped_column(enum_column(GoalStatus), default=GoalStatus.NOT_STARTED)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)
    specific_sealed: Mapped[Sealed] = mapped_column(SealedText())
    measure_sealed: Mapped[Sealed] = mapped_column(SealedText())
    relevance_sealed: Mapped[Sealed | None] = mapped_column(SealedText())

    specific = SensitiveField()  # what I will be able to do
    measure = SensitiveField()  # how I (and my manager) will know
    relevance = SensitiveField()  # which part of the job description, or what feedback

    owner: Mapped[User] = relationship()  # noqa: F821
    standard: Mapped[Standard | None] = relationship()
    entries: Mapped[list[ReflectiveEntry]] = relationship(secondary=goal_entry, order_by=ReflectiveEntry.activity_on)

    __mapper_args__ = {"version_id_col": version}
