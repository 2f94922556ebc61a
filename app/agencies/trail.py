"""How the audit trail names accounts: who they are, their school, and the labels of their roles."""
from __future__ import annotations

from sqlalchemy import select

from app.agencies.accounts.models import Agency, AgencyKind, Role, User
from app.audit import directory
from app.extensions import db


def school_of_person(person) -> int | None:
    agency = getattr(person, "agency", None)
    return agency.id if agency is not None and agency.kind is AgencyKind.SCHOOL else None


def actors(ids: list[int], execute) -> dict[int, tuple]:
    # One query; each name is opened here from its sealed column (the export streams on its own connection,
    # where no ORM instance is at hand).
    rows = execute(
        select(User.id, User.public_id, User.display_name_sealed, Agency.public_id, Agency.name_sealed,
               User.restricted, User.access_expires_at)
        .join(Agency, Agency.id == User.agency_id)
        .where(User.id.in_(ids))
    ).all()
    return {
        row[0]: (row[1], User.display_name.open(row[2], row[1]), Agency.name.open(row[4], row[3]), row[5], row[6])
        for row in rows
    }


def account_id_query(public_id):
    return select(User.id).where(User.public_id == public_id).scalar_subquery()


def person(public_id: str) -> User | None:
    return db.session.scalars(select(User).where(User.public_id == public_id)).first()


def school_accounts(school_id: int):
    return select(User.id).where(User.agency_id == school_id)


def expiring_accounts():
    return (
        select(User.id, User.access_expires_at)
        .where(User.restricted.is_(True), User.access_expires_at.is_not(None))
        .subquery("expiring_account")
    )


def register() -> None:
    directory.provide(person_type=User, school_of_person=school_of_person, actors=actors,
                      account_id_query=account_id_query, person=person, school_accounts=school_accounts,
                      email_index=User.email.lookup,
                      expiring_accounts=expiring_accounts)
    directory.label("role", {role.value: role.label for role in Role})
    directory.label("object_type", {
        "user_account": "Account",
        # What a refused request asked to see or do (app.policy.attempts): an account's own pages and forms,
        # and the administrator's
        "home_page": "Home page",
        "password_form": "Change password form",
        "two_step_form": "Two-step verification settings",
        "account_list": "List of accounts",
        "account_form": "Account form",
        "account_change_form": "Account change confirmation",
        "school_calendar": "School calendar",
        "school_calendar_period": "School calendar period",
        "calendar_form": "School calendar form",
        "notification_list": "Notifications",
        "notification_settings_form": "Notification settings form",
        "agency": "Agency (a school's settings)",
        "family_view_settings_form": "What families see: settings form",
        "job_run": "Background job runs",
        "outbox_message": "Email message",
    })
