"""Joint-planning meetings: attendees, agenda, minutes, decisions, actions and outcomes reviewed.

Once the chair signs a record off it is frozen as a `MeetingRecord` (a sealed snapshot); an
amendment after that is a new version, and earlier versions keep rendering exactly as signed.
"""
from __future__ import annotations

import enum
from datetime import date, datetime, time

from sqlalchemy import CheckConstraint, ForeignKey, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.cases.plans.models import Outcome, ProgressRating
from app.extensions import db
from app.security.crypto import Sealed, SealedText, SensitiveField
from app.types import PublicId, UTCDateTime, enum_column, new_public_id, utcnow


class MeetingKind(enum.Enum):
    PLANNING = "planning"
    REVIEW = "review"
    TEAM_AROUND_THE_CHILD = "team_around_the_child"

    @property
    def label(self) -> str:
        return {"planning": "Planning meeting", "review": "Review meeting",
                "team_around_the_child": "Team around the child meeting"}[self.value]


class Attendance(enum.Enum):
    PRESENT = "present"
    APOLOGIES = "apologies"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class ActionStatus(enum.Enum):
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class Meeting(db.Model):
    __tablename__ = "meeting"
    __table_args__ = (CheckConstraint("duration_minutes > 0 AND duration_minutes <= 480", name="duration_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(PublicId(), unique=True, default=new_public_id)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learner.id"), index=True)
    cycle_id: Mapped[int | None] = mapped_column(ForeignKey("plan_cycle.id"), index=True)
    kind: Mapped[MeetingKind] = mapped_column(enum_column(MeetingKind))
    held_on: Mapped[date]
    starts_at: Mapped[time]
    duration_minutes: Mapped[int] = mapped_column(Integer)
    # Indexed: a person's own meetings (the CPD prompts) are found by who chaired or recorded them.
    chair_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    shared_with_family: Mapped[bool] = mapped_column(default=False)
    record_number: Mapped[int] = mapped_column(Integer, default=1)  # the version being written
    signed_off_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # of the current version
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    agenda_sealed: Mapped[Sealed | None] = mapped_column(SealedText())
    minutes_sealed: Mapped[Sealed | None] = mapped_column(SealedText())
    decisions_sealed: Mapped[Sealed | None] = mapped_column(SealedText())
    other_attendees_sealed: Mapped[Sealed | None] = mapped_column(SealedText())  # named others, one a line
    agenda = SensitiveField()
    minutes = SensitiveField()
    decisions = SensitiveField()
    other_attendees = SensitiveField()
    # Agenda, minutes and decisions are typed sources; beside each the safe HTML made when it was saved.
    agenda_html_sealed: Mapped[Sealed | None] = mapped_column(SealedText())
    minutes_html_sealed: Mapped[Sealed | None] = mapped_column(SealedText())
    decisions_html_sealed: Mapped[Sealed | None] = mapped_column(SealedText())
    agenda_html = SensitiveField()
    minutes_html = SensitiveField()
    decisions_html = SensitiveField()
    writing_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # allowlist of its HTML

    learner: Mapped[Learner] = relationship()  # noqa: F821
    chair: Mapped[User] = relationship(foreign_keys=[chair_id])  # noqa: F821
    recorded_by: Mapped[User] = relationship(foreign_keys=[recorded_by_id])  # noqa: F821
    attendees: Mapped[list[MeetingAttendee]] = relationship(back_populates="meeting", order_by="MeetingAttendee.id")
    actions: Mapped[list[MeetingAction]] = relationship(back_populates="meeting", order_by="MeetingAction.id")
    outcome_reviews: Mapped[list[OutcomeReview]] = relationship(back_populates="meeting", order_by="OutcomeReview.id")
    records: Mapped[list[MeetingRecord]] = relationship(back_populates="meeting", order_by="MeetingRecord.number")

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_signed_off(self) -> bool:
        return self.signed_off_at is not None


class MeetingAttendee(db.Model):
    __tablename__ = "meeting_attendee"
    __table_args__ = (UniqueConstraint("meeting_id", "user_id", name="one_row_per_person"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)  # the meetings a person attended
    attendance: Mapped[Attendance] = mapped_column(enum_column(Attendance))

    meeting: Mapped[Meeting] = relationship(back_populates="attendees")
    user: Mapped[User] = relationship()  # noqa: F821


class MeetingAction(db.Model):
    __tablename__ = "meeting_action"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(PublicId(), unique=True, default=new_public_id)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id"), index=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    due_on: Mapped[date]
    status: Mapped[ActionStatus] = mapped_column(enum_column(ActionStatus), default=ActionStatus.OPEN)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    description_sealed: Mapped[Sealed] = mapped_column(SealedText())
    description = SensitiveField()

    meeting: Mapped[Meeting] = relationship(back_populates="actions")
    owner: Mapped[User] = relationship()  # noqa: F821

    __mapper_args__ = {"version_id_col": version}


class OutcomeReview(db.Model):
    """An outcome the meeting reviewed, with the rating it gave."""

    __tablename__ = "outcome_review"
    __table_args__ = (UniqueConstraint("meeting_id", "outcome_id", name="one_review_per_outcome"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(PublicId(), unique=True, default=new_public_id)  # binds the sealed comment
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id"), index=True)
    outcome_id: Mapped[int] = mapped_column(ForeignKey("outcome.id"))
    rating: Mapped[ProgressRating] = mapped_column(enum_column(ProgressRating))

    comment_sealed: Mapped[Sealed | None] = mapped_column(SealedText())
    comment = SensitiveField()

    meeting: Mapped[Meeting] = relationship(back_populates="outcome_reviews")
    outcome: Mapped[Outcome] = relationship()


class MeetingRecord(db.Model):
    """A signed-off version of a meeting's record, frozen as a sealed JSON snapshot."""

    __tablename__ = "meeting_record"
    __table_args__ = (UniqueConstraint("meeting_id", "number", name="one_row_per_record_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(PublicId(), unique=True, default=new_public_id)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    signed_off_at: Mapped[datetime] = mapped_column(UTCDateTime())
    signed_off_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))

    snapshot_sealed: Mapped[Sealed] = mapped_column(SealedText())
    snapshot = SensitiveField()  # JSON: everything the record page shows

    meeting: Mapped[Meeting] = relationship(back_populates="records")
