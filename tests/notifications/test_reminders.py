"""Reminders: who is told of each periodic kind (action due tomorrow, overdue, review due, invitation lapsed, access
ending), exactly once, and nobody else; a second run of the periodic job adds nothing.

One world per module (tests/fixtures/worlds.py): Remind School's learner with an LSP, a teacher, an EP (access ending
in 5 days) and a parent on the case, the school's SENCo, DSL, a teacher not on the case and its administrator. A
draft meeting gives actions due tomorrow, overdue, long overdue and done; the open cycle's review is 10 days away
(another learner's 20); the SENCo's invitations have lapsed, lapsed long ago, been revoked, or are still open.
"""
from __future__ import annotations

from collections import Counter
from datetime import time, timedelta

import pytest
from sqlalchemy import func, select

from app.agencies.accounts.models import Agency, AgencyKind, Role, User
from app.cases.learners.models import Learner
from app.cases.meetings import services as meetings
from app.cases.meetings.models import ActionStatus, Attendance, MeetingAction, MeetingKind
from app.cases.meetings.services import ActionDraft, MeetingDetails
from app.cases.plans import services as plans
from app.cases.team import services as team
from app.core import dates
from app.core.jobs import services as jobs
from app.core.jobs.models import JobRun, JobStatus
from app.core.mail.models import OutboxMessage
from app.extensions import db
from app.notifications.models import Notification, NotificationKind
from app.notifications.reminders import REMINDERS, send_reminders
from app.types import utcnow
from tests.fixtures.worlds import saved_or_built, world_app

WORLD = "notifications: reminders around one case"
K = NotificationKind
LEARNER_NAME = "Oriel Thistlewood"

# Each periodic kind, and exactly who is told of it (by their name in the world), once each.
TOLD = {
    # The teacher's and the LSP's open actions due tomorrow; the parent's is on an unshared draft (not theirs to
    # read yet); the teacher's overdue one is done.
    K.ACTION_DUE_TOMORROW: {"teacher", "lsp"},
    # The SENCo's action three days late; the EP's, 40 days late, is history, not news.
    K.ACTION_OVERDUE: {"senco"},
    # Everyone on the case and the school's SENCo; not the DSL or a teacher off the case, not the administrator.
    K.REVIEW_DUE: {"senco", "lsp", "teacher", "ep", "parent"},
    # The SENCo who sent the invitation that lapsed two days ago (not the revoked, open or long-lapsed ones).
    K.INVITATION_LAPSED: {"senco"},
    # The EP whose access ends in 5 days; not the parent (60 days), nor staff (no end).
    K.ACCESS_ENDING: {"ep"},
}


@pytest.fixture
def app(backend, database_servers, saved_worlds, database_url):
    yield from world_app(WORLD, backend, database_servers, saved_worlds, database_url)


def _invite(senco, learner, agency, n: int):
    invitation, _, _ = team.invite_to_case(
        senco, learner, email=f"invitee{n}@example.org", display_name=f"Invited Person {n}", role=Role.EP,
        agency_public_id=agency.public_id, access_ends_on=utcnow().date() + timedelta(days=60),
        link_for=lambda token: f"http://localhost/invitations/accept/{token}")
    return invitation


