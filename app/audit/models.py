"""The audit trail's tables: events (append-only), their learner index, seals, checkpoints and verifications.

Event rows are never updated: the hash chain lives in `audit_seal`, written in batches by the sealer
(app.audit.chain). Database triggers (migration 0005) reject UPDATE and DELETE on every table here,
and TRUNCATE on PostgreSQL; the ORM guard below refuses them before they reach the database.
"""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, LargeBinary, String, Text, event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from app.extensions import db
from app.security.crypto import Sealed, SealedText, SensitiveField
from app.types import PublicId, UTCDateTime, enum_column, new_public_id, utcnow

# SQLite only autoincrements an INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit identity.
EventId = BigInteger().with_variant(Integer(), "sqlite")


class AuditAction(enum.Enum):
    VIEW = "view"
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    EXPORT = "export"
    INVITE = "invite"
    ACCEPT_INVITATION = "accept_invitation"
    SIGN_IN = "sign_in"
    SIGN_IN_FAILED = "sign_in_failed"
    LOCKOUT = "lockout"
    SIGN_OUT = "sign_out"
    BREAK_GLASS = "break_glass"
    ROTATE_KEYS = "rotate_keys"
    VERIFY_AUDIT = "verify_audit"
    CHECKPOINT_AUDIT = "checkpoint_audit"
    # A learner's name shown in a list (home page, learner list, search, a trail's rows): not an opening of
    # their record, which is VIEW. Added by migration 0022; events before it recorded lists as VIEW.
    LISTED = "listed"

    @property
    def label(self) -> str:
        return ACTION_LABELS.get(self) or self.value.replace("_", " ").capitalize()


ACTION_LABELS = {AuditAction.LISTED: "Listed (name shown in a list)"}


