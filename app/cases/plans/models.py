"""Support plans in assess-plan-do-review cycles, with SMART outcomes and provision.

Every editable record carries a `version` that SQLAlchemy checks on UPDATE (`version_id_col`):
two people saving the same record at once cannot both win, and the loser sees a conflict page.
A closed cycle is never changed again, so its page reads the same for ever.
"""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.security.crypto import Sealed, SealedText, SensitiveField
from app.types import PublicId, UTCDateTime, enum_column, new_public_id, utcnow


class CycleStage(enum.Enum):
    """The graduated approach: assess, plan, do, review; a closed cycle is history."""

    ASSESS = "assess"
    PLAN = "plan"
    DO = "do"
    REVIEW = "review"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class ProgressRating(enum.Enum):
    NOT_YET_REVIEWED = "not_yet_reviewed"
    NOT_MET = "not_met"
    PARTLY_MET = "partly_met"
    MET = "met"
    EXCEEDED = "exceeded"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class SupportPlan(db.Model):
    """One learner's plan: a run of cycles, the newest of which is open."""

    __tablename__ = "support_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(PublicId(), unique=True, default=new_public_id)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learner.id"), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    learner: Mapped[Learner] = relationship(back_populates="plan")  # noqa: F821
    cycles: Mapped[list[PlanCycle]] = relationship(back_populates="plan", order_by="PlanCycle.number")