@pytest.fixture
def world(app, backend, saved_worlds, create_agency, create_user, create_case, add_to_team):
    def build():
        school = create_agency(AgencyKind.SCHOOL, name="Remind School")
        eps = create_agency(AgencyKind.EP_SERVICE, name="Remind EP Service")
        senco = create_user("senco", agency=school, name="Reminded SENCo")
        people = {
            "senco": senco,
            "lsp": create_user("lsp", agency=school, name="Reminded LSP", line_manager=senco.email),
            "teacher": create_user("teacher", agency=school, name="Reminded Teacher"),
            "other_teacher": create_user("teacher", agency=school, name="Unreminded Teacher"),
            "dsl": create_user("dsl", agency=school, name="Unreminded DSL"),
            "admin": create_user("admin", agency=school, name="Unreminded Admin"),
            "ep": create_user("ep", agency=eps, name="Reminded EP"),
            "parent": create_user("parent", name="Reminded Parent", access_expires_in=timedelta(days=60)),
        }
        learner_id = create_case(school=school, name=LEARNER_NAME)
        other_id = create_case(school=school, name="Bram Otherlearner")
        for name in ("lsp", "teacher", "ep", "parent"):
            add_to_team(learner_id, people[name], days=60)
        with app.app_context():
            users = {name: db.session.scalars(select(User).where(User.public_id == account.public_id)).one()
                     for name, account in people.items()}
            learner = db.session.scalars(select(Learner).where(Learner.public_id == learner_id)).one()
            other = db.session.scalars(select(Learner).where(Learner.public_id == other_id)).one()
            now, today = utcnow(), dates.today()
            users["ep"].access_expires_at = now + timedelta(days=5)
            users["parent"].access_expires_at = now + timedelta(days=60)
            plans.start_plan(users["senco"], learner).review_on = today + timedelta(days=10)
            plans.start_plan(users["senco"], other).review_on = today + timedelta(days=20)

            def action(owner: str) -> ActionDraft:
                return ActionDraft(description=f"Action for the {owner}", owner=users[owner].public_id,
                                   due_on=today + timedelta(days=7))
            owners = ["teacher", "lsp", "parent", "senco", "ep", "teacher"]
            meeting = meetings.record_meeting(users["lsp"], learner, MeetingDetails(
                kind=MeetingKind.PLANNING, held_on=today, starts_at=time(9, 30), duration_minutes=45,
                chair=users["lsp"].public_id, agenda="<p>Next steps</p>",
                attendance={users["lsp"].public_id: Attendance.PRESENT}, actions=[action(o) for o in owners]))
            due = [1, 1, 1, -3, -40, -2]  # days from today, in the order of `owners`
            for row, days in zip(sorted(meeting.actions, key=lambda a: a.id), due, strict=True):
                row.due_on = today + timedelta(days=days)
            sorted(meeting.actions, key=lambda a: a.id)[-1].status = ActionStatus.DONE  # the teacher's overdue one
            agency = db.session.scalars(select(Agency).where(Agency.name.matches(eps))).one()
            lapsed, long_lapsed, revoked, _open = (_invite(users["senco"], learner, agency, n) for n in range(4))
            lapsed.expires_at = now - timedelta(days=2)
            long_lapsed.expires_at = now - timedelta(days=40)
            revoked.expires_at, revoked.revoked_at = now - timedelta(days=2), now - timedelta(days=5)
            db.session.query(Notification).delete()  # what recording the meeting told people is not the test's
            db.session.query(OutboxMessage).delete()
            db.session.commit()
        return {"people": {name: account.public_id for name, account in people.items()}}, {}

    facts, _ = saved_or_built(WORLD, backend, app, saved_worlds, build)
    return facts


def _told(world) -> Counter:
    names = {public_id: name for name, public_id in world["people"].items()}
    rows = db.session.execute(select(Notification.kind, User.public_id).join(
        User, User.id == Notification.recipient_id)).all()
    return Counter((kind, names[public_id]) for kind, public_id in rows)


@pytest.mark.parametrize("kind", list(TOLD), ids=[kind.value for kind in TOLD])
def test_each_periodic_kind_tells_exactly_those_it_concerns_once(app, world, kind):
    with app.app_context():
        send_reminders()
        told = _told(world)
        assert Counter({key: n for key, n in told.items() if key[0] is kind}) == Counter(
            {(kind, name): 1 for name in TOLD[kind]})


@pytest.mark.both_backends  # the dedupe key's unique constraint and the ledger's claim differ between engines
def test_running_the_reminders_twice_adds_nothing(app, world):
    with app.app_context():
        jobs.run_now(REMINDERS)
        first = _told(world)
        messages = db.session.scalar(select(func.count()).select_from(OutboxMessage))
        jobs.run_now(REMINDERS)
        assert _told(world) == first == Counter({(kind, name): 1 for kind, names in TOLD.items() for name in names})
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == messages
        runs = db.session.scalars(select(JobRun.status).where(JobRun.name == REMINDERS)).all()
        assert runs == [JobStatus.DONE, JobStatus.DONE]


def test_a_reminder_names_the_learner_in_braid_and_never_in_its_email(app, world):
    with app.app_context():
        send_reminders()
        ep = db.session.scalars(select(User).where(User.public_id == world["people"]["ep"])).one()
        summaries = [row.summary for row in db.session.scalars(select(Notification))]
        assert any(LEARNER_NAME in summary for summary in summaries)  # sealed, on the page
        # The access reminder comes at once by default: one email, identity-free.
        [message] = [message for message in db.session.scalars(select(OutboxMessage)) if message.recipient == ep.email]
        assert "Thistlewood" not in message.body + message.subject and "Oriel" not in message.body
        for summary in summaries:
            assert summary not in message.body
        assert "http://localhost/notifications/" in message.body


def test_a_moved_due_date_is_announced_again_and_a_finished_action_not_at_all(app, world):
    with app.app_context():
        send_reminders()
        senco_action = db.session.scalars(select(MeetingAction).join(User, User.id == MeetingAction.owner_id)
                                          .where(User.public_id == world["people"]["senco"])).one()
        senco_action.due_on = dates.today() - timedelta(days=1)  # moved: a new due date, overdue again
        teacher_action = db.session.scalars(select(MeetingAction).join(User, User.id == MeetingAction.owner_id)
                                            .where(User.public_id == world["people"]["teacher"],
                                                   MeetingAction.status == ActionStatus.OPEN)).one()
        teacher_action.status = ActionStatus.DONE
        db.session.commit()
        send_reminders()
        told = _told(world)
        assert told[(K.ACTION_OVERDUE, "senco")] == 2
        assert told[(K.ACTION_DUE_TOMORROW, "teacher")] == 1  # not again: it was done
