"""The school year at Oakfield: the administrator's calendar (England's usual terms and an INSET day), the
SENCo's year end, a learner leaving at Easter, and a leaver who moved away this term, archived."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from app.agencies.accounts.models import User
from app.agencies.calendar import services as calendar
from app.agencies.calendar.england import default_periods, school_year_bounds, school_year_of
from app.agencies.calendar.models import PeriodKind
from app.cases.learners.models import AreaOfNeed
from app.cases.learners.services import find_by_upn, register_learner
from app.cases.year_end import services as year_end
from app.core.dates import today as school_today
from app.extensions import db

LEAVER_UPN = "G841200009037"  # Jacob Whitfield: moved out of the area this term
LEAVING_UPN = "F801200002020"  # Leo Nowak: leaves for a new school after the spring term


def _user(email: str) -> User:
    return db.session.scalars(select(User).where(User.email.matches(email))).one()


def load_demo_school_year() -> int:
    """Everything through the real services, skipping what is there already; returns how many leavers archived."""
    admin, senco = _user("admin@oakfield.example"), _user("senco@oakfield.example")
    today = school_today()
    this_year = school_year_of(today)
    if not calendar.periods(admin.agency_id, this_year):
        calendar.add_default_year(admin, this_year)
        spring = next(p for p in default_periods(this_year) if p.name == "Spring term")
        calendar.add_period(admin, kind=PeriodKind.CLOSURE.value, name="INSET day: staff training",
                            starts_on=spring.starts_on, ends_on=spring.starts_on)
    if year_end.year_end_of(senco.agency_id, this_year) is None:
        summer_ends = next(p for p in default_periods(this_year) if p.name == "Summer term").ends_on
        last_day = school_year_bounds(this_year)[1]
        year_end.set_year_end(senco, year_end_on=summer_ends if summer_ends > today else last_day, top_year_group=6)
    leo = find_by_upn(senco, LEAVING_UPN)
    if leo is not None and leo.leaving_on is None:
        # Forty school days from today, counted in the school's own calendar.
        year_end.mark_leaving(senco, leo, calendar.add_school_days(senco.agency_id, today, 40))
    if find_by_upn(senco, LEAVER_UPN, include_archived=True) is not None:
        return 0
    jacob = register_learner(
        senco, name="Jacob Whitfield", preferred_name="Jake", date_of_birth=date(2017, 3, 9), year_group=4,
        upn=LEAVER_UPN, areas_of_need=[AreaOfNeed.COGNITION_LEARNING],
        notes="Jacob's family moved to Leeds; his new school asked for his SEN support plan.")
    year_end.mark_leaving(senco, jacob, today - timedelta(days=14))
    return year_end.archive_due_leavers(today)  # what the periodic job does on the leaving day