class AuditOutcome(enum.Enum):
    ALLOWED = "allowed"
    REFUSED = "refused"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class AuditEvent(db.Model):
    """One thing someone did, or tried to do. Never a value: only names, ids and outcomes."""

    __tablename__ = "audit_event"
    __table_args__ = (
        # The DSL's review starts from their school and pages newest first by id (keyset paging).
        Index("ix_audit_event_school_id_id", "school_id", "id"),
        Index("ix_audit_event_school_actor", "school_id", "actor_id", "id"),
        Index("ix_audit_event_school_action", "school_id", "action", "id"),
        Index("ix_audit_event_school_outcome", "school_id", "outcome", "id"),
        Index("ix_audit_event_school_occurred", "school_id", "occurred_at"),
        Index("ix_audit_event_actor_id_id", "actor_id", "id"),
    )

    id: Mapped[int] = mapped_column(EventId, primary_key=True, autoincrement=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(Integer)  # no foreign key: the trail outlives accounts
    actor_role: Mapped[str | None] = mapped_column(String(20))
    actor_agency_id: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[AuditAction] = mapped_column(enum_column(AuditAction))
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_public_id: Mapped[str | None] = mapped_column(String(64))
    # Space-separated, sorted: every learner whose record the request touched (see AuditEventLearner).
    learner_public_ids: Mapped[str | None] = mapped_column(Text)
    # Whose trail this is: the learner's school, or the actor's school for events about no learner.
    school_id: Mapped[int | None] = mapped_column(Integer)
    request_id: Mapped[str | None] = mapped_column(String(32))
    ip_address: Mapped[str | None] = mapped_column(String(45))
    outcome: Mapped[AuditOutcome] = mapped_column(enum_column(AuditOutcome))
    fields_changed: Mapped[str | None] = mapped_column(Text)  # comma-separated names, never values
    purpose: Mapped[str | None] = mapped_column(String(80))
    out_of_hours: Mapped[bool] = mapped_column(Boolean, default=False)

    @property
    def learner_ids(self) -> list[str]:
        return self.learner_public_ids.split() if self.learner_public_ids else []

    @property
    def field_names(self) -> list[str]:
        return self.fields_changed.split(",") if self.fields_changed else []


class AuditEventLearner(db.Model):
    """Index of events by learner, so that a learner's access history is one indexed range."""

    __tablename__ = "audit_event_learner"

    learner_public_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    event_id: Mapped[int] = mapped_column(EventId, ForeignKey("audit_event.id"), primary_key=True)
    school_id: Mapped[int | None] = mapped_column(Integer)


class AuditSeal(db.Model):
    """A batch of events sealed into the chain: events with first_event_id <= id <= last_event_id.

    `members` holds, per event, its id (8 bytes) and the first 16 bytes of the SHA-256 of its
    canonical line: only read to name the event when a batch no longer matches.
    """

    __tablename__ = "audit_seal"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    first_event_id: Mapped[int] = mapped_column(EventId)
    last_event_id: Mapped[int] = mapped_column(EventId, unique=True)
    event_count: Mapped[int] = mapped_column(Integer)
    total_count: Mapped[int] = mapped_column(BigInteger)  # events in the chain up to and including this seal
    content_hash: Mapped[str] = mapped_column(String(64))
    members: Mapped[bytes] = mapped_column(LargeBinary)
    previous_hash: Mapped[str] = mapped_column(String(64))
    seal_hash: Mapped[str] = mapped_column(String(64))
    sealed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AuditCheckpoint(db.Model):
    """A signed head: the chain's length and last hash, with an HMAC under a key kept outside the database."""

    __tablename__ = "audit_checkpoint"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    seal_id: Mapped[int] = mapped_column(Integer)
    event_count: Mapped[int] = mapped_column(BigInteger)
    chain_hash: Mapped[str] = mapped_column(String(64))
    mac: Mapped[str] = mapped_column(String(64))


class AuditVerification(db.Model):
    """The result of one walk of the chain, shown on the DSL's page."""

    __tablename__ = "audit_verification"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    verified_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    intact: Mapped[bool] = mapped_column(Boolean)
    event_count: Mapped[int] = mapped_column(BigInteger)
    problem: Mapped[str | None] = mapped_column(String(300))  # names an event id, never its content


class PurposeCategory(enum.Enum):
    """Why someone needed data they would not otherwise see: stated for exports and break-glass access."""

    SAFEGUARDING = "safeguarding"
    SUBJECT_ACCESS = "subject_access"
    COMPLAINT = "complaint"
    INSPECTION = "inspection"
    BREACH_INVESTIGATION = "breach_investigation"
    COVER = "cover"
    OTHER = "other"

    @property
    def label(self) -> str:
        return PURPOSE_LABELS[self]


PURPOSE_LABELS = {
    PurposeCategory.SAFEGUARDING: "A safeguarding concern needs action",
    PurposeCategory.SUBJECT_ACCESS: "A subject access request",
    PurposeCategory.COMPLAINT: "Investigating a complaint",
    PurposeCategory.INSPECTION: "An inspection or audit",
    PurposeCategory.BREACH_INVESTIGATION: "Investigating a possible data breach",
    PurposeCategory.COVER: "Covering for an absent colleague",
    PurposeCategory.OTHER: "Another reason (explained below)",
}


class AuditExport(db.Model):
    """A CSV export of the trail: who took it, how many events, and why (the details sealed)."""

    __tablename__ = "audit_export"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(PublicId(), unique=True, default=new_public_id)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    purpose: Mapped[PurposeCategory] = mapped_column(enum_column(PurposeCategory))
    event_count: Mapped[int] = mapped_column(Integer)
    filters: Mapped[str] = mapped_column(String(400))  # the filter names and ids used, never free text

    details_sealed: Mapped[Sealed] = mapped_column(SealedText())
    details = SensitiveField()

    user: Mapped[User] = relationship()  # noqa: F821


APPEND_ONLY_TABLES = ("audit_event", "audit_event_learner", "audit_seal", "audit_checkpoint", "audit_verification")
_APPEND_ONLY_MODELS = (AuditEvent, AuditEventLearner, AuditSeal, AuditCheckpoint, AuditVerification)


class AppendOnlyViolation(RuntimeError):
    """Someone tried to change or remove an audit row through the ORM."""


@event.listens_for(Session, "before_flush")
def _refuse_audit_changes(session, flush_context, instances) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, _APPEND_ONLY_MODELS) and (obj in session.deleted or session.is_modified(obj)):
            raise AppendOnlyViolation(f"{type(obj).__name__} rows are append-only")


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_audit_changes(state) -> None:
    if not (state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) in APPEND_ONLY_TABLES:
        raise AppendOnlyViolation(f"{table.name} rows are append-only")
