"""The daily summary: from 07:00 school time, one identity-free email per person counting what waits for them by
kind, with a link to their notifications page; once a day however often the job runs; nothing when nothing waits.

One world per module: Summary School's learner with a teacher and an LSP on the case and the school's SENCo. The
teacher adds two contributions and the plan's review comes near, so the SENCo has three things for the summary.
"""
from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from app.agencies.accounts.models import AgencyKind, User
from app.cases.contributions import services as contributions
from app.cases.learners.models import Learner
from app.cases.plans import services as plans
from app.core import dates
from app.core.jobs import services as jobs
from app.core.mail.models import OutboxMessage
from app.extensions import db
from app.notifications import services as notifications
from app.notifications.models import Delivery, Notification, NotificationKind
from app.notifications.reminders import send_reminders
from app.notifications.summary import DAILY_SUMMARY, SUBJECT, send_daily_summaries
from tests.fixtures.worlds import saved_or_built, world_app

WORLD = "notifications: the daily summary"
LEARNER = {"name": "Peregrine Ashdown", "preferred_name": "Perry"}
CONTRIBUTION_TITLES = ("SUMMARY-TITLE-1a7c", "SUMMARY-TITLE-2b8d")


@pytest.fixture
def app(backend, database_servers, saved_worlds, database_url):
    yield from world_app(WORLD, backend, database_servers, saved_worlds, database_url)


@pytest.fixture
def world(app, backend, saved_worlds, create_agency, create_user, create_case, add_to_team):
    def build():
        school = create_agency(AgencyKind.SCHOOL, name="Summary School")
        people = {"senco": create_user("senco", agency=school, name="Summarised SENCo"),
                  "teacher": create_user("teacher", agency=school, name="Contributing Teacher"),
                  "lsp": create_user("lsp", agency=school, name="Quiet LSP")}
        learner_id = create_case(school=school, name=LEARNER["name"])
        add_to_team(learner_id, people["teacher"])
        with app.app_context():
            users = {name: db.session.scalars(select(User).where(User.public_id == account.public_id)).one()
                     for name, account in people.items()}
            learner = db.session.scalars(select(Learner).where(Learner.public_id == learner_id)).one()
            learner.preferred_name = LEARNER["preferred_name"]
            plans.start_plan(users["senco"], learner).review_on = dates.today() + timedelta(days=3)
            for title in CONTRIBUTION_TITLES:
                contributions.add_contribution(users["teacher"], learner, kind="classroom_view", visibility="team",
                                               title=title, body="<p>Reading well</p>")
            db.session.commit()
            send_reminders()  # the review due: the SENCo and the teacher (the LSP is not on the case)
            db.session.query(OutboxMessage).delete()
            db.session.commit()
        return {"people": {name: account.public_id for name, account in people.items()}}, {}

    facts, _ = saved_or_built(WORLD, backend, app, saved_worlds, build)
    return facts


def _at(hour: int, days: int = 0) -> datetime:
    """Today (or `days` later) at `hour` on the school's clock, in UTC."""
    day = dates.today() + timedelta(days=days)
    return datetime.combine(day, time(hour, 5), tzinfo=dates.school_zone()).astimezone(UTC)


def _user(world, name: str) -> User:
    return db.session.scalars(select(User).where(User.public_id == world["people"][name])).one()


def _mail_to(user: User) -> list[OutboxMessage]:
    return [message for message in db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
            if message.recipient == user.email]  # the address is sealed: compared once opened