class PlanCycle(db.Model):
    """One assess-plan-do-review cycle: views, needs by area, outcomes and provision."""

    __tablename__ = "plan_cycle"
    __table_args__ = (UniqueConstraint("plan_id", "number", name="one_number_per_plan"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(PublicId(), unique=True, default=new_public_id)
    plan_id: Mapped[int] = mapped_column(ForeignKey("support_plan.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    stage: Mapped[CycleStage] = mapped_column(enum_column(CycleStage), default=CycleStage.ASSESS)
    assess_on: Mapped[date | None]
    plan_on: Mapped[date | None]
    do_from: Mapped[date | None]
    review_on: Mapped[date | None] = mapped_column(index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # Closed because its learner's record was merged into another whose cycle continues; content kept.
    merged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    learner_views_sealed: Mapped[Sealed | None] = mapped_column(SealedText())
    family_views_sealed: Mapped[Sealed | None] = mapped_column(SealedText())
    aspirations_sealed: Mapped[Sealed | None] = mapped_column(SealedText())
    needs_communication_sealed: Mapped[Sealed | None] = mapped_column(SealedText())
    needs_cognition_sealed: Mapped[Sealed | None] = mapped_column(SealedText())
    needs_semh_sealed: Mapped[Sealed | None] = mapped_column(SealedText())
    needs_sensory_sealed: Mapped[Sealed | None] = mapped_column(SealedText())
    review_summary_sealed: Mapped[Sealed | None] = mapped_column(SealedText())

    learner_views = SensitiveField()
    family_views = SensitiveField()
    aspirations = SensitiveField()
    needs_communication = SensitiveField()
    needs_cognition = SensitiveField()
    needs_semh = SensitiveField()
    needs_sensory = SensitiveField()
    review_summary = SensitiveField()
    # Each text above is its typed source; beside it the safe HTML made when it was saved, stamped below.
    learner_views_html_sealed: Mapped[Sealed | None] = mapped_column(SealedText())
    family_views_html_sealed: Mapped[Sealed | None] = mapped_column(SealedText())
    aspirations_html_sealed: Mapped[Sealed | None] = mapped_column(SealedText())
    needs_communication_html_sealed: Mapped[Sealed | None] = mapped_column(SealedText())
    needs_cognition_html_sealed: Mapped[Sealed | None] = mapped_column(SealedText())
    needs_semh_html_sealed: Mapped[Sealed | None] = mapped_column(SealedText())
    needs_sensory_html_sealed: Mapped[Sealed | None] = mapped_column(SealedText())
    review_summary_html_sealed: Mapped[Sealed | None] = mapped_column(SealedText())
    learner_views_html = SensitiveField()
    family_views_html = SensitiveField()
    aspirations_html = SensitiveField()
    needs_communication_html = SensitiveField()
    needs_cognition_html = SensitiveField()
    needs_semh_html = SensitiveField()
    needs_sensory_html = SensitiveField()
    review_summary_html = SensitiveField()
    writing_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # allowlist of its HTML

    plan: Mapped[SupportPlan] = relationship(back_populates="cycles")
    outcomes: Mapped[list[Outcome]] = relationship(back_populates="cycle", order_by="Outcome.id")
    provisions: Mapped[list[Provision]] = relationship(back_populates="cycle", order_by="Provision.id")

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_closed(self) -> bool:
        return self.stage is CycleStage.CLOSED

    @property
    def learner(self) -> Learner:  # noqa: F821
        return self.plan.learner


class Outcome(db.Model):
    """A SMART outcome: what, how it is measured, by when, who owns it, and progress at review."""

    __tablename__ = "outcome"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(PublicId(), unique=True, default=new_public_id)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("plan_cycle.id"), index=True)
    target_on: Mapped[date]
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    progress: Mapped[ProgressRating] = mapped_column(enum_column(ProgressRating),
                                                     default=ProgressRating.NOT_YET_REVIEWED)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    description_sealed: Mapped[Sealed] = mapped_column(SealedText())
    measure_sealed: Mapped[Sealed] = mapped_column(SealedText())
    description = SensitiveField()
    measure = SensitiveField()

    cycle: Mapped[PlanCycle] = relationship(back_populates="outcomes")
    owner: Mapped[User | None] = relationship()  # noqa: F821

    @property
    def learner(self) -> Learner:  # noqa: F821
        return self.cycle.learner

    __mapper_args__ = {"version_id_col": version}


class Provision(db.Model):
    """What is provided: what, by whom, how often, from when until when."""

    __tablename__ = "provision"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(PublicId(), unique=True, default=new_public_id)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("plan_cycle.id"), index=True)
    frequency: Mapped[str] = mapped_column(String(120))
    starts_on: Mapped[date]
    ends_on: Mapped[date | None]
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    description_sealed: Mapped[Sealed] = mapped_column(SealedText())
    description = SensitiveField()
    # Who delivers it is typed freely, often a person's name ("Mrs Patel, LSP"): sealed like one.
    delivered_by_sealed: Mapped[Sealed] = mapped_column(SealedText())
    delivered_by = SensitiveField()

    cycle: Mapped[PlanCycle] = relationship(back_populates="provisions")

    @property
    def learner(self) -> Learner:  # noqa: F821
        return self.cycle.learner

    __mapper_args__ = {"version_id_col": version}


class CycleStageChange(db.Model):
    """One move of a cycle from one stage to another: forward, closed by a review or a merge, or moved back.

    A move back names the move it reverses (`reverses_id`) and keeps the SENCo's reason, sealed.
    """

    __tablename__ = "cycle_stage_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(PublicId(), unique=True, default=new_public_id)  # binds the sealed reason
    cycle_id: Mapped[int] = mapped_column(ForeignKey("plan_cycle.id"), index=True)
    from_stage: Mapped[CycleStage] = mapped_column(enum_column(CycleStage, "from_stage"))
    to_stage: Mapped[CycleStage] = mapped_column(enum_column(CycleStage, "to_stage"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("cycle_stage_change.id"))
    reason_sealed: Mapped[Sealed | None] = mapped_column(SealedText())  # a move back's reason only
    reason = SensitiveField()

    cycle: Mapped[PlanCycle] = relationship()
    changed_by: Mapped[User | None] = relationship()  # noqa: F821
    reverses: Mapped[CycleStageChange | None] = relationship(remote_side=[id])

    @property
    def learner(self) -> Learner:  # noqa: F821
        return self.cycle.learner
