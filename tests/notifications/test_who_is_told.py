"""Who is told, for each event kind: exactly the people who may see its item, once, and nobody else. A table over
the roles around one case (on it, off it, removed from it, outside the school) and the visibilities of a
contribution. Every event goes through the service that does the thing, as a view would call it.

One world per module (tests/fixtures/worlds.py): Notify School's learner with the SENCo, an LSP, a teacher, an EP
and a parent on the case; an EP whose membership has ended; a teacher of the school and its DSL not on the case;
an SLT of another service; the school's administrator; and an EP invited (not yet on the case).
"""
from __future__ import annotations

from collections import Counter
from datetime import time, timedelta

import pytest
from sqlalchemy import event as sql_event
from sqlalchemy import select

from app.agencies.accounts.models import AgencyKind, Role, User
from app.cases.concerns import services as concerns
from app.cases.contributions import services as contributions
from app.cases.learners.models import Learner
from app.cases.meetings import services as meetings
from app.cases.meetings.models import Attendance, MeetingKind
from app.cases.meetings.services import ActionDraft, MeetingDetails
from app.cases.team import services as team
from app.cpd.reviews import services as reviews
from app.extensions import db
from app.notifications.models import Notification, NotificationKind
from app.types import utcnow
from tests.fixtures.worlds import saved_or_built, world_app

WORLD = "notifications: who is told, around one case"
K = NotificationKind


@pytest.fixture
def app(backend, database_servers, saved_worlds, database_url):
    yield from world_app(WORLD, backend, database_servers, saved_worlds, database_url)


@pytest.fixture
def world(app, backend, saved_worlds, create_agency, create_user, create_case, add_to_team):
    def build():
        school = create_agency(AgencyKind.SCHOOL, name="Notify School")
        eps = create_agency(AgencyKind.EP_SERVICE, name="Notify EP Service")
        senco = create_user("senco", agency=school, name="Told SENCo")
        people = {
            "senco": senco,
            "lsp": create_user("lsp", agency=school, name="Told LSP", line_manager=senco.email),
            "teacher": create_user("teacher", agency=school, name="Told Teacher"),
            "other_teacher": create_user("teacher", agency=school, name="Untold Teacher"),
            "dsl": create_user("dsl", agency=school, name="Told DSL"),
            "admin": create_user("admin", agency=school, name="Untold Admin"),
            "ep": create_user("ep", agency=eps, name="Told EP"),
            "removed_ep": create_user("ep", agency=eps, name="Removed EP"),
            "invited_ep": create_user("ep", agency=eps, name="Invited EP"),
            "parent": create_user("parent", name="Told Parent"),
            "slt": create_user("slt", name="Untold SLT"),
        }
        learner = create_case(school=school, name="Tabitha Wrenfield")
        for name in ("lsp", "teacher", "ep", "parent"):
            add_to_team(learner, people[name])
        add_to_team(learner, people["removed_ep"], days=-1, started_days_ago=30)  # ended yesterday
        facts = {"learner": learner, "people": {name: account.public_id for name, account in people.items()},
                 "emails": {name: account.email for name, account in people.items()}}
        return facts, {}

    facts, _ = saved_or_built(WORLD, backend, app, saved_worlds, build)
    return facts


def _people(world) -> dict[str, User]:
    by_id = {user.public_id: user for user in db.session.scalars(select(User))}
    return {name: by_id[public_id] for name, public_id in world["people"].items()}


def _learner(world) -> Learner:
    return db.session.scalars(select(Learner).where(Learner.public_id == world["learner"])).one()


def _details(chair: User, actions=()) -> MeetingDetails:
    return MeetingDetails(kind=MeetingKind.REVIEW, held_on=utcnow().date(), starts_at=time(9, 30),
                          duration_minutes=45, chair=chair.public_id, agenda="<p>Progress so far</p>",
                          attendance={chair.public_id: Attendance.PRESENT}, actions=list(actions))


def _action(owner: User) -> ActionDraft:
    return ActionDraft(description="Send home a reading book", owner=owner.public_id,
                       due_on=utcnow().date() + timedelta(days=7))


