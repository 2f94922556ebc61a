"""Exporting a reflective record (Appendix 5) as PDF or CSV, for a review or an external quality visit."""
from __future__ import annotations

from flask import render_template
from flask_login import current_user, login_required

from app.core.dates import day
from app.core.dates import today as school_today
from app.core.downloads import attachment
from app.core.forms import handle_form
from app.cpd.blueprint import bp
from app.cpd.export.forms import ExportRecordForm
from app.cpd.export.services import export_record, export_years
from app.policy import Action, cpd_owner_or_404


@bp.route("/people/<public_id>/export", methods=["GET", "POST"])
@login_required
def export(public_id: str):
    """GET: choose the year, format and purpose. POST: the record as a file, its export audited with the purpose.

    :raise 404: for anyone but the log's owner and their line manager (the person's existence stays hidden).
    """
    owner = cpd_owner_or_404(public_id, current_user, Action.EXPORT_CPD_LOG)
    today = school_today()
    years = export_years(owner, today)
    form = ExportRecordForm()
    form.offer_years(years, current=years[0])

    def save():
        exported = export_record(current_user, owner, year=form.chosen_year(),
                                 file_format=form.file_format.data, purpose=form.purpose.data, today=today)
        # The export's event commits before a byte of the file leaves.
        return lambda: attachment(exported.content, filename=exported.filename, mimetype=exported.mimetype)

    return handle_form(form, save, render=lambda: render_template(
        "cpd/export/export.html", form=form, owner=owner, own_log=owner.id == current_user.id,
        year_starts=day(years[0].starts_on).rsplit(" ", 1)[0]))

