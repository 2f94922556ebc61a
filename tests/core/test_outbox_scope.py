"""Unsent mail is its agency's: one local authority runs Braid for many schools, and each school's administrator
sees (and may send again) only the mail their school looks after: to its own accounts, and the invitations its
people sent. Mail written before the messages named an agency is shown to nobody.

Two schools, each with an administrator, a SENCo, a teacher and two learners; every kind of email is written
through the real routes and services (an invitation, a password reset, a notification at once, the daily summary,
the notice of a misfiled contribution moved). A parent's mail (told at once, a password reset) is their child's
school's to look after: a family has no administrator."""
from __future__ import annotations

import html
import re
import socketserver
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select, update

from app.agencies.accounts.models import Agency, AgencyKind, User
from app.cases.contributions import misfiled
from app.cases.contributions import services as contributions
from app.cases.learners.models import Learner
from app.core.jobs import services as jobs
from app.core.jobs.models import JobRun
from app.core.mail import services as outbox
from app.core.mail.models import OutboxMessage
from app.extensions import db
from app.notifications import services as notifications
from app.notifications.models import Delivery, NotificationKind
from app.notifications.summary import SUBJECT as SUMMARY_SUBJECT
from app.notifications.summary import send_daily_summaries
from app.policy import Action

# The scope's filter and the new column's foreign key and index: on both engines.
pytestmark = pytest.mark.both_backends

SCHOOLS = {"alder": "Alder Primary School", "birch": "Birch Academy"}
THERAPY = "Authority Speech and Language Therapy"  # one service both schools invite from
INVITED = "You have been invited to a learner's team on Braid"
RESET = "Reset your Braid password"
AT_ONCE = "You have a new notification in Braid"
MOVED = "A contribution of yours has been moved on Braid"


def _one(model, public_id: str):
    return db.session.scalars(select(model).where(model.public_id == public_id)).one()


def _write_mail(app, tag: str, senco, teacher, therapy: str) -> None:
    """The school's mail of every kind, through the routes and services that write it."""
    ends = date.today() + timedelta(days=60)
    response = senco.post(f"/learners/{teacher.learner}/team/invite", data={
        "display_name": f"Invited Therapist {tag.title()}", "email": f"invitee.{tag}@example.org", "role": "slt",
        "agency": therapy, "new_agency_name": "", "new_agency_kind": "",
        "access_ends_on": [str(ends.day), str(ends.month), str(ends.year)]})
    assert 'id="invitation-link"' in response.get_data(as_text=True)  # sent, not refused
    assert app.test_client().post("/sign-in/reset", data={"email": teacher.email}).status_code in (200, 302)
    # A parent's family has no administrator: their child's school looks after their mail too.
    assert app.test_client().post("/sign-in/reset", data={"email": teacher.parent_email}).status_code in (200, 302)
    with app.app_context():
        senco_user, teacher_user = _one(User, senco.account.public_id), _one(User, teacher.public_id)
        parent_user = _one(User, teacher.parent)
        learner = _one(Learner, teacher.learner)
        contribution = contributions.add_contribution(teacher_user, learner, kind="classroom_view",
                                                      visibility="team_and_family",
                                                      title=f"Reading at {tag}", body="<p>Reading well</p>")
        notifications.set_delivery(senco_user, NotificationKind.CONTRIBUTION_ADDED, Delivery.AT_ONCE)
        notifications.set_delivery(parent_user, NotificationKind.CONTRIBUTION_ADDED, Delivery.AT_ONCE)
        # The SENCo's email at once; the teacher's waits for the daily summary (the default).
        told = notifications.notify(NotificationKind.CONTRIBUTION_ADDED, subject=contribution,
                                    action=Action.VIEW_CONTRIBUTION, recipients=[senco_user, teacher_user, parent_user],
                                    summary="A classroom view was added", path="/", learner=learner)
        assert len(told) == 3
        db.session.commit()
        misfiled.move_contribution(senco_user, contribution, version=contribution.version,
                                   to_learner_public_id=teacher.other_learner, reason="Filed against the wrong child")
        db.session.commit()
        db.session.remove()


@pytest.fixture
def schools(app, create_agency, create_user, create_case, add_to_team, client_as):
    create_agency(AgencyKind.NHS_SERVICE, name=THERAPY)
    with app.app_context():
        therapy = db.session.scalars(select(Agency).where(Agency.name.matches(THERAPY))).one().public_id
    made = {}
    for tag, name in SCHOOLS.items():
        school = create_agency(AgencyKind.SCHOOL, name=name)
        senco = client_as("senco", agency=school, email=f"senco.{tag}@example.org")
        teacher = create_user("teacher", agency=school, email=f"teacher.{tag}@example.org")
        learner, other = create_case(school=school), create_case(school=school)
        parent = create_user("parent", agency=create_agency(AgencyKind.FAMILY, name=f"The {tag.title()} Family"),
                             email=f"parent.{tag}@example.org")
        add_to_team(learner, teacher)
        add_to_team(learner, parent)
        teacher = SimpleNamespace(public_id=teacher.public_id, email=teacher.email, learner=learner,
                                  other_learner=other, parent=parent.public_id, parent_email=parent.email)
        _write_mail(app, tag, senco, teacher, therapy)
        admin = client_as("admin", agency=school, email=f"admin.{tag}@example.org")
        made[tag] = SimpleNamespace(name=name, admin=admin,
                                    expected={(f"invitee.{tag}@example.org", INVITED), (teacher.email, RESET),
                                              (f"senco.{tag}@example.org", AT_ONCE),
                                              (f"parent.{tag}@example.org", AT_ONCE),
                                              (f"parent.{tag}@example.org", RESET), (teacher.email, MOVED),
                                              (teacher.email, SUMMARY_SUBJECT)})
    app.config["NOTIFICATIONS_SUMMARY_HOUR"] = 0  # the summaries are due now, whatever the hour
    with app.app_context():
        assert send_daily_summaries() == 2  # each school's teacher
        db.session.remove()
    return made


