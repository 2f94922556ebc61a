"""Misfiled work: withdrawing a contribution, moving it to the right learner, and the DSL's withdrawn page."""
from __future__ import annotations

from flask import render_template, request, url_for
from flask_login import current_user, login_required

from app.cases.blueprint import bp
from app.cases.contributions import misfiled
from app.cases.contributions.forms import MoveContributionForm, WithdrawContributionForm
from app.cases.contributions.models import Contribution
from app.cases.learners.models import Learner
from app.core.conflicts import ConflictField, conflict_page
from app.core.forms import Saved, handle_form
from app.policy import Action, get_or_404


def _conflict(form, endpoint: str, public_id: str):
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
        conflict=lambda: _conflict(form, "cases.contribution_withdraw", public_id),
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
        conflict=lambda: _conflict(form, "cases.contribution_move", public_id),
        render=lambda: render_template("cases/contributions/move.html", contribution=contribution,
                                       learner=learner, form=form))


@bp.route("/learners/<public_id>/contributions/withdrawn")
@login_required
def contributions_withdrawn(public_id: str):
    """:raise 404: a learner out of sight. :raise 403: anyone but the DSL."""
    learner = get_or_404(Learner, public_id, current_user, Action.VIEW_WITHDRAWN_CONTRIBUTIONS)
    contributions = misfiled.withdrawn_contributions(current_user, learner)
    return render_template("cases/contributions/withdrawn.html", learner=learner, contributions=contributions)