def test_the_summary_collects_what_waits_into_one_identity_free_email(app, world):
    with app.app_context():
        senco = _user(world, "senco")
        waiting = db.session.scalar(select(func.count()).select_from(Notification)
                                    .where(Notification.recipient_id == senco.id))
        assert waiting == 3
        assert send_daily_summaries(_at(8, days=1)) == 2  # the SENCo's and the teacher's (its review due)
        [message] = _mail_to(senco)
        assert message.subject == SUBJECT
        body = message.body
        assert "You have 3 new things in Braid" in body
        assert "- 2 contributions added" in body and "- 1 plan review due" in body
        assert "http://localhost/notifications\n" in body
        # No learner, no title, no summary: kinds and counts only.
        for value in (LEARNER["name"], "Peregrine", "Ashdown", LEARNER["preferred_name"], *CONTRIBUTION_TITLES,
                      "Contributing Teacher"):
            assert value not in body and value not in message.subject
        for notification in db.session.scalars(select(Notification).where(Notification.recipient_id == senco.id)):
            assert notification.summarised_at is not None
            assert notification.summary not in body


def test_the_summary_goes_once_a_day_however_often_the_job_runs(app, world):
    with app.app_context():
        senco, teacher = _user(world, "senco"), _user(world, "teacher")
        assert send_daily_summaries(_at(8, days=1)) == 2
        assert send_daily_summaries(_at(8, days=1)) == 0
        # Something new later that day waits for tomorrow's summary.
        learner = db.session.scalars(select(Learner)).first()
        contributions.add_contribution(teacher, learner, kind="classroom_view", visibility="team", title="Third",
                                       body="<p>More</p>")
        db.session.commit()
        assert send_daily_summaries(_at(15, days=1)) == 0
        assert len(_mail_to(senco)) == 1
        assert send_daily_summaries(_at(8, days=2)) == 1
        assert [("1 new thing" in m.body, "- 1 contribution added" in m.body) for m in _mail_to(senco)][-1] == (
            True, True)
        assert len(_mail_to(senco)) == 2


def test_no_summary_before_the_hour_nor_when_nothing_waits(app, world):
    with app.app_context():
        assert send_daily_summaries(_at(6, days=1)) == 0  # before 07:00 school time
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
        send_daily_summaries(_at(8, days=1))
        lsp = _user(world, "lsp")  # told of nothing: no email
        assert _mail_to(lsp) == []
        assert send_daily_summaries(_at(8, days=2)) == 0  # nothing new since: nothing sent


def test_the_summary_leaves_out_what_was_read_or_chosen_for_the_page_only(app, world):
    with app.app_context():
        senco = _user(world, "senco")
        notifications.set_delivery(senco, NotificationKind.REVIEW_DUE, Delivery.PAGE_ONLY)
        first = db.session.scalars(select(Notification).where(
            Notification.recipient_id == senco.id, Notification.kind == NotificationKind.CONTRIBUTION_ADDED)).first()
        notifications.mark_read(first)
        db.session.commit()
        send_daily_summaries(_at(8, days=1))
        [message] = _mail_to(senco)
        assert "You have 1 new thing in Braid" in message.body and "- 1 contribution added" in message.body
        assert "review" not in message.body


@pytest.mark.both_backends  # the claim is a conditional UPDATE: run on both engines
def test_the_periodic_job_runs_through_the_ledger_and_twice_sends_nothing_more(app, world):
    app.config["NOTIFICATIONS_SUMMARY_HOUR"] = 0  # whatever the hour the suite runs at
    with app.app_context():
        jobs.run_now(DAILY_SUMMARY)
        jobs.run_now(DAILY_SUMMARY)
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 2
        assert len(_mail_to(_user(world, "senco"))) == 1


def test_no_summary_counts_what_waits_about_a_learner_whose_record_was_restricted_since(app, world):
    """UK GDPR Article 18: told before the restriction, but nothing is sent about the learner once it is in force,
    not even a count; lifted, the waiting notifications are summarised as before."""
    with app.app_context():
        learner = db.session.scalars(select(Learner)).one()
        learner.restricted_at = datetime.now(UTC)
        db.session.commit()
        assert send_daily_summaries(_at(8, days=1)) == 0
        assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0
        learner.restricted_at = None
        db.session.commit()
        assert send_daily_summaries(_at(8, days=1)) == 2
