"""The notifications service: the policy decides who is told, the actor and the inactive never are, a dedupe key
tells nobody twice, each person's delivery choice is kept (a concern always at once), and an email names no
learner and carries nothing sealed: only that there is something in Braid, with a link on the canonical address.

One world per module (tests/fixtures/worlds.py): a school with a learner, its SENCo, a teacher and a parent on the
case, a teacher not on it, a DSL, and a teacher whose account is deactivated.
"""
from __future__ import annotations

import pytest
from sqlalchemy import delete, select

from app.agencies.accounts.models import User
from app.cases.contributions import services as contributions
from app.cases.learners.models import Learner
from app.core.mail.models import OutboxMessage
from app.extensions import db
from app.notifications import services
from app.notifications.models import Delivery, Notification, NotificationKind, NotificationPreference
from app.policy import Action
from tests.fixtures.worlds import saved_or_built, world_app

# The dedupe key's unique constraint, the merge's bulk update and the sealed summary: on both engines.
pytestmark = pytest.mark.both_backends

WORLD = "notifications: one case, its people and some who are not on it"
LEARNER_NAME = "Zephyrine Quillfeather"
SUMMARY = "Test Teacher added a classroom view to Zephyrine Quillfeather's plan"


@pytest.fixture
def app(backend, database_servers, saved_worlds, database_url):
    yield from world_app(WORLD, backend, database_servers, saved_worlds, database_url)


@pytest.fixture
def world(app, backend, saved_worlds, create_agency, create_user, create_case, add_to_team):
    def build():
        school = create_agency(name="Notify Primary")
        learner = create_case(school=school, name=LEARNER_NAME)
        twin = create_case(school=school, name="Zephyrine Quilfeather")  # the same child, registered twice
        people = {
            "senco": create_user("senco", agency=school),
            "teacher": create_user("teacher", agency=school),
            "other_teacher": create_user("teacher", agency=school),
            "dsl": create_user("dsl", agency=school),
            "parent": create_user("parent"),
            "gone": create_user("teacher", agency=school, active=False),
        }
        for role in ("teacher", "parent", "gone"):
            add_to_team(learner, people[role])
        people = {name: account.public_id for name, account in people.items()}
        return {"learner": learner, "twin": twin, "people": people}, {}

    facts, _ = saved_or_built(WORLD, backend, app, saved_worlds, build)
    return facts


def _user(world, name) -> User:
    return db.session.scalars(select(User).where(User.public_id == world["people"][name])).one()


def _learner(world) -> Learner:
    return db.session.scalars(select(Learner).where(Learner.public_id == world["learner"])).one()


def _contribution(world, visibility: str):
    """A contribution, with what adding it told anyone taken away: these tests call `notify` themselves."""
    contribution = contributions.add_contribution(_user(world, "teacher"), _learner(world), kind="classroom_view",
                                                  visibility=visibility, title="Reading", body="<p>Reads well.</p>")
    db.session.execute(delete(Notification))
    db.session.execute(delete(OutboxMessage))
    return contribution


def _tell_everyone(world, contribution, **options):
    everyone = [_user(world, name) for name in world["people"]]
    return services.notify(NotificationKind.CONTRIBUTION_ADDED, subject=contribution,
                           action=Action.VIEW_CONTRIBUTION, recipients=everyone, summary=SUMMARY,
                           path=f"/contributions/{contribution.public_id}", learner=_learner(world),
                           actor=_user(world, "teacher"), **options)


def _told(notifications) -> set[str]:
    return {db.session.get(User, row.recipient_id).public_id for row in notifications}


@pytest.mark.parametrize("visibility, expected", [
    ("team", {"senco"}),
    ("team_and_family", {"senco", "parent"}),
    ("restricted", {"senco", "dsl"}),
])
def test_only_those_the_policy_lets_see_the_item_are_told(app, world, visibility, expected):
    with app.app_context():
        made = _tell_everyone(world, _contribution(world, visibility))
        db.session.commit()
        assert _told(made) == {world["people"][name] for name in expected}
        stored = db.session.scalars(select(Notification)).all()
        assert len(stored) == len(expected)
        assert all(row.subject_type == "contribution" and row.summary == SUMMARY for row in stored)


def test_the_actor_and_a_deactivated_account_are_never_told(app, world):
    with app.app_context():
        made = _tell_everyone(world, _contribution(world, "team_and_family"))
        told = _told(made)
        assert world["people"]["teacher"] not in told  # the author did it
        assert world["people"]["gone"] not in told  # on the team, but the account is deactivated
        assert world["people"]["other_teacher"] not in told  # not on the case


def test_a_dedupe_key_tells_nobody_twice(app, world):
    with app.app_context():
        contribution = _contribution(world, "team")
        first = _tell_everyone(world, contribution, dedupe=f"contribution_added:{contribution.public_id}")
        again = _tell_everyone(world, contribution, dedupe=f"contribution_added:{contribution.public_id}")
        db.session.commit()
        assert len(first) == 1 and again == []
        assert db.session.scalar(select(db.func.count(Notification.id))) == 1


