"""`flask users create` bootstraps a deployment."""
from sqlalchemy import select

from app.agencies.accounts.models import Role, User
from app.extensions import db


def test_users_create_reads_the_password_from_stdin(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["users", "create", "--email", "Head@School.example", "--name", "Ada Head", "--role", "admin",
              "--agency", "Hillside Academy", "--agency-kind", "school"],
        input="granite-poppy-harbour-31\n",
    )
    assert result.exit_code == 0, result.output
    assert "Created Agency administrator account head@school.example" in result.output
    assert "granite" not in result.output
    with app.app_context():
        user = db.session.scalars(select(User).where(User.email.matches("head@school.example"))).one()
        assert user.role is Role.ADMIN and user.agency.name == "Hillside Academy"
        assert not user.must_change_password


def test_users_create_refuses_weak_passwords_and_unknown_agencies(app):
    runner = app.test_cli_runner()
    weak = runner.invoke(args=["users", "create", "--email", "a@b.example", "--name", "A", "--role", "admin",
                               "--agency", "Hillside", "--agency-kind", "school"], input="password1234\n")
    assert weak.exit_code != 0 and "too common" in weak.output
    unknown = runner.invoke(args=["users", "create", "--email", "a@b.example", "--name", "A", "--role", "admin",
                                  "--agency", "Nowhere"], input="granite-poppy-harbour-31\n")
    assert unknown.exit_code != 0 and "no agency called" in unknown.output
    with app.app_context():
        assert db.session.scalars(select(User)).all() == []


def test_users_create_refuses_a_role_the_agency_does_not_employ(app):
    result = app.test_cli_runner().invoke(
        args=["users", "create", "--email", "t@nhs.example", "--name", "T", "--role", "teacher",
              "--agency", "Riverside", "--agency-kind", "nhs_service"],
        input="granite-poppy-harbour-31\n",
    )
    assert result.exit_code != 0 and "cannot have the role" in result.output
