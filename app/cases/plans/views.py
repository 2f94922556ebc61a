"""Support plan pages: the plan, any cycle read-only, and the SENCo's edits with conflict pages."""
from __future__ import annotations

from functools import partial

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.cases.blueprint import bp
from app.cases.break_glass.services import active_break_glass
from app.cases.contributions import services as contributions_of_case
from app.cases.learners.models import Learner
from app.cases.meetings.models import Meeting
from app.cases.meetings.services import rating_histories
from app.cases.plans import on_a_page, services, stages
from app.cases.plans.forms import (
    CycleForm,
    MoveStageBackForm,
    OutcomeForm,
    ProvisionForm,
    StageForm,
    close_cycle_form,
    rating_field_name,
)
from app.cases.plans.models import Outcome, PlanCycle, ProgressRating, Provision
from app.cases.plans.services import CYCLE_DATE_FIELDS, CYCLE_TEXT_FIELDS, PlanError
from app.cases.plans.stages import StageChangeRefused
from app.core import dates
from app.core.conflicts import ConflictField, EditConflict, commit_or_conflict, conflict_page
from app.core.downloads import attachment
from app.core.forms import Saved, handle_form
from app.extensions import db
from app.policy import (
    Action,
    BoundLearner,
    bound_statement,
    get_or_404,
    learner_params_of,
    visible_meetings,
)
from app.problems import show_on_form


def _cycle_url(cycle: PlanCycle) -> str:
    return url_for("cases.cycle_detail", public_id=cycle.public_id)


def _plan_url(cycle: PlanCycle) -> str:
    return url_for("cases.plan", public_id=cycle.learner.public_id)


def _refused_closed(cycle: PlanCycle):
    """GET on an edit page of a closed cycle: back to its read-only page."""
    return redirect(_cycle_url(cycle))


# --- reading ---------------------------------------------------------------------------------


def _ratings(learner: Learner, cycle: PlanCycle | None) -> dict:
    """Each outcome's meeting ratings (see rating_histories), only from meetings the user may see."""
    if cycle is None or not cycle.outcomes:
        return {}
    statement = bound_statement("plan.meeting_ids", current_user, _case_meeting_ids)
    return rating_histories(cycle.outcomes, db.session.scalars(statement, learner_params_of(current_user, learner)))


# Built once per shape of user (app.policy.bound), run with the case's learner as a parameter.
def _case_meeting_ids(bound_user):
    return visible_meetings(bound_user, BoundLearner()).order_by(None).with_only_columns(Meeting.id)


@bp.route("/learners/<public_id>/plan")
@login_required
def plan(public_id: str):
    learner = get_or_404(Learner, public_id, current_user, Action.VIEW_CASE)
    support_plan = services.plan_of(learner)
    cycle = services.current_cycle(support_plan)
    earlier = [c for c in reversed(support_plan.cycles) if c is not cycle] if support_plan else []
    # The newest few, authors joined in, and how many in all: the list page has the rest.
    contributions, contribution_count = contributions_of_case.newest_contributions(current_user, learner)
    return render_template(
        "cases/plans/plan.html", learner=learner, plan=support_plan, cycle=cycle, earlier=earlier,
        contributions=contributions, contribution_count=contribution_count,
        break_glass_grant=active_break_glass(current_user, learner),
        ratings=_ratings(learner, cycle), stages=services.stage_dates(cycle) if cycle else [],
        next_stage=services.NEXT_STAGE.get(cycle.stage) if cycle else None, **_stage_history(cycle),
    )


@bp.route("/learners/<public_id>/plan", methods=["POST"], endpoint="plan_start")
@login_required
def plan_start(public_id: str):
    learner = get_or_404(Learner, public_id, current_user, Action.EDIT_PLAN)
    try:
        services.start_plan(current_user, learner)
    except PlanError as refusal:
        db.session.rollback()
        flash(str(refusal), "error")
    else:
        db.session.commit()
        flash("Support plan started: cycle 1 is at the assess stage.", "success")
    return redirect(url_for("cases.plan", public_id=learner.public_id))


@bp.route("/cycles/<public_id>")
@login_required
def cycle_detail(public_id: str):
    cycle = get_or_404(PlanCycle, public_id, current_user, Action.VIEW_CASE)
    return render_template(
        "cases/plans/cycle_detail.html", learner=cycle.learner, cycle=cycle,
        closed_by=services.closed_by_name(cycle), break_glass_grant=active_break_glass(current_user, cycle.learner),
        ratings=_ratings(cycle.learner, cycle), stages=services.stage_dates(cycle),
        next_stage=services.NEXT_STAGE.get(cycle.stage), **_stage_history(cycle),
    )