def test_delivery_follows_each_persons_choice_and_a_concern_always_comes_at_once(app, world):
    with app.app_context():
        senco = _user(world, "senco")
        assert services.delivery_for(senco, NotificationKind.CONTRIBUTION_ADDED) is Delivery.DAILY_SUMMARY
        assert services.delivery_for(senco, NotificationKind.ACTION_ASSIGNED) is Delivery.AT_ONCE
        services.set_delivery(senco, NotificationKind.CONTRIBUTION_ADDED, Delivery.AT_ONCE)
        services.set_delivery(senco, NotificationKind.CONCERN_RECORDED, Delivery.PAGE_ONLY)
        db.session.commit()
        assert services.delivery_for(senco, NotificationKind.CONTRIBUTION_ADDED) is Delivery.AT_ONCE
        assert services.delivery_for(senco, NotificationKind.CONCERN_RECORDED) is Delivery.AT_ONCE
        assert db.session.scalars(select(NotificationPreference.kind)).all() == [NotificationKind.CONTRIBUTION_ADDED]

        made = _tell_everyone(world, _contribution(world, "team_and_family"))
        db.session.commit()
        emailed = {db.session.get(User, row.recipient_id).public_id for row in made if row.emailed_at}
        assert emailed == {world["people"]["senco"]}  # the parent kept the daily summary
        assert [message.recipient for message in db.session.scalars(select(OutboxMessage))] == [senco.email]


def test_an_email_names_no_learner_and_holds_nothing_sealed(app, world):
    with app.app_context():
        for name in ("senco", "parent"):
            services.set_delivery(_user(world, name), NotificationKind.CONTRIBUTION_ADDED, Delivery.AT_ONCE)
        made = _tell_everyone(world, _contribution(world, "team_and_family"))
        db.session.commit()
        messages = db.session.scalars(select(OutboxMessage)).all()
        assert len(messages) == 2
        first, last = LEARNER_NAME.split()
        for message in messages:
            text = f"{message.subject}\n{message.body}"
            for secret in (first, last, SUMMARY, "Reading", "Reads well", world["learner"]):
                assert secret not in text
            assert f"{app.config['BRAID_BASE_URL'].rstrip('/')}/notifications/" in message.body  # canonical
        assert {row.public_id for row in made} == {
            message.body.split("/notifications/")[1].split()[0] for message in messages}


def test_the_unread_count_counts_only_ones_own_unread(app, world):
    with app.app_context():
        made = _tell_everyone(world, _contribution(world, "restricted"))
        db.session.commit()
        senco, dsl = _user(world, "senco"), _user(world, "dsl")
        assert services.unread_count(senco) == 1 and services.unread_count(dsl) == 1
        services.mark_read(next(row for row in made if row.recipient_id == senco.id))
        db.session.commit()
        assert services.unread_count(senco) == 0 and services.unread_count(dsl) == 1


def test_a_concern_reaches_the_dsl_by_email_at_once_and_the_email_says_nothing_of_it(app, world):
    from app.cases.concerns import services as concerns

    with app.app_context():
        dsl = _user(world, "dsl")
        services.set_delivery(dsl, NotificationKind.CONCERN_RECORDED, Delivery.PAGE_ONLY)  # refused: no row
        concern = concerns.record_concern(_user(world, "teacher"), _learner(world), concern="CONCERN-TEXT-9a1f")
        db.session.commit()
        [told] = db.session.scalars(select(Notification)).all()
        assert told.recipient_id == dsl.id and told.emailed_at is not None
        assert told.path == f"/concerns/{concern.public_id}"
        [message] = db.session.scalars(select(OutboxMessage)).all()
        assert message.recipient == dsl.email
        text = f"{message.subject}\n{message.body}"
        for secret in (*LEARNER_NAME.split(), "CONCERN-TEXT-9a1f", concern.public_id, world["learner"]):
            assert secret not in text
        assert "a safeguarding concern is recorded" in message.body


def test_a_merge_takes_the_notifications_of_the_other_record_to_the_survivor(app, world):
    from app.cases.learners.corrections import CORRECTABLE
    from app.cases.merges import services as merges

    with app.app_context():
        main = _learner(world)
        twin = db.session.scalars(select(Learner).where(Learner.public_id == world["twin"])).one()
        made = services.notify(NotificationKind.CONTRIBUTION_ADDED, subject=_contribution(world, "team"),
                               action=Action.VIEW_CONTRIBUTION, recipients=[_user(world, "senco")],
                               summary=SUMMARY, path="/", learner=twin)
        db.session.commit()
        merges.merge_learners(_user(world, "senco"), main, twin, survivor_version=main.version,
                              other_version=twin.version, keep=dict.fromkeys(CORRECTABLE, merges.SURVIVOR),
                              continuing_cycle=None, reason="Registered twice")
        db.session.commit()
        assert db.session.get(Notification, made[0].id).learner_id == main.id


def test_deleting_a_learner_deletes_what_people_were_told_about_them(app, world, create_case):
    """No erasure exists yet: when it does, the database takes the notifications with the learner."""
    erased = create_case(school="Notify Primary", name="Erased Learner")
    with app.app_context():
        learner = db.session.scalars(select(Learner).where(Learner.public_id == erased)).one()
        services.notify(NotificationKind.CONTRIBUTION_ADDED, subject=_contribution(world, "team"),
                        action=Action.VIEW_CONTRIBUTION, recipients=[_user(world, "senco")], summary=SUMMARY,
                        path="/", learner=learner)
        db.session.commit()
        assert db.session.scalar(select(db.func.count(Notification.id))) == 1
        db.session.execute(delete(Learner).where(Learner.id == learner.id))
        db.session.commit()
        assert db.session.scalar(select(db.func.count(Notification.id))) == 0
