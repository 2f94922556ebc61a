"""The year end (the SENCo's) and a learner's leaving date."""
from __future__ import annotations

from flask import render_template, request, url_for
from flask_login import current_user, login_required

from app.agencies.calendar.england import school_year_label, school_year_of
from app.cases.blueprint import bp
from app.cases.learners.models import Learner
from app.cases.year_end import services
from app.cases.year_end.forms import LeavingForm, RunYearEndForm, YearEndForm
from app.core.dates import today
from app.core.forms import Saved, handle_form
from app.extensions import db
from app.policy import Action, get_or_404, require


def _page(form, run_form, year_end, status=200):
    plan = services.plan_year_end(year_end) if year_end is not None and year_end.carried_out_at is None else None
    school_year = school_year_of(today())
    return render_template("cases/year_end/year_end.html", form=form, run_form=run_form, year_end=year_end,
                           plan=plan, school_year_label=school_year_label(school_year)), status


@bp.route("/school/year-end", methods=["GET", "POST"])
@login_required
def year_end():
    """Set this school year's year end. :raise 403: anyone but the school's SENCo. A date outside the school
    year: 400, nothing changed."""
    require(current_user, Action.MANAGE_YEAR_END)
    year_end = services.year_end_of(current_user.agency_id, school_year_of(today()))
    if request.method == "GET" and year_end is not None:
        form = YearEndForm(data={"year_end_on": year_end.year_end_on, "top_year_group": year_end.top_year_group})
    else:
        form = YearEndForm()

    def save():
        services.set_year_end(current_user, year_end_on=form.year_end_on.data,
                              top_year_group=form.top_year_group.data)
        return Saved(url_for("cases.year_end"), "The year end was saved.")

    def render():
        return _page(form, RunYearEndForm(formdata=None), year_end)[0]

    return handle_form(form, save, render=render)


@bp.route("/school/year-end/run", methods=["POST"])
@login_required
def year_end_run():
    """Carry out the year end now, after confirming. Not confirmed, no year end set, or done already: 400."""
    require(current_user, Action.MANAGE_YEAR_END)
    year_end = services.year_end_of(current_user.agency_id, school_year_of(today()))
    run_form = RunYearEndForm()
    if year_end is None or year_end.carried_out_at is not None or not run_form.validate_on_submit():
        if year_end is None or year_end.carried_out_at is not None:
            run_form.confirm.errors = ["Set a year end first" if year_end is None
                                       else "The year end was carried out already"]
        form = YearEndForm(formdata=None, data={"year_end_on": getattr(year_end, "year_end_on", None),
                                                "top_year_group": getattr(year_end, "top_year_group", 6)})
        return _page(form, run_form, year_end, 400)
    services.carry_out_year_end(current_user, year_end)
    db.session.commit()
    return Saved(url_for("cases.year_end"), f"The year end was carried out: {year_end.moved_count} moved up, "
                 f"{year_end.archived_count} archived.")()


@bp.route("/learners/<public_id>/leaving", methods=["GET", "POST"])
@login_required
def learner_leaving(public_id: str):
    """Mark a learner as leaving on a date. :raise 404: out of sight. :raise 403: not the SENCo, or archived."""
    learner = get_or_404(Learner, public_id, current_user, Action.MARK_LEAVING)
    form = LeavingForm(data={"leaving_on": learner.leaving_on}) if request.method == "GET" else LeavingForm()

    def save():
        leaving_on = None if form.not_leaving.data else form.leaving_on.data
        changed = services.mark_leaving(current_user, learner, leaving_on)
        message = ("Nothing was changed." if not changed else "The learner is no longer marked as leaving."
                   if leaving_on is None else "The leaving date was saved.")
        return Saved(url_for("cases.learner_detail", public_id=learner.public_id), message)

    return handle_form(form, save, render=lambda: render_template("cases/year_end/leaving.html", form=form,
                                                                  learner=learner))
