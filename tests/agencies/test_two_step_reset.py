"""An administrator resets a lost authenticator: the person sets up a new one after their password."""
from sqlalchemy import func, select

from app.agencies.accounts.models import AgencyKind, User
from app.agencies.two_step.models import RecoveryCode, TwoStepEnrolment
from app.audit.models import AuditEvent
from app.extensions import db
from tests.fixtures.application import sign_in, text_of


def _enrolments(app, account) -> tuple[int, int]:
    with app.app_context():
        user_id = db.session.scalars(select(User.id).where(User.public_id == account.public_id)).one()
        found = tuple(db.session.scalar(select(func.count()).select_from(model).where(model.user_id == user_id))
                      for model in (TwoStepEnrolment, RecoveryCode))
        db.session.remove()
    return found


def test_an_admin_resets_a_lost_authenticator_and_the_person_sets_up_a_new_one(app, create_agency, create_user,
                                                                               client_as):
    school = create_agency(AgencyKind.SCHOOL)
    admin = client_as("admin", agency=school)
    senco = create_user("senco", agency=school)
    their_session = app.test_client()
    assert sign_in(their_session, senco.email, senco.password).status_code == 302
    assert _enrolments(app, senco)[0] == 1

    detail = text_of(admin.get(f"/accounts/{senco.public_id}"))
    assert "Two-step verification" in detail and "Reset two-step verification" in detail
    assert admin.get(f"/accounts/{senco.public_id}/reset-two-step").status_code == 200
    done = admin.post(f"/accounts/{senco.public_id}/reset-two-step")
    assert done.status_code == 302
    assert _enrolments(app, senco) == (0, 0)
    assert their_session.get("/").status_code == 302  # signed out everywhere
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert (event.action.value, event.object_public_id, event.fields_changed) == \
            ("update", senco.public_id, "two_step")
        db.session.remove()

    # The password alone still reaches nothing but setting up a new authenticator.
    fresh = app.test_client()
    response = fresh.post("/sign-in", data={"email": senco.email, "password": senco.password})
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in/set-up")
    assert fresh.get("/").status_code == 302


def test_nobody_else_may_reset_it_and_an_admin_not_their_own(app, create_agency, create_user, client_as):
    school = create_agency(AgencyKind.SCHOOL)
    admin = client_as("admin", agency=school)
    senco = create_user("senco", agency=school)
    own = admin.post(f"/accounts/{admin.account.public_id}/reset-two-step")
    assert own.status_code == 403
    assert "Reset two-step verification" not in text_of(admin.get(f"/accounts/{admin.account.public_id}"))
    other_admin = client_as("admin")  # another school's
    assert other_admin.post(f"/accounts/{senco.public_id}/reset-two-step").status_code == 404
    dsl = client_as("dsl", agency=school)
    assert dsl.post(f"/accounts/{senco.public_id}/reset-two-step").status_code == 404
    assert _enrolments(app, senco)[0] == 1 and _enrolments(app, admin.account)[0] == 1
