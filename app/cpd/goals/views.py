"""SMART development goal pages: setting one, reading one (owner and line manager), changing one (owner only)."""
from __future__ import annotations

from flask import render_template, request, url_for
from flask_login import current_user, login_required

from app.core.conflicts import ConflictField, conflict_page
from app.core.forms import Saved, handle_form
from app.cpd.blueprint import bp
from app.cpd.entries.services import CpdError, all_standards, log_entries
from app.cpd.goals import services
from app.cpd.goals.forms import GoalEditForm, GoalForm
from app.cpd.goals.models import DevelopmentGoal, GoalStatus, RelevantTo
from app.cpd.goals.services import GoalDraft
from app.policy import Action, get_or_404, require
from app.problems import show_on_form


def _own_entries():
    """The entries a goal may point to: the current user's own, newest first (log_entries checks the policy)."""
    return log_entries(current_user, current_user)


def _draft(form: GoalForm) -> GoalDraft:
    """Only the fields the form declares; the relevance box read is the one the chosen answer reveals."""
    return GoalDraft(
        specific=form.specific.data,
        measure=form.measure.data,
        relevant_to=form.relevant_to.data,
        standard_code=form.standard_code.data if form.relevant_to.data == RelevantTo.STANDARD.value else None,
        relevance=form.relevance_text(),
        target_on=form.target_on.data,
        status=form.status.data if isinstance(form, GoalEditForm) else GoalStatus.NOT_STARTED,
        entry_public_ids=list(form.entries.data or []),
    )


def _show(form: GoalForm, refusal: CpdError) -> None:
    box = form.RELEVANCE_BOX.get(form.relevant_to.data, "relevant_to")
    show_on_form(form, refusal, {"relevance": box})


def _initial_data(goal: DevelopmentGoal) -> dict:
    data = {
        "specific": goal.specific,
        "measure": goal.measure,
        "relevant_to": goal.relevant_to.value,
        "standard_code": goal.standard.code if goal.standard is not None else "",
        "target_on": goal.target_on,
        "status": goal.status.value,
        "entries": [entry.public_id for entry in goal.entries],
        "version": goal.version,
    }
    box = GoalForm.RELEVANCE_BOX.get(goal.relevant_to.value)
    if box:
        data[box] = goal.relevance or ""
    return data


@bp.route("/goals/new", methods=["GET", "POST"])
@login_required
def goal_new():
    """:raise 403: for those who keep no CPD log (parents, administrators)."""
    require(current_user, Action.KEEP_CPD_LOG)
    if request.method == "GET":
        # The coverage page offers a standard with no evidence yet as the start of a goal.
        code = request.args.get("standard", "")
        known = {standard.code for standard in all_standards()}
        data = {"relevant_to": RelevantTo.STANDARD.value, "standard_code": code} if code in known else {}
        form = GoalForm(data=data)
    else:
        form = GoalForm()
    form.set_choices(all_standards(), _own_entries())

    def save():
        goal = services.record_goal(current_user, _draft(form))
        return Saved(url_for("cpd.goal_detail", public_id=goal.public_id), "Your development goal has been saved.")

    return handle_form(form, save, show=_show, render=lambda: render_template(
        "cpd/goals/goal_form.html", form=form, goal=None, title="Set a development goal"))


@bp.route("/goals/<public_id>")
@login_required
def goal_detail(public_id: str):
    """:raise 404: for anyone but the goal's owner and their line manager."""
    goal = get_or_404(DevelopmentGoal, public_id, current_user, Action.VIEW_CPD_RECORD)
    return render_template("cpd/goals/goal_detail.html", goal=goal, owner=goal.owner,
                           own=goal.owner_id == current_user.id)


@bp.route("/goals/<public_id>/edit", methods=["GET", "POST"])
@login_required
def goal_edit(public_id: str):
    """:raise 404: goal out of sight. :raise 403: the owner's line manager, who reads but never writes."""
    goal = get_or_404(DevelopmentGoal, public_id, current_user, Action.EDIT_CPD_RECORD)
    form = GoalEditForm(data=_initial_data(goal)) if request.method == "GET" else GoalEditForm()
    form.set_choices(all_standards(), _own_entries())

    def save():
        services.update_goal(current_user, goal, _draft(form), version=form.version.data)
        return Saved(url_for("cpd.goal_detail", public_id=goal.public_id), "Your development goal has been saved.")

    return handle_form(form, save, show=_show, conflict=lambda: _edit_conflict(public_id, form),
                       render=lambda: render_template("cpd/goals/goal_form.html", form=form, goal=goal,
                                                      title="Change development goal"))


def _edit_conflict(public_id: str, form: GoalEditForm):
    """409: what is saved now beside what this editor typed, which stays in the form to save again."""
    goal = get_or_404(DevelopmentGoal, public_id, current_user, Action.EDIT_CPD_RECORD)
    form.version.data = goal.version
    typed_date = " ".join(form.target_on.raw_data or [])
    fields = [
        ConflictField("What you will be able to do", goal.specific, form.specific.data),
        ConflictField("How it will be measured", goal.measure, form.measure.data),
        ConflictField("Relevant to", _relevance_label(goal), form.relevant_to.data),
        ConflictField("Achieve it by", goal.target_on.strftime("%d %m %Y"), typed_date),
        ConflictField("Status", goal.status.label, form.status.data),
    ]
    return conflict_page(title="This development goal", record=goal, fields=fields, form=form,
                         action_url=url_for("cpd.goal_edit", public_id=public_id),
                         back_url=url_for("cpd.goal_detail", public_id=public_id))


def _relevance_label(goal: DevelopmentGoal) -> str:
    if goal.relevant_to is RelevantTo.STANDARD and goal.standard is not None:
        return f"{goal.standard.code}: {goal.standard.title}"
    return f"{goal.relevant_to.label}: {goal.relevance or ''}"
