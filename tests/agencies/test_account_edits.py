"""An administrator edits an account of their agency: name, email, role, FTE, line manager and CPD year start.

Email and role changes end the person's sessions; the trail names fields, never values; refused changes change
nothing; two administrators saving one account at once get the conflict page."""
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.agencies.accounts.models import AgencyKind, Role, User
from app.audit.models import AuditAction, AuditEvent
from app.cases.learners.models import Learner
from app.extensions import db
from app.policy import Action, can
from tests.fixtures.application import sign_in, text_of

# Queries and claims whose behaviour can differ between the engines: PostgreSQL as well as SQLite.


def _account(app, public_id) -> User:
    with app.app_context():
        user = db.session.scalars(select(User).where(User.public_id == public_id)).one()
        assert user.display_name and user.email  # opened here, where the keyring is: read later from the cache
        db.session.expunge(user)
        return user


def _form(app, public_id, **changes) -> dict:
    user = _account(app, public_id)
    data = {"display_name": user.display_name, "email": user.email, "role": user.role.value, "fte": str(user.fte),
            "cpd_year_start_month": str(user.cpd_year_start_month), "line_manager": "",
            "version": str(user.version)}
    data.update(changes)
    return data


def _edit_events(app, public_id) -> list[AuditEvent]:
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).where(
            AuditEvent.object_public_id == public_id, AuditEvent.action == AuditAction.UPDATE).order_by(
            AuditEvent.id)).all()
        for event in events:
            db.session.expunge(event)
        return events


@pytest.fixture
def school(client_as, create_user, app):
    admin = client_as("admin")
    teacher = create_user("teacher", agency=admin.account.agency_name, name="Robin Ashdown")
    return admin, teacher


def test_the_administrator_changes_name_fte_cpd_year_and_line_manager_audited_by_field(app, school, create_user):
    admin, teacher = school
    manager = create_user("senco", agency=admin.account.agency_name, name="Priya Kaur")
    page = admin.get(f"/accounts/{teacher.public_id}/edit")
    assert page.status_code == 200 and 'value="Robin Ashdown"' in page.get_data(as_text=True)
    response = admin.post(f"/accounts/{teacher.public_id}/edit", data=_form(
        app, teacher.public_id, display_name="Robyn Ashdown", fte="0.6", cpd_year_start_month="1",
        line_manager=manager.public_id))
    assert response.status_code == 302
    user = _account(app, teacher.public_id)
    assert (user.display_name, user.fte, user.cpd_year_start_month) == ("Robyn Ashdown", Decimal("0.60"), 1)
    assert user.line_manager_id == _account(app, manager.public_id).id
    assert user.version == 2 and user.session_version == 1  # none of these ends a session
    event = _edit_events(app, teacher.public_id)[-1]
    assert event.fields_changed == "cpd_year_start_month,display_name,fte,line_manager"
    assert "Robyn" not in repr(vars(event)) and "0.6" not in repr(vars(event))
    assert "Robyn Ashdown" in text_of(admin.get(f"/accounts/{teacher.public_id}"))


@pytest.mark.parametrize("changes, field", [({"email": "robin.new@example.org"}, "email"), ({"role": "lsp"}, "role")])
def test_an_email_or_role_change_ends_the_persons_sessions(app, school, changes, field):
    admin, teacher = school
    person = app.test_client()
    assert sign_in(person, teacher.email, teacher.password).status_code == 302
    assert person.get("/").status_code == 200
    response = admin.post(f"/accounts/{teacher.public_id}/edit", data=_form(app, teacher.public_id, **changes))
    assert response.status_code == 302
    assert "signed out" in text_of(admin.get(response.headers["Location"]))
    assert person.get("/").status_code == 302  # the old session no longer works
    assert _edit_events(app, teacher.public_id)[-1].fields_changed == f"{field},session_version"
    assert admin.get("/accounts").status_code == 200  # the administrator's own session carries on


def test_an_administrator_changing_their_own_email_stays_signed_in_here(app, client_as):
    admin = client_as("admin")
    response = admin.post(f"/accounts/{admin.account.public_id}/edit",
                          data=_form(app, admin.account.public_id, email="admin.renamed@example.org"))
    assert response.status_code == 302
    assert admin.get("/accounts").status_code == 200
    assert _account(app, admin.account.public_id).email == "admin.renamed@example.org"


