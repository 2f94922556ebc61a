"""Safeguarding concerns: who may record one, who may read one (the DSL and the author only), and the DSL's action."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

import pytest
from sqlalchemy import select, text

from app.cases.concerns.models import SafeguardingConcern
from app.extensions import db
from tests.fixtures.application import sign_in, text_of

SCHOOL = "Willowbrook Primary"
OTHER_SCHOOL = "Hazelmere Academy"
SENTINEL = "SENTINEL-CONCERN-bruise-on-left-forearm-7Q"
NEW_TEXT = "Said at breakfast club that nobody was home last night."

# Who may record a concern about the learner: (role, home agency, on the learner's team, expected status).
# Literals, not derived from the policy: 302 = recorded and redirected, 403 = visible but refused, 404 = out of sight.
RECORDERS = [
    ("senco", SCHOOL, False, 302),
    ("teacher", SCHOOL, True, 302),
    ("lsp", SCHOOL, True, 302),
    ("slt", None, True, 302),
    ("ep", None, True, 302),
    ("dsl", SCHOOL, False, 302),
    ("parent", None, True, 403),
    ("teacher", SCHOOL, False, 404),
    ("admin", SCHOOL, False, 404),
]

# Who may read a concern written by a teacher on the team: (who, expected status of its page).
READERS = [
    ("author", 200),
    ("dsl", 200),
    ("senco", 404),
    ("lsp_on_team", 404),
    ("slt_on_team", 404),
    ("parent_on_case", 404),
    ("other_school_dsl", 404),
    ("admin", 404),
]


@dataclass
class World:
    learner: str
    accounts: dict
    concern: str  # public id of the sentinel concern


@pytest.fixture
def world(app, create_agency, create_user, create_case, add_to_team, client):
    create_agency(name=SCHOOL)
    create_agency(name=OTHER_SCHOOL)
    learner = create_case(school=SCHOOL, name="Ellie Marsh")
    accounts = {
        "author": create_user("teacher", agency=SCHOOL),
        "dsl": create_user("dsl", agency=SCHOOL),
        "senco": create_user("senco", agency=SCHOOL),
        "lsp_on_team": create_user("lsp", agency=SCHOOL),
        "slt_on_team": create_user("slt"),
        "parent_on_case": create_user("parent"),
        "other_school_dsl": create_user("dsl", agency=OTHER_SCHOOL),
        "admin": create_user("admin", agency=SCHOOL),
    }
    for who in ("author", "lsp_on_team", "slt_on_team", "parent_on_case"):
        add_to_team(learner, accounts[who])
    author = _client(app, accounts["author"])
    response = author.post(f"/learners/{learner}/concerns/new", data={"concern": SENTINEL})
    assert response.status_code == 302
    concern = response.headers["Location"].rsplit("/", 1)[-1]
    return World(learner, accounts, concern)


def _client(app, account):
    client = app.test_client()
    assert sign_in(client, account.email, account.password).status_code == 302
    return client


def _checksum(app) -> str:
    with app.app_context():
        rows = db.session.execute(text(
            "SELECT id, public_id, learner_id, author_id, concern_sealed, action_taken_sealed, "
            "action_recorded_by_id, version FROM safeguarding_concern ORDER BY id"
        )).all()
    return hashlib.sha256(repr(rows).encode()).hexdigest()


@pytest.mark.parametrize("role, agency, on_team, expected", RECORDERS,
                         ids=[f"{r}-{'team' if t else 'off-team'}-{e}" for r, _, t, e in RECORDERS])
def test_who_may_record_a_concern(app, world, create_user, add_to_team, role, agency, on_team, expected):
    account = create_user(role, agency=agency) if agency else create_user(role)
    if on_team:
        add_to_team(world.learner, account)
    client = _client(app, account)
    url = f"/learners/{world.learner}/concerns/new"
    before = _checksum(app)

    page = client.get(url)
    assert page.status_code == (200 if expected == 302 else expected)
    assert SENTINEL not in text_of(page)
    response = client.post(url, data={"concern": NEW_TEXT, "author_id": "1", "learner_id": "999"})
    assert response.status_code == expected
    assert SENTINEL not in text_of(response)

    with app.app_context():
        mine = db.session.scalars(
            select(SafeguardingConcern).where(SafeguardingConcern.public_id != world.concern)
        ).all()
        if expected == 302:
            assert len(mine) == 1 and mine[0].concern == NEW_TEXT
            assert mine[0].author.public_id == account.public_id  # extra author_id ignored
            assert mine[0].learner.public_id == world.learner
            assert response.headers["Location"].endswith(f"/concerns/{mine[0].public_id}")
        else:
            assert mine == []
    if expected != 302:
        assert _checksum(app) == before
    else:
        shown = client.get(response.headers["Location"])
        assert shown.status_code == 200 and NEW_TEXT in text_of(shown)
        assert "Your safeguarding concern has been recorded" in text_of(shown)


@pytest.mark.parametrize("who, expected", READERS, ids=[who for who, _ in READERS])
def test_only_the_dsl_and_the_author_read_a_concern(app, world, who, expected):
    client = _client(app, world.accounts[who])
    page = client.get(f"/concerns/{world.concern}")
    assert page.status_code == expected
    assert (SENTINEL in text_of(page)) is (expected == 200)
    listing = client.get("/concerns")
    if who in ("parent_on_case", "admin"):
        assert listing.status_code == 403
    else:
        assert listing.status_code == 200
        assert (world.concern in text_of(listing)) is (expected == 200)
    assert SENTINEL not in text_of(listing)
    # The concern never shows on the case itself, whoever reads it.
    case = client.get(f"/learners/{world.learner}")
    assert SENTINEL not in text_of(case)


def test_only_the_dsl_records_the_action_and_a_stale_version_is_a_conflict(app, world):
    url = f"/concerns/{world.concern}/action"
    before = _checksum(app)
    for who in ("author", "senco", "lsp_on_team", "parent_on_case", "other_school_dsl"):
        refused = _client(app, world.accounts[who]).post(url, data={"action_taken": "Closed", "version": "1"})
        assert refused.status_code == (403 if who == "author" else 404), who
        assert SENTINEL not in text_of(refused) or who == "author"
    assert _checksum(app) == before
    author_page = text_of(_client(app, world.accounts["author"]).get(f"/concerns/{world.concern}"))
    assert "Save action taken" not in author_page and "has not recorded any action yet" in author_page

    dsl = _client(app, world.accounts["dsl"])
    assert 'name="version" type="hidden" value="1"' in dsl.get(f"/concerns/{world.concern}").get_data(as_text=True)
    saved = dsl.post(url, data={"action_taken": "Spoke to mum; referral to children's social care made.",
                                "version": "1"})
    assert saved.status_code == 302
    with app.app_context():
        concern = db.session.scalars(
            select(SafeguardingConcern).where(SafeguardingConcern.public_id == world.concern)
        ).one()
        assert concern.action_taken == "Spoke to mum; referral to children's social care made."
        assert concern.action_recorded_by.public_id == world.accounts["dsl"].public_id
        assert concern.action_recorded_at is not None and concern.version == 2
    author_view = _client(app, world.accounts["author"]).get(f"/concerns/{world.concern}")
    assert "referral to children's social care made" in text_of(author_view)

    after_first = _checksum(app)
    stale = dsl.post(url, data={"action_taken": "Monitoring only, my stale edit.", "version": "1"})
    page = text_of(stale)
    assert stale.status_code == 409
    assert "Spoke to mum; referral to children's social care made." in page  # what is saved now
    assert "Monitoring only, my stale edit." in page  # what was typed, kept in the form
    assert 'name="version" type="hidden" value="2"' in stale.get_data(as_text=True)
    assert _checksum(app) == after_first

    empty = dsl.post(url, data={"action_taken": "   ", "version": "2"})
    assert empty.status_code == 400 and "Describe the action taken" in text_of(empty)
    assert _checksum(app) == after_first


@pytest.mark.parametrize("concern, message", [("", "Describe your concern"),
                                              ("x" * 10_001, "10,000 characters or fewer")])
def test_an_empty_or_overlong_concern_is_refused_and_nothing_is_saved(app, world, concern, message):
    client = _client(app, world.accounts["author"])
    before = _checksum(app)
    response = client.post(f"/learners/{world.learner}/concerns/new", data={"concern": concern})
    assert response.status_code == 400
    assert "There is a problem" in text_of(response) and message in text_of(response)
    assert _checksum(app) == before


def test_concern_text_is_sealed_at_rest_and_rendered_as_plain_text(app, world):
    client = _client(app, world.accounts["author"])
    response = client.post(f"/learners/{world.learner}/concerns/new",
                           data={"concern": "<script>alert(1)</script> first line\nsecond line"})
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; first line<br>second line" in page
    with app.app_context():
        stored = db.session.execute(text("SELECT concern_sealed FROM safeguarding_concern")).scalars().all()
    assert len(stored) == 2
    assert all(value.startswith("b1.") and "SENTINEL" not in value and "script" not in value for value in stored)


def test_the_case_navigation_offers_recording_only_to_those_who_may(app, world):
    for who, offered in [("author", True), ("senco", True), ("dsl", True), ("parent_on_case", False)]:
        page = text_of(_client(app, world.accounts[who]).get(f"/learners/{world.learner}"))
        assert ("Record a safeguarding concern" in page) is offered, who


def test_the_navigation_shows_concerns_to_professionals_only(app, world):
    for who, shown in [("author", True), ("dsl", True), ("slt_on_team", True), ("parent_on_case", False),
                       ("admin", False)]:
        page = _client(app, world.accounts[who]).get("/").get_data(as_text=True)
        assert ('href="/concerns"' in page) is shown, who


def test_the_demo_helper_records_a_concern_and_the_dsls_action(app, world):
    from app.agencies.accounts.models import User
    from app.cases.learners.models import Learner
    from app.demo.concerns import record_demo_concern

    with app.app_context():
        def user(who):
            return db.session.scalars(select(User).where(User.public_id == world.accounts[who].public_id)).one()

        learner = db.session.scalars(select(Learner).where(Learner.public_id == world.learner)).one()
        plain = record_demo_concern(user("lsp_on_team"), learner, "Quiet and withdrawn after the weekend.")
        acted = record_demo_concern(user("slt_on_team"), learner, "Mentioned a new adult at home.",
                                    dsl=user("dsl"), action_taken="Discussed with mum; no further action.")
        db.session.commit()
        assert plain.action_recorded_at is None and plain.author.public_id == world.accounts["lsp_on_team"].public_id
        assert acted.action_taken == "Discussed with mum; no further action."
        assert acted.action_recorded_by.public_id == world.accounts["dsl"].public_id
