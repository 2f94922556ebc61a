"""Contribution pages: a case's contributions, writing one, reading it, editing it and its history; misfiled work
withdrawn or moved, and the DSL's page of withdrawn contributions."""
from __future__ import annotations

from flask import render_template, request, url_for
from flask_login import current_user, login_required

from app.cases.attachments import services as attachments
from app.cases.attachments.forms import ACCEPT, FILE_HINT
from app.cases.attachments.views import attachments_context, read_upload
from app.cases.blueprint import bp
from app.cases.break_glass.services import active_break_glass
from app.cases.contributions import misfiled, services
from app.cases.contributions.forms import (
    ContributionEditForm,
    ContributionForm,
    MoveContributionForm,
    WithdrawContributionForm,
)
from app.cases.contributions.models import Contribution, Visibility
from app.cases.learners.models import Learner
from app.core.conflicts import ConflictField, conflict_page
from app.core.forms import Saved, handle_form
from app.core.ordering import split_page
from app.policy import Action, get_or_404


@bp.route("/learners/<public_id>/contributions")
@login_required
def contribution_list(public_id: str):
    learner = get_or_404(Learner, public_id, current_user, Action.VIEW_CASE)
    contributions, older = split_page(services.learner_contributions(
        current_user, learner, before=request.args.get("before"),
        limit=services.PAGE_SIZE + 1), services.PAGE_SIZE)  # one more: is there an older page?
    return render_template("cases/contributions/list.html", learner=learner, contributions=contributions, older=older,
                           total=services.count_contributions(current_user, learner),
                           first_page="before" not in request.args,
                           break_glass_grant=active_break_glass(current_user, learner))


@bp.route("/learners/<public_id>/contributions/new", methods=["GET", "POST"])
@login_required
def contribution_new(public_id: str):
    learner = get_or_404(Learner, public_id, current_user, Action.ADD_CONTRIBUTION)
    kinds = services.kinds_for(current_user, learner)
    form = ContributionForm(kinds=kinds)
    if request.method == "GET" and len(kinds) == 1:
        form.kind.data = kinds[0].value
    if request.method == "GET":
        form.preselect(*services.default_basis(current_user, learner))

    def save():
        contribution = services.add_contribution(
            current_user, learner, kind=form.kind.data, visibility=form.visibility.data,
            title=form.title.data, body=form.body.data, article6=form.article6.data, article9=form.article9.data,
        )
        report = form.file.data
        if report is not None and getattr(report, "filename", None):
            # A refused file refuses the whole form: nothing is saved, and the page keeps what was typed.
            attachments.attach_file(current_user, contribution, filename=report.filename, data=read_upload(report))
        return Saved(url_for("cases.contribution_detail", public_id=contribution.public_id),
                     "Your contribution has been saved.")

    return handle_form(form, save, render=lambda: render_template(
        "cases/contributions/new.html", learner=learner, form=form, file_hint=FILE_HINT, file_accept=ACCEPT))


@bp.route("/contributions/<public_id>")
@login_required
def contribution_detail(public_id: str):
    contribution = get_or_404(Contribution, public_id, current_user, Action.VIEW_CONTRIBUTION)
    return render_template("cases/contributions/detail.html", contribution=contribution,
                           learner=contribution.learner,
                           break_glass_grant=active_break_glass(current_user, contribution.learner),
                           **attachments_context(contribution))


def _visibility_label(value) -> str:
    try:
        return Visibility(value).label
    except ValueError:
        return str(value or "")


def _conflict(public_id: str, form: ContributionEditForm):
    """Both texts side by side, the editor's own text kept in the form with the new version."""
    contribution = get_or_404(Contribution, public_id, current_user, Action.EDIT_CONTRIBUTION)
    form.version.data = contribution.version
    fields = [
        ConflictField("Title", contribution.title, form.title.data),
        ConflictField("Contribution", contribution.body, form.body.data, rich=True),
        ConflictField("Who can see it", contribution.visibility.label, _visibility_label(form.visibility.data)),
    ]
    url = url_for("cases.contribution_edit", public_id=public_id)
    return conflict_page(title="This contribution", record=contribution, fields=fields, form=form,
                         action_url=url, back_url=url_for("cases.contribution_detail", public_id=public_id))


