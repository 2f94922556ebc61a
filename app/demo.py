"""`flask demo load`: realistic, fictional records so a new user sees every capability working."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from app.agencies.two_step import services as mfa
from app.agencies.accounts import services
from app.agencies.accounts.models import AgencyKind, Role, User
from app.cases.learners.models import AreaOfNeed
from app.cases.learners.services import find_by_upn, register_learner
from app.extensions import db
from app.types import utcnow

demo_cli = AppGroup("demo", help="Demonstration data (never in production).")

AGENCIES = {
    "Oakfield Primary School": AgencyKind.SCHOOL,
    "Riverside Children's Speech and Language Therapy": AgencyKind.NHS_SERVICE,
    "County Educational Psychology Service": AgencyKind.EP_SERVICE,
    "The Carter family": AgencyKind.FAMILY,
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
)

@dataclass(frozen=True)
class DemoLearner:
    name: str
    preferred_name: str | None
    date_of_birth: date
    year_group: int
    upn: str
    notes: str
    areas_of_need: tuple[AreaOfNeed, ...]


LEARNERS = (
    DemoLearner(
        "Maya Carter", None, date(2018, 5, 14), 3, "H801200001015",
        "<p>Maya is a cheerful, sociable learner who loves drawing and animals.</p>"
        "<ul><li>Speech sounds: fronting of /k/ and /g/ noted by class teacher</li>"
        "<li>Finds it hard to follow instructions with more than two parts</li></ul>",
        (AreaOfNeed.COMMUNICATION_INTERACTION,),
    ),
    DemoLearner(
        "Leo Nowak", "Leo", date(2016, 11, 2), 5, "H801200002020",
        "<p>Leo reads fluently but finds written recording and organising his work difficult.</p>"
        "<p>Works best with a visual timetable and short, chunked tasks.</p>",
        (AreaOfNeed.COGNITION_LEARNING, AreaOfNeed.SENSORY_PHYSICAL),
    ),
    DemoLearner(
        "Aisha Rahman", "Ash", date(2019, 9, 23), 2, "H801200003025",
        "<p>Aisha can become anxious at transitions, especially after lunch.</p>"
        "<p>A calm corner and a named adult at the classroom door help her settle.</p>",
        (AreaOfNeed.SEMH,),
    ),
)

# External demo accounts get a long but finite window, as a real invitation would.
DEMO_ACCESS_WINDOW = timedelta(days=365)


def load_demo_data(password: str) -> list[User]:
    """Create whatever of the demo is missing; never alter what exists. Returns the accounts made."""
    agencies = {name: services.find_or_create_agency(name, kind) for name, kind in AGENCIES.items()}
    created = []
    for person in PEOPLE:
        if db.session.scalars(select(User).where(User.email == person.email)).first() is not None:
            continue
        manager = None
        if person.line_manager:
            manager = db.session.scalars(select(User).where(User.email == person.line_manager)).first()
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
        user = db.session.scalars(select(User).where(User.email == person.email)).one()
        if mfa.enrolment_of(user) is None:
            mfa.enrol_with_secret(user, secret)


def load_demo_learners() -> int:
    """Register the demo learners at Oakfield through the SENCo, skipping any already there."""
    senco = db.session.scalars(select(User).where(User.email == "senco@oakfield.example")).one()
    made = 0
    for learner in LEARNERS:
        if find_by_upn(senco, learner.upn) is not None:
            continue
        register_learner(
            senco,
            name=learner.name,
            preferred_name=learner.preferred_name,
            date_of_birth=learner.date_of_birth,
            year_group=learner.year_group,
            upn=learner.upn,
            notes=learner.notes,
            areas_of_need=list(learner.areas_of_need),
        )
        made += 1
    return made


@demo_cli.command("load")
def load_command():
    """Load the demo agencies and accounts (idempotent; refused under the production config)."""
    if not current_app.config["DEMO_DATA_ALLOWED"]:
        raise click.ClickException("Demo data is never loaded under the production configuration.")
    created = load_demo_data(current_app.config["BRAID_DEMO_PASSWORD"])
    learners = load_demo_learners()
    from app.cases.demo import load_demo_cases

    cases = load_demo_cases()
    from app.cpd.demo import load_demo_cpd

    cpd_entries = load_demo_cpd()  # reflects on the demo cases' meetings and contributions
    db.session.commit()
    from app.audit.demo import load_demo_trail, seal_and_check

    trail = load_demo_trail()
    result = seal_and_check()
    from app.core.jobs.demo import load_demo_jobs

    job_runs = load_demo_jobs()
    db.session.commit()
    click.echo(f"Demo data: {len(created)} account(s) created, {len(PEOPLE) - len(created)} already present; "
               f"{learners} learner(s) registered; {cases} case(s) built; {cpd_entries} CPD entries written; "
               f"{trail} past audit events written; {job_runs} past job runs written; "
               f"audit chain {'intact' if result.intact else 'BROKEN'} ({result.event_count} events verified).")


@demo_cli.command("logins")
def logins_command():
    """Print the demo sign-ins."""
    click.echo(f"Demo sign-ins (password for all: {current_app.config['BRAID_DEMO_PASSWORD']}):")
    for person in PEOPLE:
        second_step = " (+ code)" if person.role in mfa.MFA_REQUIRED_ROLES else ""
        click.echo(f"  {person.email:<28} {person.role.label}, {person.agency}{second_step}")
    click.echo("Accounts marked (+ code) use two-step verification. Add this key to any authenticator app "
               f"(time-based, 6 digits) and enter the code it shows: {current_app.config['BRAID_DEMO_TOTP_SECRET']}")
