"""The school calendar's pages: everyone at the school reads it, the administrator keeps it."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.agencies.blueprint import bp
from app.agencies.calendar import services
from app.agencies.calendar.england import bank_holidays, school_year_label, school_year_of
from app.agencies.calendar.forms import DefaultYearForm, PeriodForm, RemoveForm
from app.agencies.calendar.models import SchoolCalendarPeriod
from app.core.conflicts import ConflictField, conflict_page
from app.core.dates import day, today
from app.core.forms import Saved, handle_form
from app.extensions import db
from app.policy import Action, get_or_404, require
from app.problems import show_on_form


def _year_choices() -> list[tuple[int, str]]:
    this_year = school_year_of(today())
    return [(year, school_year_label(year)) for year in (this_year, this_year + 1)]


@bp.route("/school/calendar")
@login_required
def school_calendar():
    """:raise 403: for anyone who is not staff of a school."""
    require(current_user, Action.VIEW_SCHOOL_CALENDAR)
    default_form = DefaultYearForm(formdata=None)
    default_form.school_year.choices = _year_choices()
    return _calendar_page(default_form)


def _calendar_page(default_form, status: int = 200):
    this_year = school_year_of(today())
    years = []
    for year in (this_year, this_year + 1):
        kept = services.periods(current_user.agency_id, year)
        holidays = sorted(day for calendar_year in (year, year + 1) for day in bank_holidays(calendar_year)
                          if school_year_of(day) == year)
        years.append({"year": year, "label": school_year_label(year), "periods": kept, "bank_holidays": holidays})
    return render_template("agencies/calendar/calendar.html", years=years, default_form=default_form), status


@bp.route("/school/calendar/new", methods=["GET", "POST"])
@login_required
def school_calendar_new():
    require(current_user, Action.EDIT_SCHOOL_CALENDAR)
    form = PeriodForm()

    def save():
        services.add_period(current_user, kind=form.kind.data, name=form.name.data, starts_on=form.starts_on.data,
                            ends_on=form.ends_on.data)
        return Saved(url_for("agencies.school_calendar"), "The dates were added to the calendar.")

    return handle_form(form, save, render=lambda: render_template("agencies/calendar/period_form.html", form=form,
                                                                  period=None))


@bp.route("/school/calendar/default", methods=["POST"])
@login_required
def school_calendar_default():
    """England's usual terms for a school year with no dates yet. A year that has dates: 400, nothing added."""
    require(current_user, Action.EDIT_SCHOOL_CALENDAR)
    form = DefaultYearForm()
    form.school_year.choices = _year_choices()
    if not form.validate_on_submit():
        return _calendar_page(form, 400)
    try:
        services.add_default_year(current_user, form.school_year.data)
    except services.CalendarError as refusal:
        db.session.rollback()
        show_on_form(form, refusal)
        return _calendar_page(form, 400)
    db.session.commit()
    flash(f"The usual terms for {school_year_label(form.school_year.data)} were added: check them against "
          "your local authority's dates.", "success")
    return redirect(url_for("agencies.school_calendar"))


@bp.route("/school/calendar/<public_id>/edit", methods=["GET", "POST"])
@login_required
def school_calendar_edit(public_id: str):
    """:raise 404: another school's period, or for anyone who does not keep the calendar. :raise 403: not kept."""
    period = get_or_404(SchoolCalendarPeriod, public_id, current_user, Action.EDIT_SCHOOL_CALENDAR)
    if request.method == "GET":
        form = PeriodForm(data={"kind": period.kind.value, "name": period.name, "starts_on": period.starts_on,
                                "ends_on": period.ends_on, "version": period.version})
    else:
        form = PeriodForm()

    def save():
        changed = services.change_period(current_user, period, version=form.version.data, kind=form.kind.data,
                                         name=form.name.data, starts_on=form.starts_on.data, ends_on=form.ends_on.data)
        message = "The dates were changed." if changed else "Nothing was changed."
        return Saved(url_for("agencies.school_calendar"), message)

    return handle_form(form, save, conflict=lambda: _conflict(period, form),
                       render=lambda: render_template("agencies/calendar/period_form.html", form=form, period=period))


def _conflict(period, form):
    period = db.session.get(SchoolCalendarPeriod, period.id)
    form.version.data = period.version
    fields = [ConflictField("Name", theirs=period.name, yours=form.name.data or ""),
              ConflictField("First day", theirs=day(period.starts_on), yours=day(form.starts_on.data)),
              ConflictField("Last day", theirs=day(period.ends_on), yours=day(form.ends_on.data))]
    return conflict_page(title="These dates", record=period, fields=fields, form=form,
                         action_url=url_for("agencies.school_calendar_edit", public_id=period.public_id),
                         back_url=url_for("agencies.school_calendar"))


@bp.route("/school/calendar/<public_id>/remove", methods=["GET", "POST"])
@login_required
def school_calendar_remove(public_id: str):
    period = get_or_404(SchoolCalendarPeriod, public_id, current_user, Action.EDIT_SCHOOL_CALENDAR)
    form = RemoveForm()

    def save():
        services.remove_period(current_user, period)
        return Saved(url_for("agencies.school_calendar"), "The dates were removed from the calendar.")

    return handle_form(form, save, render=lambda: render_template("agencies/calendar/period_remove.html", form=form,
                                                                  period=period))