@bp.route("/contributions/<public_id>/edit", methods=["GET", "POST"])
@login_required
def contribution_edit(public_id: str):
    contribution = get_or_404(Contribution, public_id, current_user, Action.EDIT_CONTRIBUTION)
    form = ContributionEditForm()
    if request.method == "GET":
        form.visibility.data = contribution.visibility.value
        form.title.data = contribution.title
        form.body.data = contribution.body
        form.version.data = contribution.version
        form.preselect(contribution.lawful_basis or services.default_basis(current_user, contribution.learner)[0],
                       contribution.special_category_condition
                       or services.default_basis(current_user, contribution.learner)[1])

    def save():
        services.edit_contribution(
            current_user, contribution, version=form.version.data, visibility=form.visibility.data,
            title=form.title.data, body=form.body.data, article6=form.article6.data, article9=form.article9.data,
        )
        return Saved(url_for("cases.contribution_detail", public_id=public_id),
                     "Your changes have been saved. The previous version is kept in the history.")

    return handle_form(form, save, conflict=lambda: _conflict(public_id, form), render=lambda: render_template(
        "cases/contributions/edit.html", contribution=contribution, learner=contribution.learner, form=form))


@bp.route("/contributions/<public_id>/history")
@login_required
def contribution_history(public_id: str):
    contribution = get_or_404(Contribution, public_id, current_user, Action.VIEW_CONTRIBUTION)
    revisions = services.contribution_history(current_user, contribution)
    return render_template("cases/contributions/history.html", contribution=contribution,
                           learner=contribution.learner, revisions=revisions,
                           break_glass_grant=active_break_glass(current_user, contribution.learner))


# --- misfiled work ------------------------------------------------------------------------------------------


def _misfiled_conflict(form, endpoint: str, public_id: str):
    """Someone changed or moved it meanwhile: show it as it is now, the reason typed kept in the form (a 404 once
    it has been withdrawn: it has left the case)."""
    contribution = get_or_404(Contribution, public_id, current_user, Action.VIEW_CONTRIBUTION)
    form.version.data = contribution.version
    fields = [ConflictField("Title", contribution.title, contribution.title),
              ConflictField("Learner", contribution.learner.name, contribution.learner.name),
              ConflictField("Reason", None, form.reason.data)]
    return conflict_page(title="This contribution", record=contribution, fields=fields, form=form,
                         action_url=url_for(endpoint, public_id=public_id),
                         back_url=url_for("cases.contribution_detail", public_id=public_id))


@bp.route("/contributions/<public_id>/withdraw", methods=["GET", "POST"])
@login_required
def contribution_withdraw(public_id: str):
    """:raise 404: out of sight (or withdrawn already). :raise 403: neither the author nor the SENCo."""
    contribution = get_or_404(Contribution, public_id, current_user, Action.WITHDRAW_CONTRIBUTION)
    learner = contribution.learner
    form = WithdrawContributionForm()
    if request.method == "GET":
        form.version.data = contribution.version

    def save():
        misfiled.withdraw_contribution(current_user, contribution, version=form.version.data, reason=form.reason.data)
        return Saved(url_for("cases.contribution_list", public_id=learner.public_id),
                     "The contribution has been withdrawn. It is no longer part of this learner's case.")

    return handle_form(
        form, save,
        conflict=lambda: _misfiled_conflict(form, "cases.contribution_withdraw", public_id),
        render=lambda: render_template("cases/contributions/withdraw.html", contribution=contribution,
                                       learner=learner, form=form))


@bp.route("/contributions/<public_id>/move", methods=["GET", "POST"])
@login_required
def contribution_move(public_id: str):
    """:raise 404: out of sight. :raise 403: anyone but the SENCo."""
    contribution = get_or_404(Contribution, public_id, current_user, Action.MOVE_CONTRIBUTION)
    learner = contribution.learner
    form = MoveContributionForm(learners=misfiled.learners_to_move_to(current_user, contribution))
    if request.method == "GET":
        form.version.data = contribution.version

    def save():
        misfiled.move_contribution(current_user, contribution, version=form.version.data,
                                   to_learner_public_id=form.learner.data, reason=form.reason.data)
        return Saved(url_for("cases.contribution_detail", public_id=public_id),
                     "The contribution has been moved. Its author has been told by email.")

    return handle_form(
        form, save,
        conflict=lambda: _misfiled_conflict(form, "cases.contribution_move", public_id),
        render=lambda: render_template("cases/contributions/move.html", contribution=contribution,
                                       learner=learner, form=form))


@bp.route("/learners/<public_id>/contributions/withdrawn")
@login_required
def contributions_withdrawn(public_id: str):
    """:raise 404: a learner out of sight. :raise 403: anyone but the DSL."""
    learner = get_or_404(Learner, public_id, current_user, Action.VIEW_WITHDRAWN_CONTRIBUTIONS)
    contributions = misfiled.withdrawn_contributions(current_user, learner)
    return render_template("cases/contributions/withdrawn.html", learner=learner, contributions=contributions)