def _stage_history(cycle: PlanCycle | None) -> dict:
    """The cycle's stage moves for its page, and whether the latest may be moved back (for the SENCo)."""
    if cycle is None:
        return {"stage_changes": [], "move_back": None}
    history = stages.stage_history(cycle)
    return {"stage_changes": history, "move_back": stages.move_back_option(cycle, history)}


@bp.route("/cycles/<public_id>/plan-on-a-page.pdf")
@login_required
def plan_on_a_page(public_id: str):
    """The cycle's plan on a page as a PDF, for whoever may view the plan; its export committed before it leaves.

    :raise 404: out of sight.
    """
    cycle = get_or_404(PlanCycle, public_id, current_user, Action.EXPORT_CASE_DOCUMENT)
    filename, content = on_a_page.export_plan_on_a_page(current_user, cycle)
    db.session.commit()
    return attachment(content, filename=filename)


# --- the cycle ---------------------------------------------------------------------------------


def _cycle_values(form: CycleForm) -> dict:
    return {name: getattr(form, name).data for name in (*CYCLE_DATE_FIELDS, *CYCLE_TEXT_FIELDS)}


@bp.route("/cycles/<public_id>/edit", methods=["GET", "POST"])
@login_required
def cycle_edit(public_id: str):
    cycle = get_or_404(PlanCycle, public_id, current_user, Action.EDIT_PLAN)
    if request.method == "GET" and cycle.is_closed:
        return _refused_closed(cycle)
    form = CycleForm(obj=cycle) if request.method == "GET" else CycleForm()
    if request.method == "GET":
        form.version.data = cycle.version

    def save():
        services.update_cycle(current_user, cycle, version=form.version.data, **_cycle_values(form))
        return Saved(_plan_url(cycle), f"Cycle {cycle.number} saved.")

    return handle_form(form, save, conflict=lambda: _cycle_conflict(cycle, form), render=lambda: render_template(
        "cases/plans/cycle_edit.html", form=form, cycle=cycle, learner=cycle.learner))


def _cycle_conflict(cycle: PlanCycle, form: CycleForm):
    cycle = db.session.get(PlanCycle, cycle.id)
    form.version.data = cycle.version
    fields = [
        ConflictField(label, theirs=getattr(cycle, name), yours=getattr(form, name).data, rich=True)
        for name, label in CYCLE_TEXT_FIELDS.items()
    ] + [
        ConflictField(label, theirs=dates.day(getattr(cycle, name)), yours=dates.day(getattr(form, name).data))
        for name, label in CYCLE_DATE_FIELDS.items()
    ]
    return conflict_page(
        title=f"Cycle {cycle.number}", record=cycle, fields=fields, form=form,
        action_url=url_for("cases.cycle_edit", public_id=cycle.public_id), back_url=_cycle_url(cycle),
    )


def _stage_page(cycle: PlanCycle, form: StageForm, *, stale: bool = False, status: int = 200):
    following = services.NEXT_STAGE.get(cycle.stage)
    form.confirm.data = "yes"
    form.version.data = cycle.version
    return render_template(
        "cases/plans/stage_confirm.html", cycle=cycle, learner=cycle.learner, form=form, following=following,
        meaning=stages.WHAT_IT_MEANS.get(following), stale=stale,
    ), status


@bp.route("/cycles/<public_id>/stage", methods=["GET", "POST"])
@login_required
def cycle_advance(public_id: str):
    """GET: what moving the cycle on means. POST: move it, only with the page's confirmation.

    :raise 404: when the cycle is out of the user's sight. :raise 403: when they may not edit the plan.
    """
    cycle = get_or_404(PlanCycle, public_id, current_user, Action.EDIT_PLAN)
    form = StageForm()
    if request.method == "GET":
        return _stage_page(cycle, form)
    if not form.validate_on_submit():
        abort(400)
    if form.confirm.data != "yes":
        # A button that skipped the confirmation page (an old page, a script): nothing changes, the page shows.
        return _stage_page(cycle, form, status=400)
    target = _cycle_url(cycle) if cycle.is_closed else _plan_url(cycle)
    try:
        services.advance_stage(current_user, cycle, version=form.version.data)
        commit_or_conflict()
    except EditConflict:
        db.session.rollback()
        return _stage_page(db.session.get(PlanCycle, cycle.id), form, stale=True, status=409)
    except PlanError as refusal:
        db.session.rollback()
        flash(str(refusal), "error")
        return redirect(target)
    flash(f"Cycle {cycle.number} moved to the {cycle.stage.label.lower()} stage.", "success")
    return redirect(target)


