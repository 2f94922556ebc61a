"""The notifications page (newest first, unread marked, opening one marks it read and goes to its item, mark all
as read, older ones a page on), the count in the header (one indexed count per page), and the settings page
(radios per kind; an invalid choice re-renders with an error summary; the concern kind cannot be turned off, not
even by a forged POST).

One world per module: a school's learner, a teacher who adds a team-and-family contribution and records a concern,
the SENCo and a parent on the case (told of the contribution), the DSL (told of the concern); each signed in.
"""
from __future__ import annotations

import re

import pytest
from sqlalchemy import event, select, update

from app.agencies.accounts.models import User
from app.cases.concerns import services as concerns
from app.cases.contributions import services as contributions
from app.cases.learners.models import Learner
from app.cases.team.models import TeamMembership
from app.extensions import db
from app.notifications import services
from app.notifications.models import Delivery, Notification, NotificationKind, NotificationPreference
from app.policy import Action
from app.types import utcnow
from tests.fixtures.application import sign_in, text_of
from tests.fixtures.worlds import saved_or_built, world_app

WORLD = "notifications: the pages"
LEARNER = "Ottoline Brackenbury"


@pytest.fixture
def app(backend, database_servers, saved_worlds, database_url):
    yield from world_app(WORLD, backend, database_servers, saved_worlds, database_url)


@pytest.fixture
def world(app, backend, saved_worlds, create_agency, create_user, create_case, add_to_team):
    def build():
        school = create_agency(name="Pages School")
        accounts = {role: create_user(role, agency=school if role != "parent" else None, name=f"Pages {role}")
                    for role in ("senco", "teacher", "dsl", "parent")}
        learner = create_case(school=school, name=LEARNER)
        for role in ("teacher", "parent"):
            add_to_team(learner, accounts[role])
        with app.app_context():
            teacher = db.session.scalars(select(User).where(User.public_id == accounts["teacher"].public_id)).one()
            case = db.session.scalars(select(Learner).where(Learner.public_id == learner)).one()
            contribution = contributions.add_contribution(teacher, case, kind="classroom_view",
                                                          visibility="team_and_family", title="Reading",
                                                          body="<p>Reads well.</p>")
            concern = concerns.record_concern(teacher, case, concern="A worry.")
            db.session.commit()
            facts = {"learner": learner, "contribution": contribution.public_id, "concern": concern.public_id,
                     "people": {role: account.public_id for role, account in accounts.items()}}
        clients = {}
        for role, account in accounts.items():
            clients[role] = app.test_client()
            assert sign_in(clients[role], account.email, account.password).status_code == 302
        return facts, clients

    facts, clients = saved_or_built(WORLD, backend, app, saved_worlds, build)
    facts["clients"] = clients
    return facts


def _user(world, role) -> User:
    return db.session.scalars(select(User).where(User.public_id == world["people"][role])).one()


def _notifications(app, world, role) -> list[Notification]:
    with app.app_context():
        user = _user(world, role)
        rows = db.session.scalars(select(Notification).where(Notification.recipient_id == user.id)
                                  .order_by(Notification.id)).all()
        return [(row.public_id, row.kind, row.read_at, row.path) for row in rows]


def _header_count(body: str) -> str:
    """The header's link as a screen reader names it (its label, else its text), checked against what it shows."""
    link = re.search(r'<a ([^>]*braid-navigation__notifications[^>]*)>(.*?)</a>', body, re.S)
    shown = re.sub(r"<[^>]+>", "", link.group(2)).split()
    label = re.search(r'aria-label="([^"]*)"', link.group(1))
    if label is None:
        return " ".join(shown)
    assert label.group(1) == f"Notifications, {shown[1]} unread" and shown[0] == "Notifications"
    return label.group(1)


def test_the_page_lists_what_each_was_told_with_the_unread_marked_and_the_count_in_the_header(app, world):
    senco = world["clients"]["senco"]
    body = text_of(senco.get("/notifications"))
    assert f"Pages teacher added a classroom view to {LEARNER}’s case" in body
    assert "Unread" in body and "You have 1 unread notification." in body
    assert _header_count(senco.get("/").get_data(as_text=True)) == "Notifications, 1 unread"
    dsl_body = text_of(world["clients"]["dsl"].get("/notifications"))
    assert f"recorded a safeguarding concern about {LEARNER}" in dsl_body
    assert "classroom view" not in dsl_body  # the DSL is not on the case
    teacher_body = world["clients"]["teacher"].get("/notifications").get_data(as_text=True)
    assert "There is nothing here yet." in teacher_body and _header_count(teacher_body) == "Notifications"


def test_opening_one_marks_it_read_and_goes_to_its_item_and_nobody_else_can_open_it(app, world):
    [(public_id, kind, read_at, path)] = _notifications(app, world, "parent")
    assert kind is NotificationKind.CONTRIBUTION_ADDED and read_at is None
    response = world["clients"]["senco"].get(f"/notifications/{public_id}")  # the parent's, not the SENCo's
    assert response.status_code == 404
    assert _notifications(app, world, "parent")[0][2] is None
    response = world["clients"]["parent"].get(f"/notifications/{public_id}")
    assert response.status_code == 302 and response.headers["Location"] == f"/contributions/{world['contribution']}"
    assert _notifications(app, world, "parent")[0][2] is not None
    assert world["clients"]["parent"].get(response.headers["Location"]).status_code == 200
    assert "Notifications, 1 unread" not in world["clients"]["parent"].get("/").get_data(as_text=True)


