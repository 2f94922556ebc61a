"""Public ids pasted where they do not belong never return their data.

Every object public id of another learner at the same school (Bravo), of a learner at another school
(Charlie, at Beta School) and of a restricted contribution is pasted into every URL pattern that takes a
<public_id> or <token>, with every method, by every user who may not see it. The answer is always a
refusal (302 to sign-in, 400, 403, 404 or 405), never the object's data, and nothing changes.

A GET is first asked by someone who may see the object (its school's SENCo): when even they get a 404, the URL
does not lead to that object at all (an id of another kind, say), and the others are not asked. Every POST is
asked by every column: a probe that may act could change what the others are asked about.
"""
from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from sqlalchemy import select

from app.agencies.accounts.models import Agency, AgencyKind, Role, User
from app.cases.attachments import services as attachments
from app.cases.attachments.models import Attachment
from app.cases.concerns import services as concerns
from app.cases.concerns.models import SafeguardingConcern
from app.cases.contributions import services as contributions
from app.cases.contributions.models import Contribution
from app.cases.learners.models import Learner
from app.cases.meetings import services as meetings
from app.cases.meetings.models import Attendance, Meeting, MeetingAction, MeetingKind
from app.cases.meetings.services import ActionDraft, MeetingDetails
from app.cases.plans import services as plans
from app.cases.plans.models import Outcome, PlanCycle, Provision, SupportPlan
from app.cases.team import services as team
from app.cases.team.models import Invitation, TeamMembership
from app.extensions import db
from app.types import utcnow
from tests.fixtures.application import sign_in
from tests.fixtures.worlds import saved_or_built, world_app
from tests.test_authorization_matrix import (
    ALPHA,
    BRAVO,
    S,
    build_world,
    database_checksum,
    outcome_of,
    report_pdf,
    sign_in_columns,
)

CHARLIE = {
    "notes": "CHARLIE-SENTINEL-NOTES-c0a1",
    "views": "CHARLIE-SENTINEL-VIEWS-77b2",
    "outcome": "CHARLIE-SENTINEL-OUTCOME-e5d3",
    "provision": "CHARLIE-SENTINEL-PROVISION-19f4",
    "contribution": "CHARLIE-SENTINEL-CONTRIBUTION-aa05",
    "minutes": "CHARLIE-SENTINEL-MINUTES-3c06",
    "action": "CHARLIE-SENTINEL-ACTION-d807",
    "concern": "CHARLIE-SENTINEL-CONCERN-6e08",
}
REFUSED = {S, 400, 403, 404, 405, "home"}
# Reset links are for people signed out: a signed-in user is sent home with a message, the link unread.
SENT_HOME_WHEN_SIGNED_IN = {"agencies.password_reset"}
# Who may not see each learner's objects (the rest legitimately can, so they are not asked):
# Bravo is at Alpha School with nobody on its team: its SENCo sees it and its DSL knows it.
# Signed-out and expired users are not asked here: they are sent to sign in before any id is read, on every route
# (the authorization matrix's last two columns, and tests/security/test_deny_by_default.py's crawl).
NOT_BRAVO = ("lsp", "teacher", "admin", "slt", "ep", "parent")
NOT_CHARLIE = ("senco", "lsp", "teacher", "dsl", "admin", "slt", "ep", "parent")
# The restricted contribution: its author (the teacher), the SENCo and the DSL may read it.
NOT_RESTRICTED = ("lsp", "admin", "slt", "ep", "parent")