@bp.route("/cycles/<public_id>/stage/back", methods=["GET", "POST"])
@login_required
def cycle_move_back(public_id: str):
    """Move today's latest stage move back, with a reason; after the day the page explains why it cannot.

    :raise 404: when the cycle is out of the user's sight. :raise 403: when they may not edit the plan.
    """
    cycle = get_or_404(PlanCycle, public_id, current_user, Action.EDIT_PLAN)
    form = MoveStageBackForm()
    if request.method == "GET":
        form.version.data = cycle.version

    def page(status: int = 200, stale: bool = False):
        option = stages.move_back_option(cycle)
        if stale:
            form.version.data = cycle.version
        return render_template("cases/plans/stage_back.html", cycle=cycle, learner=cycle.learner, form=form,
                               option=option, stale=stale), status

    if request.method == "GET" or not form.validate_on_submit():
        return page(400 if form.errors else 200)
    try:
        stages.move_stage_back(current_user, cycle, version=form.version.data, reason=form.reason.data)
        commit_or_conflict()
    except EditConflict:
        db.session.rollback()
        cycle = db.session.get(PlanCycle, cycle.id)
        return page(409, stale=True)
    except StageChangeRefused as refusal:
        db.session.rollback()
        show_on_form(form, refusal)
        return page(400)
    flash(f"Cycle {cycle.number} moved back to the {cycle.stage.label.lower()} stage.", "success")
    return redirect(_plan_url(cycle))


@bp.route("/cycles/<public_id>/close", methods=["GET", "POST"])
@login_required
def cycle_close(public_id: str):
    cycle = get_or_404(PlanCycle, public_id, current_user, Action.EDIT_PLAN)
    if request.method == "GET" and cycle.is_closed:
        return _refused_closed(cycle)
    form = close_cycle_form(cycle)
    if request.method == "GET":
        form.version.data = cycle.version

    def save():
        ratings = {o.public_id: form[rating_field_name(o)].data for o in cycle.outcomes if rating_field_name(o) in form}
        following = services.close_cycle(current_user, cycle, version=form.version.data,
                                         review_summary=form.review_summary.data, ratings=ratings)
        return Saved(url_for("cases.plan", public_id=following.learner.public_id),
                     f"Cycle {cycle.number} closed. Cycle {following.number} is open at the assess stage.")

    return handle_form(form, save, conflict=lambda: _close_conflict(cycle, form), render=lambda: render_template(
        "cases/plans/cycle_close.html", form=form, cycle=cycle, learner=cycle.learner,
        rating_field_name=rating_field_name))


def _close_conflict(cycle: PlanCycle, form):
    cycle = db.session.get(PlanCycle, cycle.id)
    form.version.data = cycle.version
    fields = [ConflictField("Summary of the review", theirs=cycle.review_summary,
                            yours=form.review_summary.data, rich=True)]
    fields += [ConflictField(f"Progress: {o.description}", theirs=o.progress.label,
                             yours=_rating_label(form[rating_field_name(o)].data)) for o in cycle.outcomes]
    return conflict_page(
        title=f"Cycle {cycle.number}", record=cycle, fields=fields, form=form,
        action_url=url_for("cases.cycle_close", public_id=cycle.public_id), back_url=_cycle_url(cycle),
    )


def _rating_label(value) -> str:
    try:
        return ProgressRating(value).label
    except ValueError:
        return ""


# --- outcomes ----------------------------------------------------------------------------------


OUTCOME_FIELDS = {"owner_public_id": "owner"}  # the service names the owner by public id; the form calls it owner


def _outcome_values(form: OutcomeForm) -> dict:
    return {"description": form.description.data, "measure": form.measure.data, "target_on": form.target_on.data,
            "owner_public_id": form.owner.data, "progress": form.progress.data}


def _owner_choices(learner, keep=None):
    return [("", "Choose a person")] + [
        (person.public_id, f"{person.display_name} ({person.role.label})")
        for person in services.owner_choices(learner, keep)
    ]


def _outcome_form(cycle) -> OutcomeForm:
    form = OutcomeForm()
    form.owner.choices = _owner_choices(cycle.learner)
    return form


def _add_to_cycle(public_id: str, make_form, add, values, noun: str, fields: dict | None = None):
    """Add an outcome or provision to an open cycle: validate, one service call, one commit, back to the plan."""
    cycle = get_or_404(PlanCycle, public_id, current_user, Action.EDIT_PLAN)
    if request.method == "GET" and cycle.is_closed:
        return _refused_closed(cycle)
    form = make_form(cycle)

    def save():
        add(current_user, cycle, **values(form))
        return Saved(_plan_url(cycle), f"{noun.capitalize()} added.")

    return handle_form(form, save, show=partial(show_on_form, fields=fields), render=lambda: render_template(
        f"cases/plans/{noun}_form.html", form=form, cycle=cycle, learner=cycle.learner, **{noun: None}))


@bp.route("/cycles/<public_id>/outcomes/new", methods=["GET", "POST"])
@login_required
def outcome_new(public_id: str):
    return _add_to_cycle(public_id, _outcome_form, services.add_outcome, _outcome_values, "outcome", OUTCOME_FIELDS)


