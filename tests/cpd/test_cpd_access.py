"""Only the owner writes their CPD log; the line manager reads their reports' logs only; everyone else is refused.

One table, person by person: every page of one LSP's log (an entry, a goal, the log as a report, a progress
review), read and written by the LSP, their line manager (the SENCo), a teacher and the DSL of the same school,
the school's administrator, an NHS speech and language therapist, a parent and someone not signed in. The
expected status codes are literals, not derived from the policy. Every refused POST leaves the database as it
was (the audit trail aside: a refusal is recorded there); every allowed POST changes it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from app.agencies.accounts.models import AgencyKind
from app.cpd.entries.models import ReflectiveEntry
from app.cpd.entries.services import record_entry
from app.cpd.goals.models import DevelopmentGoal
from app.cpd.goals.services import GoalDraft, record_goal
from app.cpd.reviews.models import ProgressReview
from app.cpd.reviews.services import ReviewDraft, record_review
from app.extensions import db
from tests.cpd.test_goals import entry_draft, parts, signed_in, user_row
from tests.fixtures.application import text_of
from tests.test_authorization_matrix import database_checksum

S = "sign-in"  # redirected to the sign-in page
PEOPLE = ("owner", "manager", "teacher", "dsl", "admin", "slt", "parent", "anonymous")

# (method, path, payload): then the outcome for owner, manager, teacher, dsl, admin, slt, parent, anonymous.
# Rows run in this order for each person, so a person's allowed writes come after their reads.
ACCESS = [
    ("GET", "/cpd/entries/{entry}", None,                         200, 200, 404, 404, 404, 404, 404, S),
    ("GET", "/cpd/entries/{entry}/edit", None,                    200, 403, 404, 404, 404, 404, 404, S),
    ("POST", "/cpd/entries/{entry}/edit", "entry",                302, 403, 404, 404, 404, 404, 404, S),
    ("GET", "/cpd/goals/{goal}", None,                            200, 200, 404, 404, 404, 404, 404, S),
    ("GET", "/cpd/goals/{goal}/edit", None,                       200, 403, 404, 404, 404, 404, 404, S),
    ("POST", "/cpd/goals/{goal}/edit", "goal",                    302, 403, 404, 404, 404, 404, 404, S),
    ("GET", "/cpd/people/{owner}", None,                          302, 200, 404, 404, 404, 404, 404, S),
    ("GET", "/cpd/people/{owner}/reviews/new", None,              403, 200, 404, 404, 404, 404, 404, S),
    ("POST", "/cpd/people/{owner}/reviews/new", "review",         403, 302, 404, 404, 404, 404, 404, S),
    ("GET", "/cpd/reviews/{review}", None,                        200, 200, 404, 404, 404, 404, 404, S),
    ("GET", "/cpd/reviews/{review}/edit", None,                   403, 200, 404, 404, 404, 404, 404, S),
    ("POST", "/cpd/reviews/{review}/edit", "review",              403, 302, 404, 404, 404, 404, 404, S),
    ("POST", "/cpd/reviews/{review}/sign", "sign",                302, 302, 404, 404, 404, 404, 404, S),
]

# Written by the owner; the sentinels must never reach anyone refused.
ENTRY_TITLE = "SENTINEL-ENTRY-webinar-on-attachment"
GOAL_TEXT = "SENTINEL-GOAL-run-a-nurture-group"
REVIEW_TEXT = "SENTINEL-REVIEW-a-strong-first-year"


@dataclass
class World:
    accounts: dict
    ids: dict  # owner, entry, goal, review public ids
    today: date


@pytest.fixture
def world(app, create_agency, create_user) -> World:
    school = create_agency(AgencyKind.SCHOOL, name="Access Primary School")
    nhs = create_agency(AgencyKind.NHS_SERVICE, name="Access SLT Service")
    family = create_agency(AgencyKind.FAMILY, name="The Access family")
    accounts = {"manager": create_user("senco", agency=school, name="Priya Senco")}
    accounts["owner"] = create_user("lsp", agency=school, name="Tom Lsp", line_manager=accounts["manager"].email)
    accounts.update(
        teacher=create_user("teacher", agency=school, name="Hannah Teacher"),
        dsl=create_user("dsl", agency=school, name="David Dsl"),
        admin=create_user("admin", agency=school, name="Grace Admin"),
        slt=create_user("slt", agency=nhs, name="Sam Slt"),
        parent=create_user("parent", agency=family, name="Jo Parent"),
    )
    today = date.today()
    with app.app_context():
        owner, manager = user_row(accounts["owner"]), user_row(accounts["manager"])
        entry = record_entry(owner, entry_draft(today, ENTRY_TITLE))
        goal = record_goal(owner, GoalDraft(
            specific=GOAL_TEXT, measure="Six sessions run", relevant_to="standard", standard_code="AP 12",
            relevance=None, target_on=today + timedelta(days=90)))
        review = record_review(manager, owner, ReviewDraft(kind="annual", held_on=today, manager_summary=REVIEW_TEXT))
        db.session.commit()
        ids = {"owner": owner.public_id, "entry": entry.public_id, "goal": goal.public_id, "review": review.public_id}
    return World(accounts, ids, today)


def version_of(app, model, public_id: str) -> str:
    with app.app_context():
        version = db.session.scalars(select(model.version).where(model.public_id == public_id)).one()
        db.session.remove()
    return str(version)


def payload(app, world: World, kind: str) -> dict:
    """A valid form for each write: refused people are refused whatever they send."""
    today = world.today
    if kind == "entry":
        return {"reflective_model": "driscoll", "activity_on": parts(today), "hours": "2", "activity_type": "webinar",
                "participation": "individual", "title": "Changed title", "content": "Changed content",
                "prompt_what": "What", "prompt_so_what": "So what", "prompt_now_what": "Now what",
                "action_what": "Do it", "action_how": "Like this", "action_by": parts(today + timedelta(days=7)),
                "standard_codes": "AP 12", "version": version_of(app, ReflectiveEntry, world.ids["entry"])}
    if kind == "goal":
        return {"specific": "Changed goal", "measure": "Changed measure", "relevant_to": "standard",
                "standard_code": "BP 4", "target_on": parts(today + timedelta(days=30)), "status": "in_progress",
                "version": version_of(app, DevelopmentGoal, world.ids["goal"])}
    if kind == "review":
        return {"kind": "mid_year", "held_on": parts(today), "manager_summary": "Changed summary",
                "version": version_of(app, ProgressReview, world.ids["review"])}
    assert kind == "sign"
    return {"version": version_of(app, ProgressReview, world.ids["review"])}


def outcome_of(response):
    if response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/sign-in":
        return S
    return response.status_code


@pytest.mark.parametrize("person", PEOPLE)
def test_only_the_owner_writes_and_the_manager_only_reads(app, world, person):
    client = app.test_client() if person == "anonymous" else signed_in(app, world.accounts[person])
    column = 3 + PEOPLE.index(person)
    for row in ACCESS:
        method, path, kind, expected = row[0], row[1].format(**world.ids), row[2], row[column]
        if method == "GET":
            response = client.get(path)
            assert outcome_of(response) == expected, f"{person} GET {row[1]}"
        else:
            data = payload(app, world, kind)
            before = database_checksum(app)
            response = client.post(path, data=data)
            assert outcome_of(response) == expected, f"{person} POST {row[1]}: {text_of(response)[:500]}"
            if expected == 302:
                assert database_checksum(app) != before, f"{person} POST {row[1]} was allowed but saved nothing"
            else:
                assert database_checksum(app) == before, f"{person} POST {row[1]} was refused but changed data"
        if expected not in (200, 302):
            # A refusal says nothing of what the log holds.
            page = text_of(response)
            for sentinel in (ENTRY_TITLE, GOAL_TEXT, REVIEW_TEXT):
                assert sentinel not in page, f"{person} {method} {row[1]} showed {sentinel}"

