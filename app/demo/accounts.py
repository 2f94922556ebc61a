"""Demo agencies and accounts: a school, an NHS therapy service, an EP service and a family, and their people."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from flask import current_app
from sqlalchemy import select

from app.agencies.accounts import services
from app.agencies.accounts.models import AgencyKind, Role, User
from app.agencies.two_step import services as mfa
from app.extensions import db
from app.types import utcnow

AGENCIES = {
    "Oakfield Primary School": AgencyKind.SCHOOL,
    "Riverside Children's Speech and Language Therapy": AgencyKind.NHS_SERVICE,
    "County Educational Psychology Service": AgencyKind.EP_SERVICE,
    "The Carter family": AgencyKind.FAMILY,
    "The Nowak family": AgencyKind.FAMILY,  # Kasia Nowak's, a teacher at Oakfield and Leo's mother
}


@dataclass(frozen=True)
class DemoPerson:
    email: str
    name: str
    role: Role
    agency: str
    fte: Decimal = Decimal("1.00")
    line_manager: str | None = None


PEOPLE = (
    DemoPerson("senco@oakfield.example", "Priya Shah", Role.SENCO, "Oakfield Primary School"),
    DemoPerson("dsl@oakfield.example", "David Mensah", Role.DSL, "Oakfield Primary School"),
    DemoPerson("admin@oakfield.example", "Grace Liu", Role.ADMIN, "Oakfield Primary School", Decimal("0.50")),
    DemoPerson("lsp@oakfield.example", "Tom Fletcher", Role.LSP, "Oakfield Primary School", Decimal("0.60"),
               line_manager="senco@oakfield.example"),
    DemoPerson("teacher@oakfield.example", "Hannah Okafor", Role.TEACHER, "Oakfield Primary School",
               line_manager="senco@oakfield.example"),
    DemoPerson("slt@riverside-slt.example", "Megan Hughes", Role.SLT,
               "Riverside Children's Speech and Language Therapy", Decimal("0.80")),
    DemoPerson("ep@county-eps.example", "Dr Alan Brooks", Role.EP, "County Educational Psychology Service"),
    DemoPerson("parent@family.example", "Jo Carter", Role.PARENT, "The Carter family"),
    # A teacher who is also a parent: on her son Leo's case she is his mother, nothing more (app.demo.staff_parent).
    DemoPerson("k.nowak@oakfield.example", "Kasia Nowak", Role.TEACHER, "Oakfield Primary School"),
    # The school's business manager, designated its data protection officer by the administrator: she keeps the
    # register of subject access requests (app.demo.access_requests). A designation, not a role.
    DemoPerson("dpo@oakfield.example", "Helen Marsh", Role.ADMIN, "Oakfield Primary School", Decimal("0.60")),
    # An EP whose work on Maya's case ends in five days: Braid reminds her (app.demo.reminders).
    DemoPerson("n.evans@county-eps.example", "Dr Nia Evans", Role.EP, "County Educational Psychology Service"),
)

# External demo accounts get a long but finite window, as a real invitation would.
DEMO_ACCESS_WINDOW = timedelta(days=365)


def load_demo_data(password: str) -> list[User]:
    """Create whatever of the demo is missing; never alter what exists. Returns the accounts made."""
    agencies = {name: services.find_or_create_agency(name, kind) for name, kind in AGENCIES.items()}
    created = []
    for person in PEOPLE:
        if db.session.scalars(select(User).where(User.email.matches(person.email))).first() is not None:
            continue
        manager = None
        if person.line_manager:
            manager = db.session.scalars(select(User).where(User.email.matches(person.line_manager))).first()
        expires = utcnow() + DEMO_ACCESS_WINDOW if person.role in services.EXTERNAL_ROLES else None
        user, _ = services.create_account(
            None,
            agency=agencies[person.agency],
            email=person.email,
            display_name=person.name,
            role=person.role,
            fte=person.fte,
            line_manager=manager,
            access_expires_at=expires,
            password=password,
        )
        created.append(user)
    db.session.flush()
    _enrol_demo_authenticators(current_app.config["BRAID_DEMO_TOTP_SECRET"])
    return created


def _enrol_demo_authenticators(secret: str) -> None:
    """Every demo account whose role requires two-step verification gets the one demo authenticator
    (BRAID_DEMO_TOTP_SECRET, printed by `flask demo logins`), unless it already has one."""
    for person in PEOPLE:
        if person.role not in mfa.MFA_REQUIRED_ROLES:
            continue
        user = db.session.scalars(select(User).where(User.email.matches(person.email))).one()
        if mfa.enrolment_of(user) is None:
            mfa.enrol_with_secret(user, secret)