@pytest.mark.parametrize("changes, message", [
    ({"role": "slt"}, "Not a valid choice"),  # a role no school employs is not on the form at all
    ({"email": "taken@example.org"}, "An account with this email address already exists"),
    ({"email": "TAKEN@Example.org"}, "An account with this email address already exists"),
    ({"display_name": "  "}, "Enter the person's full name"),
    ({"fte": "1.5"}, "FTE must be between 0.01 and 1"),
    ({"line_manager": "self"}, "Not a valid choice"),  # not in the list: nobody manages themselves
    ({"line_manager": "report"}, "reports to Robin Ashdown"),
])
@pytest.mark.both_backends  # unique emails and the claimed version differ by engine
def test_bad_changes_are_refused_and_change_nothing(app, school, create_user, create_agency, changes, message):
    admin, teacher = school
    create_user("slt", email="taken@example.org", agency=create_agency(AgencyKind.NHS_SERVICE))
    report = create_user("lsp", agency=admin.account.agency_name, line_manager=teacher.email)
    changes = {key: {"self": teacher.public_id, "report": report.public_id}.get(value, value)
               for key, value in changes.items()}
    before = _account(app, teacher.public_id)
    response = admin.post(f"/accounts/{teacher.public_id}/edit", data=_form(app, teacher.public_id, **changes))
    assert response.status_code == 400
    page = text_of(response)
    assert message in page and "There is a problem" in page
    after = _account(app, teacher.public_id)
    assert (after.email, after.role, after.display_name, after.version, after.line_manager_id) == (
        before.email, before.role, before.display_name, before.version, before.line_manager_id)
    assert _edit_events(app, teacher.public_id) == []


def test_an_outside_account_cannot_become_a_staff_account_and_nobody_changes_their_own_role(
        app, client_as, create_user, create_agency):
    trust = create_agency(AgencyKind.NHS_SERVICE, name="Riverside NHS Trust")
    admin = client_as("admin", agency=trust)
    therapist = create_user("slt", agency=trust)
    response = admin.post(f"/accounts/{therapist.public_id}/edit", data=_form(app, therapist.public_id, role="admin"))
    assert response.status_code == 400 and "create a new account instead" in text_of(response)
    response = admin.post(f"/accounts/{admin.account.public_id}/edit",
                          data=_form(app, admin.account.public_id, role="slt"))
    assert response.status_code == 400 and "cannot change your own role" in text_of(response)
    assert _account(app, therapist.public_id).role is Role.SLT
    assert _account(app, admin.account.public_id).role is Role.ADMIN


@pytest.mark.both_backends  # unique emails and the claimed version differ by engine
def test_two_administrators_saving_one_account_get_the_conflict_page(app, school, client_as):
    admin, teacher = school
    other_admin = client_as("admin", agency=admin.account.agency_name)
    opened = _form(app, teacher.public_id)
    assert other_admin.post(f"/accounts/{teacher.public_id}/edit",
                            data={**opened, "display_name": "Robin Ashdown-Lee"}).status_code == 302
    response = admin.post(f"/accounts/{teacher.public_id}/edit", data={**opened, "display_name": "Robin Ash"})
    assert response.status_code == 409
    page = text_of(response)
    assert "Robin Ashdown-Lee" in page and "Robin Ash" in page
    assert _account(app, teacher.public_id).display_name == "Robin Ashdown-Lee"
    # Saving again from the conflict page (which carries the new version) goes through.
    again = admin.post(f"/accounts/{teacher.public_id}/edit", data=_form(app, teacher.public_id,
                                                                        display_name="Robin Ash"))
    assert again.status_code == 302 and _account(app, teacher.public_id).display_name == "Robin Ash"


def test_only_the_agencys_administrator_edits(app, school, client_as, create_user):
    admin, teacher = school
    elsewhere = create_user("teacher", name="Elsewhere Teacher")
    assert admin.get(f"/accounts/{elsewhere.public_id}/edit").status_code == 404
    assert admin.post(f"/accounts/{elsewhere.public_id}/edit",
                      data=_form(app, elsewhere.public_id, display_name="Hijacked")).status_code == 404
    senco = client_as("senco", agency=admin.account.agency_name)
    assert senco.post(f"/accounts/{teacher.public_id}/edit",
                      data=_form(app, teacher.public_id, display_name="Hijacked")).status_code == 404
    assert _account(app, elsewhere.public_id).display_name == "Elsewhere Teacher"
    assert _account(app, teacher.public_id).display_name == "Robin Ashdown"


def test_a_teacher_made_an_administrator_no_longer_reaches_the_cases_they_were_on(
        app, school, create_case, add_to_team):
    admin, teacher = school
    case = create_case(school=admin.account.agency_name)
    add_to_team(case, teacher)
    person = app.test_client()
    assert sign_in(person, teacher.email, teacher.password).status_code == 302
    assert person.get(f"/learners/{case}").status_code == 200
    assert admin.post(f"/accounts/{teacher.public_id}/edit",
                      data=_form(app, teacher.public_id, role="admin")).status_code == 302
    again = app.test_client()
    sign_in(again, teacher.email, teacher.password)
    assert again.get(f"/learners/{case}").status_code in (302, 404)  # 302: an administrator's second step first
    with app.app_context():
        user = db.session.scalars(select(User).where(User.public_id == teacher.public_id)).one()
        learner = db.session.scalars(select(Learner).where(Learner.public_id == case)).one()
        assert not can(user, Action.VIEW_CASE, learner) and not can(user, Action.VIEW_LEARNER, learner)
