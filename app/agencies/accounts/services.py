"""What happens to accounts: creating, deactivating, and changing or resetting passwords (signing in is
app.agencies.sign_in).

Services take the acting user, change data, write the audit event and flush; the caller commits once.
The trail names accounts by public id only: never a typed email address, never a password.
"""
from __future__ import annotations

import secrets
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.agencies.accounts.models import Agency, AgencyKind, Role, User
from app.audit.events import record
from app.audit.models import AuditAction
from app.core.mail.addresses import normalise_email
from app.extensions import db
from app.policy import Action, require
from app.problems import Refusal
from app.security.passwords import (
    hash_password,
    password_problems,
    verify_password,
)
from app.types import utcnow

# Roles whose accounts belong to people outside the school: always restricted and time-limited.
EXTERNAL_ROLES = frozenset({Role.SLT, Role.EP, Role.PARENT})
# No 0/O/1/l/I: temporary passwords are read aloud and typed by hand.
_TEMPORARY_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"


class AccountError(Refusal):
    """A change to an account that cannot be made."""


def temporary_password() -> str:
    groups = ["".join(secrets.choice(_TEMPORARY_ALPHABET) for _ in range(5)) for _ in range(4)]
    return "-".join(groups)


def _check_role_fits_agency(role: Role, agency: Agency) -> None:
    if role not in agency.roles:
        raise AccountError(f"{agency.kind.label} accounts cannot have the role {role.label}", "role")


def _check_email_free(email: str) -> None:
    if db.session.scalars(select(User.id).where(User.email.matches(email))).first() is not None:
        raise AccountError("An account with this email address already exists", "email")


def create_account(
    actor: User | None,
    *,
    agency: Agency,
    email: str,
    display_name: str,
    role: Role,
    fte: Decimal = Decimal("1.00"),
    cpd_year_start_month: int = 9,
    line_manager: User | None = None,
    access_expires_at: datetime | None = None,
    password: str | None = None,
) -> tuple[User, str | None]:
    """Create an account in `agency`.

    With no password, a temporary one is generated, returned once, and must be changed at
    first sign-in. `actor` is None only for the command-line bootstrap.
    """
    if actor is not None:
        require(actor, Action.CREATE_ACCOUNT)
        if agency.id != actor.agency_id:
            raise AccountError("You can only create accounts in your own agency")
    email = normalise_email(email)
    display_name = (display_name or "").strip()
    if not display_name:
        raise AccountError("Enter the person's full name", "display_name")
    _check_role_fits_agency(role, agency)
    if cpd_year_start_month not in range(1, 13):
        raise AccountError("Choose the month the person's CPD year starts", "cpd_year_start_month")
    _check_email_free(email)
    restricted = role in EXTERNAL_ROLES
    if restricted and access_expires_at is None:
        raise AccountError("Enter the date this person's access ends", "access_expires_at")
    if access_expires_at is not None and access_expires_at <= utcnow():
        raise AccountError("The date access ends must be in the future", "access_expires_at")
    if line_manager is not None and line_manager.agency_id != agency.id:
        raise AccountError("The line manager must work for the same agency", "line_manager")

    generated = None
    if password is None:
        generated = password = temporary_password()
    else:
        problems = password_problems(password, email=email, display_name=display_name)
        if problems:
            raise AccountError(problems[0], "password")
    user = User(
        agency=agency,
        email=email,
        display_name=display_name,
        role=role,
        fte=fte,
        cpd_year_start_month=cpd_year_start_month,
        line_manager=line_manager,
        restricted=restricted,
        access_expires_at=access_expires_at if restricted else None,
        password_hash=hash_password(password),
        must_change_password=generated is not None,
        active=True,
        session_version=1,
    )
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError:
        # Another request took the address between the check and the insert.
        raise AccountError("An account with this email address already exists", "email") from None
    given = ["agency", "cpd_year_start_month", "display_name", "email", "fte", "password", "role"]
    given += [name for name, value in (("line_manager", line_manager), ("access_expires_at", access_expires_at))
              if value is not None]
    record(actor, AuditAction.CREATE, user, fields=given)
    return user, generated


def deactivate_account(actor: User, account: User) -> None:
    require(actor, Action.DEACTIVATE_ACCOUNT, account)
    account.active = False
    account.end_sessions()
    db.session.flush()
    record(actor, AuditAction.UPDATE, account, fields=["active"])


def reactivate_account(actor: User, account: User) -> None:
    require(actor, Action.REACTIVATE_ACCOUNT, account)
    account.active = True
    db.session.flush()
    record(actor, AuditAction.UPDATE, account, fields=["active"])


def reset_account_password(actor: User, account: User) -> str:
    """Give `account` a temporary password, end their sessions, and return it to show once."""
    require(actor, Action.RESET_ACCOUNT_PASSWORD, account)
    password = temporary_password()
    account.password_hash = hash_password(password)
    account.must_change_password = True
    account.password_changed_at = utcnow()
    account.end_sessions()
    db.session.flush()
    record(actor, AuditAction.UPDATE, account, fields=["must_change_password", "password"])
    return password


def change_own_password(user: User, current_password: str, new_password: str) -> None:
    """Change the user's own password; every other session of theirs ends."""
    require(user, Action.CHANGE_OWN_PASSWORD)
    if not verify_password(user.password_hash, current_password):
        raise AccountError("Your current password is not right", "current_password")
    if new_password == current_password:
        raise AccountError("Your new password must be different from your current one", "new_password")
    problems = password_problems(new_password, email=user.email, display_name=user.display_name)
    if problems:
        raise AccountError(problems[0], "new_password")
    user.password_hash = hash_password(new_password)
    user.must_change_password = False
    user.password_changed_at = utcnow()
    user.end_sessions()
    db.session.flush()
    record(user, AuditAction.UPDATE, user, fields=["password"])


def find_or_create_agency(name: str, kind: AgencyKind | None) -> Agency:
    agency = db.session.scalars(select(Agency).where(Agency.name.matches(name))).first()
    if agency is not None:
        return agency
    if kind is None:
        raise AccountError(f"There is no agency called {name!r}; give its kind to create it", "agency")
    agency = Agency(name=name, kind=kind)
    db.session.add(agency)
    db.session.flush()
    record(None, AuditAction.CREATE, agency, fields=["kind", "name"])
    return agency
