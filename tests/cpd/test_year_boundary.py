"""Hours, pro-rata targets and standards coverage as the log computes them from stored entries: a full-time
teacher whose CPD year starts in January and a 0.6 FTE LSP whose year starts in September, with entries
either side of each one's year boundary. Every expected figure is worked by hand in the comments."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.agencies.accounts.models import AgencyKind, User
from app.cpd.entries import services
from app.cpd.entries.services import EntryDraft
from app.extensions import db

# Behaviour that can differ between the engines: run on PostgreSQL as well as SQLite.
pytestmark = pytest.mark.both_backends

TODAY = date(2026, 11, 24)


def _draft(on: date, hours: str, kind: str, participation: str, codes: list[str]) -> EntryDraft:
    return EntryDraft(
        activity_on=on, hours=hours, activity_type=kind, participation=participation, reflective_model="schon",
        title=f"{kind} on {on}", content="What I learned.",
        reflection={"in_action": "I adjusted as I went.", "on_action": "Afterwards I saw why."},
        action_what="Try it again", action_how="In my next session", action_by=on, standard_codes=codes)


@pytest.fixture
def people(app, create_agency, create_user):
    school = create_agency(AgencyKind.SCHOOL, name="Boundary School")
    lsp = create_user("lsp", agency=school, name="Part Time LSP")
    teacher = create_user("teacher", agency=school, name="Full Time Teacher")
    with app.app_context():
        rows = {account: db.session.scalars(select(User).where(User.public_id == account.public_id)).one()
                for account in (lsp, teacher)}
        rows[lsp].fte, rows[lsp].cpd_year_start_month = Decimal("0.60"), 9
        rows[teacher].fte, rows[teacher].cpd_year_start_month = Decimal("1.00"), 1
        db.session.flush()
        for on, hours, kind, participation, codes in (
            (date(2026, 8, 31), "6", "inset_day", "participatory", ["AP 1"]),  # the LSP's last year
            (date(2026, 9, 1), "2.5", "webinar", "individual", ["AP 1", "AP 2"]),  # the LSP's first day
            (date(2026, 10, 15), "1.25", "peer_observation", "participatory", ["ETF 1"]),
        ):
            services.record_entry(rows[lsp], _draft(on, hours, kind, participation, codes), today=TODAY)
        for on, hours, kind, participation, codes in (
            (date(2025, 12, 31), "4", "seminar", "participatory", ["ETF 1"]),  # the teacher's last year
            (date(2026, 1, 1), "3", "reading", "individual", ["ETF 1", "ETF 9"]),  # the teacher's first day
            (date(2026, 11, 2), "7.5", "inset_day", "participatory", ["ETF 9"]),
        ):
            services.record_entry(rows[teacher], _draft(on, hours, kind, participation, codes), today=TODAY)
        db.session.commit()
        ids = {"lsp": rows[lsp].id, "teacher": rows[teacher].id}
    return ids


def _person(user_id: int) -> User:
    return db.session.get(User, user_id)


def test_part_time_hours_count_only_this_cpd_year(app, people):
    with app.app_context():
        lsp = _person(people["lsp"])
        summary = services.hours_summary(lsp, lsp, today=TODAY)
        assert (summary.year.starts_on, summary.year.ends_on) == (date(2026, 9, 1), date(2027, 8, 31))
        assert summary.target == Decimal("18.0")  # 30 x 0.6
        # 2.5 (webinar, individual) + 1.25 (peer observation, participatory); the 6-hour INSET on 31 August
        # belongs to the year before.
        assert (summary.total, summary.individual, summary.participatory) == (
            Decimal("3.75"), Decimal("2.5"), Decimal("1.25"))
        # 1 September to 24 November is 85 of the year's 365 days: 18 x 85 / 365 = 4.19 -> 4.2 expected.
        assert summary.expected_to_date == Decimal("4.2")
        assert not summary.on_track
        assert summary.statement == "Behind: 3.75 of 18.0 hours so far; 4.2 expected by today — 0.45 hours to catch up."
        last_year = services.hours_summary(lsp, lsp, today=TODAY, year=summary.year.previous())
        assert last_year.total == Decimal("6") and last_year.target == Decimal("18.0")


def test_full_time_hours_on_a_january_year(app, people):
    with app.app_context():
        teacher = _person(people["teacher"])
        summary = services.hours_summary(teacher, teacher, today=TODAY)
        assert (summary.year.starts_on, summary.year.ends_on) == (date(2026, 1, 1), date(2026, 12, 31))
        assert summary.target == Decimal("30.0")
        # 3 (1 January, individual) + 7.5 (INSET, participatory); 31 December 2025 is last year's.
        assert (summary.total, summary.individual, summary.participatory) == (
            Decimal("10.5"), Decimal("3"), Decimal("7.5"))
        # 1 January to 24 November is 328 of 365 days: 30 x 328 / 365 = 26.96 -> 27.0 expected.
        assert summary.expected_to_date == Decimal("27.0")
        assert not summary.on_track
        november = next(month for month in summary.months if month.month == date(2026, 11, 1))
        assert (november.participatory, november.individual, november.cumulative) == (
            Decimal("7.5"), Decimal("0"), Decimal("10.5"))
        assert november.expected == Decimal("27.5")  # 30 x 11/12


def test_coverage_splits_this_year_from_all_time(app, people):
    with app.app_context():
        lsp, teacher = _person(people["lsp"]), _person(people["teacher"])
        by_code = {row.standard.code: row for row in services.coverage(lsp, lsp, today=TODAY)}
        assert len(by_code) == 51  # every standard is listed, evidenced or not
        assert (by_code["AP 1"].this_year, by_code["AP 1"].all_time, by_code["AP 1"].last_on) == (
            1, 2, date(2026, 9, 1))
        assert (by_code["AP 2"].this_year, by_code["AP 2"].all_time) == (1, 1)
        assert (by_code["ETF 1"].this_year, by_code["ETF 1"].all_time) == (1, 1)
        assert (by_code["BP 4"].this_year, by_code["BP 4"].all_time, by_code["BP 4"].last_on) == (0, 0, None)
        by_code = {row.standard.code: row for row in services.coverage(teacher, teacher, today=TODAY)}
        # ETF 1: 31 December 2025 (last year) and 1 January 2026 (this year); ETF 9: two entries this year.
        assert (by_code["ETF 1"].this_year, by_code["ETF 1"].all_time) == (1, 2)
        assert (by_code["ETF 9"].this_year, by_code["ETF 9"].all_time, by_code["ETF 9"].last_on) == (
            2, 2, date(2026, 11, 2))
        assert by_code["AP 1"].all_time == 0  # the LSP's entries are not the teacher's
