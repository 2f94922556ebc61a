"""Restricting processing of a learner's record (UK GDPR Article 18), and lifting the restriction."""
from __future__ import annotations

from flask import g, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.exc import SQLAlchemyError

from app.cases.blueprint import bp
from app.cases.learners.models import Learner
from app.cases.restrictions import services
from app.cases.restrictions.forms import LiftForm, RestrictForm
from app.core.forms import Saved, handle_form
from app.policy import RECORD_LEARNER, Action, can, get_or_404, refuse, require, shows


@bp.app_context_processor
def restriction_banner() -> dict:
    return {"record_restriction": record_restriction}


def record_restriction():
    """The restriction in force on the record this page shows (the learner loaded first), for its banner; None
    when there is none, or for anyone who may not read its reason (only the SENCo and the DSL read the record)."""
    learner = g.get(RECORD_LEARNER)
    try:
        if learner is None or not learner.is_restricted or not current_user.is_authenticated \
                or not shows(current_user, Action.VIEW_LEARNER_HISTORY, learner):
            return None
        return services.current_restriction(learner)
    except SQLAlchemyError:
        return None  # an error page after a failed transaction: it must render without the database


def _load(public_id: str, change: Action) -> Learner:
    """The learner, for their SENCo and DSL: the record stays theirs to read once restricted, so this page (and the
    answer "someone got there first") does too. A refusal is noted as what was asked: the form (GET), or the
    change (POST).

    :raise 404: out of sight. :raise 403: in sight, but not the learner's SENCo or DSL."""
    learner = get_or_404(Learner, public_id, current_user, Action.VIEW_LEARNER)
    if not can(current_user, Action.VIEW_LEARNER_HISTORY, learner):
        refuse(403, change, learner)
    return learner


def _settled(learner, form, template: str):
    """Someone got there first (restricted it, or lifted it): say so, with what this person typed shown back, so
    nothing they wrote is lost. 409 for a POST, 200 for a GET."""
    typed = form.reason.data if request.method == "POST" else None
    return render_template(template, learner=learner, restriction=services.current_restriction(learner),
                           typed=typed), 409 if request.method == "POST" else 200


@bp.route("/learners/<public_id>/restrict", methods=["GET", "POST"])
@login_required
def learner_restrict(public_id: str):
    """Restrict processing of a learner's record, with a reason. :raise 404: out of sight. :raise 403: not the
    learner's SENCo or DSL. Already restricted: the page says so and changes nothing."""
    learner = _load(public_id, Action.RESTRICT_PROCESSING)
    form = RestrictForm()
    if learner.is_restricted:
        return _settled(learner, form, "cases/restrictions/already_restricted.html")
    require(current_user, Action.RESTRICT_PROCESSING, learner)

    def save():
        services.restrict_processing(current_user, learner, form.reason.data)
        return Saved(url_for("cases.learner_detail", public_id=learner.public_id),
                     "Processing of this record is restricted: it can be read but not changed or shared.")

    already = "cases/restrictions/already_restricted.html"
    return handle_form(form, save, conflict=lambda: _settled(learner, form, already),
                       render=lambda: render_template("cases/restrictions/restrict.html", form=form, learner=learner))


@bp.route("/learners/<public_id>/restriction/lift", methods=["GET", "POST"])
@login_required
def learner_lift_restriction(public_id: str):
    """Lift the restriction of a learner's record, with a reason. :raise 404: out of sight. :raise 403: not the
    learner's SENCo or DSL. Not restricted (any more): the page says so and changes nothing."""
    learner = _load(public_id, Action.LIFT_RESTRICTION)
    form = LiftForm()
    if not learner.is_restricted:
        return _settled(learner, form, "cases/restrictions/not_restricted.html")
    require(current_user, Action.LIFT_RESTRICTION, learner)

    def save():
        services.lift_restriction(current_user, learner, form.reason.data)
        return Saved(url_for("cases.learner_detail", public_id=learner.public_id), "The restriction was lifted.")

    return handle_form(form, save, conflict=lambda: _settled(learner, form, "cases/restrictions/not_restricted.html"),
                       render=lambda: render_template("cases/restrictions/lift.html", form=form, learner=learner))