def build_charlie(app, create_agency, create_user, create_case, add_to_team) -> tuple[str, str, object]:
    """Beta School's learner Charlie, with a plan, contribution, meeting, action, concern, team and invitation;
    (Charlie's public id, the Beta teacher's, the Beta SENCo's account)."""
    school = create_agency(AgencyKind.SCHOOL, name="Beta School")
    senco_account = create_user("senco", agency=school, name="Beta SENCo")
    dsl_account = create_user("dsl", agency=school, name="Beta DSL")
    teacher_account = create_user("teacher", agency=school, name="Beta Teacher")
    charlie = create_case(school=school, name="Charlie Learner")
    add_to_team(charlie, teacher_account)
    today = utcnow().date()
    with app.app_context():
        def user(account):
            return db.session.scalars(select(User).where(User.public_id == account.public_id)).one()

        senco, dsl, teacher = user(senco_account), user(dsl_account), user(teacher_account)
        learner = db.session.scalars(select(Learner).where(Learner.public_id == charlie)).one()
        learner.notes = CHARLIE["notes"]
        cycle = plans.start_plan(senco, learner)
        plans.update_cycle(senco, cycle, version=cycle.version, assess_on=today,
                           learner_views=f"<p>{CHARLIE['views']}</p>")
        plans.add_outcome(senco, cycle, description=CHARLIE["outcome"], measure="Observed",
                          target_on=today + timedelta(days=30), owner_public_id=teacher.public_id, progress=None)
        plans.add_provision(senco, cycle, description=CHARLIE["provision"], delivered_by="Teacher",
                            frequency="Daily", starts_on=today, ends_on=None)
        beta_class = contributions.add_contribution(teacher, learner, kind="classroom_view",
                                                    visibility="team_and_family", title="Beta class",
                                                    body=f"<p>{CHARLIE['contribution']}</p>")
        attachments.attach_file(teacher, beta_class, filename="Beta class.pdf",
                                data=report_pdf(CHARLIE["contribution"]))
        meeting = meetings.record_meeting(senco, learner, MeetingDetails(
            kind=MeetingKind.PLANNING, held_on=today, starts_at=time(10), duration_minutes=30,
            chair=senco.public_id, agenda="<p>Plan</p>", minutes=f"<p>{CHARLIE['minutes']}</p>",
            attendance={teacher.public_id: Attendance.PRESENT},
            actions=[ActionDraft(description=CHARLIE["action"], owner=teacher.public_id, due_on=date.today())],
            shared_with_family=True))
        meetings.sign_off_meeting(senco, meeting, version=meeting.version)
        concerns.record_concern(dsl, learner, concern=CHARLIE["concern"])
        nhs = db.session.scalars(select(Agency).where(Agency.name.matches("Riverside SLT Service"))).one()
        team.invite_to_case(senco, learner, email="charlie-slt@example.org", display_name="Charlie's Therapist",
                            role=Role.SLT, agency_public_id=nhs.public_id, access_ends_on=today + timedelta(days=30),
                            link_for=lambda token: f"http://localhost/invitations/accept/{token}")
        db.session.commit()
    return charlie, teacher_account.public_id, senco_account


def object_ids(app, learner_public_id: str) -> dict[str, list[str]]:
    """Every public id (and the learner's own) hanging off one learner, by kind."""
    with app.app_context():
        learner = db.session.scalars(select(Learner).where(Learner.public_id == learner_public_id)).one()
        cycles = select(PlanCycle.id).join(SupportPlan, SupportPlan.id == PlanCycle.plan_id).where(
            SupportPlan.learner_id == learner.id)
        meeting_ids = select(Meeting.id).where(Meeting.learner_id == learner.id)
        queries = {
            "cycle": select(PlanCycle.public_id).where(PlanCycle.id.in_(cycles)),
            "outcome": select(Outcome.public_id).where(Outcome.cycle_id.in_(cycles)),
            "provision": select(Provision.public_id).where(Provision.cycle_id.in_(cycles)),
            "contribution": select(Contribution.public_id).where(Contribution.learner_id == learner.id),
            "meeting": select(Meeting.public_id).where(Meeting.learner_id == learner.id),
            "action": select(MeetingAction.public_id).where(MeetingAction.meeting_id.in_(meeting_ids)),
            "concern": select(SafeguardingConcern.public_id).where(SafeguardingConcern.learner_id == learner.id),
            "attachment": select(Attachment.public_id).where(Attachment.contribution_id.in_(
                select(Contribution.id).where(Contribution.learner_id == learner.id))),
            "membership": select(TeamMembership.public_id).where(TeamMembership.learner_id == learner.id),
            "invitation": select(Invitation.public_id).where(Invitation.learner_id == learner.id),
        }
        found = {"learner": [learner.public_id]}
        found.update({kind: list(db.session.scalars(query)) for kind, query in queries.items()})
        db.session.remove()
    return {kind: ids for kind, ids in found.items() if ids}


def id_patterns(app) -> list[tuple[str, str, str]]:
    """(endpoint, method, rule) for every route whose URL takes a public id or a token."""
    patterns = []
    for rule in app.url_map.iter_rules():
        if not {"public_id", "token"} & set(rule.arguments):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            patterns.append((rule.endpoint, method, rule.rule))
    return sorted(patterns)