def _listed(page) -> set[tuple[str, str]]:
    """(address, subject) of each row of the unsent-mail table."""
    rows = re.findall(r'<tr class="govuk-table__row">\s*<td class="govuk-table__cell">([^<]*)</td>\s*'
                      r'<td class="govuk-table__cell">([^<]*)</td>', page.get_data(as_text=True))
    return {(html.unescape(address), html.unescape(subject)) for address, subject in rows}


def _stored(app) -> dict[tuple[str, str], str | None]:
    """Each message's (address, subject) and the name of its agency, as stored."""
    with app.app_context():
        names = {agency.id: agency.name for agency in db.session.scalars(select(Agency))}
        stored = {(message.recipient, message.subject): names.get(message.agency_id)
                  for message in db.session.scalars(select(OutboxMessage))}
        db.session.remove()
    return stored


def test_every_kind_of_email_is_stored_with_the_agency_that_looks_after_it(app, schools):
    stored = _stored(app)
    assert len(stored) == 14
    for school in schools.values():
        assert {key: stored.get(key) for key in school.expected} == dict.fromkeys(school.expected, school.name)


def test_each_administrator_sees_their_own_schools_unsent_mail_and_none_of_the_others(app, schools):
    for tag, school in schools.items():
        page = school.admin.get("/admin/mail")
        assert page.status_code == 200
        assert _listed(page) == school.expected
        body = page.get_data(as_text=True)
        [other] = [other for other_tag, other in schools.items() if other_tag != tag]
        for address, _ in other.expected:
            assert address not in body


def _fail_everything(app) -> dict[str, str]:
    """Every message's sending fails for good (a mail server refusing connections); their public ids by address
    and subject."""
    with socketserver.TCPServer(("127.0.0.1", 0), socketserver.BaseRequestHandler) as closed:
        port = closed.server_address[1]
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_USE_TLS=False, MAIL_TIMEOUT=1, JOBS_RETRY_DELAY=0)
    with app.app_context():
        outbox.sweep()
        db.session.execute(update(JobRun).values(max_attempts=1))
        db.session.commit()
        waiting = db.session.scalar(select(func.count()).select_from(OutboxMessage))
        assert jobs.run_pending() == waiting
        ids = {(message.recipient, message.subject): message.public_id
               for message in db.session.scalars(select(OutboxMessage))}
        db.session.remove()
    return ids


def _ledger(app) -> tuple[list, list]:
    with app.app_context():
        runs = db.session.execute(select(JobRun.id, JobRun.arguments, JobRun.status, JobRun.attempts)
                                  .order_by(JobRun.id)).all()
        rows = db.session.execute(select(OutboxMessage.public_id, OutboxMessage.sent_at, OutboxMessage.sending_at,
                                         OutboxMessage.agency_id).order_by(OutboxMessage.id)).all()
        db.session.remove()
    return runs, rows


def test_another_schools_failed_message_cannot_be_sent_again(app, schools):
    ids = _fail_everything(app)
    alder, birch = schools["alder"], schools["birch"]
    theirs = ids[("teacher.birch@example.org", RESET)]
    assert f"/admin/mail/{theirs}/send-again" in birch.admin.get("/admin/mail").get_data(as_text=True)
    before = _ledger(app)
    for path in (f"/admin/mail/{theirs}/send-again", f"/admin/mail/{ids[('invitee.birch@example.org', INVITED)]}"
                                                     "/send-again"):
        assert alder.admin.post(path).status_code == 404
    assert _ledger(app) == before  # no run queued, no row touched, no event
    # Its own administrator may: the same request is refused only for being the other school's.
    assert birch.admin.post(f"/admin/mail/{theirs}/send-again").status_code == 302
    runs, _ = _ledger(app)
    assert len(runs) == len(before[0]) + 1


def test_mail_written_before_messages_named_their_agency_is_shown_to_nobody(app, schools):
    with app.app_context():
        old = OutboxMessage(subject="Written before 0033", agency_id=None)
        old.recipient, old.body = "before.migration@example.org", "An old message."
        db.session.add(old)
        db.session.commit()
        old_id = old.public_id
        db.session.remove()
    app.config.update(MAIL_SERVER="127.0.0.1")
    for school in schools.values():
        page = school.admin.get("/admin/mail")
        assert _listed(page) == school.expected
        assert "before.migration@example.org" not in page.get_data(as_text=True)
        assert school.admin.post(f"/admin/mail/{old_id}/send-again").status_code == 404
    with app.app_context():  # still sent: the sweep gives it its job like any other
        outbox.sweep()
        assert db.session.scalar(select(func.count()).select_from(JobRun)
                                 .where(JobRun.arguments.contains(old_id))) == 1
