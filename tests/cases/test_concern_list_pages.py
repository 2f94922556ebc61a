"""The concerns list in pages: a school's concerns grow every year, so the list shows fifty, newest first, and goes
on to older pages; the DSL can keep to those awaiting action. A page costs the same whatever came before it."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from app.agencies.accounts.models import User
from app.cases.concerns.models import SafeguardingConcern
from app.cases.concerns.services import PAGE_SIZE
from app.cases.learners.models import Learner
from app.demo.concerns import record_demo_concern
from app.extensions import db
from app.types import utcnow
from tests.fixtures.application import reads_of, signed_in_client
from tests.fixtures.pages import listed, older, walk

# The page's order and bound are compared in SQL (moments, ties broken by row): run on both engines.
pytestmark = pytest.mark.both_backends

SCHOOL = "Long List Primary"
OTHER_SCHOOL = "Elsewhere Academy"


@pytest.fixture
def school(create_agency, create_user, create_case):
    create_agency(name=SCHOOL)
    create_agency(name=OTHER_SCHOOL)
    return {"learner": create_case(school=SCHOOL, name="Ivy Long"),
            "other_learner": create_case(school=OTHER_SCHOOL, name="Noah Far"),
            "dsl": create_user("dsl", agency=SCHOOL), "other_dsl": create_user("dsl", agency=OTHER_SCHOOL)}


def _record(app, dsl, learner: str, count: int, *, acted_every: int = 0, start: int = 0) -> list[str]:
    """`count` concerns by `dsl` about `learner`, an hour apart, but for pairs sharing a moment (the row decides
    between them; a page of fifty ends between the two of a pair); every `acted_every`-th has the DSL's action.
    Their public ids, newest first."""
    with app.app_context():
        author = db.session.scalars(select(User).where(User.public_id == dsl.public_id)).one()
        about = db.session.scalars(select(Learner).where(Learner.public_id == learner)).one()
        made = []
        for n in range(start, start + count):
            action = "Spoke to the family." if acted_every and n % acted_every == 0 else None
            made.append(record_demo_concern(author, about, f"Concern {n}", dsl=author, action_taken=action))
        db.session.flush()
        now = utcnow()
        for concern in made:
            n = int(concern.concern.split()[-1])
            db.session.execute(update(SafeguardingConcern).where(SafeguardingConcern.id == concern.id)
                               .values(recorded_at=now - timedelta(hours=(n + 1) // 2)))
        order = sorted(made, key=lambda concern: ((int(concern.concern.split()[-1]) + 1) // 2, -concern.id))
        ids = [concern.public_id for concern in order]
        db.session.commit()
    return ids


def _listed(page) -> list[str]:
    return listed(page, "/concerns/")


def _older(page) -> str | None:
    return older(page, "older-concerns")


def test_the_list_goes_page_by_page_newest_first_and_misses_none(app, school):
    expected = _record(app, school["dsl"], school["learner"], 2 * PAGE_SIZE + 7)
    client = signed_in_client(app, school["dsl"])
    pages = walk(client, "/concerns", prefix="/concerns/", link_id="older-concerns")
    assert [len(page) for page in pages] == [PAGE_SIZE, PAGE_SIZE, 7]
    # Every concern once, in the list's order (moments tied two by two: the newest row first).
    assert sum(pages, []) == expected


def test_the_dsl_can_keep_to_the_concerns_awaiting_action(app, school):
    expected = _record(app, school["dsl"], school["learner"], PAGE_SIZE + 10, acted_every=3)
    with app.app_context():
        awaiting = set(db.session.scalars(select(SafeguardingConcern.public_id).where(
            SafeguardingConcern.action_recorded_at.is_(None))))
    client = signed_in_client(app, school["dsl"])
    first = client.get("/concerns")
    assert f"{len(awaiting)} concerns are awaiting action." in first.get_data(as_text=True)
    page = client.get("/concerns?show=awaiting")
    assert page.status_code == 200 and _older(page) is None  # 40 of the 60 await action: one page
    assert _listed(page) == [public_id for public_id in expected if public_id in awaiting]


def test_a_bound_the_reader_cannot_read_starts_from_the_newest(app, school):
    mine = _record(app, school["dsl"], school["learner"], 3)
    theirs = _record(app, school["other_dsl"], school["other_learner"], 1, start=2)  # amid mine: as a bound, it
    # would cut the list short
    client = signed_in_client(app, school["dsl"])
    assert _listed(client.get(f"/concerns?before={theirs[0]}")) == mine
    assert _listed(client.get(f"/concerns?before={mine[0]}")) == mine[1:]


def test_a_page_costs_the_same_with_ten_times_the_concerns(app, school, create_user):
    """The guard: statements, concerns read from the database and rows shown do not grow with the school's history."""
    few_dsl = create_user("dsl", agency=SCHOOL)
    _record(app, few_dsl, school["learner"], PAGE_SIZE + 5)
    costs = []
    for _ in range(2):
        client = signed_in_client(app, school["dsl"])
        client.get("/concerns")  # anything a first view does once
        statements, read, page = reads_of(app, client, "/concerns", SafeguardingConcern)
        assert page.status_code == 200
        costs.append((statements, len(read), len(_listed(page))))
        _record(app, school["dsl"], school["learner"], 10 * (PAGE_SIZE + 5), start=PAGE_SIZE + 5)
    assert costs[0] == costs[1] == (costs[0][0], PAGE_SIZE + 1, PAGE_SIZE)  # one more read: is there an older page?
