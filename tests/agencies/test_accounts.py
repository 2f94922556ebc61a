"""An agency administrator manages their own agency's accounts, and nobody else does."""
import re

import pytest
from sqlalchemy import select

from app.agencies.accounts.models import Role, User
from app.extensions import db
from tests.fixtures.application import sign_in, text_of

ROLES = [role.value for role in Role]


def _user(app, public_id):
    with app.app_context():
        user = db.session.scalars(select(User).where(User.public_id == public_id)).one()
        db.session.expunge(user)
        return user


def _new_account_form(**changes):
    data = {
        "display_name": "Sam Patel",
        "email": "Sam.Patel@Oakfield.example",
        "role": "teacher",
        "fte": "0.8",
        "line_manager": "",
        "access_ends_on": ["", "", ""],
    }
    data.update(changes)
    return data


@pytest.mark.parametrize("role", [r for r in ROLES if r != "admin"])
def test_only_administrators_reach_account_pages(client_as, create_user, role):
    client = client_as(role)
    someone = create_user(role, agency=client.account.agency_name)
    for url in ["/accounts", "/accounts/new"]:
        assert client.get(url).status_code == 403, url
    assert client.get(f"/accounts/{someone.public_id}").status_code == 404
    assert client.post(f"/accounts/{someone.public_id}/deactivate").status_code == 404


def test_admin_sees_only_their_own_agency(client_as, create_user):
    admin = client_as("admin")
    mine = create_user("teacher", agency=admin.account.agency_name, name="Mine Teacher")
    theirs = create_user("teacher", name="Other School Teacher")
    page = admin.get("/accounts").get_data(as_text=True)
    assert "Mine Teacher" in page and "Other School Teacher" not in page
    assert admin.get(f"/accounts/{mine.public_id}").status_code == 200
    for url in [f"/accounts/{theirs.public_id}", f"/accounts/{theirs.public_id}/deactivate",
                f"/accounts/{theirs.public_id}/reset-password", "/accounts/not-a-real-id"]:
        assert admin.get(url).status_code == 404, url


def test_admin_creates_an_account_with_a_temporary_password_shown_once(app, client_as):
    admin = client_as("admin")
    response = admin.post("/accounts/new", data=_new_account_form())
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    temporary = re.search(r'id="temporary-password">([^<]+)<', page).group(1)
    assert len(temporary) >= 20
    assert response.headers["Cache-Control"] == "no-store"
    with app.app_context():
        user = db.session.scalars(select(User).where(User.email.matches("sam.patel@oakfield.example"))).one()
        assert user.role is Role.TEACHER and str(user.fte) == "0.80" and user.must_change_password
        assert user.cpd_year_start_month == 9  # not chosen: the school year
        assert temporary not in user.password_hash
    # The new person must choose their own password before anything else.
    newcomer = app.test_client()
    assert sign_in(newcomer, "sam.patel@oakfield.example", temporary).status_code == 302
    assert newcomer.get("/").headers["Location"] == "/account/password"
    newcomer.post("/account/password", data={"current_password": temporary, "new_password": "saffron-kettle-meadow-88",
                                             "confirm_password": "saffron-kettle-meadow-88"})
    assert newcomer.get("/").status_code == 200


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"display_name": ""}, "Enter the person's full name"),
        ({"email": "not-an-email"}, "Enter an email address in the correct format"),
        ({"role": "slt"}, "Not a valid choice"),
        ({"fte": "1.5"}, "FTE must be between 0.01 and 1"),
        ({"fte": "lots"}, "Not a valid decimal value"),
        ({"line_manager": "someone-elsewhere"}, "Not a valid choice"),
        ({"access_ends_on": ["31", "2", "2027"]}, "Not a valid date value"),
        ({"cpd_year_start_month": "13"}, "Not a valid choice"),
    ],
)
def test_bad_input_re_renders_with_errors_and_what_was_typed(app, client_as, changes, message):
    admin = client_as("admin")
    data = _new_account_form(**changes)
    response = admin.post("/accounts/new", data=data)
    page = text_of(response)
    assert response.status_code == 400
    assert "There is a problem" in page and message in page
    if changes.get("display_name") != "":
        assert 'value="Sam Patel"' in page
    with app.app_context():
        assert "Sam Patel" not in {user.display_name for user in db.session.scalars(select(User))}


def test_duplicate_email_is_refused_case_insensitively(app, client_as, create_user):
    admin = client_as("admin")
    create_user("teacher", email="sam.patel@oakfield.example", agency=admin.account.agency_name)
    response = admin.post("/accounts/new", data=_new_account_form())
    assert response.status_code == 400
    assert "already exists" in response.get_data(as_text=True)


def test_external_roles_need_an_end_date_and_are_restricted(app, client_as, create_agency):
    from app.agencies.accounts.models import AgencyKind

    admin = client_as("admin", agency=create_agency(AgencyKind.NHS_SERVICE, name="Riverside SLT"))
    missing = admin.post("/accounts/new", data=_new_account_form(role="slt", email="m@riverside.example"))
    assert missing.status_code == 400 and "Enter the date this person's access ends" in text_of(missing)
    made = admin.post("/accounts/new", data=_new_account_form(
        role="slt", email="m@riverside.example", access_ends_on=["31", "7", "2030"]))
    assert made.status_code == 200
    with app.app_context():
        user = db.session.scalars(select(User).where(User.email.matches("m@riverside.example"))).one()
        assert user.restricted and user.access_expires_at.year == 2030


def test_admin_deactivates_reactivates_and_cannot_deactivate_themselves(app, client_as, create_user):
    admin = client_as("admin")
    teacher = create_user("teacher", agency=admin.account.agency_name)
    assert "Deactivate" in admin.get(f"/accounts/{teacher.public_id}/deactivate").get_data(as_text=True)
    assert admin.post(f"/accounts/{teacher.public_id}/deactivate").status_code == 302
    assert _user(app, teacher.public_id).active is False
    assert admin.post(f"/accounts/{teacher.public_id}/deactivate").status_code == 403
    assert admin.post(f"/accounts/{teacher.public_id}/reactivate").status_code == 302
    assert _user(app, teacher.public_id).active is True
    assert admin.post(f"/accounts/{admin.account.public_id}/deactivate").status_code == 403
    assert _user(app, admin.account.public_id).active is True


def test_admin_resets_a_password_which_ends_that_persons_sessions(app, client_as):
    admin = client_as("admin")
    teacher = client_as("teacher", agency=admin.account.agency_name)
    response = admin.post(f"/accounts/{teacher.account.public_id}/reset-password")
    temporary = re.search(r'id="temporary-password">([^<]+)<', response.get_data(as_text=True)).group(1)
    assert teacher.get("/").status_code == 302
    assert sign_in(app.test_client(), teacher.account.email, teacher.account.password).status_code == 200
    assert sign_in(app.test_client(), teacher.account.email, temporary).status_code == 302


def test_admin_home_page_never_offers_case_content(client_as):
    page = client_as("admin").get("/").get_data(as_text=True)
    assert "Manage accounts" in page and "never see learners" in page


def test_the_cpd_year_start_chosen_at_creation_is_kept_and_shown(app, client_as):
    admin = client_as("admin")
    assert admin.post("/accounts/new", data=_new_account_form(cpd_year_start_month="4")).status_code == 200
    with app.app_context():
        user = db.session.scalars(select(User).where(User.email.matches("sam.patel@oakfield.example"))).one()
        assert user.cpd_year_start_month == 4
        public_id = user.public_id
    assert "1 April" in text_of(admin.get(f"/accounts/{public_id}"))
