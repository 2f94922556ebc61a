"""A learner's chronology: exactly what each role may read on the case's own pages, paged by keyset, filtered,
refusing bad input clearly, and audited as a view of the learner's record.

The first tests read the authorization matrix's world (built once for this module): the same learners, roles and
sentinels, so that what the chronology shows is checked against the pages the matrix already checks.
"""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import unescape
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from app import create_app
from app.agencies.accounts.models import Role, User
from app.audit.models import AuditAction, AuditEvent, AuditOutcome
from app.cases.chronology.services import EntryGroup, Window, chronology_page
from app.cases.contributions import services as contributions
from app.cases.learners.models import Learner
from app.cases.meetings import services as meetings
from app.cases.meetings.models import Attendance, MeetingKind
from app.cases.meetings.services import ActionDraft, MeetingDetails
from app.cases.plans import services as plans
from app.cases.team import services as team
from app.cases.team.models import Invitation, TeamMembership
from app.extensions import db
from app.types import utcnow
from tests.fixtures import accounts as account_fixtures
from tests.fixtures import cases as case_fixtures
from tests.fixtures.application import sign_in
from tests.test_authorization_matrix import ALPHA, BRAVO, NEVER, build_world, expire, sign_in_columns

CASE_VIEWERS = ("senco", "lsp", "teacher", "slt", "ep", "parent")
ROW = re.compile(r'<tr class="govuk-table__row" data-kind="(?P<kind>[a-z_]+)">(?P<row>.*?)</tr>', re.S)
LINK = re.compile(r'<a class="govuk-link" href="(?P<href>[^"]+)"')


@pytest.fixture(scope="module")
def matrix(database_servers):
    """The authorization matrix's world, once for the module, with every column signed in."""
    servers = database_servers("sqlite")
    url = servers.clone()
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url})
    create_agency = account_fixtures.create_agency.__wrapped__(app)
    create_user = account_fixtures.create_user.__wrapped__(app, create_agency)
    create_case = case_fixtures.create_case.__wrapped__(app, create_agency)
    add_to_team = case_fixtures.add_to_team.__wrapped__(app)
    built = build_world(app, create_agency, create_user, create_case, add_to_team)
    clients = sign_in_columns(app, built["accounts"])
    expire(app, built["accounts"]["expired"])  # its membership ended early: a team change on Alpha's case
    factories = {"create_agency": create_agency, "create_user": create_user, "create_case": create_case,
                 "add_to_team": add_to_team}
    yield {"app": app, "world": built["world"], "clients": clients, **factories}
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    servers.drop(url)


def entries_of(body: str) -> list[tuple[str, str]]:
    """(kind, link) of every entry on a chronology page, in page order."""
    found = []
    for match in ROW.finditer(body):
        link = LINK.search(match["row"])
        found.append((match["kind"], unescape(link["href"]) if link else ""))
    return found


def expected_entries(world, column) -> set[tuple[str, str]]:
    """What each column may read of Alpha, decided from the sharing rules (not from app/policy)."""
    cycle, meeting = f"/cycles/{world['cycle']}", f"/meetings/{world['meeting']}"
    team = f"/learners/{world['alpha']}/team"
    plan = {("cycle_opened", cycle), ("outcome_set", f"{cycle}#outcomes"),
            ("provision_started", f"{cycle}#provision")}
    shared_meeting = {("meeting_held", meeting), ("meeting_action", f"{meeting}#action-{world['action']}")}
    # Seven people joined Alpha's team (the matrix's LSP, teacher, SLT, EP, parent, expired SLT and spare teacher);
    # the expired SLT's access was ended early.
    team_changes = {("member_joined", team), ("member_ended_early", team)}
    team_work = {("contribution_added", f"/contributions/{world[key]}")
                 for key in ("c_team", "c_family", "c_misfiled", "c_to_move")}
    restricted = {("contribution_added", f"/contributions/{world['c_restricted']}")}
    staff = plan | shared_meeting | team_changes | team_work | {("meeting_held", f"/meetings/{world['draft']}")}
    return {
        "senco": staff | restricted,
        "lsp": staff,
        "teacher": staff | restricted,  # the author of the restricted one; their concern is the DSL's to list
        "dsl": restricted | {("concern_recorded", f"/concerns/{world['concern']}")},  # not on the case
        "slt": staff,
        "ep": staff,
        "parent": plan | shared_meeting | team_changes
        | {("contribution_added", f"/contributions/{world['c_family']}")},
    }[column]


