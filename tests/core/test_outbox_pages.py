"""The mail pages: the development outbox (only when switched on and mail is kept; administrators only), and the
administrator's list of unsent mail (waiting and failed, never a body) with "try again" for a failed message."""
from __future__ import annotations

import socketserver

import pytest
from sqlalchemy import func, select, update

from app.audit.models import AuditAction, AuditEvent
from app.core.jobs import services as jobs
from app.core.jobs.models import JobRun, JobStatus
from app.core.mail import services as outbox
from app.core.mail.models import OutboxMessage
from app.extensions import db
from app.types import utcnow
from tests.fixtures.application import text_of
from tests.fixtures.learners import school_id

BODY = "OUTBOX-BODY-5c1d Open http://localhost/invitations/accept/SECRETTOKEN42 to join."
ADMINS_SCHOOL = "Home of admin"  # where client_as("admin") works: its mail is this school's


def _keep(app, recipient: str, subject: str, body: str = BODY, agency: str = ADMINS_SCHOOL) -> str:
    with app.app_context():
        message = outbox.queue_message(recipient, subject, body, agency_id=school_id(agency))
        public_id = message.public_id
        db.session.commit()
        db.session.remove()
    return public_id


# --- the development outbox ------------------------------------------------------------------------------


def test_the_development_outbox_shows_kept_messages_with_their_links_to_an_administrator(app, client_as):
    app.config["MAIL_OUTBOX_PAGE"] = True
    _keep(app, "new.parent@example.org", "You have been invited to a learner's team on Braid")
    admin = client_as("admin")
    page = admin.get("/dev/outbox")
    assert page.status_code == 200
    body = text_of(page)
    assert "new.parent@example.org" in body and "invited to a learner's team" in body
    assert 'href="http://localhost/invitations/accept/SECRETTOKEN42"' in page.get_data(as_text=True)
    assert 'href="/dev/outbox"' in admin.get("/").get_data(as_text=True)  # linked from the admin's home


@pytest.mark.parametrize("role", ["senco", "dsl", "parent", "slt"])
def test_the_development_outbox_is_refused_to_everyone_but_administrators(app, client_as, role):
    app.config["MAIL_OUTBOX_PAGE"] = True
    _keep(app, "someone@example.org", "Reset your Braid password")
    response = client_as(role).get("/dev/outbox")
    assert response.status_code == 403
    assert "SECRETTOKEN42" not in response.get_data(as_text=True)


@pytest.mark.parametrize("settings", [
    {"MAIL_OUTBOX_PAGE": False},  # the default, and production's
    {"MAIL_OUTBOX_PAGE": True, "MAIL_SERVER": "127.0.0.1"},  # mail is sent: nothing is kept to read
], ids=["switched-off", "mail-server-set"])
def test_the_development_outbox_does_not_exist_otherwise(app, client_as, settings):
    _keep(app, "someone@example.org", "Reset your Braid password")
    app.config.update(settings)
    admin = client_as("admin")
    response = admin.get("/dev/outbox")
    assert response.status_code == 404
    assert "SECRETTOKEN42" not in response.get_data(as_text=True)
    assert 'href="/dev/outbox"' not in admin.get("/").get_data(as_text=True)


def test_the_testing_and_production_settings_leave_the_outbox_page_off(app):
    assert app.config["MAIL_OUTBOX_PAGE"] is False


# --- unsent mail for the administrator -------------------------------------------------------------------


def _closed_port() -> int:
    with socketserver.TCPServer(("127.0.0.1", 0), socketserver.BaseRequestHandler) as closed:
        return closed.server_address[1]


