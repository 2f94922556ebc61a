"""The school calendar: England's bank holidays and default terms, school days counted through half terms and
closures, and the administrator keeping the dates (everyone at the school reads them; every change audited)."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from app.agencies.accounts.models import Agency
from app.agencies.calendar import services
from app.agencies.calendar.england import bank_holidays, default_periods, easter_sunday, school_year_of
from app.agencies.calendar.models import PeriodKind, SchoolCalendarPeriod
from app.audit.models import AuditAction, AuditEvent
from app.extensions import db
from tests.fixtures.application import text_of


def _school_pk(name: str) -> int:
    return db.session.scalars(select(Agency.id).where(Agency.name.matches(name))).one()


@pytest.mark.parametrize(("year", "expected"), [
    (2026, {date(2026, 1, 1), date(2026, 4, 3), date(2026, 4, 6), date(2026, 5, 4), date(2026, 5, 25),
            date(2026, 8, 31), date(2026, 12, 25), date(2026, 12, 28)}),  # Boxing Day on a Saturday: Monday
    (2027, {date(2027, 1, 1), date(2027, 3, 26), date(2027, 3, 29), date(2027, 5, 3), date(2027, 5, 31),
            date(2027, 8, 30), date(2027, 12, 27), date(2027, 12, 28)}),  # Christmas on a Saturday
    (2022, {date(2022, 1, 3), date(2022, 4, 15), date(2022, 4, 18), date(2022, 5, 2), date(2022, 5, 30),
            date(2022, 8, 29), date(2022, 12, 26), date(2022, 12, 27)}),  # New Year and Christmas on weekends
])
def test_englands_bank_holidays_move_off_weekends(year, expected):
    # 2022's one-off holidays (the Jubilee, the state funeral) are not predictable: a school adds them as closures.
    assert bank_holidays(year) == expected


def test_easter_and_the_school_year_boundaries():
    assert [easter_sunday(y) for y in (2024, 2025, 2026, 2038)] == [
        date(2024, 3, 31), date(2025, 4, 20), date(2026, 4, 5), date(2038, 4, 25)]
    assert school_year_of(date(2026, 8, 31)) == 2025 and school_year_of(date(2026, 9, 1)) == 2026


def test_the_default_year_has_three_terms_each_with_a_half_term_inside_it():
    periods = default_periods(2026)
    terms = [p for p in periods if p.kind is PeriodKind.TERM]
    halves = [p for p in periods if p.kind is PeriodKind.HALF_TERM]
    assert [t.name for t in terms] == ["Autumn term", "Spring term", "Summer term"]
    assert terms[0].starts_on == date(2026, 9, 1) and terms[0].ends_on == date(2026, 12, 18)
    assert (halves[0].starts_on, halves[0].ends_on) == (date(2026, 10, 26), date(2026, 10, 30))
    assert terms[1].starts_on == date(2027, 1, 4) and terms[1].ends_on == date(2027, 3, 19)  # before Holy Week
    assert terms[2].starts_on == date(2027, 4, 5) and terms[2].ends_on == date(2027, 7, 22)
    for half in halves:
        assert any(t.starts_on < half.starts_on and half.ends_on < t.ends_on for t in terms)
        assert half.starts_on.weekday() == 0


def test_school_days_skip_weekends_half_terms_bank_holidays_and_recorded_closures(app, create_agency):
    school = create_agency(name="Calendar School")
    with app.app_context():
        pk = _school_pk(school)
        # No dates recorded: England's default year. Friday before half term, then the Monday after it.
        assert services.add_school_days(pk, date(2026, 10, 23), 1) == date(2026, 11, 2)
        assert services.school_days_between(pk, date(2026, 10, 23), date(2026, 11, 2)) == 1
        assert services.school_days_between(pk, date(2026, 11, 2), date(2026, 11, 2)) == 0
        assert services.add_school_days(pk, date(2026, 11, 2), 0) == date(2026, 11, 2)
        # A full week, Monday to Monday: five school days.
        assert services.school_days_between(pk, date(2026, 11, 2), date(2026, 11, 9)) == 5
        # The spring bank holiday falls in the summer half term; the early May one inside the term.
        assert not services.is_school_day(pk, date(2027, 5, 3))
        assert services.add_school_days(pk, date(2027, 4, 30), 1) == date(2027, 5, 4)
        # The summer holiday: nothing between the end of the summer term and September.
        assert services.add_school_days(pk, date(2027, 7, 22), 1) == date(2027, 9, 1)
        # An INSET day recorded on the Monday after half term moves the deadline on a day.
        db.session.add(SchoolCalendarPeriod(school_id=pk, kind=PeriodKind.CLOSURE, name="INSET day",
                                            starts_on=date(2026, 11, 2), ends_on=date(2026, 11, 2)))
        db.session.commit()
        assert services.add_school_days(pk, date(2026, 10, 23), 1) == date(2026, 11, 3)
        with pytest.raises(ValueError, match="school_days must be between"):
            services.add_school_days(pk, date(2026, 10, 23), -1)


def test_recorded_terms_replace_the_default_for_their_school_year(app, create_agency):
    school = create_agency(name="Own Terms School")
    with app.app_context():
        pk = _school_pk(school)
        # This school's autumn term starts on Thursday 3 September and it keeps no half term at all.
        db.session.add(SchoolCalendarPeriod(school_id=pk, kind=PeriodKind.TERM, name="Autumn term",
                                            starts_on=date(2026, 9, 3), ends_on=date(2026, 12, 18)))
        db.session.commit()
        assert not services.is_school_day(pk, date(2026, 9, 2))
        assert services.is_school_day(pk, date(2026, 10, 27))
        assert services.add_school_days(pk, date(2026, 9, 1), 1) == date(2026, 9, 3)


def test_the_administrator_keeps_the_calendar_and_every_change_is_audited(app, client_as, create_agency):
    school = create_agency(name="Kept Calendar School")
    admin = client_as("admin", agency=school)
    added = admin.post("/school/calendar/new", data={"kind": "closure", "name": "INSET day",
                                                     "starts_on": ["2", "11", "2026"], "ends_on": ["2", "11", "2026"]})
    assert added.status_code == 302
    page = text_of(admin.get("/school/calendar"))
    assert "INSET day" in page and "2 November 2026" in page
    with app.app_context():
        period = db.session.scalars(select(SchoolCalendarPeriod)).one()
        public_id, version = period.public_id, period.version
    changed = admin.post(f"/school/calendar/{public_id}/edit", data={
        "kind": "closure", "name": "Staff training day", "starts_on": ["2", "11", "2026"],
        "ends_on": ["3", "11", "2026"], "version": str(version)})
    assert changed.status_code == 302
    stale = admin.post(f"/school/calendar/{public_id}/edit", data={
        "kind": "closure", "name": "Lost edit", "starts_on": ["2", "11", "2026"], "ends_on": ["2", "11", "2026"],
        "version": str(version)})
    assert stale.status_code == 409 and "Staff training day" in text_of(stale)
    assert admin.post(f"/school/calendar/{public_id}/remove", data={}).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SchoolCalendarPeriod)) == 0
        events = db.session.execute(select(AuditEvent.action, AuditEvent.fields_changed).where(
            AuditEvent.object_type == "school_calendar_period", AuditEvent.action != AuditAction.VIEW)
            .order_by(AuditEvent.id)).all()
        assert [(action, fields) for action, fields in events] == [
            (AuditAction.CREATE, "ends_on,kind,name,starts_on"), (AuditAction.UPDATE, "ends_on,name"),
            (AuditAction.DELETE, None)]


def test_a_period_ending_before_it_starts_is_refused_and_nothing_is_kept(app, client_as):
    admin = client_as("admin")
    response = admin.post("/school/calendar/new", data={"kind": "term", "name": "Backwards term",
                                                        "starts_on": ["18", "12", "2026"],
                                                        "ends_on": ["1", "9", "2026"]})
    assert response.status_code == 400
    page = text_of(response)
    assert "The last day must be the same as or after the first day" in page and 'value="Backwards term"' in page
    across = admin.post("/school/calendar/new", data={"kind": "term", "name": "Too long",
                                                      "starts_on": ["1", "7", "2026"], "ends_on": ["30", "9", "2026"]})
    assert across.status_code == 400 and "inside one school year" in text_of(across)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SchoolCalendarPeriod)) == 0


def test_the_usual_english_terms_are_added_once(app, client_as):
    admin = client_as("admin")
    this_year = str(school_year_of(date.today()))
    assert admin.post("/school/calendar/default", data={"school_year": this_year}).status_code == 302
    again = admin.post("/school/calendar/default", data={"school_year": this_year})
    assert again.status_code == 400 and "already has dates" in text_of(again)
    assert admin.post("/school/calendar/default", data={"school_year": "1999"}).status_code == 400
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SchoolCalendarPeriod)) == 6


def test_school_staff_read_the_calendar_others_may_not_change_it(app, client_as, create_agency, create_user):
    school = create_agency(name="Read Calendar School")
    other = create_agency(name="Other Calendar School")
    admin = client_as("admin", agency=school)
    admin.post("/school/calendar/new", data={"kind": "term", "name": "Autumn term", "starts_on": ["1", "9", "2026"],
                                             "ends_on": ["18", "12", "2026"]})
    with app.app_context():
        public_id = db.session.scalars(select(SchoolCalendarPeriod.public_id)).one()
    for role in ("teacher", "senco", "dsl", "lsp"):
        reader = client_as(role, agency=school)
        assert "Autumn term" in text_of(reader.get("/school/calendar"))
        assert reader.get("/school/calendar/new").status_code == 403
        assert reader.post(f"/school/calendar/{public_id}/remove", data={}).status_code == 404
    for role in ("parent", "slt", "ep"):
        assert client_as(role).get("/school/calendar").status_code == 403
    other_admin = client_as("admin", agency=other)
    assert "Autumn term" not in text_of(other_admin.get("/school/calendar"))
    assert other_admin.get(f"/school/calendar/{public_id}/edit").status_code == 404
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SchoolCalendarPeriod)) == 1
