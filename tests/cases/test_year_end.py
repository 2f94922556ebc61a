"""The year end: year groups move up once (not those an MIS import already set for the new year), leavers are
archived; a date outside the school year is refused; archived learners are read-only for every role and out of
everyday lists, found by the SENCo and the DSL with the "include archived" filter."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.agencies.accounts.models import User
from app.agencies.calendar.england import school_year_bounds, school_year_of
from app.audit.models import AuditAction, AuditEvent, AuditOutcome
from app.cases.learners.models import Learner, YearGroupSource
from app.cases.year_end.jobs import carry_out_due_year_ends
from app.cases.year_end.models import SchoolYearEnd
from app.core.dates import today as school_today
from app.extensions import db
from app.policy import Action, can
from app.policy.rules import ARCHIVE_READS
from app.types import utcnow
from tests.fixtures.application import text_of

# The job claims a year end with a conditional update: run on PostgreSQL as well as SQLite.

SCHOOL = "Year End Primary"
# Every action the policy is asked about with a learner as its thing.
LEARNER_ACTIONS = (Action.VIEW_LEARNER, Action.CORRECT_LEARNER, Action.VIEW_LEARNER_HISTORY, Action.VIEW_CASE,
                   Action.EDIT_PLAN, Action.MANAGE_TEAM, Action.ADD_CONTRIBUTION, Action.RECORD_MEETING,
                   Action.RECORD_CONCERN, Action.REVIEW_AUDIT, Action.BREAK_GLASS, Action.MARK_LEAVING)


@pytest.fixture
def school(app, create_agency, create_case):
    """Learners of a primary school (top year: Year 6), by name: their public ids."""
    create_agency(name=SCHOOL)
    return {name: create_case(school=SCHOOL, name=name, year_group=year) for name, year in (
        ("Ava Moving", 3), ("Ben Leaving", 6), ("Cal Marked", 4), ("Dee MisSet", 5), ("Eli Reception", 0))}


def _today(app):
    with app.app_context():
        return school_today()


def _learner(public_id: str) -> Learner:
    return db.session.scalars(select(Learner).where(Learner.public_id == public_id)).one()


def _state(app, school) -> dict:
    with app.app_context():
        return {name: (_learner(pid).year_group, _learner(pid).archived_at is not None) for name, pid in school.items()}


def _set_year_end(client, day, top="6"):
    return client.post("/school/year-end", data={"year_end_on": [str(day.day), str(day.month), str(day.year)],
                                                  "top_year_group": top})


@pytest.mark.both_backends  # the year end's conditional claim and updates
def test_on_the_year_end_year_groups_move_up_once_and_leavers_are_archived(app, client_as, school):
    senco = client_as("senco", agency=SCHOOL)
    today = _today(app)
    with app.app_context():
        _learner(school["Cal Marked"]).leaving_on = today  # marked as leaving: leaves at the year end
        # Already in the new year's year group from the MIS (imported today): not moved again.
        _learner(school["Dee MisSet"]).set_year_group(6, YearGroupSource.MIS_IMPORT, today)
        db.session.commit()
    assert _set_year_end(senco, today).status_code == 302
    with app.app_context():
        carry_out_due_year_ends()
    after = {"Ava Moving": (4, False), "Ben Leaving": (6, True), "Cal Marked": (4, True), "Dee MisSet": (6, False),
             "Eli Reception": (1, False)}
    assert _state(app, school) == after
    with app.app_context():
        carry_out_due_year_ends()  # the worker runs it every hour: the second run changes nothing
        year_end = db.session.scalars(select(SchoolYearEnd)).one()
        assert (year_end.moved_count, year_end.archived_count) == (2, 2) and year_end.carried_out_at is not None
        moved = _learner(school["Ava Moving"])
        assert (moved.year_group_source, moved.year_group_set_on) == (YearGroupSource.YEAR_END, today)
        events = db.session.execute(select(AuditEvent.learner_public_ids, AuditEvent.fields_changed,
                                           AuditEvent.actor_role, AuditEvent.purpose)
                                    .where(AuditEvent.object_type == "learner", AuditEvent.action == AuditAction.UPDATE,
                                           AuditEvent.purpose == "year_end")).all()
    assert sorted((ids, fields) for ids, fields, _, _ in events) == sorted([
        (school["Ava Moving"], "year_group"), (school["Eli Reception"], "year_group"),
        (school["Ben Leaving"], "archived_at"), (school["Cal Marked"], "archived_at")])
    assert {role for _, _, role, _ in events} == {"system"}
    assert _state(app, school) == after


def test_a_year_end_still_to_come_changes_nothing_and_a_past_leaving_date_archives(app, client_as, school):
    senco = client_as("senco", agency=SCHOOL)
    today = _today(app)
    last_day = school_year_bounds(school_year_of(today))[1]
    if last_day == today:
        pytest.skip("31 August: no later day in this school year")
    assert _set_year_end(senco, last_day).status_code == 302
    response = senco.post(f"/learners/{school['Cal Marked']}/leaving",
                          data={"leaving_on": [str(today.day), str(today.month), str(today.year)]})
    assert response.status_code == 302
    with app.app_context():
        carry_out_due_year_ends()
        assert db.session.scalars(select(SchoolYearEnd)).one().carried_out_at is None
    before = {"Ava Moving": (3, False), "Ben Leaving": (6, False), "Cal Marked": (4, True), "Dee MisSet": (5, False),
              "Eli Reception": (0, False)}
    assert _state(app, school) == before


@pytest.mark.parametrize("offset_years", [-1, 1])
def test_a_year_end_outside_the_school_year_is_refused_and_changes_nothing(app, client_as, school, offset_years):
    senco = client_as("senco", agency=SCHOOL)
    first, last = school_year_bounds(school_year_of(_today(app)))
    outside = first - timedelta(days=1) if offset_years < 0 else last + timedelta(days=1)
    response = _set_year_end(senco, outside)
    assert response.status_code == 400
    assert "The year end must be inside the school year" in text_of(response)
    with app.app_context():
        assert db.session.scalars(select(SchoolYearEnd)).first() is None


@pytest.mark.both_backends  # the year end's conditional claim and updates
def test_run_now_needs_confirming_and_a_year_end_carried_out_cannot_run_again(app, client_as, school):
    senco = client_as("senco", agency=SCHOOL)
    assert senco.post("/school/year-end/run", data={"confirm": "y"}).status_code == 400  # no year end set
    last_day = school_year_bounds(school_year_of(_today(app)))[1]
    assert _set_year_end(senco, last_day).status_code == 302
    page = text_of(senco.get("/school/year-end"))
    assert "4 learners move up a year group" in page and "1 learners leave" in page
    unconfirmed = senco.post("/school/year-end/run", data={})
    assert unconfirmed.status_code == 400 and "Confirm that the year end" in text_of(unconfirmed)
    assert _state(app, school)["Ava Moving"] == (3, False)
    assert senco.post("/school/year-end/run", data={"confirm": "y"}).status_code == 302
    assert _state(app, school)["Ava Moving"] == (4, False) and _state(app, school)["Ben Leaving"] == (6, True)
    assert senco.post("/school/year-end/run", data={"confirm": "y"}).status_code == 400
    assert _set_year_end(senco, last_day).status_code == 400  # ended: the date cannot move now
    assert _state(app, school)["Ava Moving"] == (4, False)


def test_only_the_senco_sets_the_year_end(app, client_as, school):
    for role in ("teacher", "dsl", "lsp", "admin", "parent", "slt"):
        client = client_as(role, agency=SCHOOL) if role not in ("parent", "slt") else client_as(role)
        assert client.get("/school/year-end").status_code == 403
        assert _set_year_end(client, _today(app)).status_code == 403
    with app.app_context():
        assert db.session.scalars(select(SchoolYearEnd)).first() is None


def _archive(app, public_id):
    with app.app_context():
        _learner(public_id).archived_at = _learner(public_id).created_at
        db.session.commit()


def test_an_archived_learner_is_read_only_for_every_role(app, client_as, school, add_to_team):
    ben = school["Ben Leaving"]
    clients = {role: client_as(role, agency=SCHOOL) for role in ("senco", "dsl", "teacher", "lsp")}
    clients.update({role: client_as(role) for role in ("slt", "parent")})
    for role in ("teacher", "lsp", "slt", "parent"):
        add_to_team(ben, clients[role].account)
    _archive(app, ben)
    for role, client in clients.items():
        reads = client.get(f"/learners/{ben}")
        assert reads.status_code == (200 if role in ("senco", "dsl") else 404), role
        for url in (f"/learners/{ben}/edit", f"/learners/{ben}/leaving", f"/learners/{ben}/contributions/new",
                    f"/learners/{ben}/meetings/new", f"/learners/{ben}/concerns/new"):
            assert client.post(url, data={}).status_code in (403, 404), (role, url)
    page = text_of(clients["senco"].get(f"/learners/{ben}"))
    assert "Ben Leaving (archived)" in page and "Correct these details" not in page and "Mark as leaving" not in page
    # Every action of the policy, for every role: only the SENCo's and the DSL's reads are left.
    with app.app_context():
        learner = _learner(ben)
        for role, client in clients.items():
            user = db.session.scalars(select(User).where(User.public_id == client.account.public_id)).one()
            allowed = {action for action in LEARNER_ACTIONS if can(user, action, learner)}
            if role == "senco":
                assert allowed == {Action.VIEW_LEARNER, Action.VIEW_LEARNER_HISTORY, Action.VIEW_CASE}
            elif role == "dsl":
                assert allowed == {Action.VIEW_LEARNER, Action.VIEW_LEARNER_HISTORY, Action.REVIEW_AUDIT}
            else:
                assert allowed == set(), role
            assert allowed <= ARCHIVE_READS


def test_archived_learners_leave_everyday_lists_and_are_found_with_the_filter(app, client_as, school, add_to_team):
    ben = school["Ben Leaving"]
    senco, dsl, teacher = (client_as(role, agency=SCHOOL) for role in ("senco", "dsl", "teacher"))
    add_to_team(ben, teacher.account)
    _archive(app, ben)
    assert "Ben Leaving" not in text_of(senco.get("/learners"))
    assert "Ben Leaving" not in text_of(senco.get("/"))
    assert "Ben Leaving" not in text_of(teacher.get("/"))
    assert "Ben Leaving" not in text_of(dsl.get("/learners"))
    for client in (senco, dsl):
        found = text_of(client.get("/learners?archived=1"))
        assert "Ben Leaving</a> (archived)" in found and "Ava Moving" in found
    assert "Ben Leaving" not in text_of(teacher.get("/learners?archived=1"))
    assert "Ben Leaving</a>" not in text_of(senco.post("/learners/find", data={"query": "Ben Leaving"}))
    found = text_of(senco.post("/learners/find", data={"query": "Ben Leaving", "include_archived": "y"}))
    assert "Ben Leaving</a> (archived)" in found


def test_the_senco_marks_a_learner_as_leaving_and_can_take_it_back(app, client_as, school):
    senco = client_as("senco", agency=SCHOOL)
    cal = school["Cal Marked"]
    assert client_as("teacher", agency=SCHOOL).post(f"/learners/{cal}/leaving", data={}).status_code == 404
    assert senco.post(f"/learners/{cal}/leaving", data={}).status_code == 400  # no date
    day = _today(app) + timedelta(days=30)
    assert senco.post(f"/learners/{cal}/leaving",
                      data={"leaving_on": [str(day.day), str(day.month), str(day.year)]}).status_code == 302
    assert "Leaving on" in text_of(senco.get(f"/learners/{cal}"))
    assert senco.post(f"/learners/{cal}/leaving", data={"not_leaving": "y"}).status_code == 302
    with app.app_context():
        assert _learner(cal).leaving_on is None
        fields = db.session.scalars(select(AuditEvent.fields_changed).where(
            AuditEvent.object_type == "learner", AuditEvent.action == AuditAction.UPDATE,
            AuditEvent.outcome == AuditOutcome.ALLOWED)).all()
        assert fields == ["leaving_on", "leaving_on"]


@pytest.mark.both_backends  # the year end's conditional claim and updates
def test_an_mis_import_says_where_year_groups_came_from_and_leaves_archived_learners_alone(app, client_as):
    from tests.cases.mis_import.test_import import import_file, sample

    senco = client_as("senco")
    original = sample("scholarpack").decode("utf-8")
    import_file(app, senco, original.encode())
    with app.app_context():
        imported = db.session.scalars(select(Learner)).all()
        assert imported and {(learner.year_group_source, learner.year_group_set_on) for learner in imported} == {
            (YearGroupSource.MIS_IMPORT, school_today())}
    lines = original.splitlines()
    header = lines[0].split(",")
    year, status, forename = header.index("Year"), header.index("SEN Status"), header.index("Forename")
    on_register = [number for number, line in enumerate(lines) if number and line.split(",")[status] in ("K", "E")]
    rows = [lines[number].split(",") for number in on_register[:2]]
    for row in rows:
        row[year] = "Y5" if row[year] != "Y5" else "Y6"
    lines[on_register[0]], lines[on_register[1]] = (",".join(row) for row in rows)
    with app.app_context():
        by_forename = {learner.name.split()[0]: learner for learner in db.session.scalars(select(Learner))}
        leaver, stayer = by_forename[rows[0][forename]], by_forename[rows[1][forename]]
        leaver.archived_at, leaver_year, stayer_year = leaver.created_at, leaver.year_group, stayer.year_group
        leaver_id, stayer_id = leaver.public_id, stayer.public_id
        db.session.commit()
    import_file(app, senco, ("\n".join(lines) + "\n").encode())
    with app.app_context():
        assert _learner(leaver_id).year_group == leaver_year  # archived: the MIS changes nothing
        assert _learner(stayer_id).year_group != stayer_year


def test_the_year_end_leaves_a_restricted_record_as_it_is(app, client_as, school):
    """UK GDPR Article 18: nobody changes a restricted record, the year end included (neither moved up nor
    archived); the others move as usual."""
    senco = client_as("senco", agency=SCHOOL)
    today = _today(app)
    with app.app_context():
        for name in ("Ava Moving", "Ben Leaving"):
            _learner(school[name]).restricted_at = utcnow()
        db.session.commit()
    assert _set_year_end(senco, today).status_code == 302
    with app.app_context():
        carry_out_due_year_ends()
    state = _state(app, school)
    assert (state["Ava Moving"], state["Ben Leaving"]) == ((3, False), (6, False))  # as they were
    assert state["Eli Reception"] == (1, False)  # moved up