def test_each_role_reads_what_the_case_pages_show_them_and_nothing_else(matrix):
    world, clients = matrix["world"], matrix["clients"]
    url = f"/learners/{world['alpha']}/chronology"
    for column in ("admin", "anonymous", "expired"):
        response = clients[column].get(url)
        assert response.status_code in (302, 404), column
        assert not entries_of(response.get_data(as_text=True))
    for column in (*CASE_VIEWERS, "dsl"):
        client = clients[column]
        response = client.get(url)
        assert response.status_code == 200, column
        body = response.get_data(as_text=True)
        entries = entries_of(body)
        assert set(entries) == expected_entries(world, column), column
        members = sum(1 for kind, _ in entries if kind == "member_joined")
        assert members == (0 if column == "dsl" else 7), column
        # Every entry opens, for this reader, on the case's own page it links to.
        for _, link in set(entries):
            assert client.get(urlsplit(link).path).status_code == 200, (column, link)
        for name, sentinel in ALPHA.items():
            if name in NEVER[column]:
                assert sentinel not in body, (column, name)
        for name in ("outcome", "provision"):  # shown on their entries to everyone who reads the plan
            assert (ALPHA[name] in body) is (name not in NEVER[column]), (column, name)
        assert not any(sentinel in body for sentinel in BRAVO.values()), column


def test_concerns_are_the_dsls_only_and_offered_to_them_alone(matrix):
    world, clients = matrix["world"], matrix["clients"]
    url = f"/learners/{world['alpha']}/chronology"
    for column in (*CASE_VIEWERS, "dsl"):
        body = clients[column].get(url).get_data(as_text=True)
        assert ('value="concerns"' in body) is (column == "dsl"), column
        assert (f"/concerns/{world['concern']}" in body) is (column == "dsl"), column
    # Asking for concerns by hand shows the teacher (their author) nothing, and is no choice of theirs.
    response = clients["teacher"].get(f"{url}?kind=concerns")
    assert response.status_code == 400
    assert "Choose what to show from the list" in response.get_data(as_text=True)
    only = clients["dsl"].get(f"{url}?kind=concerns")
    assert {kind for kind, _ in entries_of(only.get_data(as_text=True))} == {"concern_recorded"}


def test_a_learner_of_another_school_or_an_unknown_one_is_not_found(matrix):
    world, clients = matrix["world"], matrix["clients"]
    for column in (*CASE_VIEWERS, "dsl"):
        assert clients[column].get(f"/learners/{world['elsewhere']}/chronology").status_code == 404, column
        assert clients[column].get("/learners/not-a-learner/chronology").status_code == 404, column
    # Bravo: the DSL knows every learner of the school; the LSP is not on Bravo's team.
    assert clients["lsp"].get(f"/learners/{world['bravo']}/chronology").status_code == 404


def test_each_page_view_is_one_audited_view_of_the_learners_record(matrix):
    world, app = matrix["world"], matrix["app"]

    def views():
        with app.app_context():
            rows = db.session.scalars(select(AuditEvent).where(
                AuditEvent.object_public_id == world["alpha"])).all()
            db.session.remove()
            return rows

    before = {event.id for event in views()}
    assert matrix["clients"]["parent"].get(f"/learners/{world['alpha']}/chronology").status_code == 200
    new = [event for event in views() if event.id not in before]
    assert len(new) == 1
    event = new[0]
    assert (event.action, event.object_type, event.outcome) == (AuditAction.VIEW, "learner", AuditOutcome.ALLOWED)
    assert world["alpha"] in event.learner_public_ids
    assert event.actor_role == "parent"


# --- paging, filters and bad input, on cases of their own (another school, in the same database) -----------------


