"""The record of processing (UK GDPR Article 30) as a page, for the school's designated data protection officer:
the same record as `flask gdpr article30`, for their own school only."""
from __future__ import annotations

from flask import render_template
from flask_login import current_user, login_required

from app.audit.events import note_page
from app.data_protection.blueprint import bp
from app.data_protection.processing.record import NO_DPO, build_record, retention_lines
from app.policy import Action, require

RECORD_OF_PROCESSING = "record_of_processing"  # the page's object type in the audit trail


@bp.route("/record-of-processing")
@login_required
def record_of_processing():
    """:raise 403: not the designated DPO of a school. Seeing it is audited (a VIEW of the page)."""
    require(current_user, Action.VIEW_RECORD_OF_PROCESSING)
    note_page(RECORD_OF_PROCESSING)
    record = build_record([current_user.agency], retention=retention_lines(current_user.agency_id))
    return render_template("data_protection/processing/record.html", record=record, no_dpo=NO_DPO)
