"""Mail survives a mail server that refuses: real SMTP over a socket to a server this test starts on loopback.

While the server refuses, the send job's run is queued again with back-off and its error class kept (the
message stays in the outbox, unsent, and no body reaches the log); once the server accepts, the next run
delivers it, once, and what arrives names no learner.
"""
from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from app.agencies.accounts.models import User
from app.cases.concerns import services as concerns
from app.cases.learners.models import Learner
from app.core.jobs import runner
from app.core.jobs import services as jobs
from app.core.jobs.models import JobRun, JobStatus
from app.core.mail import services as outbox
from app.core.mail.models import OutboxMessage
from app.extensions import db
from app.types import utcnow
from deploy.mail_server import MailServer

# The send job's claim is a conditional UPDATE: run on both engines.
pytestmark = pytest.mark.both_backends

LEARNER = "Ottoline Brackenridge"
CONCERN = "CONCERN-TEXT-7e1f"


def _run(app) -> JobRun:
    with app.app_context():
        run = db.session.scalars(select(JobRun).where(JobRun.name == outbox.SEND)).one()
        db.session.expunge(run)
        db.session.remove()
    return run


def _due_now(app) -> None:
    """Move the back-off's next attempt to now instead of sleeping through it."""
    with app.app_context():
        db.session.execute(update(JobRun).where(JobRun.status == JobStatus.QUEUED).values(next_attempt_at=utcnow()))
        db.session.commit()
        db.session.remove()


def test_a_refusing_mail_server_delays_a_message_and_it_is_sent_once_when_the_server_accepts(
        app, caplog, create_agency, create_user, create_case, add_to_team):
    school = create_agency(name="Refusal School")
    teacher, dsl = create_user("teacher", agency=school), create_user("dsl", agency=school)
    learner_id = create_case(school=school, name=LEARNER)
    add_to_team(learner_id, teacher)
    server = MailServer()
    server.refusing = True
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.server_address[1], MAIL_USE_TLS=False, MAIL_TIMEOUT=2,
                      JOBS_RETRY_DELAY=timedelta(seconds=30), JOBS_RETRY_DELAY_MAX=timedelta(minutes=15))
    caplog.set_level(logging.INFO)
    try:
        with app.app_context():
            # A concern: the school's DSL is told at once, by an email that must name nobody.
            author = db.session.scalars(select(User).where(User.public_id == teacher.public_id)).one()
            learner = db.session.scalars(select(Learner).where(Learner.public_id == learner_id)).one()
            concerns.record_concern(author, learner, concern=CONCERN)
            db.session.commit()
            [message_id] = [message.public_id for message in db.session.scalars(select(OutboxMessage))
                            if message.recipient == dsl.email]
            db.session.remove()
        for attempt, delay in ((1, 30), (2, 60)):
            before = utcnow()
            with app.app_context():
                assert jobs.run_pending() == 1
                assert jobs.run_pending() == 0  # waiting for its back-off: not run again at once
            run = _run(app)
            assert (run.status, run.attempts, run.last_error) == (JobStatus.QUEUED, attempt, "SMTPConnectError")
            # The back-off doubles: 30 s after the first refusal, 60 s after the second.
            waited = (run.next_attempt_at - before).total_seconds()
            assert delay - 1 <= waited <= delay + 5
            with app.app_context():
                assert runner.retry_delay(attempt) == delay
            _due_now(app)
        assert server.turned_away == 2 and server.received == []
        with app.app_context():
            kept = db.session.scalars(select(OutboxMessage).where(OutboxMessage.public_id == message_id)).one()
            assert (kept.sent_at, kept.sending_at) == (None, None)  # nothing lost, free for the next attempt
            db.session.remove()

        server.refusing = False
        with app.app_context():
            assert jobs.run_pending() == 1
            assert jobs.run_pending() == 0
            outbox.sweep()  # it had its job: nothing more is queued
            assert jobs.run_pending() == 0
            sent = db.session.scalars(select(OutboxMessage).where(OutboxMessage.public_id == message_id)).one()
            assert sent.sent_at is not None
            db.session.remove()
        run = _run(app)
        assert (run.status, run.attempts) == (JobStatus.DONE, 3)
    finally:
        server.close()
    assert len(server.received) == 1
    received = server.received[0]
    assert f"To: {dsl.email}" in received and "Subject: You have a new notification in Braid" in received
    assert "http://localhost/notifications/" in received
    for value in (LEARNER, "Ottoline", "Brackenridge", CONCERN, teacher.email):
        assert value not in received
    # The log names the message and the error class, never the address or the body.
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert message_id in logged and "SMTPConnectError" in logged
    assert dsl.email not in logged and "something new for you" not in logged and LEARNER not in logged