def test_a_path_that_is_not_a_page_of_braid_goes_to_the_notifications_page(app, world):
    """The one safe-redirect helper decides: a stored path is never a way off the site."""
    with app.app_context():
        senco = _user(world, "senco")
        db.session.execute(update(Notification).where(Notification.recipient_id == senco.id)
                           .values(path="//evil.example/phish"))
        db.session.commit()
    [(public_id, *_)] = _notifications(app, world, "senco")
    response = world["clients"]["senco"].get(f"/notifications/{public_id}")
    assert response.status_code == 302 and response.headers["Location"] == "/notifications"


def test_one_the_person_can_no_longer_see_is_not_shown(app, world):
    with app.app_context():
        parent = _user(world, "parent")
        db.session.execute(update(TeamMembership).where(TeamMembership.user_id == parent.id)
                           .values(ended_at=utcnow()))
        db.session.commit()
    body = text_of(world["clients"]["parent"].get("/notifications"))
    assert LEARNER not in body and "classroom view" not in body


def test_mark_all_as_read(app, world):
    senco = world["clients"]["senco"]
    response = senco.post("/notifications/read", data={})
    assert response.status_code == 302
    assert all(read_at is not None for _, _, read_at, _ in _notifications(app, world, "senco"))
    body = senco.get("/notifications").get_data(as_text=True)
    assert "You have no unread notifications." in body and _header_count(body) == "Notifications"
    assert [read_at for _, _, read_at, _ in _notifications(app, world, "parent")] == [None]  # only one's own


def test_older_notifications_are_a_page_on(app, world):
    with app.app_context():
        senco = _user(world, "senco")
        contribution = db.session.scalars(select(contributions.Contribution)).one()
        for number in range(55):
            services.notify(NotificationKind.CONTRIBUTION_ADDED, subject=contribution,
                            action=Action.VIEW_CONTRIBUTION, recipients=[senco], summary=f"Older number {number}.",
                            path=f"/contributions/{contribution.public_id}")
        db.session.commit()
    client = world["clients"]["senco"]
    first = client.get("/notifications").get_data(as_text=True)
    assert first.count('class="braid-notifications__item') == 50
    assert "Older number 54." in first and "Older number 5." in first and "Older number 4." not in first
    older = re.search(r'href="(/notifications\?before=[A-Za-z0-9_-]{22})"', first).group(1)
    rest = text_of(client.get(older))
    assert "Older number 4." in rest and "Older number 0." in rest and "Older number 5." not in rest
    assert "classroom view" in rest  # the first of all, last


def test_the_header_count_is_one_query_per_page(app, world):
    statements = []

    def note(conn, cursor, statement, *args):
        if "notification" in statement and "count(" in statement.lower():
            statements.append(statement)

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", note)
        try:
            assert world["clients"]["senco"].get("/").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", note)
    assert len(statements) == 1
    statements.clear()
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", note)
        try:
            assert world["clients"]["senco"].get("/notifications").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", note)
    assert len(statements) == 1  # the page's own count is the header's


def test_settings_show_the_kinds_of_the_role_and_save_a_choice(app, world):
    client = world["clients"]["teacher"]
    body = text_of(client.get("/notifications/settings"))
    assert "A contribution is added to a case you are on" in body
    assert "A safeguarding concern is recorded" not in body  # not the teacher's to receive
    assert "An invitation you sent is accepted" not in body
    response = client.post("/notifications/settings", data=_all(app, world, "teacher", contribution_added="page_only"))
    assert response.status_code == 302
    with app.app_context():
        assert services.delivery_for(_user(world, "teacher"), NotificationKind.CONTRIBUTION_ADDED) \
            is Delivery.PAGE_ONLY


def _all(app, world, role, **choices) -> dict:
    with app.app_context():
        chosen = services.deliveries(_user(world, role))
    return {kind.value: choices.get(kind.value, delivery.value) for kind, delivery in chosen.items()
            if kind.can_turn_off}


def test_an_invalid_choice_re_renders_with_an_error_summary_and_changes_nothing(app, world):
    client = world["clients"]["senco"]
    data = _all(app, world, "senco", action_assigned="page_only", review_due="every-minute")
    response = client.post("/notifications/settings", data=data)
    assert response.status_code == 400
    body = text_of(response)
    assert "There is a problem" in body and "Not a valid choice" in body
    assert re.search(r'name="action_assigned"[^>]*value="page_only"[^>]*checked|value="page_only"[^>]*name='
                     r'"action_assigned"[^>]*checked', response.get_data(as_text=True))  # as typed
    with app.app_context():
        assert db.session.scalars(select(NotificationPreference)).all() == []


def test_the_concern_kind_cannot_be_turned_off_even_by_a_forged_post(app, world):
    client = world["clients"]["dsl"]
    body = text_of(client.get("/notifications/settings"))
    assert "A safeguarding concern is recorded" in body and "cannot be turned off" in body
    assert 'name="concern_recorded"' not in client.get("/notifications/settings").get_data(as_text=True)
    data = _all(app, world, "dsl", concern_recorded="page_only")
    data["concern_recorded"] = "page_only"
    assert client.post("/notifications/settings", data=data).status_code == 302
    with app.app_context():
        dsl = _user(world, "dsl")
        assert services.delivery_for(dsl, NotificationKind.CONCERN_RECORDED) is Delivery.AT_ONCE
        assert db.session.scalars(select(NotificationPreference.kind).where(
            NotificationPreference.user_id == dsl.id, NotificationPreference.kind == NotificationKind.CONCERN_RECORDED
        )).all() == []