def _invite_and_accept(people, learner):
    ep = people["invited_ep"]
    invitation, _, _ = team.invite_to_case(
        people["senco"], learner, email=ep.email, display_name=ep.display_name, role=Role.EP,
        agency_public_id=ep.agency.public_id, access_ends_on=utcnow().date() + timedelta(days=60),
        link_for=lambda token: f"http://localhost/invitations/accept/{token}")
    team.accept_invitation(invitation, ep)


# Each event, done by whom, and who (by kind) must be told: exactly these, once each.
EVENTS = {
    "concern by the teacher": (
        lambda p, learner: concerns.record_concern(p["teacher"], learner, concern="A worry."),
        K.CONCERN_RECORDED, {"dsl"}),
    "concern by the EP": (
        lambda p, learner: concerns.record_concern(p["ep"], learner, concern="A worry."),
        K.CONCERN_RECORDED, {"dsl"}),
    "teacher's team contribution": (
        lambda p, learner: contributions.add_contribution(p["teacher"], learner, kind="classroom_view",
                                                          visibility="team", title="T", body="<p>B</p>"),
        K.CONTRIBUTION_ADDED, {"senco", "lsp", "ep"}),
    "teacher's team-and-family contribution": (
        lambda p, learner: contributions.add_contribution(p["teacher"], learner, kind="classroom_view",
                                                          visibility="team_and_family", title="T", body="<p>B</p>"),
        K.CONTRIBUTION_ADDED, {"senco", "lsp", "ep", "parent"}),
    "teacher's restricted contribution": (
        lambda p, learner: contributions.add_contribution(p["teacher"], learner, kind="classroom_view",
                                                          visibility="restricted", title="T", body="<p>B</p>"),
        K.CONTRIBUTION_ADDED, {"senco"}),
    "parent's team-and-family contribution": (
        lambda p, learner: contributions.add_contribution(p["parent"], learner, kind="family_view",
                                                          visibility="team_and_family", title="T", body="<p>B</p>"),
        K.CONTRIBUTION_ADDED, {"senco", "lsp", "teacher", "ep"}),
    "EP's team contribution": (
        lambda p, learner: contributions.add_contribution(p["ep"], learner, kind="ep_assessment",
                                                          visibility="team", title="T", body="<p>B</p>"),
        K.CONTRIBUTION_ADDED, {"senco", "lsp", "teacher"}),
    "action for the teacher": (
        lambda p, learner: meetings.record_meeting(p["lsp"], learner, _details(p["lsp"], [_action(p["teacher"])])),
        K.ACTION_ASSIGNED, {"teacher"}),
    "action for the EP": (
        lambda p, learner: meetings.record_meeting(p["lsp"], learner, _details(p["lsp"], [_action(p["ep"])])),
        K.ACTION_ASSIGNED, {"ep"}),
    "action for the SENCo": (
        lambda p, learner: meetings.record_meeting(p["lsp"], learner, _details(p["lsp"], [_action(p["senco"])])),
        K.ACTION_ASSIGNED, {"senco"}),
    # A parent reads their actions on the record once it is signed off and shared: an unshared draft is not theirs.
    "action for the parent": (
        lambda p, learner: meetings.record_meeting(p["lsp"], learner, _details(p["lsp"], [_action(p["parent"])])),
        K.ACTION_ASSIGNED, set()),
    "action the LSP gave themselves": (
        lambda p, learner: meetings.record_meeting(p["lsp"], learner, _details(p["lsp"], [_action(p["lsp"])])),
        K.ACTION_ASSIGNED, set()),
    "meeting chaired by the SENCo": (
        lambda p, learner: meetings.record_meeting(p["lsp"], learner, _details(p["senco"])),
        K.MEETING_AWAITING_SIGN_OFF, {"senco"}),
    "meeting chaired by the teacher": (
        lambda p, learner: meetings.record_meeting(p["lsp"], learner, _details(p["teacher"])),
        K.MEETING_AWAITING_SIGN_OFF, {"teacher"}),
    "meeting chaired by the LSP who wrote it": (
        lambda p, learner: meetings.record_meeting(p["lsp"], learner, _details(p["lsp"])),
        K.MEETING_AWAITING_SIGN_OFF, set()),
    "progress review of the LSP": (
        lambda p, learner: reviews.record_review(p["senco"], p["lsp"], reviews.ReviewDraft(
            kind="annual", held_on=utcnow().date(), manager_summary="A strong year.")),
        K.PROGRESS_REVIEW_TO_SIGN, {"lsp"}),
    "invitation accepted": (_invite_and_accept, K.INVITATION_ACCEPTED, {"senco"}),
}


