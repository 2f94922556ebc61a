"""Query-count guards: every GET page answers in as many SQL statements at ten times the data as at one.

The pages are the authorization matrix's GET rows (that table is checked against the url_map, so a new page cannot
be left out here either), each asked by every role the matrix expects to be let in (or, for a page nobody reads,
by the SENCo). The world is the matrix's, grown once by a few of every kind of row (learners on the
teacher's and the LSP's cases, contributions, meetings with actions, concerns, outcomes, provision, attachments,
CPD entries and goals, audit events) and measured; then grown by nine times as many and measured again. A page
whose count moves has a query per row somewhere (or a list no page bounds).
"""
from __future__ import annotations

import os
from datetime import time, timedelta

import pytest
from sqlalchemy import event, select

from app.agencies.accounts.models import User
from app.cases.attachments import services as attachments
from app.cases.concerns import services as concerns
from app.cases.contributions import services as contributions
from app.cases.learners.models import Learner
from app.cases.meetings import services as meetings
from app.cases.meetings.models import Attendance, MeetingKind
from app.cases.meetings.services import ActionDraft, MeetingDetails
from app.cases.plans import services as plans
from app.cases.plans.models import PlanCycle
from app.cpd.entries import services as cpd
from app.cpd.goals import services as cpd_goals
from app.extensions import db
from app.types import utcnow
from tests.test_authorization_matrix import COLUMNS, ROWS, build_world, sign_in_columns

pytestmark = pytest.mark.both_backends

SMALL = 3  # rows of each kind at "1x"; "10x" adds nine times as many
READERS = ("senco", "dsl", "teacher", "lsp", "parent", "slt", "ep", "admin")
# Pages that load their rows' subjects one query per kind of subject shown (at most one per kind registered, in
# app.notifications.subjects): with more rows, fewer kinds may share the page, so their count may fall, never rise.
BY_KIND = {"/notifications"}


def pages() -> list[tuple[str, str, str]]:
    """(endpoint, url template, column) for every GET row of the matrix, once per URL: as each role the matrix lets
    read it (each sees its own rows: the teacher their cases, the parent what is shared), or the first role."""
    seen, chosen = set(), []
    for endpoint, method, url, _, expected in ROWS:
        if method != "GET" or url in seen:
            continue
        seen.add(url)
        outcome = dict(zip(COLUMNS, expected, strict=True))
        readers = [role for role in READERS if outcome[role] == 200] or [READERS[0]]
        chosen.extend((endpoint, url, column) for column in readers)
    return chosen