def url_for_pattern(rule: str, public_id: str) -> str:
    return (rule.replace("<public_id>", public_id).replace("<token>", public_id)
            .replace("<change>", "deactivate").replace("<int:number>", "1"))


BETA_SENCO = "Beta School's SENCo"  # a client beside the matrix's columns: may see Charlie's objects

# The URL patterns in shards, so that the suite's workers share the thousands of requests.
SHARDS = 4


WORLD = "the authorization matrix's and Charlie's, every column signed in"


@pytest.fixture
def app(backend, database_servers, saved_worlds, database_url):
    yield from world_app(WORLD, backend, database_servers, saved_worlds, database_url)


@pytest.mark.long_running
@pytest.mark.parametrize("shard", range(SHARDS))
def test_public_ids_pasted_into_every_url_never_return_their_data(
    app, backend, saved_worlds, create_agency, create_user, create_case, add_to_team, shard
):
    def build():
        built = build_world(app, create_agency, create_user, create_case, add_to_team)
        built["charlie"], built["beta_account"], beta_senco = build_charlie(
            app, create_agency, create_user, create_case, add_to_team)
        clients = sign_in_columns(app, built["accounts"])
        clients[BETA_SENCO] = app.test_client()
        assert sign_in(clients[BETA_SENCO], beta_senco.email, beta_senco.password).status_code == 302
        return built, clients

    # Built by the first shard a process runs, a copy of it for the others (tests/fixtures/worlds.py).
    built, clients = saved_or_built(WORLD, backend, app, saved_worlds, build)
    world, charlie, beta_account = built["world"], built["charlie"], built["beta_account"]

    # (label, public id, sentinels that must never show, columns who may not see it, a column who may)
    foreign = []
    for kind, ids in object_ids(app, world["bravo"]).items():
        foreign += [(f"Bravo's {kind}", pid, list(BRAVO.values()), NOT_BRAVO, "senco") for pid in ids]
    for kind, ids in object_ids(app, charlie).items():
        foreign += [(f"Charlie's {kind} (Beta School)", pid, list(CHARLIE.values()), NOT_CHARLIE, BETA_SENCO)
                    for pid in ids]
    foreign.append(("a Beta School account", beta_account, [], NOT_CHARLIE, None))
    foreign.append(("Alpha's restricted contribution", world["c_restricted"], [ALPHA["restricted"]], NOT_RESTRICTED,
                    "senco"))
    kinds = {label for label, *_ in foreign}
    assert len(kinds) >= 19, sorted(kinds)  # every object kind of both learners, and the restricted one

    patterns = id_patterns(app)
    assert len(patterns) >= 30, patterns
    patterns = patterns[shard::SHARDS]
    problems, requests, unreachable = [], 0, 0
    for endpoint, method, rule in patterns:
        before = database_checksum(app) if method != "GET" else None
        for label, public_id, sentinels, columns, viewer in foreign:
            url = url_for_pattern(rule, public_id)
            if method == "GET" and viewer is not None:
                requests += 1
                if clients[viewer].get(url).status_code == 404:
                    unreachable += 1
                    continue  # no page here for this object, even for one who may see it
            for column in columns:
                client = clients[column]
                response = client.get(url) if method == "GET" else client.post(url, data={
                    "version": "1", "status": "done", "title": "x", "body": "<p>x</p>", "visibility": "team",
                    "kind": "classroom_view", "concern": "x", "action_taken": "x", "review_summary": "<p>x</p>",
                })
                requests += 1
                got = outcome_of(response)
                body = response.get_data(as_text=True)
                if endpoint in SENT_HOME_WHEN_SIGNED_IN and got == 302 and response.headers["Location"] == "/":
                    got = "home"  # a signed-in user is sent home before the token is even looked up
                if got not in REFUSED:
                    problems.append(f"{method} {rule} [{endpoint}] with {label} as {column}: got {got}")
                shown = [sentinel for sentinel in sentinels if sentinel in body]
                if shown:
                    problems.append(f"{method} {rule} [{endpoint}] with {label} as {column}: shows {shown}")
        if before is not None and database_checksum(app) != before:
            problems.append(f"{method} {rule} [{endpoint}]: a foreign id changed the database")
    print(f"\n{requests} requests, {len(patterns)} URL patterns, {len(foreign)} foreign ids, "
          f"{unreachable} GETs no page for even a viewer")
    for problem in problems:
        print(problem)
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)
