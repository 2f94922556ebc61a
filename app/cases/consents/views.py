"""The learner's "Consent and sharing" page, recording a consent and withdrawing one (with a confirmation page)."""
from __future__ import annotations

from flask import abort, render_template, request, url_for
from flask_login import current_user, login_required
from wtforms import SelectChoice

from app.agencies.accounts.models import Role
from app.cases.blueprint import bp
from app.cases.consents import services
from app.cases.consents.forms import ConsentForm, WithdrawConsentForm
from app.cases.consents.models import Consent
from app.cases.lawful_basis import bases
from app.cases.learners.models import Learner
from app.core.forms import Saved, handle_form
from app.policy import Action, case_role, get_or_404


@bp.app_template_global("shared_under")
def shared_under(thing) -> str:
    """"Public task (Article 6(1)(e)); ..." for a contribution, a membership, an invitation or a transfer."""
    return bases.shared_under(getattr(thing, "lawful_basis", None), getattr(thing, "special_category_condition", None))


@bp.route("/learners/<public_id>/consents")
@login_required
def consent_list(public_id: str):
    learner = get_or_404(Learner, public_id, current_user, Action.VIEW_CONSENTS)
    return render_template("cases/consents/list.html", learner=learner,
                           consents=services.consents_of(current_user, learner),
                           sharings=services.sharings_of(current_user, learner),
                           parent=case_role(current_user, learner) is Role.PARENT)


@bp.route("/learners/<public_id>/consents/new", methods=["GET", "POST"])
@login_required
def consent_new(public_id: str):
    learner = get_or_404(Learner, public_id, current_user, Action.RECORD_CONSENT)
    form = ConsentForm()
    form.agency.choices = [SelectChoice("", "Choose an agency")] + [
        SelectChoice(agency.public_id, f"{agency.name} ({agency.kind.label})") for agency in services.agency_choices()]
    parent = case_role(current_user, learner) is Role.PARENT

    def save():
        services.record_consent(
            current_user, learner, purpose=form.purpose.data, agency_public_id=form.agency.data,
            recipient_name=form.recipient_name.data or "", given_on=form.given_on.data, method=form.method.data,
            given_by_name=form.given_by_name.data or "", giver_relationship=form.giver_relationship.data or "")
        return Saved(url_for("cases.consent_list", public_id=learner.public_id),
                     "Your consent has been recorded." if parent else "The consent has been recorded.")

    return handle_form(form, save, render=lambda: render_template(
        "cases/consents/new.html", learner=learner, form=form, parent=parent))


@bp.route("/consents/<public_id>/withdraw", methods=["GET", "POST"])
@login_required
def consent_withdraw(public_id: str):
    """GET: what withdrawing this consent stops. POST: withdraw it, only with the page's confirmation."""
    consent = get_or_404(Consent, public_id, current_user, Action.WITHDRAW_CONSENT)
    learner = consent.learner
    form = WithdrawConsentForm()
    parent = case_role(current_user, learner) is Role.PARENT
    memberships, invitations = services.resting_on(consent)
    if request.method == "POST" and form.is_submitted() and form.confirm.data != "yes":
        abort(400)  # a button that skipped the confirmation page: nothing changes
    form.confirm.data = "yes"

    def save():
        services.withdraw_consent(current_user, consent, method=form.method.data, reason=form.reason.data or "")
        return Saved(url_for("cases.consent_list", public_id=learner.public_id),
                     "Consent has been withdrawn. Sharing that rested on it has stopped and the team has been told.")

    return handle_form(form, save, render=lambda: render_template(
        "cases/consents/withdraw.html", learner=learner, consent=consent, form=form, parent=parent,
        memberships=memberships, invitations=invitations))
