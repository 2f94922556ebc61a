"""A CPD log over the years: the log page holds the current CPD year's entries and names each earlier year with its
count; each earlier year has a page of its own, for the owner and, read-only, their line manager. The log costs
the same after two years or twenty."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.agencies.accounts.models import AgencyKind, User
from app.core.dates import today as school_today
from app.cpd.entries import services
from app.cpd.entries.models import ReflectiveEntry
from app.cpd.entries.services import EntryDraft
from app.cpd.goals import services as goal_services
from app.cpd.goals.services import GoalDraft
from app.extensions import db
from tests.fixtures.application import reads_of, signed_in_client, statements_of, text_of

# The years are counted in SQL (the year and month of a date), which the engines write differently.
pytestmark = pytest.mark.both_backends


def _draft(on: date, title: str) -> EntryDraft:
    return EntryDraft(
        activity_on=on, hours="1.5", activity_type="webinar", participation="individual", reflective_model="schon",
        title=title, content="What I learned.",
        reflection={"in_action": "I adjusted as I went.", "on_action": "Afterwards I saw why."},
        action_what="Try it again", action_how="In my next session", action_by=on, standard_codes=["AP 1"])


def _write_years(app, owner_id: str, years_back: int) -> dict[int, list[str]]:
    """Two entries in each of the `years_back` CPD years before the current one (one on the year's last day,
    which belongs to it and not to the year after), one in the current year; titles by the calendar year each
    CPD year starts in (the current year's under its own)."""
    titles: dict[int, list[str]] = {}
    with app.app_context():
        owner = db.session.scalars(select(User).where(User.public_id == owner_id)).one()
        today = school_today()
        year = services.current_year(owner, today)
        entries = [(year.starts_on, f"Webinar this year {year.starts_on.year}")]
        earlier = year
        for _ in range(years_back):
            earlier = earlier.previous()
            entries += [(earlier.starts_on + timedelta(days=20), f"Webinar early in {earlier.starts_on.year}"),
                        (earlier.ends_on, f"Webinar on the last day of {earlier.starts_on.year}")]
        for on, title in entries:
            services.record_entry(owner, _draft(on, title), today=today)
            titles.setdefault(services.current_year(owner, on).starts_on.year, []).append(title)
        db.session.commit()
    return titles


@pytest.fixture
def people(create_agency, create_user):
    school = create_agency(AgencyKind.SCHOOL, name="Long Service School")
    senco = create_user("senco", agency=school, name="Line Manager")
    lsp = create_user("lsp", agency=school, name="Long Serving LSP", line_manager=senco.email)
    colleague = create_user("teacher", agency=school, name="Not Their Manager")
    return {"senco": senco, "lsp": lsp, "colleague": colleague}


def _words(page) -> str:
    """The page's text without its tags, spaces folded."""
    return " ".join(re.sub(r"<[^>]+>", " ", text_of(page)).split())


def test_the_log_holds_this_year_and_names_each_earlier_year_with_its_count(app, people):
    titles = _write_years(app, people["lsp"].public_id, 3)
    this_year = max(titles)
    page = signed_in_client(app, people["lsp"]).get("/cpd")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert titles[this_year][0] in html
    assert not any(title in html for starts, year_titles in titles.items() if starts != this_year
                   for title in year_titles)  # earlier entries are on their years' pages
    listed = _words(page).split("Earlier CPD years", 1)[1]
    for starts in (this_year - 1, this_year - 2, this_year - 3):
        assert f"{starts} to {starts + 1} : 2 entries" in listed
        assert f'href="/cpd/years/{starts}"' in html
    assert f"{this_year} to {this_year + 1} :" not in listed


def test_an_earlier_years_page_holds_that_year_only(app, people):
    titles = _write_years(app, people["lsp"].public_id, 3)
    starts = max(titles) - 2
    page = signed_in_client(app, people["lsp"]).get(f"/cpd/years/{starts}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert all(title in html for title in titles[starts])
    assert not any(title in html for other, year_titles in titles.items() if other != starts for title in year_titles)
    # The year's own hours (two entries of 1.5) against its full-time target, the year being over.
    assert "Target not met: 3.0 of 30.0 hours" in _words(page)


def test_only_earlier_years_have_a_page(app, people):
    titles = _write_years(app, people["lsp"].public_id, 1)
    client = signed_in_client(app, people["lsp"])
    this_year = max(titles)
    for starts in (this_year, this_year + 1, 1900):
        assert client.get(f"/cpd/years/{starts}").status_code == 404
    assert client.get(f"/cpd/years/{this_year - 5}").status_code == 200  # before the log began: an empty year


def test_a_line_manager_reads_a_reports_earlier_year_and_nobody_else_does(app, people):
    titles = _write_years(app, people["lsp"].public_id, 2)
    starts = max(titles) - 1
    path = f"/cpd/people/{people['lsp'].public_id}/years/{starts}"
    manager = signed_in_client(app, people["senco"])
    log = manager.get(f"/cpd/people/{people['lsp'].public_id}")
    assert log.status_code == 200 and f'href="{path}"' in log.get_data(as_text=True)
    assert titles[starts][0] not in log.get_data(as_text=True)
    page = manager.get(path)
    assert page.status_code == 200 and all(title in page.get_data(as_text=True) for title in titles[starts])
    assert "You are reading this log as Long Serving LSP’s line manager" in _words(page)
    assert signed_in_client(app, people["colleague"]).get(path).status_code == 404
    own = signed_in_client(app, people["lsp"]).get(path)
    assert own.status_code == 302 and own.headers["Location"] == f"/cpd/years/{starts}"


def test_the_log_costs_the_same_after_ten_times_the_years(app, people, create_user):
    """The guard: the log's statements and the entries it shows do not grow with the years behind it."""
    few = create_user("lsp", agency="Long Service School", name="Two Years LSP")
    many = create_user("lsp", agency="Long Service School", name="Twenty Years LSP")
    _write_years(app, few.public_id, 2)
    _write_years(app, many.public_id, 20)
    costs = {}
    for account in (few, many):
        client = signed_in_client(app, account)
        client.get("/cpd")  # anything a first view does once
        statements, page = statements_of(app, client, "/cpd")
        assert page.status_code == 200
        costs[account.email] = (statements, page.get_data(as_text=True).count('href="/cpd/entries/'))
    assert costs[few.email] == costs[many.email]


def test_the_log_and_a_review_form_leave_a_goals_evidence_unread(app, people, create_user):
    """A goal gathers evidence from every year of the log: the log lists the goal, not its entries, so what it reads
    does not grow with the years either (the reflective record reads a goal's entries, for its own year)."""
    few = create_user("lsp", agency="Long Service School", name="Two Years LSP", line_manager=people["senco"].email)
    many = create_user("lsp", agency="Long Service School", name="Twenty Years LSP",
                       line_manager=people["senco"].email)
    for account, years in ((few, 2), (many, 20)):
        _write_years(app, account.public_id, years)
        with app.app_context():
            owner = db.session.scalars(select(User).where(User.public_id == account.public_id)).one()
            evidence = [entry.public_id for entry in db.session.scalars(
                select(ReflectiveEntry).where(ReflectiveEntry.owner_id == owner.id))]
            goal_services.record_goal(owner, GoalDraft(
                specific="Lead the phonics group on my own", measure="Observed by the SENCo", relevant_to="standard",
                standard_code="AP 1", relevance=None, target_on=school_today() + timedelta(days=60),
                entry_public_ids=evidence))
            db.session.commit()
    costs = {}
    manager = signed_in_client(app, people["senco"])
    for account in (few, many):
        client = signed_in_client(app, account)
        row = []
        for reader, path in ((client, "/cpd"), (manager, f"/cpd/people/{account.public_id}/reviews/new")):
            reader.get(path)  # anything a first view does once
            statements, read, page = reads_of(app, reader, path, ReflectiveEntry)
            assert page.status_code == 200 and "Lead the phonics group on my own" in text_of(page)
            row.append((statements, len(read)))
        costs[account.email] = row
    assert costs[few.email] == costs[many.email]
    assert costs[few.email][1][1] == 0  # the review form reads no entry at all
