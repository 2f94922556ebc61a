"""The school's retention rules, legal holds, child-protection review decisions, erasure requests and the
destruction register."""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.agencies.accounts.models import User
from app.cases.learners.models import Learner
from app.extensions import db
from app.security.crypto import Sealed, SealedText, SensitiveField
from app.types import PublicId, UTCDateTime, enum_column, new_public_id, utcnow


class RetentionAction(enum.Enum):
    DESTROY = "destroy"  # the sweep destroys the records when the period has passed
    REVIEW = "review"  # the sweep lists them for review; the DSL decides; the sweep destroys what was decided
    KEEP = "keep"  # kept for good (the audit trail: append-only)


class RetentionRule(db.Model):
    """A school's own period and action for one record class; a class with no row here follows the IRMS default."""

    __tablename__ = "retention_rule"
    __table_args__ = (UniqueConstraint("school_id", "record_class", name="one_rule_per_class"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(PublicId(), unique=True, default=new_public_id)
    school_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), index=True)
    record_class: Mapped[str] = mapped_column(String(40))  # a RecordClass value (schedule.py)
    years: Mapped[int] = mapped_column(Integer)
    action: Mapped[RetentionAction] = mapped_column(enum_column(RetentionAction))
    changed_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    changed_by: Mapped[User] = relationship()


class LegalHold(db.Model):
    """A legal hold on a learner's records: while it is in force nothing of the learner is destroyed. Kept after it
    is lifted, as history. The reason and the reference are sealed: they may name people (a tribunal case)."""

    __tablename__ = "legal_hold"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(PublicId(), unique=True, default=new_public_id)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learner.id"), index=True)
    placed_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    reason_sealed: Mapped[Sealed] = mapped_column(SealedText())
    reference_sealed: Mapped[Sealed | None] = mapped_column(SealedText())
    lifted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    lift_reason_sealed: Mapped[Sealed | None] = mapped_column(SealedText())

    reason = SensitiveField()
    reference = SensitiveField()
    lift_reason = SensitiveField()

    learner: Mapped[Learner] = relationship()
    placed_by: Mapped[User] = relationship(foreign_keys=[placed_by_id])
    lifted_by: Mapped[User | None] = relationship(foreign_keys=[lifted_by_id])

    @property
    def in_force(self) -> bool:
        return self.lifted_at is None


class ReviewDecision(enum.Enum):
    DESTROY = "destroy"
    KEEP = "keep"


class ChildProtectionReview(db.Model):
    """The DSL's decision on a child-protection file whose review fell due: destroy it, or keep it until a date.
    The newest decision counts; a "keep" falls due for review again on its date."""

    __tablename__ = "child_protection_review"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(PublicId(), unique=True, default=new_public_id)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learner.id"), index=True)
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decision: Mapped[ReviewDecision] = mapped_column(enum_column(ReviewDecision))
    keep_until: Mapped[date | None] = mapped_column(Date())
    reason_sealed: Mapped[Sealed | None] = mapped_column(SealedText())

    reason = SensitiveField()

    learner: Mapped[Learner] = relationship()
    decided_by: Mapped[User] = relationship()


class ErasureOutcome(enum.Enum):
    REFUSED = "refused"
    ERASED = "erased"


class ErasureGround(enum.Enum):
    """Why erasure was refused: the Article 17(3) exemption that applies."""

    LEGAL_OBLIGATION = "17(3)(b)"  # compliance with a legal obligation: the retention period has not passed
    LEGAL_CLAIMS = "17(3)(e)"  # the establishment, exercise or defence of legal claims: a legal hold

    @property
    def label(self) -> str:
        return GROUND_LABELS[self]


GROUND_LABELS = {
    ErasureGround.LEGAL_OBLIGATION: "Article 17(3)(b): a legal obligation to keep the records (the retention "
                                    "period has not passed)",
    ErasureGround.LEGAL_CLAIMS: "Article 17(3)(e): the records are needed for legal claims (a legal hold)",
}


class ErasureRequest(db.Model):
    """A request to erase a learner's records (Article 17): who asked, when, and what Braid did. It outlives the
    learner: after erasure it names them by public id only (the learner key is emptied by the erasure)."""

    __tablename__ = "erasure_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(PublicId(), unique=True, default=new_public_id)
    school_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), index=True)
    learner_id: Mapped[int | None] = mapped_column(ForeignKey("learner.id"), index=True)
    learner_public_id: Mapped[str] = mapped_column(String(64))
    requested_by_sealed: Mapped[Sealed] = mapped_column(SealedText())  # who asked, and their relationship
    received_on: Mapped[date] = mapped_column(Date())
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    outcome: Mapped[ErasureOutcome] = mapped_column(enum_column(ErasureOutcome))
    ground: Mapped[ErasureGround | None] = mapped_column(enum_column(ErasureGround))
    ground_detail: Mapped[str | None] = mapped_column(String(300))  # the rule or hold, never content or names

    requested_by = SensitiveField()

    learner: Mapped[Learner | None] = relationship()
    recorded_by: Mapped[User] = relationship()


class DestructionEntry(db.Model):
    """One destruction: which record class of which learner (public id), by which rule, when and by whom. No
    content and no names, so the register itself holds nothing that needs destroying."""

    __tablename__ = "destruction_register"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(PublicId(), unique=True, default=new_public_id)
    school_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), index=True)
    record_class: Mapped[str] = mapped_column(String(40))
    learner_public_id: Mapped[str] = mapped_column(String(64), index=True)
    rule: Mapped[str] = mapped_column(String(200))  # e.g. "SEND file: date of birth + 31 years"
    destroyed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    destroyed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))  # None: the retention sweep
    rows_destroyed: Mapped[int] = mapped_column(Integer, default=0)

    destroyed_by: Mapped[User | None] = relationship()

    @property
    def by_label(self) -> str:
        return "Retention sweep" if self.destroyed_by is None else self.destroyed_by.display_name