def grow(app, create_case, add_to_team, accounts, world, n: int) -> None:
    """`n` more of every kind of row around the matrix's school, its main learner and its staff."""
    for i in range(n):
        case = create_case(school="Alpha School", name=f"Grown Learner {utcnow().timestamp()} {i}")
        for role in ("lsp", "teacher", "parent"):
            add_to_team(case, accounts[role])
    with app.app_context():
        def user(role):
            return db.session.scalars(select(User).where(User.public_id == accounts[role].public_id)).one()

        senco, lsp, teacher, parent = user("senco"), user("lsp"), user("teacher"), user("parent")
        alpha = db.session.scalars(select(Learner).where(Learner.public_id == world["alpha"])).one()
        cycle = db.session.scalars(select(PlanCycle).where(PlanCycle.public_id == world["cycle"])).one()
        today = utcnow().date()
        for i in range(n):
            contribution = contributions.add_contribution(teacher, alpha, kind="classroom_view", visibility="team",
                                                          title=f"Grown note {i}", body=f"<p>Grown body {i}</p>")
            contributions.add_contribution(parent, alpha, kind="family_view", visibility="team_and_family",
                                           title=f"Grown home note {i}", body=f"<p>At home {i}</p>")
            attachments.attach_file(teacher, contribution, filename=f"grown-{i}.pdf", data=b"%PDF-1.4\n%%EOF\n")
            meeting = meetings.record_meeting(lsp, alpha, MeetingDetails(
                kind=MeetingKind.REVIEW, held_on=today - timedelta(days=i + 1), starts_at=time(9, 30),
                duration_minutes=30, chair=lsp.public_id, agenda="<p>Progress</p>", minutes=f"<p>Grown {i}</p>",
                attendance={lsp.public_id: Attendance.PRESENT}, shared_with_family=True,
                actions=[ActionDraft(description=f"Grown action {i}", owner=teacher.public_id,
                                     due_on=today + timedelta(days=7))]))
            meetings.sign_off_meeting(lsp, meeting, version=meeting.version)
            concerns.record_concern(teacher, alpha, concern=f"Grown concern {i}")
            plans.add_outcome(senco, cycle, description=f"Grown outcome {i}", measure="A record",
                              target_on=today + timedelta(days=60), owner_public_id=lsp.public_id, progress=None)
            plans.add_provision(senco, cycle, description=f"Grown provision {i}", delivered_by="Support",
                                frequency="Weekly", starts_on=today, ends_on=None)
            cpd.record_entry(lsp, cpd.EntryDraft(
                activity_on=today, hours="0.5", activity_type="webinar", participation="individual",
                reflective_model="driscoll", title=f"Grown webinar {i}", content="Learning.",
                reflection={"what": "A talk.", "so_what": "Useful.", "now_what": "Try it."},
                action_what="Try it", action_how="In class", action_by=today + timedelta(days=14)))
            cpd_goals.record_goal(lsp, cpd_goals.GoalDraft(
                specific=f"Grown goal {i}", measure="Observed", relevant_to="standard", standard_code="AP 1",
                relevance=None, target_on=today + timedelta(days=90)))
        db.session.commit()
        db.session.remove()


def statement_counts(app, clients, world) -> dict[str, tuple[int, int]]:
    """{url template: (status, statements)} for every page, each asked once to warm up and once counted."""
    counted = [0]

    def count(conn, cursor, statement, *_):
        counted[0] += 1
        if os.environ.get("QUERY_COUNTS_SHOW"):  # QUERY_COUNTS_SHOW=1 pytest -s: each page's statements
            print("SQL", statement[:200].replace("\n", " "))

    with app.app_context():
        engine = db.engine
    # The review pages' limit is per person, and this test asks them many times: a budget it cannot reach.
    for setting in [key for key in app.config if key.startswith("RATELIMIT_") and key.endswith(("_ACCOUNT", "_IP"))]:
        app.config[setting] = "100000 per minute"
    event.listen(engine, "before_cursor_execute", count)
    try:
        results = {}
        for _, template, column in pages():
            url = template.format(**world)
            clients[column].get(url)
            counted[0] = 0
            if os.environ.get("QUERY_COUNTS_SHOW"):
                print("PAGE", template)
            status = clients[column].get(url).status_code
            results[f"{template} as {column}"] = (status, counted[0])
        return results
    finally:
        event.remove(engine, "before_cursor_execute", count)


@pytest.mark.long_running
def test_every_page_costs_as_many_statements_at_ten_times_the_data(app, create_agency, create_user, create_case,
                                                                     add_to_team):
    built = build_world(app, create_agency, create_user, create_case, add_to_team)
    world, accounts = built["world"], built["accounts"]
    clients = sign_in_columns(app, accounts)
    grow(app, create_case, add_to_team, accounts, world, SMALL)
    small = statement_counts(app, clients, world)
    grow(app, create_case, add_to_team, accounts, world, 9 * SMALL)
    large = statement_counts(app, clients, world)

    assert len(small) >= 200
    moved = [f"{page}: {small[page][1]} statements at 1x, {large[page][1]} at 10x (status {large[page][0]})"
             for page in small if small[page] != large[page]
             and not (page.split(" as ")[0] in BY_KIND and small[page][0] == large[page][0]
                      and large[page][1] <= small[page][1])]
    assert not moved, f"{len(moved)} pages grow with the data:\n" + "\n".join(moved)
