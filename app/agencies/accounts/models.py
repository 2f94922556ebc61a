"""Agencies and the people who work for them: their roles, accounts and line managers."""
from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, Numeric, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.mail.addresses import normalise_email
from app.core.wording import in_a_sentence, with_article
from app.extensions import db
from app.security.crypto import Sealed, SealedText, SensitiveField
from app.types import PublicId, UTCDateTime, enum_column, new_public_id, utcnow


def normalise_agency_name(name: str) -> str:
    """"The Carter family", "the  carter FAMILY" and " The Carter family " are one agency."""
    return " ".join((name or "").casefold().split())


class AgencyKind(enum.Enum):
    SCHOOL = "school"
    NHS_SERVICE = "nhs_service"
    EP_SERVICE = "ep_service"
    LOCAL_AUTHORITY = "local_authority"
    FAMILY = "family"

    @property
    def label(self) -> str:
        return AGENCY_KIND_LABELS[self]


AGENCY_KIND_LABELS = {
    AgencyKind.SCHOOL: "School",
    AgencyKind.NHS_SERVICE: "NHS service",
    AgencyKind.EP_SERVICE: "Educational psychology service",
    AgencyKind.LOCAL_AUTHORITY: "Local authority",
    AgencyKind.FAMILY: "Family",
}


class Role(enum.Enum):
    SENCO = "senco"
    LSP = "lsp"
    TEACHER = "teacher"
    DSL = "dsl"
    PARENT = "parent"
    SLT = "slt"
    EP = "ep"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]

    @property
    def in_a_sentence(self) -> str:
        """"class teacher", "special educational needs co-ordinator (SENCo)"."""
        return in_a_sentence(self.label)

    @property
    def who_to_ask(self) -> str:
        """Who can help someone in this role who was refused something (the 403 page): never themselves."""
        return WHO_TO_ASK[self]

    @property
    def with_article(self) -> str:
        """"a class teacher", "an educational psychologist": the role after "invited as"."""
        return with_article(self.in_a_sentence)


ROLE_LABELS = {
    Role.SENCO: "Special educational needs co-ordinator (SENCo)",
    Role.LSP: "Learning support practitioner",
    Role.TEACHER: "Class teacher",
    Role.DSL: "Designated safeguarding lead",
    Role.PARENT: "Parent or carer",
    Role.SLT: "Speech and language therapist",
    Role.EP: "Educational psychologist",
    Role.ADMIN: "Agency administrator",
}

# "If you think you need it, ask …": the SENCo is asked by the school's staff and the people they invited; the
# SENCo asks the school's administrator (accounts and roles) or the DSL (safeguarding records).
WHO_TO_ASK = {
    Role.SENCO: "your school’s administrator, who manages accounts and roles, or, for safeguarding records, "
                "your designated safeguarding lead",
    Role.LSP: "your SENCo, or your school’s administrator about your account",
    Role.TEACHER: "your SENCo, or your school’s administrator about your account",
    Role.DSL: "your SENCo about a learner’s case, or your school’s administrator about your account",
    Role.PARENT: "your child’s SENCo at school, who invited you to Braid",
    Role.SLT: "the SENCo who invited you to the learner’s case",
    Role.EP: "the SENCo who invited you to the learner’s case",
    Role.ADMIN: "another administrator of your agency: administrators manage accounts and never see what is in a "
                "learner’s case",
}

# Which roles an agency of each kind employs; accounts outside this are refused.
ROLES_BY_AGENCY_KIND = {
    AgencyKind.SCHOOL: (Role.SENCO, Role.LSP, Role.TEACHER, Role.DSL, Role.ADMIN),
    AgencyKind.NHS_SERVICE: (Role.SLT, Role.ADMIN),
    AgencyKind.EP_SERVICE: (Role.EP, Role.ADMIN),
    AgencyKind.LOCAL_AUTHORITY: (Role.EP, Role.ADMIN),
    AgencyKind.FAMILY: (Role.PARENT,),
}


