"""The DPO's pages: the retention schedule (with the IRMS default beside each rule), what is due, the destruction
register and erasure requests; placing and lifting legal holds; recording an erasure request; and the DSL's
review of a child-protection file due for review."""
from __future__ import annotations

from flask import abort, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from wtforms import SelectChoice

from app.audit.events import note_learners, note_read
from app.audit.subjects import well_formed
from app.cases.learners.models import Learner, normalise_name
from app.core.dates import today as school_today
from app.core.forms import Saved, handle_form
from app.data_protection.blueprint import bp
from app.data_protection.retention import services
from app.data_protection.retention.forms import ErasureForm, HoldForm, LiftHoldForm, ReviewForm, RuleForm
from app.data_protection.retention.models import ErasureOutcome, RetentionAction, ReviewDecision
from app.data_protection.retention.schedule import DEFAULTS, EDITABLE, RecordClass, rules_of
from app.extensions import db
from app.policy import Action, can, refuse, require, survivor_public_id

SOON_DAYS = 90  # "due soon" on the DPO's page


@bp.app_context_processor
def legal_hold_tag() -> dict:
    return {"legal_hold_on": legal_hold_on, "child_protection_review_due": child_protection_review_due}


def child_protection_review_due(learner) -> bool:
    """Is `learner`'s child-protection file due for the DSL's review (for the link on their page)?"""
    try:
        return learner is not None and any(
            item.record_class is RecordClass.CHILD_PROTECTION and item.what == services.REVIEW
            for item in services.assess(learner, school_today()))
    except SQLAlchemyError:
        return False


def legal_hold_on(learner) -> bool:
    """Is a legal hold in force on `learner` (for the tag on their page)? False on an error page after a failed
    transaction: it must render without the database."""
    try:
        return learner is not None and services.hold_in_force(learner) is not None
    except SQLAlchemyError:
        return False


def _learner(public_id: str, action: Action) -> Learner:
    """The learner, for someone who may do `action` to them.

    :raise 404: no such learner, or out of the user's sight. :raise 403: in sight (they may view the learner) but
    may not do `action`."""
    # A record merged into another is answered as the one it now lives under (as app.policy.get_or_404 does).
    public_id = survivor_public_id(public_id)
    learner = db.session.scalars(select(Learner).where(Learner.public_id == public_id)).first() \
        if well_formed(public_id) else None
    if learner is None:
        refuse(404, action, model=Learner)
    if not can(current_user, action, learner):
        refuse(403 if can(current_user, Action.VIEW_LEARNER, learner) else 404, action, learner)
    note_read(learner)
    return learner


@bp.route("/retention")
@login_required
def retention():
    """The schedule, what is due (and due soon), the destruction register and erasure requests: the DPO's.
    :raise 403: not a school's DPO."""
    require(current_user, Action.VIEW_RETENTION)
    school = current_user.agency_id
    today = school_today()
    due = services.due_items(school, today, within_days=SOON_DAYS)
    # Every learner of the school, for a hold or an erasure request: the DPO need not be on any team to act.
    learners = sorted(db.session.scalars(select(Learner).where(Learner.school_id == school,
                                                                Learner.merged_into_id.is_(None))),
                      key=lambda learner: (learner.name.casefold(), learner.public_id))
    held = services.held_learner_ids(school)
    note_learners([item.learner for item in due] + learners)
    return render_template("data_protection/retention/retention.html", rules=rules_of(school), defaults=DEFAULTS,
                           editable=EDITABLE, due=due, register=services.register_of(school),
                           requests=services.erasure_requests(school), today=today, soon_days=SOON_DAYS,
                           class_labels={record_class.value: record_class.label for record_class in RecordClass},
                           learners=learners, held=held)


@bp.route("/retention/rules/<record_class>", methods=["GET", "POST"])
@login_required
def retention_rule(record_class: str):
    """Edit the school's period and action for one record class. :raise 404: no such editable class.
    :raise 403: not a school's DPO."""
    try:
        chosen = RecordClass(record_class)
    except ValueError:
        abort(404)
    if chosen not in EDITABLE:
        abort(404)
    require(current_user, Action.EDIT_RETENTION_RULE)
    rule = rules_of(current_user.agency_id)[chosen]
    form = RuleForm(years=rule.years, action=rule.action.value)
    form.action.choices = [SelectChoice(action.value, action.value.capitalize()) for action in rule.default.actions]

    def save():
        services.edit_rule(current_user, chosen, form.years.data, RetentionAction(form.action.data))
        return Saved(url_for("data_protection.retention"), f"The rule for the {rule.default.label.lower()} is saved.")

    return handle_form(form, save, render=lambda: render_template(
        "data_protection/retention/rule.html", form=form, rule=rule))