@pytest.fixture(scope="module")
def app(matrix):
    return matrix["app"]


@pytest.fixture(scope="module")
def busy_case(matrix):
    """A case with many entries on one moment and one day (ties), for its SENCo."""
    app, create_agency, create_user = matrix["app"], matrix["create_agency"], matrix["create_user"]
    create_case, add_to_team = matrix["create_case"], matrix["add_to_team"]
    create_agency(name="Chronology School")
    senco = create_user("senco", agency="Chronology School")
    teacher = create_user("teacher", agency="Chronology School")
    learner_id = create_case(school="Chronology School", name="Tied Learner")
    add_to_team(learner_id, teacher)
    tied = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    with app.app_context():
        senco_row = db.session.scalars(select(User).where(User.public_id == senco.public_id)).one()
        teacher_row = db.session.scalars(select(User).where(User.public_id == teacher.public_id)).one()
        learner = db.session.scalars(select(Learner).where(Learner.public_id == learner_id)).one()
        plans.start_plan(senco_row, learner)
        made = [contributions.add_contribution(teacher_row, learner, kind="classroom_view", visibility="team",
                                               title=f"Observation {n}", body=f"<p>Note {n}</p>")
                for n in range(30)]
        # Twelve share one moment; the rest are a day apart before it.
        for n, item in enumerate(made):
            item.created_at = tied if n < 12 else tied - timedelta(days=n)
        for n in range(3):  # three meetings on one day, each with two actions: ties on the day as well
            details = MeetingDetails(
                kind=MeetingKind.REVIEW, held_on=tied.date(), starts_at=datetime.min.time(), duration_minutes=30,
                chair=senco.public_id, agenda="<p>Agenda</p>", minutes=f"<p>Minutes {n}</p>",
                attendance={senco.public_id: Attendance.PRESENT}, shared_with_family=False,
                actions=[ActionDraft(description=f"Action {n}.{k}", owner=teacher.public_id,
                                     due_on=tied.date() + timedelta(days=7)) for k in range(2)])
            meetings.record_meeting(senco_row, learner, details)
        db.session.commit()
    # Signed in once: a code of the second step is taken once, so each new sign-in waits for the next one.
    return {"senco": senco, "learner": learner_id, "tied": tied, "client": _signed_in(app, senco)}


def _signed_in(app, account):
    client = app.test_client()
    assert sign_in(client, account.email, account.password).status_code == 302
    return client


def test_keyset_pages_repeat_and_skip_nothing_across_ties(app, busy_case):
    with app.test_request_context():
        senco = db.session.scalars(select(User).where(User.public_id == busy_case["senco"].public_id)).one()
        learner = db.session.scalars(select(Learner).where(Learner.public_id == busy_case["learner"])).one()
        everything = chronology_page(senco, learner, Window(groups=frozenset(EntryGroup), size=1000))
        assert everything.older is None
        whole = [entry.position for entry in everything.entries]
        assert len(whole) == len(set(whole)) >= 30 + 3 + 6
        assert whole == sorted(whole, reverse=True)
        for size in (3, 7):
            paged, before = [], None
            while True:
                page = chronology_page(senco, learner, Window(groups=frozenset(EntryGroup), size=size, before=before))
                assert len(page.entries) <= size
                paged += [entry.position for entry in page.entries]
                if page.older is None:
                    break
                before = page.older
            assert paged == whole, size


def test_older_entries_link_walks_the_whole_chronology(app, busy_case):
    client = busy_case["client"]
    url, seen, pages = f"/learners/{busy_case['learner']}/chronology?kind=contributions", [], 0
    while url:
        response = client.get(url)
        assert response.status_code == 200
        body = response.get_data(as_text=True)
        seen += entries_of(body)
        pages += 1
        older = re.search(r'href="([^"]+)" rel="next" id="older-entries"', body)
        url = unescape(older[1]) if older else None
        if url:
            assert "kind=contributions" in url and "older=" in url
            assert "Observation" not in url and busy_case["learner"] in url
    assert pages == 2
    assert len(seen) == len(set(seen)) == 30
    assert {kind for kind, _ in seen} == {"contribution_added"}


