"""Safeguarding concern pages: the list, recording one, reading one, and the DSL's action on it."""
from __future__ import annotations

from flask import render_template, request, url_for
from flask_login import current_user, login_required

from app.audit.events import note_learners, note_page
from app.cases.attachments.views import attachments_context
from app.cases.blueprint import bp
from app.cases.concerns import services
from app.cases.concerns.forms import ConcernActionForm, ConcernForm
from app.cases.concerns.models import SafeguardingConcern
from app.cases.learners.models import Learner
from app.core.conflicts import ConflictField, conflict_page
from app.core.forms import Saved, handle_form
from app.core.ordering import split_page
from app.policy import Action, can, get_or_404


@bp.route("/concerns")
@login_required
def concern_list():
    """:raise 403: for those who never read concerns (parents, administrators)."""
    awaiting = request.args.get("show") == "awaiting"
    concerns, older = split_page(services.list_concerns(
        current_user, before=request.args.get("before"), awaiting=awaiting,
        limit=services.PAGE_SIZE + 1), services.PAGE_SIZE)  # one more: is there an older page?
    note_learners(concern.learner for concern in concerns)
    return render_template("cases/concerns/concern_list.html", concerns=concerns, older=older, awaiting=awaiting,
                           awaiting_count=services.concerns_awaiting_action(current_user),
                           first_page="before" not in request.args)


@bp.route("/learners/<public_id>/concerns/new", methods=["GET", "POST"])
@login_required
def concern_new(public_id: str):
    """:raise 404: learner out of sight. :raise 403: visible, but not someone who records concerns."""
    learner = get_or_404(Learner, public_id, current_user, Action.RECORD_CONCERN)
    # The trail says the concern form was opened, not the record: withheld from the family (app.audit.family).
    note_page("concern_form")
    form = ConcernForm()

    def save():
        concern = services.record_concern(current_user, learner, concern=form.concern.data)
        return Saved(url_for("cases.concern_detail", public_id=concern.public_id),
                     "Your safeguarding concern has been recorded. The designated safeguarding lead can now read it.")

    return handle_form(form, save, render=lambda: render_template(
        "cases/concerns/concern_new.html", form=form, learner=learner))


def _action_form(concern: SafeguardingConcern) -> ConcernActionForm | None:
    if not can(current_user, Action.RECORD_CONCERN_ACTION, concern):
        return None
    form = ConcernActionForm(formdata=None, action_taken=concern.action_taken)
    form.version.data = concern.version
    return form


@bp.route("/concerns/<public_id>")
@login_required
def concern_detail(public_id: str):
    """:raise 404: for anyone but the DSL of the learner's school and the concern's author."""
    concern = get_or_404(SafeguardingConcern, public_id, current_user, Action.VIEW_CONCERN)
    return render_template("cases/concerns/concern_detail.html", concern=concern, form=_action_form(concern),
                           **attachments_context(concern))


@bp.route("/concerns/<public_id>/action", methods=["POST"])
@login_required
def concern_action(public_id: str):
    """:raise 404: concern out of sight. :raise 403: its author, who is not the DSL."""
    concern = get_or_404(SafeguardingConcern, public_id, current_user, Action.RECORD_CONCERN_ACTION)
    form = ConcernActionForm()

    def save():
        services.record_concern_action(current_user, concern, action_taken=form.action_taken.data,
                                       version=form.version.data)
        return Saved(url_for("cases.concern_detail", public_id=public_id), "The action taken has been recorded.")

    def conflict():
        saved = get_or_404(SafeguardingConcern, public_id, current_user, Action.RECORD_CONCERN_ACTION)
        form.version.data = saved.version
        return conflict_page(
            title="The action taken", record=saved,
            fields=[ConflictField("Action taken", saved.action_taken, form.action_taken.data)],
            form=form, action_url=url_for("cases.concern_action", public_id=saved.public_id),
            back_url=url_for("cases.concern_detail", public_id=saved.public_id),
        )

    return handle_form(form, save, conflict=conflict, render=lambda: render_template(
        "cases/concerns/concern_detail.html", concern=concern, form=form, **attachments_context(concern)))
