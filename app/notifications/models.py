"""A notification (one person told of one thing) and each person's choice of delivery per kind."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.security.crypto import Sealed, SealedText, SensitiveField
from app.types import PublicId, UTCDateTime, enum_column, new_public_id, utcnow


class NotificationKind(enum.Enum):
    CONCERN_RECORDED = "concern_recorded"  # the DSL(s), at once, cannot be turned off
    ACTION_ASSIGNED = "action_assigned"  # the person a meeting action is assigned to
    ACTION_DUE_TOMORROW = "action_due_tomorrow"  # periodic
    ACTION_OVERDUE = "action_overdue"  # periodic
    MEETING_AWAITING_SIGN_OFF = "meeting_awaiting_sign_off"  # the chair
    REVIEW_DUE = "review_due"  # periodic: the team, a plan cycle's review within 14 days
    CONTRIBUTION_ADDED = "contribution_added"  # everyone on the case who may see that contribution
    PROGRESS_REVIEW_TO_SIGN = "progress_review_to_sign"  # the practitioner whose CPD progress review waits
    INVITATION_ACCEPTED = "invitation_accepted"  # the inviter
    INVITATION_LAPSED = "invitation_lapsed"  # periodic: the inviter
    ACCESS_ENDING = "access_ending"  # periodic: an external account ending within 7 days
    CONSENT_WITHDRAWN = "consent_withdrawn"  # the SENCo, the DSL, the team; the outside professional who lost access

    @property
    def label(self) -> str:
        return KIND_LABELS[self]

    @property
    def can_turn_off(self) -> bool:
        """A safeguarding concern reaches the DSL at once, whatever they chose: it cannot wait for a summary."""
        return self is not NotificationKind.CONCERN_RECORDED


KIND_LABELS = {
    NotificationKind.CONCERN_RECORDED: "A safeguarding concern is recorded",
    NotificationKind.ACTION_ASSIGNED: "A meeting action is assigned to you",
    NotificationKind.ACTION_DUE_TOMORROW: "An action of yours is due tomorrow",
    NotificationKind.ACTION_OVERDUE: "An action of yours is overdue",
    NotificationKind.MEETING_AWAITING_SIGN_OFF: "A meeting record awaits your sign-off",
    NotificationKind.REVIEW_DUE: "A plan review is due within 14 days",
    NotificationKind.CONTRIBUTION_ADDED: "A contribution is added to a case you are on",
    NotificationKind.PROGRESS_REVIEW_TO_SIGN: "A CPD progress review awaits your signature",
    NotificationKind.INVITATION_ACCEPTED: "An invitation you sent is accepted",
    NotificationKind.INVITATION_LAPSED: "An invitation you sent has lapsed",
    NotificationKind.ACCESS_ENDING: "Your access to Braid ends within 7 days",
    NotificationKind.CONSENT_WITHDRAWN: "Consent to share a case is withdrawn",
}


class Delivery(enum.Enum):
    AT_ONCE = "at_once"
    DAILY_SUMMARY = "daily_summary"
    PAGE_ONLY = "page_only"

    @property
    def label(self) -> str:
        return DELIVERY_LABELS[self]


DELIVERY_LABELS = {
    Delivery.AT_ONCE: "At once, by email",
    Delivery.DAILY_SUMMARY: "In a daily summary email",
    Delivery.PAGE_ONLY: "On the notifications page only",
}

# With no preference row: the things someone must act on soon come at once, the rest in the daily summary.
DEFAULT_DELIVERY = {
    NotificationKind.CONCERN_RECORDED: Delivery.AT_ONCE,
    NotificationKind.ACTION_ASSIGNED: Delivery.AT_ONCE,
    NotificationKind.MEETING_AWAITING_SIGN_OFF: Delivery.AT_ONCE,
    NotificationKind.PROGRESS_REVIEW_TO_SIGN: Delivery.AT_ONCE,
    NotificationKind.ACCESS_ENDING: Delivery.AT_ONCE,
    NotificationKind.CONSENT_WITHDRAWN: Delivery.AT_ONCE,  # sharing stops at once: those sharing must know
}


class Notification(db.Model):
    """One person told of one thing. The summary may name a learner, so it is sealed; the path holds public ids."""

    __tablename__ = "notification"
    __table_args__ = (
        # A repeated event (a periodic run twice, a record saved again) tells nobody twice.
        UniqueConstraint("recipient_id", "dedupe_key", name="uq_notification_recipient_id_dedupe_key"),
        # The header's count on every page: one indexed count of a person's unread notifications.
        Index("ix_notification_recipient_id_read_at", "recipient_id", "read_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(PublicId(), unique=True, default=new_public_id)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    kind: Mapped[NotificationKind] = mapped_column(enum_column(NotificationKind))
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_public_id: Mapped[str] = mapped_column(String(32))
    # So that a learner's erasure or merge finds what was said about them.
    learner_id: Mapped[int | None] = mapped_column(ForeignKey("learner.id", ondelete="CASCADE"), index=True)
    path: Mapped[str] = mapped_column(String(300))
    summary_sealed: Mapped[Sealed] = mapped_column(SealedText())
    dedupe_key: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # sent at once
    summarised_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # went out in a daily summary

    summary = SensitiveField()

    # Named by string: this package imports no domain. The page notes the learners it shows for the audit trail.
    learner: Mapped[Learner | None] = relationship()  # noqa: F821

    def __repr__(self) -> str:
        return f"<Notification {self.public_id} {self.kind.value}>"


class NotificationPreference(db.Model):
    """How one person wants one kind of notification; no row means the kind's default."""

    __tablename__ = "notification_preference"
    __table_args__ = (UniqueConstraint("user_id", "kind", name="uq_notification_preference_user_id_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    kind: Mapped[NotificationKind] = mapped_column(enum_column(NotificationKind))
    delivery: Mapped[Delivery] = mapped_column(enum_column(Delivery))
