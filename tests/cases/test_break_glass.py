"""Break-glass access: school staff open a case they are not on, for one hour, read-only, by giving a reason.

Who may open one, what they then read (the plan, team-visible contributions, meetings; never restricted
contributions, never a write), what the audit trail keeps (the purpose, never the reason), and that access
ends when the hour is over.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import time, timedelta

import pytest
from sqlalchemy import func, select, text, update

from app.agencies.accounts.models import User
from app.audit.models import AuditAction, AuditEvent, AuditOutcome
from app.cases.break_glass.models import BreakGlassAccess
from app.cases.break_glass.views import NOT_FOUND
from app.cases.contributions import services as contributions
from app.cases.learners.models import Learner
from app.cases.meetings import services as meetings
from app.cases.meetings.models import Attendance, MeetingKind
from app.cases.meetings.services import MeetingDetails
from app.cases.plans import services as plans
from app.core.dates import time_of_day
from app.extensions import db
from app.types import utcnow
from tests.fixtures.application import sign_in, text_of
from tests.test_authorization_matrix import database_checksum

SCHOOL = "Hollybank Primary"
OTHER_SCHOOL = "Elmstead Academy"
REASON = "Rosa's mother rang the office: Rosa did not arrive home; I need her plan's transition arrangements now."
TEAM_SENTINEL = "BG-SENTINEL-TEAM-CONTRIBUTION-41c7"
RESTRICTED_SENTINEL = "BG-SENTINEL-RESTRICTED-CONTRIBUTION-9d02"
MINUTES_SENTINEL = "BG-SENTINEL-MINUTES-7e55"
VIEWS_SENTINEL = "BG-SENTINEL-VIEWS-c310"
BANNER = "You opened this case with break-glass access at"


@dataclass
class World:
    rosa: str  # the learner nobody below (but the team) is on
    other: str  # a learner of another school
    cycle: str
    c_team: str
    c_restricted: str
    meeting: str
    accounts: dict


@pytest.fixture
def world(app, create_agency, create_user, create_case, add_to_team) -> World:
    create_agency(name=SCHOOL)
    create_agency(name=OTHER_SCHOOL)
    rosa = create_case(school=SCHOOL, name="Rosa Quint")
    sibling = create_case(school=SCHOOL, name="Noah Ferris")
    other = create_case(school=OTHER_SCHOOL, name="Ivy Other")
    accounts = {
        "senco": create_user("senco", agency=SCHOOL),
        "teacher": create_user("teacher", agency=SCHOOL),  # on Rosa's team
        "outsider": create_user("teacher", agency=SCHOOL),  # a teacher of the school on no team
        "lsp": create_user("lsp", agency=SCHOOL),  # on Noah's team only
        "dsl": create_user("dsl", agency=SCHOOL),  # on no team
        "admin": create_user("admin", agency=SCHOOL),
        "slt": create_user("slt"),
        "parent": create_user("parent"),
        "other_teacher": create_user("teacher", agency=OTHER_SCHOOL),
    }
    for who in ("teacher", "slt", "parent"):
        add_to_team(rosa, accounts[who])
    add_to_team(sibling, accounts["lsp"])
    today = utcnow().date()
    with app.app_context():
        def user(name) -> User:
            return db.session.scalars(select(User).where(User.public_id == accounts[name].public_id)).one()

        senco, teacher = user("senco"), user("teacher")
        learner = db.session.scalars(select(Learner).where(Learner.public_id == rosa)).one()
        cycle = plans.start_plan(senco, learner)
        plans.update_cycle(senco, cycle, version=cycle.version, assess_on=today, review_on=today + timedelta(days=30),
                           learner_views=f"<p>{VIEWS_SENTINEL}</p>", family_views="<p>At home all is well.</p>")
        c_team = contributions.add_contribution(teacher, learner, kind="classroom_view", visibility="team",
                                                title="In class", body=f"<p>{TEAM_SENTINEL}</p>")
        c_restricted = contributions.add_contribution(teacher, learner, kind="classroom_view", visibility="restricted",
                                                      title="For the SENCo", body=f"<p>{RESTRICTED_SENTINEL}</p>")
        meeting = meetings.record_meeting(senco, learner, MeetingDetails(
            kind=MeetingKind.REVIEW, held_on=today, starts_at=time(9, 0), duration_minutes=30, chair=senco.public_id,
            agenda="<p>Progress</p>", minutes=f"<p>{MINUTES_SENTINEL}</p>",
            attendance={senco.public_id: Attendance.PRESENT}, actions=[], shared_with_family=False))
        meetings.sign_off_meeting(senco, meeting, version=meeting.version)
        db.session.commit()
        made = World(rosa, other, cycle.public_id, c_team.public_id, c_restricted.public_id, meeting.public_id,
                     accounts)
        db.session.remove()
    return made


def _client(app, account):
    client = app.test_client()
    assert sign_in(client, account.email, account.password).status_code == 302
    return client


def _open(client, learner: str, reason: str = REASON, purpose: str = "safeguarding"):
    return client.post("/break-glass", data={"learner": learner, "purpose": purpose, "reason": reason})


def _grants(app) -> list[BreakGlassAccess]:
    with app.app_context():
        grants = db.session.scalars(select(BreakGlassAccess)).all()
        db.session.expunge_all()
        return grants


def _events(app, action: AuditAction | None = None) -> list[AuditEvent]:
    with app.app_context():
        query = select(AuditEvent).order_by(AuditEvent.id)
        if action is not None:
            query = query.where(AuditEvent.action == action)
        events = db.session.scalars(query).all()
        db.session.expunge_all()
        return events


def _user_id(app, account) -> int:
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.public_id == account.public_id))


# --- the teacher who is not on the case ------------------------------------------------------------


def test_teacher_opens_a_case_reads_it_and_the_trail_says_why(app, world):
    outsider = _client(app, world.accounts["outsider"])
    assert outsider.get(f"/learners/{world.rosa}/plan").status_code == 404

    # The page lists nobody: the learner is found by the full name (or UPN) typed, and only of this school.
    page = outsider.get("/break-glass")
    assert page.status_code == 200 and "Rosa Quint" not in text_of(page)
    page = outsider.get("/break-glass?learner_name=rosa+quint")
    assert page.status_code == 200
    assert f'value="{world.rosa}" selected' in page.get_data(as_text=True)  # the one learner found is chosen
    missing = outsider.get("/break-glass?learner_name=Ivy+Other")
    assert "Ivy Other, Year" not in text_of(missing)  # another school's learner is never offered
    assert NOT_FOUND in text_of(missing) and "There is a problem" in text_of(missing)

    response = _open(outsider, world.rosa)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/learners/{world.rosa}/plan")
    [grant] = _grants(app)
    assert grant.purpose.value == "safeguarding"
    assert grant.expires_at - grant.started_at == timedelta(hours=1)
    with app.test_request_context():
        ends = time_of_day(grant.expires_at)
        starts = time_of_day(grant.started_at)

    plan = outsider.get(f"/learners/{world.rosa}/plan", follow_redirects=False)
    assert plan.status_code == 200
    body = text_of(plan)
    assert f"You have break-glass access to this case until {ends}" in body  # the flash
    assert f"{BANNER} {starts}; it ends at {ends}. Everything you view is recorded." in body
    assert VIEWS_SENTINEL in body

    listing = text_of(outsider.get(f"/learners/{world.rosa}/contributions"))
    assert "In class" in listing and "For the SENCo" not in listing  # the restricted one is not even listed
    detail = outsider.get(f"/contributions/{world.c_team}")
    assert detail.status_code == 200 and TEAM_SENTINEL in text_of(detail) and BANNER in text_of(detail)
    assert outsider.get(f"/contributions/{world.c_team}/history").status_code == 200
    restricted = outsider.get(f"/contributions/{world.c_restricted}")
    assert restricted.status_code == 404 and RESTRICTED_SENTINEL not in text_of(restricted)
    meeting = outsider.get(f"/meetings/{world.meeting}")
    assert meeting.status_code == 200 and MINUTES_SENTINEL in text_of(meeting) and BANNER in text_of(meeting)
    record = outsider.get(f"/meetings/{world.meeting}/records/1")
    assert record.status_code == 200 and MINUTES_SENTINEL in text_of(record) and BANNER in text_of(record)
    cycle = outsider.get(f"/cycles/{world.cycle}")
    assert cycle.status_code == 200 and BANNER in text_of(cycle)
    learner_page = outsider.get(f"/learners/{world.rosa}")
    assert learner_page.status_code == 200 and BANNER in text_of(learner_page)
    assert "Open this case in an emergency" not in text_of(learner_page)  # already open

    last_read = max(e.id for e in _events(app))
    # The home page lists the open grant with its end.
    home = text_of(outsider.get("/"))
    assert "Rosa Quint" in home and ends in home

    # The trail: one BREAK_GLASS event naming the grant, the learner and the purpose, never the reason.
    [event] = _events(app, AuditAction.BREAK_GLASS)
    assert event.outcome is AuditOutcome.ALLOWED
    assert event.actor_id == _user_id(app, world.accounts["outsider"])
    assert event.object_type == "break_glass_access"
    assert event.object_public_id == grant.public_id
    assert event.learner_ids == [world.rosa]
    assert event.purpose == "safeguarding"
    # Every case page read through the grant says so (the home page's list, read after, is not a case page).
    views = [e for e in _events(app, AuditAction.VIEW) if event.id < e.id <= last_read and world.rosa in e.learner_ids
             and e.outcome is AuditOutcome.ALLOWED]  # the restricted contribution's refusal is not a read
    assert {e.object_type for e in views} >= {"learner", "contribution", "meeting", "plan_cycle"}
    assert all(e.purpose == "break_glass" for e in views), [(e.object_type, e.purpose) for e in views]

    # The reason is sealed in its row and appears nowhere in the audit trail.
    with app.app_context():
        raw = db.session.execute(text("SELECT reason_sealed FROM break_glass_access")).scalar_one()
        assert "did not arrive home" not in str(raw)
        assert db.session.get(BreakGlassAccess, grant.id).reason == REASON
        for table in ("audit_event", "audit_event_learner"):
            for row in db.session.execute(text(f"SELECT * FROM {table}")):
                assert "did not arrive home" not in repr(tuple(row))
                assert "Rosa" not in repr(tuple(row))


WRITES = [
    # (path template, form data): every one refused with 403 or 404, and nothing changes
    ("/learners/{rosa}/contributions/new",
     {"kind": "classroom_view", "visibility": "team", "title": "x", "body": "<p>x</p>"}),
    ("/contributions/{c_team}/edit",
     {"visibility": "team", "title": "Changed", "body": "<p>Changed</p>", "version": "1"}),
    ("/cycles/{cycle}/edit", {"version": "1"}),
    ("/cycles/{cycle}/stage", {"confirm": "yes", "version": "1"}),
    ("/cycles/{cycle}/stage/back", {"version": "1", "reason": "Pressed by mistake"}),
    ("/cycles/{cycle}/outcomes/new", {}),
    ("/cycles/{cycle}/provision/new", {}),
    ("/learners/{rosa}/plan", {}),
    ("/learners/{rosa}/team/staff", {}),
    ("/learners/{rosa}/team/invite", {}),
    ("/learners/{rosa}/meetings/new", {}),
    ("/meetings/{meeting}/edit", {}),
    ("/meetings/{meeting}/sign-off", {"version": "1"}),
    ("/learners/{rosa}/concerns/new", {"concern": "Something I noticed while reading the plan."}),
]


def test_break_glass_is_read_only(app, world):
    outsider = _client(app, world.accounts["outsider"])
    assert _open(outsider, world.rosa).status_code == 302
    before = database_checksum(app)
    ids = {"rosa": world.rosa, "c_team": world.c_team, "cycle": world.cycle, "meeting": world.meeting}
    for path, data in WRITES:
        response = outsider.post(path.format(**ids), data=data)
        assert response.status_code in (403, 404), (path, response.status_code)
    for path in ("/learners/{rosa}/contributions/new", "/contributions/{c_team}/edit", "/cycles/{cycle}/edit",
                 "/learners/{rosa}/meetings/new", "/learners/{rosa}/team/invite"):
        assert outsider.get(path.format(**ids)).status_code in (403, 404), path
    assert database_checksum(app) == before
    # Every refused write left its refusal in the trail.
    refused = [e for e in _events(app) if e.outcome is AuditOutcome.REFUSED]
    assert len(refused) >= len(WRITES)


def test_access_ends_after_the_hour(app, world):
    outsider = _client(app, world.accounts["outsider"])
    assert _open(outsider, world.rosa).status_code == 302
    assert outsider.get(f"/learners/{world.rosa}/plan").status_code == 200
    with app.app_context():
        past = utcnow() - timedelta(minutes=1)
        db.session.execute(update(BreakGlassAccess).values(started_at=past - timedelta(hours=1), expires_at=past))
        db.session.commit()
    for path in (f"/learners/{world.rosa}/plan", f"/learners/{world.rosa}", f"/contributions/{world.c_team}",
                 f"/meetings/{world.meeting}", f"/cycles/{world.cycle}"):
        response = outsider.get(path)
        assert response.status_code == 404, path
        assert TEAM_SENTINEL not in text_of(response) and MINUTES_SENTINEL not in text_of(response)
    home = text_of(outsider.get("/"))
    assert "Rosa Quint" not in home and 'id="break-glass-grants"' not in home
    assert "Open a case in an emergency" in home
    # The case can be opened again, with a new reason, and that is a second event.
    assert _open(outsider, world.rosa).status_code == 302
    assert len(_events(app, AuditAction.BREAK_GLASS)) == 2


def test_opening_twice_while_open_keeps_one_grant(app, world):
    outsider = _client(app, world.accounts["outsider"])
    assert _open(outsider, world.rosa).status_code == 302
    again = outsider.get(f"/break-glass?learner={world.rosa}")
    assert again.status_code == 302 and again.headers["Location"].endswith(f"/learners/{world.rosa}/plan")
    assert _open(outsider, world.rosa).status_code == 302
    assert len(_grants(app)) == 1
    assert len(_events(app, AuditAction.BREAK_GLASS)) == 1


@pytest.mark.parametrize("reason, purpose, message", [
    ("", "safeguarding", "Explain why you need to open this case"),
    ("          ", "safeguarding", "Explain why you need to open this case"),
    ("Too short", "safeguarding", "at least 10 characters"),
    ("x" * 1001, "safeguarding", "1,000 characters or fewer"),
    ("A perfectly good reason, but no purpose chosen.", "", "Choose why you need to open this case"),
    ("A purpose that is not on the list at all.", "curiosity", "Not a valid choice"),
])
def test_a_missing_or_short_reason_opens_nothing(app, world, reason, purpose, message):
    outsider = _client(app, world.accounts["outsider"])
    response = _open(outsider, world.rosa, reason=reason, purpose=purpose)
    assert response.status_code == 400
    body = text_of(response)
    assert "There is a problem" in body and message in body
    if reason.strip():
        assert reason[:40] in body  # what was typed is kept
    assert f'value="{world.rosa}" selected' in response.get_data(as_text=True)
    assert _grants(app) == []
    assert _events(app, AuditAction.BREAK_GLASS) == []
    assert outsider.get(f"/learners/{world.rosa}/plan").status_code == 404


def test_no_learner_chosen(app, world):
    outsider = _client(app, world.accounts["outsider"])
    response = outsider.post("/break-glass", data={"learner": "", "purpose": "safeguarding", "reason": REASON})
    assert response.status_code == 400
    assert "Choose the learner whose case you need to open" in text_of(response)
    assert REASON[:40] in text_of(response)
    assert _grants(app) == []


# --- who may not --------------------------------------------------------------------------------------


@pytest.mark.parametrize("who, page, post", [
    ("senco", 403, 403),  # on every case of the school: there is nothing to break
    ("teacher", 200, 403),  # on Rosa's team already (Noah is offered)
    ("admin", 403, 403),
    ("slt", 403, 403),
    ("parent", 403, 403),
])
def test_those_who_may_not_break_glass_are_refused(app, world, who, page, post):
    client = _client(app, world.accounts[who])
    assert client.get("/break-glass").status_code == page
    assert client.get(f"/break-glass?learner={world.rosa}").status_code == 403
    before = database_checksum(app)
    assert _open(client, world.rosa).status_code == post
    assert database_checksum(app) == before
    assert _grants(app) == []
    actor_id = _user_id(app, world.accounts[who])
    refusals = [e for e in _events(app) if e.outcome is AuditOutcome.REFUSED and e.actor_id == actor_id]
    assert refusals


def test_another_schools_learner_is_out_of_sight(app, world):
    outsider = _client(app, world.accounts["outsider"])
    assert outsider.get(f"/break-glass?learner={world.other}").status_code == 404
    response = _open(outsider, world.other)
    assert response.status_code == 404 and "Ivy Other" not in text_of(response)
    assert outsider.post("/break-glass", data={"learner": "no-such-learner", "purpose": "other",
                                               "reason": REASON}).status_code == 404
    # And the other school's own staff cannot open this school's learner either.
    other_teacher = _client(app, world.accounts["other_teacher"])
    assert _open(other_teacher, world.rosa).status_code == 404
    assert _grants(app) == []
    refused = [e for e in _events(app) if e.outcome is AuditOutcome.REFUSED and world.other in e.learner_ids]
    assert refused  # the other school's trail sees the attempt on its learner


def _found(client, typed: str) -> bool:
    """Whether finding `typed` on the break-glass page offered a learner to open."""
    body = text_of(client.get(f"/break-glass?learner_name={typed}"))
    return NOT_FOUND not in body and "Find the learner first" not in body


def test_the_finder_offers_only_cases_one_is_not_on_and_lists_no_one(app, world):
    lsp = _client(app, world.accounts["lsp"])
    assert _found(lsp, "Rosa Quint") and not _found(lsp, "Noah Ferris") and not _found(lsp, "Ivy Other")
    teacher = _client(app, world.accounts["teacher"])
    assert _found(teacher, "Noah Ferris") and not _found(teacher, "Rosa Quint")
    # Nobody's name is on the page until it is asked for, and only the one found is recorded as shown.
    with app.app_context():
        last = db.session.scalar(select(func.max(AuditEvent.id)))
    body = text_of(teacher.get("/break-glass"))
    assert "Noah Ferris" not in body and "Rosa Quint" not in body
    assert not any(event.learner_ids for event in _events(app) if event.id > last)


# --- the DSL ----------------------------------------------------------------------------------------


def test_dsl_breaks_glass_from_the_learner_page(app, world):
    dsl = _client(app, world.accounts["dsl"])
    assert dsl.get(f"/learners/{world.rosa}/plan").status_code == 403  # knows the learner, not the case
    learner_page = dsl.get(f"/learners/{world.rosa}")
    assert learner_page.status_code == 200
    assert f'href="/break-glass?learner={world.rosa}"' in learner_page.get_data(as_text=True)
    assert "Open this case in an emergency" in text_of(learner_page)

    chooser = dsl.get(f"/break-glass?learner={world.rosa}")
    assert chooser.status_code == 200
    assert f'value="{world.rosa}" selected' in chooser.get_data(as_text=True)
    response = _open(dsl, world.rosa, purpose="complaint", reason="A complaint from Rosa's family about the plan.")
    assert response.status_code == 302
    plan = dsl.get(f"/learners/{world.rosa}/plan")
    assert plan.status_code == 200 and BANNER in text_of(plan) and VIEWS_SENTINEL in text_of(plan)
    [event] = _events(app, AuditAction.BREAK_GLASS)
    assert event.purpose == "complaint" and event.learner_ids == [world.rosa]
    assert dsl.post(f"/contributions/{world.c_team}/edit", data={}).status_code in (403, 404)


def test_team_members_see_no_banner_and_no_link(app, world):
    teacher = _client(app, world.accounts["teacher"])
    plan = text_of(teacher.get(f"/learners/{world.rosa}/plan"))
    assert BANNER not in plan
    learner_page = text_of(teacher.get(f"/learners/{world.rosa}"))
    assert "Open this case in an emergency" not in learner_page


# --- demo data ----------------------------------------------------------------------------------------


def test_the_demo_has_an_ended_break_glass_hour_by_the_dsl(app):
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        dsl = db.session.scalars(select(User).where(User.email.matches("dsl@oakfield.example"))).one()
        [grant] = db.session.scalars(select(BreakGlassAccess)).all()
        assert grant.user_id == dsl.id and grant.purpose.value == "safeguarding"
        assert grant.expires_at - grant.started_at == timedelta(hours=1) and grant.expires_at < utcnow()
        assert grant.learner.name == "Sofia Marques"
        [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == AuditAction.BREAK_GLASS)).all()
        assert event.actor_id == dsl.id and event.object_public_id == grant.public_id
        assert event.learner_ids == [grant.learner.public_id] and event.purpose == "safeguarding"
    again = app.test_cli_runner().invoke(args=["demo", "load"])
    assert again.exit_code == 0, again.output
    assert len(_grants(app)) == 1