@bp.route("/outcomes/<public_id>/edit", methods=["GET", "POST"])
@login_required
def outcome_edit(public_id: str):
    outcome = get_or_404(Outcome, public_id, current_user, Action.EDIT_PLAN)
    cycle = outcome.cycle
    if request.method == "GET" and cycle.is_closed:
        return _refused_closed(cycle)
    if request.method == "GET":
        form = OutcomeForm(data={
            "description": outcome.description, "measure": outcome.measure, "target_on": outcome.target_on,
            "owner": outcome.owner.public_id if outcome.owner else "", "progress": outcome.progress.value,
            "version": outcome.version,
        })
    else:
        form = OutcomeForm()
    form.owner.choices = _owner_choices(cycle.learner, outcome.owner)

    def save():
        services.update_outcome(current_user, outcome, version=form.version.data, **_outcome_values(form))
        return Saved(_plan_url(cycle), "Outcome saved.")

    return handle_form(
        form, save, show=partial(show_on_form, fields=OUTCOME_FIELDS),
        conflict=lambda: _outcome_conflict(outcome, cycle, form),
        render=lambda: render_template("cases/plans/outcome_form.html", form=form, cycle=cycle, outcome=outcome,
                                       learner=cycle.learner),
    )


def _outcome_conflict(outcome: Outcome, cycle: PlanCycle, form: OutcomeForm):
    outcome = db.session.get(Outcome, outcome.id)
    form.version.data = outcome.version
    owner_name = outcome.owner.display_name if outcome.owner else ""
    chosen = dict(form.owner.choices).get(form.owner.data, "")
    fields = [
        ConflictField("What the learner will achieve", theirs=outcome.description, yours=form.description.data),
        ConflictField("How it will be measured", theirs=outcome.measure, yours=form.measure.data),
        ConflictField("Achieved by", theirs=dates.day(outcome.target_on), yours=dates.day(form.target_on.data)),
        ConflictField("Who owns it", theirs=owner_name, yours=chosen),
        ConflictField("Progress", theirs=outcome.progress.label, yours=_rating_label(form.progress.data)),
    ]
    return conflict_page(
        title="This outcome", record=outcome, fields=fields, form=form,
        action_url=url_for("cases.outcome_edit", public_id=outcome.public_id), back_url=_plan_url(cycle),
    )


# --- provision ---------------------------------------------------------------------------------


def _provision_values(form: ProvisionForm) -> dict:
    return {"description": form.description.data, "delivered_by": form.delivered_by.data,
            "frequency": form.frequency.data, "starts_on": form.starts_on.data, "ends_on": form.ends_on.data}


@bp.route("/cycles/<public_id>/provision/new", methods=["GET", "POST"])
@login_required
def provision_new(public_id: str):
    return _add_to_cycle(public_id, lambda cycle: ProvisionForm(), services.add_provision, _provision_values,
                         "provision")


@bp.route("/provision/<public_id>/edit", methods=["GET", "POST"])
@login_required
def provision_edit(public_id: str):
    provision = get_or_404(Provision, public_id, current_user, Action.EDIT_PLAN)
    cycle = provision.cycle
    if request.method == "GET" and cycle.is_closed:
        return _refused_closed(cycle)
    if request.method == "GET":
        form = ProvisionForm(data={
            "description": provision.description, "delivered_by": provision.delivered_by,
            "frequency": provision.frequency, "starts_on": provision.starts_on, "ends_on": provision.ends_on,
            "version": provision.version,
        })
    else:
        form = ProvisionForm()

    def save():
        services.update_provision(current_user, provision, version=form.version.data, **_provision_values(form))
        return Saved(_plan_url(cycle), "Provision saved.")

    return handle_form(
        form, save, conflict=lambda: _provision_conflict(provision, cycle, form),
        render=lambda: render_template("cases/plans/provision_form.html", form=form, cycle=cycle, provision=provision,
                                       learner=cycle.learner),
    )


def _provision_conflict(provision: Provision, cycle: PlanCycle, form: ProvisionForm):
    provision = db.session.get(Provision, provision.id)
    form.version.data = provision.version
    fields = [
        ConflictField("What will be provided", theirs=provision.description, yours=form.description.data),
        ConflictField("Delivered by", theirs=provision.delivered_by, yours=form.delivered_by.data),
        ConflictField("How often", theirs=provision.frequency, yours=form.frequency.data),
        ConflictField("Starts on", theirs=dates.day(provision.starts_on), yours=dates.day(form.starts_on.data)),
        ConflictField("Ends on", theirs=dates.day(provision.ends_on), yours=dates.day(form.ends_on.data)),
    ]
    return conflict_page(
        title="This provision", record=provision, fields=fields, form=form,
        action_url=url_for("cases.provision_edit", public_id=provision.public_id), back_url=_plan_url(cycle),
    )