def _told(world) -> Counter:
    names = {public_id: name for name, public_id in world["people"].items()}
    rows = db.session.execute(select(Notification.kind, User.public_id).join(
        User, User.id == Notification.recipient_id)).all()
    return Counter((kind, names[public_id]) for kind, public_id in rows)


@pytest.mark.parametrize("event", list(EVENTS))
@pytest.mark.parametrize("asked_from", ["a job", "a request"])
def test_each_kind_is_told_once_to_exactly_those_who_may_see_its_item(app, world, event, asked_from):
    # From a request the recipients' memberships are read all at once (know_memberships), from a job one by one.
    do, kind, expected = EVENTS[event]
    with app.test_request_context() if asked_from == "a request" else app.app_context():
        do(_people(world), _learner(world))
        db.session.commit()
        assert _told(world) == Counter({(kind, name): 1 for name in expected})


def test_a_whole_team_is_asked_about_its_memberships_in_one_query(app, world):
    with app.test_request_context():
        people, learner = _people(world), _learner(world)
        asked = []
        listen = lambda *args: asked.append(args[2]) if "team_membership" in args[2] else None  # noqa: E731
        sql_event.listen(db.engine, "before_cursor_execute", listen)
        try:
            contributions.add_contribution(people["teacher"], learner, kind="classroom_view",
                                           visibility="team_and_family", title="T", body="<p>B</p>")
        finally:
            sql_event.remove(db.engine, "before_cursor_execute", listen)
        db.session.commit()
        memberships = [sql for sql in asked if "team_membership.user_id IN" in sql]
        assert len(memberships) == 1, asked
        assert _told(world) == Counter({(K.CONTRIBUTION_ADDED, name): 1 for name in ("senco", "lsp", "ep", "parent")})


def test_saving_a_meeting_again_tells_nobody_twice_until_it_is_a_new_version(app, world):
    with app.app_context():
        people = _people(world)
        details = _details(people["senco"], [_action(people["teacher"])])
        meeting = meetings.record_meeting(people["lsp"], _learner(world), details)
        db.session.commit()
        details.actions[0].public_id = meeting.actions[0].public_id
        meetings.amend_meeting(people["lsp"], meeting, details, version=meeting.version)
        db.session.commit()
        assert _told(world) == Counter({(K.MEETING_AWAITING_SIGN_OFF, "senco"): 1, (K.ACTION_ASSIGNED, "teacher"): 1})
        meetings.sign_off_meeting(people["senco"], meeting, version=meeting.version)
        meetings.amend_meeting(people["lsp"], meeting, details, version=meeting.version)  # an amendment: version 2
        db.session.commit()
        assert _told(world)[(K.MEETING_AWAITING_SIGN_OFF, "senco")] == 2
        assert _told(world)[(K.ACTION_ASSIGNED, "teacher")] == 1


def test_a_removed_ep_is_told_nothing_more_of_the_case(app, world):
    """The EP whose membership ended yesterday is still an active account (another case could have them)."""
    with app.app_context():
        people = _people(world)
        assert people["removed_ep"].active and not people["removed_ep"].access_has_expired()
        for event in EVENTS.values():
            if event[1] is K.INVITATION_ACCEPTED:
                continue
            event[0](people, _learner(world))
        db.session.commit()
        told = _told(world)
        assert not [key for key in told if key[1] in ("removed_ep", "other_teacher", "admin", "slt")]