def test_filters_by_kind_and_day(app, busy_case):
    client = busy_case["client"]
    base = f"/learners/{busy_case['learner']}/chronology"
    meetings_only = entries_of(client.get(f"{base}?kind=meetings").get_data(as_text=True))
    assert sorted(kind for kind, _ in meetings_only) == ["meeting_action"] * 6 + ["meeting_held"] * 3
    both = entries_of(client.get(f"{base}?kind=meetings&kind=plan").get_data(as_text=True))
    assert {kind for kind, _ in both} == {"meeting_held", "meeting_action", "cycle_opened"}
    tied = busy_case["tied"]
    day = f"date_from={tied.day}&date_from={tied.month}&date_from={tied.year}"
    day += f"&date_to={tied.day}&date_to={tied.month}&date_to={tied.year}"
    on_the_day = entries_of(client.get(f"{base}?{day}").get_data(as_text=True))
    # Twenty contributions at the tied moment, the three meetings and their six actions; nothing else that day.
    assert sorted({kind for kind, _ in on_the_day}) == ["contribution_added", "meeting_action", "meeting_held"]
    assert len(on_the_day) == 12 + 3 + 6


BAD_FILTERS = [
    ("date_from=31&date_from=2&date_from=2026", "Date from must be a real date"),
    ("date_to=&date_to=3&date_to=2026", "Date to must include a day"),
    ("date_from=2&date_from=3&date_from=2026&date_to=1&date_to=3&date_to=2026",
     "Date to must be the same as or after date from"),
    ("kind=everything", "Choose what to show from the list"),
]


def test_bad_filters_show_the_page_again_with_what_was_typed(app, busy_case):
    client = busy_case["client"]
    for query, message in BAD_FILTERS:
        response = client.get(f"/learners/{busy_case['learner']}/chronology?{query}")
        body = response.get_data(as_text=True)
        assert response.status_code == 400, query
        assert "There is a problem" in body and message in body, query
        assert not entries_of(body), query
    assert 'value="31"' in client.get(f"/learners/{busy_case['learner']}/chronology?{BAD_FILTERS[0][0]}").get_data(
        as_text=True)  # what was typed is kept


def test_a_tampered_or_foreign_cursor_is_a_clear_error(app, busy_case, matrix):
    client = busy_case["client"]
    base = f"/learners/{busy_case['learner']}/chronology"
    body = client.get(base).get_data(as_text=True)
    older = unescape(re.search(r'href="([^"]+)" rel="next"', body)[1])
    cursor = older.split("older=")[1].split("&")[0]
    tampered = cursor[:-2] + ("AA" if not cursor.endswith("AA") else "BB")
    other = matrix["create_case"](school="Chronology School", name="Another Learner")
    for url in (f"{base}?older={tampered}", f"{base}?older=not-a-cursor",
                f"/learners/{other}/chronology?older={cursor}"):  # made for another learner
        response = client.get(url)
        assert response.status_code == 400, url
        text = response.get_data(as_text=True)
        assert "This link to older entries is not valid" in text
        assert not entries_of(text)
    assert client.get(older).status_code == 200


def test_the_case_pages_link_to_the_chronology(app, busy_case):
    client = busy_case["client"]
    body = client.get(f"/learners/{busy_case['learner']}").get_data(as_text=True)
    assert f'href="/learners/{busy_case["learner"]}/chronology"' in body