class Agency(db.Model):
    """A school, a service or a family. Its name is sealed: a family named after its surname names the child."""

    __tablename__ = "agency"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(PublicId(), unique=True, default=new_public_id)
    name_sealed: Mapped[Sealed] = mapped_column(SealedText())
    # One agency per name, whatever its case and spacing: the unique blind index stands for the name.
    name_index: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[AgencyKind] = mapped_column(enum_column(AgencyKind))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # A school's choice (its SENCo's or administrator's): families see staff names in "who has seen" summaries.
    show_staff_names_to_family: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    name = SensitiveField(index=normalise_agency_name, purpose="agency_name")

    users: Mapped[list[User]] = relationship(back_populates="agency")

    @property
    def roles(self) -> tuple[Role, ...]:
        return ROLES_BY_AGENCY_KIND[self.kind]

    def __repr__(self) -> str:
        return f"<Agency {self.public_id} {self.kind.value}>"


class User(UserMixin, db.Model):
    __tablename__ = "user_account"
    __table_args__ = (
        CheckConstraint("fte > 0 AND fte <= 1", name="fte_range"),
        CheckConstraint("session_version >= 1", name="session_version_positive"),
        CheckConstraint("cpd_year_start_month >= 1 AND cpd_year_start_month <= 12", name="cpd_year_start_month_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(PublicId(), unique=True, default=new_public_id)
    email_sealed: Mapped[Sealed] = mapped_column(SealedText())
    # The address trimmed and lower-cased, keyed: sign-in, reset and invitations find an account by it, and it is
    # unique, so two accounts never share an address whatever its case.
    email_index: Mapped[str] = mapped_column(String(32), unique=True)
    display_name_sealed: Mapped[Sealed] = mapped_column(SealedText())
    role: Mapped[Role] = mapped_column(enum_column(Role))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    restricted: Mapped[bool] = mapped_column(default=False)
    access_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    line_manager_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    fte: Mapped[Decimal] = mapped_column(Numeric(3, 2), default=Decimal("1.00"))
    # The CPD year runs from the first of this month (September: the academic year).
    cpd_year_start_month: Mapped[int] = mapped_column(Integer, default=9, server_default="9")
    password_hash: Mapped[str] = mapped_column(String(255))
    must_change_password: Mapped[bool] = mapped_column(default=False)
    # Bumped on logout, deactivation and password change: every older session cookie stops working.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    # Bumped by an administrator's edit only (app.agencies.accounts.edits), not a mapper version column:
    # signing in and out also write the account, and must never turn into an edit conflict.
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The school's data protection officer (Article 37): a designation on a staff account, so the DPO keeps the
    # role they work in; set (with its date) and cleared by the school's administrator.
    dpo_designated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    agency: Mapped[Agency] = relationship(back_populates="users")
    line_manager: Mapped[User | None] = relationship(remote_side=[id])

    email = SensitiveField(index=normalise_email)
    display_name = SensitiveField()

    def get_id(self) -> str:
        # Flask-Login's "alternative token": the session is bound to this version of the account.
        return f"{self.public_id}.{self.session_version}"

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_dpo(self) -> bool:
        return self.dpo_designated_at is not None

    def access_has_expired(self, now: datetime | None = None) -> bool:
        if not self.restricted:
            return False
        if self.access_expires_at is None:
            return True  # a restricted account with no live access has none
        return (now or utcnow()) >= self.access_expires_at

    def end_sessions(self) -> None:
        """Invalidate every session this user has open, on every device."""
        self.session_version = (self.session_version or 1) + 1

    def __repr__(self) -> str:
        # No email or name: reprs end up in logs.
        return f"<User {self.public_id} {self.role.value}>"


def people_by_name(people) -> list[User]:
    """People in the order of their names (sealed, so sorted here rather than in SQL); the id breaks ties."""
    return sorted(people, key=lambda person: (person.display_name.casefold(), person.display_name, person.id))


def agencies_by_name(agencies) -> list[Agency]:
    """Agencies in the order of their names (sealed, so sorted here rather than in SQL); the id breaks ties."""
    return sorted(agencies, key=lambda agency: (agency.name.casefold(), agency.name, agency.id))