@bp.route("/learners/<public_id>/legal-hold", methods=["GET", "POST"])
@login_required
def legal_hold_place(public_id: str):
    """Place a legal hold on a learner, with a reason and a reference. :raise 404: out of sight. :raise 403: not
    the DPO of the learner's school. A hold already in force: the page says so (409 for a POST)."""
    learner = _learner(public_id, Action.PLACE_LEGAL_HOLD)
    form = HoldForm()
    held = lambda: (render_template("data_protection/retention/hold_settled.html", learner=learner,  # noqa: E731
                                    hold=services.hold_in_force(learner)), 409)

    def save():
        services.place_legal_hold(current_user, learner, form.reason.data, form.reference.data)
        return Saved(url_for("data_protection.retention", _anchor="learners"),
                     "A legal hold is placed: nothing of these records is destroyed while it is in force.")

    return handle_form(form, save, conflict=held, render=lambda: render_template(
        "data_protection/retention/hold.html", form=form, learner=learner, hold=services.hold_in_force(learner),
        holds=services.holds_of(learner)))


@bp.route("/learners/<public_id>/legal-hold/lift", methods=["GET", "POST"])
@login_required
def legal_hold_lift(public_id: str):
    """Lift the legal hold in force on a learner, with a reason. :raise 404: out of sight. :raise 403: not the DPO
    of the learner's school. No hold in force: the page says so (409 for a POST)."""
    learner = _learner(public_id, Action.LIFT_LEGAL_HOLD)
    form = LiftHoldForm()
    settled = lambda: (render_template("data_protection/retention/hold_settled.html", learner=learner,  # noqa: E731
                                       hold=None), 409)

    def save():
        services.lift_legal_hold(current_user, learner, form.reason.data)
        return Saved(url_for("data_protection.retention", _anchor="learners"), "The legal hold is lifted.")

    return handle_form(form, save, conflict=settled, render=lambda: render_template(
        "data_protection/retention/lift.html", form=form, learner=learner, hold=services.hold_in_force(learner)))


@bp.route("/learners/<public_id>/erasure", methods=["GET", "POST"])
@login_required
def erasure_request(public_id: str):
    """Record a request to erase a learner's records (Article 17). Braid checks the retention schedule and legal
    holds first: when either applies the request is recorded as refused with its Article 17(3) ground and nothing
    else changes; otherwise the learner is erased once the DPO has typed the learner's full name.
    :raise 404: out of sight. :raise 403: not the DPO of the learner's school."""
    learner = _learner(public_id, Action.REQUEST_ERASURE)
    today = school_today()
    refusal = services.erasure_refusal(learner, today)
    form = ErasureForm()
    name = learner.name

    def save():
        confirmed = normalise_name(form.confirm_name.data or "") == normalise_name(name)
        request = services.request_erasure(current_user, learner, requested_by=form.requested_by.data,
                                           received_on=form.received_on.data, today=today, confirmed=confirmed)
        if request.outcome is ErasureOutcome.REFUSED:
            return Saved(url_for("data_protection.retention"),
                         f"The request is recorded and refused: {request.ground.label}.", "important")
        return Saved(url_for("data_protection.retention"),
                     f"The learner's records are erased (public id {request.learner_public_id}).")

    return handle_form(form, save, render=lambda: render_template(
        "data_protection/retention/erasure.html", form=form, learner=learner, refusal=refusal))


@bp.route("/learners/<public_id>/child-protection-review", methods=["GET", "POST"])
@login_required
def child_protection_review(public_id: str):
    """The DSL's decision on a child-protection file: destroy it (the next sweep does), or keep it until a date,
    with a reason. :raise 404: out of sight. :raise 403: not the DSL of the learner's school."""
    learner = _learner(public_id, Action.REVIEW_CHILD_PROTECTION_FILE)
    form = ReviewForm()

    def save():
        services.record_review(current_user, learner, ReviewDecision(form.decision.data),
                               keep_until=form.keep_until.data, reason=form.reason.data)
        return Saved(url_for("cases.learner_detail", public_id=learner.public_id), "Your decision is recorded.")

    return handle_form(form, save, render=lambda: render_template(
        "data_protection/retention/review.html", form=form, learner=learner, latest=services.latest_review(learner),
        today=school_today()))
