"""A case's contributions in pages: a learner's contributions grow every term the case stays open, so the plan page
shows the newest few and how many there are, and the case's list shows fifty a page, newest first, then older pages.
Neither page costs more for a learner with years of contributions."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from app.agencies.accounts.models import User
from app.cases.contributions.models import Contribution, ContributionKind, Visibility
from app.cases.contributions.services import ON_THE_PLAN, PAGE_SIZE
from app.cases.learners.models import Learner
from app.core import writing
from app.extensions import db
from app.types import utcnow
from tests.fixtures.application import reads_of, signed_in_client, text_of
from tests.fixtures.pages import listed, walk

# The pages' order and bound are compared in SQL (moments, ties broken by row): run on both engines.
pytestmark = pytest.mark.both_backends

SCHOOL = "Long Case Primary"


@pytest.fixture
def case(create_agency, create_user, create_case, add_to_team):
    create_agency(name=SCHOOL)
    learner, other = create_case(school=SCHOOL, name="Ivy Long"), create_case(school=SCHOOL, name="Noah Near")
    senco, teacher = create_user("senco", agency=SCHOOL), create_user("teacher", agency=SCHOOL)
    for account in (senco, teacher):
        add_to_team(learner, account)
    add_to_team(other, teacher)
    return {"learner": learner, "other": other, "senco": senco, "teacher": teacher}


def _write(app, author, learner: str, count: int, *, start: int = 0) -> list[str]:
    """`count` contributions by `author` on `learner`'s case, an hour apart but for pairs sharing a moment (the row
    decides between them; a page of fifty ends between the two of a pair). Their public ids, newest first."""
    with app.app_context():
        writer = db.session.scalars(select(User).where(User.public_id == author.public_id)).one()
        about = db.session.scalars(select(Learner).where(Learner.public_id == learner)).one()
        made = []
        for n in range(start, start + count):
            contribution = Contribution(learner_id=about.id, author_id=writer.id, visibility=Visibility.TEAM,
                                        kind=ContributionKind.CLASSROOM_VIEW)
            contribution.title = f"Observation {n}"
            writing.write(contribution, ("body",), body=f"Seen in class, week {n}.")
            db.session.add(contribution)
            made.append((n, contribution))
        db.session.flush()
        now = utcnow()
        for n, contribution in made:
            db.session.execute(update(Contribution).where(Contribution.id == contribution.id)
                               .values(created_at=now - timedelta(days=400) + timedelta(hours=n // 2)))
        ids = [contribution.public_id for _, contribution in
               sorted(made, key=lambda pair: (-(pair[0] // 2), -pair[1].id))]
        db.session.commit()
    return ids


def _listed(page) -> list[str]:
    return listed(page, "/contributions/")


def test_the_list_goes_page_by_page_newest_first_and_misses_none(app, case):
    expected = _write(app, case["teacher"], case["learner"], 2 * PAGE_SIZE + 7)
    client = signed_in_client(app, case["senco"])
    path = f"/learners/{case['learner']}/contributions"
    assert f"{2 * PAGE_SIZE + 7} contributions you can read, newest first" in text_of(client.get(path))
    pages = walk(client, path, prefix="/contributions/", link_id="older-contributions")
    assert [len(page) for page in pages] == [PAGE_SIZE, PAGE_SIZE, 7]
    # Every contribution once, newest first (moments tied two by two: the newest row first).
    assert sum(pages, []) == expected


def test_a_bound_from_another_case_starts_from_the_newest(app, case):
    mine = _write(app, case["teacher"], case["learner"], 3)
    theirs = _write(app, case["teacher"], case["other"], 1)
    with app.app_context():  # amid mine: taken as a bound, it would cut the list short
        moments = [db.session.scalar(select(Contribution.created_at).where(Contribution.public_id == public_id))
                   for public_id in (mine[0], mine[-1])]
        db.session.execute(update(Contribution).where(Contribution.public_id == theirs[0])
                           .values(created_at=moments[1] + (moments[0] - moments[1]) / 2))
        db.session.commit()
    client = signed_in_client(app, case["senco"])
    path = f"/learners/{case['learner']}/contributions"
    assert _listed(client.get(f"{path}?before={theirs[0]}")) == mine
    assert _listed(client.get(f"{path}?before={mine[0]}")) == mine[1:]
    assert "There are no older contributions." in text_of(client.get(f"{path}?before={mine[-1]}"))


def test_the_plan_page_shows_the_newest_and_the_way_to_the_rest(app, case):
    client = signed_in_client(app, case["senco"])
    plan = f"/learners/{case['learner']}/plan"
    assert client.post(plan).status_code == 302  # the plan started: its page shows the contributions
    few = _write(app, case["teacher"], case["learner"], 3)
    assert _listed(client.get(plan)) == few
    assert "The contributions as a list" in text_of(client.get(plan))
    expected = _write(app, case["teacher"], case["learner"], 40, start=3)
    page = client.get(plan)
    assert _listed(page) == expected[:ON_THE_PLAN]
    assert f"The {ON_THE_PLAN} newest of the 43 contributions you can read." in text_of(page)
    assert f'href="/learners/{case["learner"]}/contributions">All 43 contributions</a>' in page.get_data(as_text=True)


def test_the_pages_cost_the_same_with_ten_times_the_contributions(app, case):
    """The guard: statements, contributions read from the database and rows shown do not grow with the case."""
    client = signed_in_client(app, case["senco"])
    plan, listing = f"/learners/{case['learner']}/plan", f"/learners/{case['learner']}/contributions"
    assert client.post(plan).status_code == 302
    _write(app, case["teacher"], case["learner"], PAGE_SIZE + 5)
    costs = []
    for _ in range(2):
        row = []
        for path, shown in ((plan, ON_THE_PLAN), (listing, PAGE_SIZE)):
            client.get(path)  # anything a first view does once
            statements, read, page = reads_of(app, client, path, Contribution)
            assert page.status_code == 200 and len(_listed(page)) == shown
            row.append((statements, len(read)))
        costs.append(row)
        _write(app, case["teacher"], case["learner"], 10 * (PAGE_SIZE + 5), start=PAGE_SIZE + 5)
    assert costs[0] == costs[1]
    assert [read for _, read in costs[0]] == [ON_THE_PLAN, PAGE_SIZE + 1]  # one more: is there an older page?
