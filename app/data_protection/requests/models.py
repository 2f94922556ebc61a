"""A subject access request: who asked, about which learner, on what entitlement, and when it is due."""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.agencies.accounts.models import Agency, User
from app.cases.learners.models import Learner
from app.extensions import db
from app.security.crypto import Sealed, SealedText, SensitiveField
from app.types import PublicId, UTCDateTime, enum_column, new_public_id, utcnow


class RequesterRelationship(enum.Enum):
    PARENT = "parent"  # a parent with parental responsibility
    CHILD = "child"  # the child themselves (a child of about 12 or over is usually mature enough to ask)
    REPRESENTATIVE = "representative"  # a solicitor, an advocate: acting with the requester's authority
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            "parent": "Parent with parental responsibility",
            "child": "The child themselves",
            "representative": "A representative acting with authority",
            "other": "Other",
        }[self.value]


class RequestKind(enum.Enum):
    ARTICLE_15 = "article_15"  # UK GDPR Article 15: one calendar month, extendable by two
    EDUCATIONAL_RECORD = "educational_record"  # a parent's request at a maintained school: 15 school days

    @property
    def label(self) -> str:
        return {
            "article_15": "Subject access (UK GDPR Article 15)",
            "educational_record": "Educational record (maintained school)",
        }[self.value]


class RequestStatus(enum.Enum):
    REGISTERED = "registered"
    IDENTITY_CHECKED = "identity_checked"
    # The bundle's own states (app.data_protection.bundles): stored here so the column's check allows them.
    BUILDING = "building"
    IN_REVIEW = "in_review"
    READY = "ready"
    # Closed: nothing is due any more.
    COMPLETED = "completed"
    WITHDRAWN = "withdrawn"
    REFUSED = "refused"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()

    @property
    def is_closed(self) -> bool:
        return self in CLOSED_STATUSES


CLOSED_STATUSES = frozenset({RequestStatus.COMPLETED, RequestStatus.WITHDRAWN, RequestStatus.REFUSED})


class ClockStart(enum.Enum):
    """What the one-month clock runs from (ICO guidance): the day of receipt, or the day the requester's identity
    was confirmed when the request could not be acted on before."""

    RECEIVED = "received"
    IDENTITY_CONFIRMED = "identity_confirmed"


class SubjectAccessRequest(db.Model):
    """One request in the school's register. The requester's name and entitlement are sealed (they name a person
    and, often, a family's circumstances); the learner is the subject, so every event about the request shows in
    their access history. `due_on` is stored so the register sorts and counts overdue requests in SQL; it is
    recomputed by the services whenever what it depends on changes (app.data_protection.requests.deadlines)."""

    __tablename__ = "subject_access_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(PublicId(), unique=True, default=new_public_id)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), index=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learner.id", ondelete="CASCADE"), index=True)
    kind: Mapped[RequestKind] = mapped_column(enum_column(RequestKind))
    requester_name_sealed: Mapped[Sealed] = mapped_column(SealedText())
    requester_relationship: Mapped[RequesterRelationship] = mapped_column(enum_column(RequesterRelationship))
    entitlement_sealed: Mapped[Sealed | None] = mapped_column(SealedText())
    received_on: Mapped[date]
    registered_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Identity: when it was confirmed (a day), how (sealed: "passport seen at reception"), who recorded it, when.
    identity_confirmed_on: Mapped[date | None]
    identity_note_sealed: Mapped[Sealed | None] = mapped_column(SealedText())
    identity_checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    identity_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The clock: the day it runs from, and which day that is.
    clock_start: Mapped[ClockStart] = mapped_column(enum_column(ClockStart))
    clock_starts_on: Mapped[date]
    due_on: Mapped[date] = mapped_column(index=True)
    # One extension for a complex request (Article 12(3)): up to two further months, with the reason.
    extended_to: Mapped[date | None]
    extension_reason_sealed: Mapped[Sealed | None] = mapped_column(SealedText())
    extended_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    extended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[RequestStatus] = mapped_column(enum_column(RequestStatus), default=RequestStatus.REGISTERED,
                                                  index=True)
    # Closing: completed, withdrawn by the requester, or refused (manifestly unfounded or excessive) with reason.
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    refusal_reason_sealed: Mapped[Sealed | None] = mapped_column(SealedText())
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    requester_name = SensitiveField()
    entitlement = SensitiveField()
    identity_note = SensitiveField()
    extension_reason = SensitiveField()
    refusal_reason = SensitiveField()

    agency: Mapped[Agency] = relationship()
    learner: Mapped[Learner] = relationship()
    registered_by: Mapped[User] = relationship(foreign_keys=[registered_by_id])
    identity_checked_by: Mapped[User | None] = relationship(foreign_keys=[identity_checked_by_id])
    extended_by: Mapped[User | None] = relationship(foreign_keys=[extended_by_id])
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])

    @property
    def is_open(self) -> bool:
        return not self.status.is_closed

    @property
    def identity_checked(self) -> bool:
        return self.identity_checked_at is not None

    @property
    def is_extended(self) -> bool:
        return self.extended_to is not None

    def is_overdue(self, today: date) -> bool:
        """Not closed, and `today` (the school's day, app.core.dates.today) is past the due date."""
        return self.is_open and today > self.due_on

    def days_left(self, today: date) -> int:
        return (self.due_on - today).days

    def __repr__(self) -> str:
        return f"<SubjectAccessRequest {self.public_id} {self.kind.value} {self.status.value}>"
