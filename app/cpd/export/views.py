"""Exporting a reflective record (Appendix 5) as PDF or CSV, for a review or an external quality visit."""
from __future__ import annotations

from datetime import date
from io import BytesIO

from flask import render_template, request, send_file
from flask_login import current_user, login_required

from app.cpd.blueprint import bp
from app.cpd.export.services import ExportError, export_record, export_years, long_date
from app.cpd.export.forms import ExportRecordForm
from app.extensions import db
from app.policy import Action, cpd_owner_or_404
from app.problems import show_on_form


@bp.route("/people/<public_id>/export", methods=["GET", "POST"])
@login_required
def export(public_id: str):
    """GET: choose the year, format and purpose. POST: the record as a file, its export audited with the purpose.

    :raise 404: for anyone but the log's owner and their line manager (the person's existence stays hidden).
    """
    owner = cpd_owner_or_404(public_id, current_user, Action.EXPORT_CPD_LOG)
    today = date.today()
    years = export_years(owner, today)
    form = ExportRecordForm()
    form.offer_years(years, current=years[0])
    status = 200
    if request.method == "POST":
        status = 400
        if form.validate_on_submit():
            try:
                exported = export_record(current_user, owner, year=form.chosen_year(),
                                         file_format=form.file_format.data, purpose=form.purpose.data, today=today)
            except ExportError as refusal:
                db.session.rollback()
                show_on_form(form, refusal)
            else:
                # The export's event commits before a byte of the file leaves.
                db.session.commit()
                response = send_file(BytesIO(exported.content), mimetype=exported.mimetype, as_attachment=True,
                                     download_name=exported.filename, etag=False, max_age=0)
                response.headers["Cache-Control"] = "no-store"
                return response
    return render_template("cpd/export.html", form=form, owner=owner, own_log=owner.id == current_user.id,
                           year_starts=long_date(years[0].starts_on).rsplit(" ", 1)[0]), status
