"""The team around the child: who is on a learner's case, from when until when, and invitations."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.agencies.accounts.models import Agency, Role, User
from app.cases.lawful_basis.bases import Article6, Article9
from app.core.mail.addresses import normalise_email
from app.extensions import db
from app.security.crypto import Sealed, SealedText, SensitiveField
from app.types import PublicId, UTCDateTime, enum_column, new_public_id, utcnow


class TeamMembership(db.Model):
    """One person on one learner's case, in one role, for one stretch of time.

    Live while started, not yet at `ends_at`, and not ended early by the SENCo (`ended_at`).
    """

    __tablename__ = "team_membership"
    __table_args__ = (CheckConstraint("ends_at IS NULL OR ends_at > starts_at", name="ends_after_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(PublicId(), unique=True, default=new_public_id)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learner.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    role: Mapped[Role] = mapped_column(enum_column(Role))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # ended early by the SENCo
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    end_reason_sealed: Mapped[Sealed | None] = mapped_column(SealedText())  # why it was ended early (a court order)
    end_reason = SensitiveField()
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The case shared with someone from outside the school (an invited SLT or EP): under what law, and on which
    # consent when that is the basis (its withdrawal ends the membership). None for the school's own staff.
    lawful_basis: Mapped[Article6 | None] = mapped_column(enum_column(Article6))
    special_category_condition: Mapped[Article9 | None] = mapped_column(enum_column(Article9))
    lawful_basis_assumed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    consent_id: Mapped[int | None] = mapped_column(ForeignKey("consent.id"), index=True)

    learner: Mapped[Learner] = relationship(back_populates="memberships")  # noqa: F821
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    ended_by: Mapped[User | None] = relationship(foreign_keys=[ended_by_id])

    def is_live(self, now: datetime | None = None) -> bool:
        now = now or utcnow()
        return self.ended_at is None and self.starts_at <= now and (self.ends_at is None or now < self.ends_at)

    def __repr__(self) -> str:
        return f"<TeamMembership {self.public_id} {self.role.value}>"


class Invitation(db.Model):
    """A single-use link that brings an external professional or a parent onto one case.

    Only a SHA-256 of the token is kept; the link itself exists once, on the SENCo's page and in
    the (sealed) outbox message.
    """

    __tablename__ = "invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(PublicId(), unique=True, default=new_public_id)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learner.id"), index=True)
    email_sealed: Mapped[Sealed] = mapped_column(SealedText())
    # The same keyed index as an account's address: an open invitation to an address is found without opening any.
    email_index: Mapped[str] = mapped_column(String(32), index=True)
    display_name_sealed: Mapped[Sealed] = mapped_column(SealedText())
    role: Mapped[Role] = mapped_column(enum_column(Role))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    access_ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    invited_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # What the membership it brings will be shared under (copied to it on acceptance).
    lawful_basis: Mapped[Article6 | None] = mapped_column(enum_column(Article6))
    special_category_condition: Mapped[Article9 | None] = mapped_column(enum_column(Article9))
    lawful_basis_assumed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    consent_id: Mapped[int | None] = mapped_column(ForeignKey("consent.id"), index=True)

    learner: Mapped[Learner] = relationship()  # noqa: F821
    agency: Mapped[Agency] = relationship()
    invited_by: Mapped[User] = relationship(foreign_keys=[invited_by_id])

    email = SensitiveField(index=normalise_email)
    display_name = SensitiveField()

    def is_open(self, now: datetime | None = None) -> bool:
        now = now or utcnow()
        return self.accepted_at is None and self.revoked_at is None and now < self.expires_at

    def __repr__(self) -> str:
        return f"<Invitation {self.public_id} {self.role.value}>"