def _failed_and_waiting(app) -> tuple[str, str, str]:
    """One message failed for good (a mail server refusing connections), one waiting, one sent."""
    failed = _keep(app, "failed.recipient@example.org", "You have something new in Braid")
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=_closed_port(), MAIL_USE_TLS=False, MAIL_TIMEOUT=1,
                      JOBS_RETRY_DELAY=0)
    with app.app_context():
        outbox.sweep()  # the failed one gets its job now
        db.session.execute(update(JobRun).values(max_attempts=1))
        db.session.commit()
        assert jobs.run_pending() == 1
        db.session.remove()
    waiting = _keep(app, "waiting.recipient@example.org", "Reset your Braid password")
    sent = _keep(app, "sent.recipient@example.org", "Sent already")
    with app.app_context():
        db.session.execute(update(OutboxMessage).where(OutboxMessage.public_id == sent).values(sent_at=utcnow()))
        db.session.commit()
        db.session.remove()
    return failed, waiting, sent


def test_the_unsent_list_shows_failed_then_waiting_mail_and_never_a_body(app, client_as):
    failed, waiting, sent = _failed_and_waiting(app)
    admin = client_as("admin")
    for linked_from in ("/", "/admin/jobs"):
        assert 'href="/admin/mail"' in admin.get(linked_from).get_data(as_text=True)
    sending = _keep(app, "sending.recipient@example.org", "Being sent now")
    with app.app_context():  # claimed by a worker this minute
        db.session.execute(update(OutboxMessage).where(OutboxMessage.public_id == sending).values(sending_at=utcnow()))
        db.session.commit()
    page = admin.get("/admin/mail")
    assert page.status_code == 200
    body = text_of(page)
    assert "sending.recipient@example.org" in body and "Being sent" in body
    assert body.index("failed.recipient@example.org") < body.index("waiting.recipient@example.org")
    assert "ConnectionRefusedError" in body and "1 of 1" in body and "Failed" in body and "Waiting" in body
    assert "sent.recipient@example.org" not in body
    for value in ("OUTBOX-BODY-5c1d", "SECRETTOKEN42", "invitations/accept"):
        assert value not in body
    assert f"/admin/mail/{failed}/send-again" in body and f"/admin/mail/{waiting}/send-again" not in body


def test_try_again_queues_a_failed_message_once_more_and_is_audited(app, client_as):
    failed, waiting, sent = _failed_and_waiting(app)
    admin = client_as("admin")
    response = admin.post(f"/admin/mail/{failed}/send-again")
    assert response.status_code == 302
    with app.app_context():
        runs = db.session.scalars(select(JobRun).where(JobRun.name == outbox.SEND).order_by(JobRun.id)).all()
        assert [(run.ids["message"], run.status) for run in runs] == [
            (failed, JobStatus.FAILED), (waiting, JobStatus.QUEUED), (sent, JobStatus.QUEUED),
            (failed, JobStatus.QUEUED)]
        events = db.session.execute(select(AuditEvent.action, AuditEvent.object_type, AuditEvent.fields_changed)
                                    .where(AuditEvent.object_public_id == failed)).all()
        assert [(action, kind) for action, kind, _ in events] == [(AuditAction.UPDATE, "outbox_message")]
        assert "send_again" in str(events[0][2])
        db.session.remove()
    # Waiting (not failed) and sent messages cannot be tried again; nothing changes.
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(JobRun))
    assert admin.post(f"/admin/mail/{waiting}/send-again").status_code == 400
    assert admin.post(f"/admin/mail/{sent}/send-again").status_code == 404
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(JobRun)) == before


@pytest.mark.parametrize("role", ["senco", "dsl", "parent"])
def test_the_unsent_list_and_try_again_are_the_administrators_alone(app, client_as, role):
    failed, _, _ = _failed_and_waiting(app)
    client = client_as(role)
    assert client.get("/admin/mail").status_code == 403
    assert client.post(f"/admin/mail/{failed}/send-again").status_code == 404
    with app.app_context():
        runs = db.session.scalars(select(JobRun.status).where(JobRun.name == outbox.SEND)).all()
        assert sorted(status.value for status in runs) == ["failed", "queued", "queued"]  # as before: nothing new
