"""Contributions: each professional's or parent's section of the plan, with every earlier version kept."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.agencies.accounts.models import Role
from app.cases.lawful_basis.bases import Article6, Article9
from app.extensions import db
from app.security.crypto import Sealed, SealedText, SensitiveField
from app.types import PublicId, UTCDateTime, enum_column, new_public_id, utcnow


class ContributionKind(enum.Enum):
    CLASSROOM_VIEW = "classroom_view"
    FAMILY_VIEW = "family_view"
    SLT_ASSESSMENT = "slt_assessment"
    EP_ASSESSMENT = "ep_assessment"
    INTERVENTION_RECORD = "intervention_record"
    LEARNER_VOICE = "learner_voice"

    @property
    def label(self) -> str:
        return CONTRIBUTION_KIND_LABELS[self]


CONTRIBUTION_KIND_LABELS = {
    ContributionKind.CLASSROOM_VIEW: "Classroom view",
    ContributionKind.FAMILY_VIEW: "Family view",
    ContributionKind.SLT_ASSESSMENT: "Speech and language assessment and advice",
    ContributionKind.EP_ASSESSMENT: "Psychological assessment and advice",
    ContributionKind.INTERVENTION_RECORD: "Intervention record",
    ContributionKind.LEARNER_VOICE: "Learner's own voice",
}

# Each role writes only its own kinds of contribution.
KINDS_BY_ROLE = {
    Role.TEACHER: (ContributionKind.CLASSROOM_VIEW,),
    Role.PARENT: (ContributionKind.FAMILY_VIEW,),
    Role.SLT: (ContributionKind.SLT_ASSESSMENT,),
    Role.EP: (ContributionKind.EP_ASSESSMENT,),
    Role.LSP: (ContributionKind.INTERVENTION_RECORD, ContributionKind.LEARNER_VOICE),
    Role.SENCO: (ContributionKind.LEARNER_VOICE,),
}


class Visibility(enum.Enum):
    TEAM = "team"
    TEAM_AND_FAMILY = "team_and_family"
    RESTRICTED = "restricted"  # the author, the SENCo and the DSL

    @property
    def label(self) -> str:
        return VISIBILITY_LABELS[self]


VISIBILITY_LABELS = {
    Visibility.TEAM: "The team around the child",
    Visibility.TEAM_AND_FAMILY: "The team and the family",
    Visibility.RESTRICTED: "Restricted: the author, the SENCo and the DSL",
}


class Contribution(db.Model):
    __tablename__ = "contribution"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(PublicId(), unique=True, default=new_public_id)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learner.id"), index=True)
    cycle_id: Mapped[int | None] = mapped_column(ForeignKey("plan_cycle.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    kind: Mapped[ContributionKind] = mapped_column(enum_column(ContributionKind))
    visibility: Mapped[Visibility] = mapped_column(enum_column(Visibility))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    title_sealed: Mapped[Sealed] = mapped_column(SealedText())
    body_sealed: Mapped[Sealed] = mapped_column(SealedText())
    title = SensitiveField()
    body = SensitiveField()  # the typed source; body_html is its safe HTML, made when it was saved
    body_html_sealed: Mapped[Sealed | None] = mapped_column(SealedText())
    body_html = SensitiveField()
    writing_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # allowlist of its HTML
    # Its lawful basis (Article 6) and, as everything in a contribution is special category data, its Article 9
    # condition: chosen by the author (their role's default preselected). Assumed: filled with the role's default
    # at the upgrade that introduced them (migration 0031), never chosen by anyone.
    lawful_basis: Mapped[Article6 | None] = mapped_column(enum_column(Article6))
    special_category_condition: Mapped[Article9 | None] = mapped_column(enum_column(Article9))
    lawful_basis_assumed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    # Withdrawn (misfiled): out of the case and every list, kept sealed for the DSL with who, when and why.
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    withdrawn_reason_sealed: Mapped[Sealed | None] = mapped_column(SealedText())
    withdrawn_reason = SensitiveField()

    learner: Mapped[Learner] = relationship()  # noqa: F821
    author: Mapped[User] = relationship(foreign_keys=[author_id])  # noqa: F821
    withdrawn_by: Mapped[User | None] = relationship(foreign_keys=[withdrawn_by_id])  # noqa: F821
    revisions: Mapped[list[ContributionRevision]] = relationship(
        back_populates="contribution", order_by="ContributionRevision.version"
    )
    moves: Mapped[list[ContributionMove]] = relationship(
        back_populates="contribution", order_by="ContributionMove.id"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def withdrawn(self) -> bool:
        return self.withdrawn_at is not None


class ContributionRevision(db.Model):
    """A contribution as it read before an edit: written once, never changed."""

    __tablename__ = "contribution_revision"
    __table_args__ = (UniqueConstraint("contribution_id", "version", name="one_row_per_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(PublicId(), unique=True, default=new_public_id)
    contribution_id: Mapped[int] = mapped_column(ForeignKey("contribution.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    visibility: Mapped[Visibility] = mapped_column(enum_column(Visibility))
    written_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    written_at: Mapped[datetime] = mapped_column(UTCDateTime())

    title_sealed: Mapped[Sealed] = mapped_column(SealedText())
    body_sealed: Mapped[Sealed] = mapped_column(SealedText())
    title = SensitiveField()
    body = SensitiveField()
    body_html_sealed: Mapped[Sealed | None] = mapped_column(SealedText())
    body_html = SensitiveField()
    writing_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # allowlist of its HTML

    contribution: Mapped[Contribution] = relationship(back_populates="revisions")


class ContributionMove(db.Model):
    """A contribution moved by the SENCo from the learner it was misfiled against to the right one: written once."""

    __tablename__ = "contribution_move"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(PublicId(), unique=True, default=new_public_id)  # binds the sealed reason
    contribution_id: Mapped[int] = mapped_column(ForeignKey("contribution.id"), index=True)
    from_learner_id: Mapped[int] = mapped_column(ForeignKey("learner.id"), index=True)
    to_learner_id: Mapped[int] = mapped_column(ForeignKey("learner.id"), index=True)
    moved_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    moved_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    reason_sealed: Mapped[Sealed] = mapped_column(SealedText())
    reason = SensitiveField()

    contribution: Mapped[Contribution] = relationship(back_populates="moves")
    from_learner: Mapped[Learner] = relationship(foreign_keys=[from_learner_id])  # noqa: F821
    to_learner: Mapped[Learner] = relationship(foreign_keys=[to_learner_id])  # noqa: F821
    moved_by: Mapped[User] = relationship()  # noqa: F821

    @property
    def learner(self):
        """The learner the contribution is on now: the audit trail names it (and the policy asks about it)."""
        return self.to_learner