@pytest.fixture(scope="module")
def full_case(matrix):
    """A case with one of each kind of entry, built through the services: a reviewed and closed cycle, outcomes rated
    at a shared meeting and at a draft, provision that ended, an accepted invitation, ended and lapsed memberships."""
    app, create_agency, create_user = matrix["app"], matrix["create_agency"], matrix["create_user"]
    create_case, add_to_team = matrix["create_case"], matrix["add_to_team"]
    create_agency(name="Every Kind School")
    senco = create_user("senco", agency="Every Kind School")
    lsp = create_user("lsp", agency="Every Kind School")
    parent = create_user("parent")
    lapsed = create_user("teacher", agency="Every Kind School")
    ended = create_user("teacher", agency="Every Kind School")
    learner_id = create_case(school="Every Kind School", name="Kit Everykind")
    for account in (lsp, parent, ended):
        add_to_team(learner_id, account)
    add_to_team(learner_id, lapsed, days=-1, started_days_ago=30)  # came to its end date yesterday
    today = utcnow().date()
    with app.app_context():
        def user(account) -> User:
            return db.session.scalars(select(User).where(User.public_id == account.public_id)).one()

        lead = user(senco)
        learner = db.session.scalars(select(Learner).where(Learner.public_id == learner_id)).one()
        cycle = plans.start_plan(lead, learner)
        outcome = plans.add_outcome(lead, cycle, description="Kit reads a page aloud", measure="Reading record",
                                    target_on=today + timedelta(days=30), owner_public_id=lead.public_id,
                                    progress=None)
        plans.add_provision(lead, cycle, description="Phonics group", delivered_by="LSP", frequency="Daily",
                            starts_on=today - timedelta(days=20), ends_on=today - timedelta(days=2))
        for shared in (True, False):
            details = MeetingDetails(
                kind=MeetingKind.REVIEW, held_on=today - timedelta(days=1), starts_at=datetime.min.time(),
                duration_minutes=30, chair=senco.public_id, agenda="<p>Agenda</p>", minutes="<p>Minutes</p>",
                attendance={senco.public_id: Attendance.PRESENT}, shared_with_family=shared,
                outcome_reviews={outcome.public_id: ("met" if shared else "not_met", "")})
            meeting = meetings.record_meeting(lead, learner, details)
            if shared:
                meetings.sign_off_meeting(lead, meeting, version=meeting.version)
        while cycle.stage.value != "review":
            plans.advance_stage(lead, cycle, version=cycle.version)
        plans.close_cycle(lead, cycle, version=cycle.version, review_summary="<p>Reviewed</p>",
                          ratings={outcome.public_id: "met"})
        membership = db.session.scalars(select(TeamMembership).where(
            TeamMembership.user_id == user(ended).id)).one()
        team.end_membership(lead, membership)
        db.session.add(Invitation(
            learner_id=learner.id, email="accepted@example.org", display_name="Accepted Therapist",
            role=Role.SLT, agency_id=lead.agency_id, access_ends_at=utcnow() + timedelta(days=30),
            token_hash="0" * 64, expires_at=utcnow() + timedelta(days=7), invited_by_id=lead.id,
            accepted_at=utcnow() - timedelta(hours=1)))
        db.session.commit()
    return {"senco": senco, "parent": parent, "learner": learner_id, "client": _signed_in(app, senco)}


def test_every_kind_of_entry_for_the_senco_and_the_familys_share(app, full_case):
    url = f"/learners/{full_case['learner']}/chronology"
    senco = full_case["client"]
    body = senco.get(url).get_data(as_text=True)
    kinds = [kind for kind, _ in entries_of(body)]
    assert set(kinds) == {"cycle_opened", "cycle_closed", "outcome_set", "outcome_reviewed", "provision_started",
                          "provision_ended", "meeting_held", "member_joined", "member_ended_early",
                          "member_expired", "invitation_accepted"}
    assert kinds.count("outcome_reviewed") == 2 and kinds.count("cycle_opened") == 2  # the review opened cycle 2
    assert "Reviewed at the review meeting: met" in body and "Reviewed at the review meeting: not met" in body
    assert "Accepted Therapist" in body
    for _, link in entries_of(body):
        assert senco.get(urlsplit(link).path).status_code == 200, link
    # The family reads the signed-off, shared meeting and its rating, not the draft's; no invitation.
    parent = _signed_in(app, full_case["parent"])
    family = parent.get(url).get_data(as_text=True)
    family_kinds = [kind for kind, _ in entries_of(family)]
    assert family_kinds.count("outcome_reviewed") == 1 and family_kinds.count("meeting_held") == 1
    assert "not met" not in family and "invitation_accepted" not in family_kinds
    for _, link in entries_of(family):
        assert parent.get(urlsplit(link).path).status_code == 200, link
