"""The data protection officer is a designation on a staff account: the school's administrator makes and clears
it from the account page (audited); never on a parent's or an outside agency's account, never by anyone else; a
designated account must use two-step verification."""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from app.agencies.accounts.models import User
from app.agencies.two_step import services as mfa
from app.audit.models import AuditAction, AuditEvent
from app.cases.learners.models import Learner
from app.core import dates
from app.extensions import db
from app.policy import Action, can
from tests.fixtures.application import sign_in, text_of

# Behaviour that can differ between the engines (locking, the version column, dates): both.
pytestmark = pytest.mark.both_backends

SCHOOL = "Designation Primary"


@pytest.fixture
def school(app, create_agency, create_user, client_as):
    create_agency(name=SCHOOL)
    return {
        "admin": client_as("admin", agency=SCHOOL),
        "senco": client_as("senco", agency=SCHOOL),
        "teacher": create_user("teacher", agency=SCHOOL, name="Bea Businessmanager"),
    }


def _user(public_id) -> User:
    return db.session.scalars(select(User).where(User.public_id == public_id)).one()


def test_the_administrator_designates_a_member_of_staff_and_clears_it(app, school):
    admin, teacher = school["admin"], school["teacher"]
    page = text_of(admin.get(f"/accounts/{teacher.public_id}"))
    assert "Not designated" in page and "Designate as data protection officer" in page
    confirm = admin.get(f"/data-protection/officers/{teacher.public_id}?designate=yes")
    assert confirm.status_code == 200
    assert "Designate Bea Businessmanager a data protection officer?" in text_of(confirm).replace("\u2019", "'")
    response = admin.post(f"/data-protection/officers/{teacher.public_id}", data={"designate": "yes"})
    assert response.status_code == 302
    with app.app_context():
        account = _user(teacher.public_id)
        assert account.is_dpo
        since = dates.day(account.dpo_designated_at)
        # Not enrolled in two-step verification: signed out everywhere, to set it up at the next sign-in.
        assert account.session_version == 2 and mfa.is_required(account)
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.object_public_id == teacher.public_id,
                                                            AuditEvent.action == AuditAction.UPDATE)).one()
        assert event.field_names == ["dpo_designated_at", "session_version"]
    assert f"Data protection officer since {since}" in text_of(admin.get(f"/accounts/{teacher.public_id}"))
    assert f"Data protection officer since {since}" in text_of(admin.get("/accounts"))

    response = admin.post(f"/data-protection/officers/{teacher.public_id}", data={"designate": "no"})
    assert response.status_code == 302
    with app.app_context():
        assert not _user(teacher.public_id).is_dpo
    assert "Not designated" in text_of(admin.get(f"/accounts/{teacher.public_id}"))


def test_more_than_one_account_may_be_designated(app, school, create_user):
    deputy = create_user("senco", agency=SCHOOL)
    for account in (school["teacher"], deputy):
        school["admin"].post(f"/data-protection/officers/{account.public_id}", data={"designate": "yes"})
    with app.app_context():
        assert _user(school["teacher"].public_id).is_dpo and _user(deputy.public_id).is_dpo


def test_a_designated_dpo_must_set_up_two_step_verification_at_sign_in(app, school):
    admin, teacher = school["admin"], school["teacher"]
    admin.post(f"/data-protection/officers/{teacher.public_id}", data={"designate": "yes"})
    client = app.test_client()
    response = client.post("/sign-in", data={"email": teacher.email, "password": teacher.password})
    assert urlsplit(response.headers["Location"]).path == "/sign-in/set-up"
    with app.app_context():
        assert not can(_user(teacher.public_id), Action.TURN_OFF_TWO_STEP)


@pytest.mark.parametrize("who", ["senco", "teacher_self"])
def test_nobody_but_the_administrator_designates(app, school, who):
    client = school["senco"] if who == "senco" else None
    if client is None:
        client = app.test_client()
        sign_in(client, school["teacher"].email, school["teacher"].password)
    target = school["teacher"].public_id
    assert client.post(f"/data-protection/officers/{target}", data={"designate": "yes"}).status_code in (403, 404)
    with app.app_context():
        assert not _user(target).is_dpo


def test_never_a_parent_or_an_outside_account(app, school, create_user, create_case, add_to_team):
    learner = create_case(school=SCHOOL)
    parent = create_user("parent")
    outsider = create_user("ep")
    for account in (parent, outsider):
        add_to_team(learner, account)
        response = school["admin"].post(f"/data-protection/officers/{account.public_id}", data={"designate": "yes"})
        assert response.status_code in (403, 404)
        with app.app_context():
            assert not _user(account.public_id).is_dpo
    with app.app_context():
        admin = _user(school["admin"].account.public_id)
        assert not can(admin, Action.DESIGNATE_DPO, _user(parent.public_id))
        assert not can(admin, Action.DESIGNATE_DPO, _user(outsider.public_id))
        assert can(admin, Action.DESIGNATE_DPO, _user(school["teacher"].public_id))


def test_a_designation_gives_no_casework_access(app, school, create_case):
    learner = create_case(school=SCHOOL)
    school["admin"].post(f"/data-protection/officers/{school['admin'].account.public_id}", data={"designate": "yes"})
    with app.app_context():
        admin = _user(school["admin"].account.public_id)
        assert admin.is_dpo and can(admin, Action.LIST_ACCESS_REQUESTS)
        record = db.session.scalars(select(Learner).where(Learner.public_id == learner)).one()
        assert not can(admin, Action.VIEW_CASE, record) and not can(admin, Action.VIEW_LEARNER, record)
