"""`flask users create`: bootstrap a deployment's first accounts from the command line."""
from __future__ import annotations

import sys
from decimal import Decimal, InvalidOperation

import click
from flask.cli import AppGroup

from app.agencies.accounts import services
from app.agencies.accounts.models import AgencyKind, Role
from app.agencies.accounts.services import AccountError
from app.core.dates import end_of_day
from app.extensions import db

users_cli = AppGroup("users", help="Manage accounts.")


def _read_password() -> str:
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\r\n")


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", "display_name", required=True, help="The person's full name.")
@click.option("--role", type=click.Choice([role.value for role in Role]), required=True)
@click.option("--agency", "agency_name", required=True, help="The agency's name.")
@click.option(
    "--agency-kind",
    type=click.Choice([kind.value for kind in AgencyKind]),
    help="Create the agency with this kind when it does not exist yet.",
)
@click.option("--fte", default="1.00", show_default=True)
@click.option(
    "--access-ends",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Last day of access (required for SLT, EP and parent accounts).",
)
def create_user(email, display_name, role, agency_name, agency_kind, fte, access_ends):
    """Create an account; the password is prompted for, or read from standard input."""
    try:
        fte_value = Decimal(fte)
    except InvalidOperation:
        raise click.BadParameter("FTE must be a number such as 1 or 0.6", param_hint="--fte") from None
    password = _read_password()
    try:
        agency = services.find_or_create_agency(agency_name, AgencyKind(agency_kind) if agency_kind else None)
        user, _ = services.create_account(
            None,
            agency=agency,
            email=email,
            display_name=display_name,
            role=Role(role),
            fte=fte_value,
            password=password,
            access_expires_at=end_of_day(access_ends.date()) if access_ends else None,
        )
    except AccountError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"Created {user.role.label} account {user.email} in {agency.name}.")
