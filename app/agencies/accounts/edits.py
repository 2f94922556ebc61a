"""An administrator edits an account of their agency: name, email, role, FTE, line manager and CPD year start.

A change of email or role ends the person's sessions: whoever holds an old session signed in as someone the
administrator no longer vouches for. The trail names the fields changed, never their values.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app.agencies.accounts.models import Role, User
from app.agencies.accounts.services import EXTERNAL_ROLES, AccountError
from app.audit.events import record
from app.audit.models import AuditAction
from app.core.conflicts import EditConflict, check_version
from app.core.mail.addresses import normalise_email
from app.core.wording import sentence
from app.extensions import db
from app.policy import Action, require

# Changing any of these ends the person's sessions.
SESSION_FIELDS = frozenset({"email", "role"})


@dataclass(frozen=True)
class AccountEdit:
    display_name: str
    email: str
    role: Role
    fte: Decimal
    cpd_year_start_month: int
    line_manager: User | None


def _check_line_manager(account: User, manager: User | None) -> None:
    if manager is None:
        return
    if manager.agency_id != account.agency_id:
        raise AccountError("The line manager must work for the same agency", "line_manager")
    if manager.id == account.id:
        raise AccountError("A person cannot be their own line manager", "line_manager")
    # Up the new manager's chain: meeting the account itself would make a loop of line managers.
    seen, person = set(), manager
    while person is not None and person.id not in seen:
        if person.line_manager_id == account.id:
            raise AccountError(f"{manager.display_name} reports to {account.display_name}, directly or through "
                               "others: choose someone else", "line_manager")
        seen.add(person.id)
        person = person.line_manager


def _check_role(actor: User, account: User, role: Role) -> None:
    if role is account.role:
        return
    if role not in account.agency.roles:
        raise AccountError(f"{account.agency.kind.label} accounts cannot have the role {role.label}", "role")
    if account.id == actor.id:
        raise AccountError("You cannot change your own role: ask another administrator", "role")
    if (role in EXTERNAL_ROLES) != (account.role in EXTERNAL_ROLES):
        # Outside accounts are restricted and time-limited, staff are not: a different kind of account.
        raise AccountError(f"{sentence(account.role.with_article)} account cannot become {role.with_article} "
                           "account: create a new account instead", "role")


def _check_email_free(account: User, email: str) -> None:
    # The same answer whoever holds the address, here or in another agency: no more than creating an account says.
    taken = db.session.scalars(select(User.id).where(User.email.matches(email), User.id != account.id)).first()
    if taken is not None:
        raise AccountError("An account with this email address already exists", "email")


def edit_account(actor: User, account: User, *, version, edit: AccountEdit) -> list[str]:
    """Change `account` as `edit` says; returns the names of the fields changed (empty: nothing changed).

    :raise AccountError: a change that cannot be made (nothing is changed).
    :raise EditConflict: someone else saved the account since `version` was loaded.
    """
    require(actor, Action.EDIT_ACCOUNT, account)
    check_version(account, version)
    display_name = " ".join((edit.display_name or "").split())
    if not display_name:
        raise AccountError("Enter the person's full name", "display_name")
    email = normalise_email(edit.email)
    if edit.cpd_year_start_month not in range(1, 13):
        raise AccountError("Choose the month the person's CPD year starts", "cpd_year_start_month")
    _check_role(actor, account, edit.role)
    _check_line_manager(account, edit.line_manager)
    if email != account.email:
        _check_email_free(account, email)

    wanted = {"display_name": display_name, "email": email, "role": edit.role, "fte": Decimal(edit.fte),
              "cpd_year_start_month": edit.cpd_year_start_month,
              "line_manager_id": edit.line_manager.id if edit.line_manager else None}
    changed = sorted(name for name, value in wanted.items() if getattr(account, name) != value)
    if not changed:
        return []
    # Claimed in one statement: of two administrators saving the same version, only one gets it.
    claimed = db.session.execute(
        update(User).where(User.id == account.id, User.version == account.version)
        .values(version=User.version + 1).execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise EditConflict()
    db.session.refresh(account, ["version"])
    for name in changed:
        setattr(account, name, wanted[name])
    if SESSION_FIELDS & set(changed):
        account.end_sessions()
    try:
        db.session.flush()
    except IntegrityError:
        # Another request took the address between the check and the update.
        raise AccountError("An account with this email address already exists", "email") from None
    fields = [name.removesuffix("_id") for name in changed]
    record(actor, AuditAction.UPDATE, account, fields=fields + (["session_version"] if SESSION_FIELDS & set(changed)
                                                                 else []))
    return fields
