"""Query-count guards: every role's home page, the plan page, a refusal, the anonymous redirect and adding a
contribution ask the database the same number of statements when the school has ten times the learners (each on
the cases of the same people, with actions and reviews due) and the plan ten times the contributions."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.agencies.accounts.models import Role, User
from app.cases.contributions import services as contributions
from app.cases.learners.models import Learner
from app.extensions import db
from tests.cases.test_home_casework import add_action, add_cycles
from tests.fixtures.application import sign_in, statements_of

# Statement counts can differ between the engines (PostgreSQL carries a read's event in its own transaction).
pytestmark = pytest.mark.both_backends

SMALL, GROWTH = 3, 10  # learners on the cases; contributions on the plan: SMALL x (1 + 1) then x GROWTH
ON_CASES = (Role.TEACHER, Role.LSP, Role.SLT, Role.EP, Role.PARENT)
HOMES = (Role.SENCO, Role.TEACHER, Role.PARENT, Role.SLT, Role.EP, Role.LSP, Role.DSL, Role.ADMIN)
# What each home page asks at most: its scopes built once per shape of user (app.policy.bound), the CPD prompt's
# two counts in one statement. Lower is welcome; higher is a regression.
HOME_STATEMENTS = {
    "sqlite": {"senco": 15, "teacher": 14, "parent": 10, "slt": 12, "ep": 12, "lsp": 14, "dsl": 12, "admin": 4},
    "postgresql": {"senco": 14, "teacher": 13, "parent": 9, "slt": 11, "ep": 11, "lsp": 13, "dsl": 12, "admin": 4},
}


def _count(app, client, method: str, path: str, data: dict | None = None) -> tuple[int, int]:
    """(statements, status) of one request."""
    statements, response = statements_of(app, client, path, method, data)
    return statements, response.status_code


@pytest.fixture
def world(app, create_agency, create_user, create_case, add_to_team):
    school = create_agency(name="Counting Primary")
    people = {role: create_user(role, agency=school if role in (Role.SENCO, Role.TEACHER, Role.LSP, Role.DSL,
                                                               Role.ADMIN) else None)
              for role in HOMES}
    plan_learner = create_case(school=school, name="Plan Learner")
    for role in ON_CASES:
        add_to_team(plan_learner, people[role])
    add_cycles(app, plan_learner, 20)
    clients = {}
    for role, account in people.items():
        clients[role] = app.test_client()
        assert sign_in(clients[role], account.email, account.password).status_code == 302, role

    def grow(learners: int, contributions_each: int) -> None:
        """`learners` more learners on everyone's cases (an open action and a review due on each), and
        `contributions_each` more contributions from the SENCo on the plan learner per learner added."""
        for _ in range(learners):
            learner = create_case(school=school)
            for role in ON_CASES:
                add_to_team(learner, people[role])
            add_action(app, learner, people[Role.LSP], "Run the group", 3)
            add_action(app, learner, people[Role.TEACHER], "Check the reading log", 5)
            add_cycles(app, learner, 14)
        with app.app_context():
            senco = db.session.scalars(select(User).where(User.public_id == people[Role.SENCO].public_id)).one()
            learner = db.session.scalars(select(Learner).where(Learner.public_id == plan_learner)).one()
            kind = contributions.kinds_for(senco, learner)[0].value
            for n in range(learners * contributions_each):
                contributions.add_contribution(senco, learner, kind=kind, visibility="team", title=f"Note {n}",
                                               body=f"Observation {n}: **progress** noted.")
            db.session.commit()

    return {"clients": clients, "plan_learner": plan_learner, "grow": grow, "people": people}


def _pages(world) -> dict[str, tuple]:
    learner = world["plan_learner"]
    pages = {f"home-{role.value}": (role, "GET", "/", None, 200) for role in HOMES}
    pages.update({
        "plan": (Role.SENCO, "GET", f"/learners/{learner}/plan", None, 200),
        "plan-as-parent": (Role.PARENT, "GET", f"/learners/{learner}/plan", None, 200),
        "refused": (Role.TEACHER, "GET", "/accounts", None, 403),
        "anonymous": (None, "GET", "/learners", None, 302),
    })
    return pages


def _measure(app, world) -> dict[str, int]:
    counts = {}
    for name, (role, method, path, data, status) in _pages(world).items():
        client = world["clients"][role] if role else app.test_client()
        client.open(path, method=method, data=data)  # warm up: what a first request loads once
        counts[name], answered = _count(app, client, method, path, data)
        assert answered == status, (name, answered)
    return counts


def _add_contribution(app, world) -> int:
    client = world["clients"][Role.SENCO]
    with app.app_context():
        senco = db.session.scalars(select(User).where(User.public_id == world["people"][Role.SENCO].public_id)).one()
        learner = db.session.scalars(select(Learner).where(Learner.public_id == world["plan_learner"])).one()
        kind = contributions.kinds_for(senco, learner)[0].value
    path = f"/learners/{world['plan_learner']}/contributions/new"
    data = {"kind": kind, "visibility": "team", "title": "Seen today", "body": "Reading with **support**."}
    client.post(path, data=data)  # warm up
    statements, status = _count(app, client, "POST", path, data)
    assert status == 302
    return statements


def test_the_pages_ask_as_many_statements_at_ten_times_the_data(app, world):
    world["grow"](SMALL, 1)
    small = _measure(app, world)
    small_add = _add_contribution(app, world)
    world["grow"](SMALL * (GROWTH - 1), 1)
    big = _measure(app, world)
    big_add = _add_contribution(app, world)
    assert big == small
    assert big_add == small_add
    # And the pages stay cheap in absolute terms: the counts this part brought them down to.
    assert small["anonymous"] <= 1
    assert small["refused"] <= 5
    with app.app_context():
        pinned = HOME_STATEMENTS[db.engine.dialect.name]
    assert {role: small[f"home-{role}"] for role in pinned} == {
        role: min(small[f"home-{role}"], count) for role, count in pinned.items()}
