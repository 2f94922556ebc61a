"""MIS import pages: upload a CSV, match its columns, read the preview, confirm, and watch it run."""
from __future__ import annotations

from flask import jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.audit.events import note_learners
from app.cases.blueprint import bp
from app.cases.mis_import import services
from app.cases.mis_import.columns import Field
from app.cases.mis_import.forms import NOT_IN_FILE, ImportActionForm, ImportUploadForm, columns_form, confirm_form
from app.cases.mis_import.models import ImportStatus, LearnerImport, RowOutcome
from app.cases.mis_import.reading import MAX_BYTES
from app.core.forms import Saved, handle_form
from app.policy import Action, get_or_404, require


def _detail(learner_import: LearnerImport) -> str:
    return url_for("cases.mis_import_detail", public_id=learner_import.public_id)


@bp.route("/learners/import", methods=["GET", "POST"])
@login_required
def mis_import_upload():
    require(current_user, Action.IMPORT_LEARNERS)
    form = ImportUploadForm()

    def save():
        # Read into memory only (app.web keeps uploads off the disk); one byte over the limit is enough to refuse.
        data = form.file.data.read(MAX_BYTES + 1)
        learner_import = services.start_import(current_user, data)
        return Saved(_detail(learner_import))

    def render():
        return render_template("cases/mis_import/upload.html", form=form,
                               imports=services.past_imports(current_user))

    return handle_form(form, save, render=render)


@bp.route("/learners/import/<public_id>")
@login_required
def mis_import_detail(public_id: str):
    learner_import = get_or_404(LearnerImport, public_id, current_user, Action.VIEW_LEARNER_IMPORT)
    if learner_import.status is ImportStatus.COLUMNS:
        return redirect(url_for("cases.mis_import_columns", public_id=public_id))
    if learner_import.status is ImportStatus.PREVIEW:
        return _preview(learner_import, confirm_form(_duplicates(learner_import)))
    return render_template("cases/mis_import/status.html", learner_import=learner_import,
                           action_form=ImportActionForm(), rows_left=services.rows_left(learner_import))


def _duplicates(learner_import: LearnerImport) -> list[int]:
    return services.duplicate_rows(current_user, learner_import)


def _preview(learner_import: LearnerImport, form, status: int = 200):
    rows = services.preview_rows(current_user, learner_import)
    note_learners([row.matched for row in rows if getattr(row, "matched", None) is not None])
    groups = {outcome: [row for row in rows if row.outcome is outcome] for outcome in RowOutcome}
    return render_template("cases/mis_import/preview.html", learner_import=learner_import, groups=groups,
                           RowOutcome=RowOutcome, form=form, action_form=ImportActionForm(),
                           columns=services.columns_of(learner_import), Field=Field), status


@bp.route("/learners/import/<public_id>/columns", methods=["GET", "POST"])
@login_required
def mis_import_columns(public_id: str):
    action = Action.VIEW_LEARNER_IMPORT if request.method == "GET" else Action.IMPORT_LEARNERS
    learner_import = get_or_404(LearnerImport, public_id, current_user, action)
    if not learner_import.status.open or learner_import.status not in (ImportStatus.COLUMNS, ImportStatus.PREVIEW):
        return redirect(_detail(learner_import))
    header = learner_import.header
    form = columns_form(header, services.columns_of(learner_import),
                        formdata=request.form if request.method == "POST" else None)

    def save():
        chosen = {field: getattr(form, field.value).data for field in Field}
        services.choose_columns(current_user, learner_import,
                                {field: index for field, index in chosen.items() if index != NOT_IN_FILE})
        return Saved(_detail(learner_import))

    def render():
        # On first sight, what Braid could not find; once submitted, the form's own errors.
        problems = [] if form.is_submitted() else [
            {"text": message, "href": f"#{Field.FORENAME.value}"} for message in services.missing_of(learner_import)]
        return render_template("cases/mis_import/columns.html", learner_import=learner_import, form=form,
                               Field=Field, problems=problems)

    return handle_form(form, save, render=render)


@bp.route("/learners/import/<public_id>/confirm", methods=["POST"])
@login_required
def mis_import_confirm(public_id: str):
    learner_import = get_or_404(LearnerImport, public_id, current_user, Action.IMPORT_LEARNERS)
    if learner_import.status is not ImportStatus.PREVIEW:
        return redirect(_detail(learner_import))
    form = confirm_form(_duplicates(learner_import))

    def save():
        services.confirm_import(current_user, learner_import, form.different.data or [])
        return Saved(_detail(learner_import), "The import has started")

    return handle_form(form, save, render=lambda: _preview(learner_import, form, 400)[0])


@bp.route("/learners/import/<public_id>/cancel", methods=["POST"])
@login_required
def mis_import_cancel(public_id: str):
    learner_import = get_or_404(LearnerImport, public_id, current_user, Action.IMPORT_LEARNERS)
    form = ImportActionForm()

    def save():
        services.cancel_import(current_user, learner_import)
        return Saved(url_for("cases.mis_import_upload"), "The import was cancelled: nothing was imported")

    return handle_form(form, save, render=lambda: _status(learner_import, form))


@bp.route("/learners/import/<public_id>/try-again", methods=["POST"])
@login_required
def mis_import_retry(public_id: str):
    learner_import = get_or_404(LearnerImport, public_id, current_user, Action.IMPORT_LEARNERS)
    form = ImportActionForm()

    def save():
        services.try_again(current_user, learner_import)
        return Saved(_detail(learner_import), "The import is carrying on from where it stopped")

    return handle_form(form, save, render=lambda: _status(learner_import, form))


def _status(learner_import: LearnerImport, form) -> str:
    return render_template("cases/mis_import/status.html", learner_import=learner_import, action_form=form,
                           rows_left=services.rows_left(learner_import))


@bp.route("/learners/import/<public_id>/progress")
@login_required
def mis_import_progress(public_id: str):
    """What the progress bar polls: counts only, never a value from the file."""
    learner_import = get_or_404(LearnerImport, public_id, current_user, Action.VIEW_LEARNER_IMPORT)
    return jsonify(status=learner_import.status.value, label=learner_import.status.label,
                   done=learner_import.done_count, total=learner_import.row_count,
                   percent=learner_import.percent_done)
