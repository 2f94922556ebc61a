"""The second step of signing in (a code, or setting up an authenticator) and one's own two-step settings.

After a right password, someone who needs the second step is not signed in: the session holds only a
pending marker (app.agencies.two_step.pending). Nothing but these pages answers them until a right
code starts the real session (begin_session clears the marker with everything else).
"""
from __future__ import annotations

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.agencies.accounts.models import User
from app.agencies.blueprint import bp
from app.agencies.sign_in.sessions import begin_session
from app.agencies.two_step import pending
from app.agencies.two_step import services as mfa
from app.agencies.two_step.forms import ConfirmAuthenticatorForm, RecoveryCodesForm, SecondStepForm, TurnOffForm
from app.extensions import db
from app.policy import Action, require
from app.security import limits

WRONG_CODE = "The code is not right, or it has already been used. Wait for a new code and try again"
WRONG_CONFIRMATION = ("The code is not right. Check your authenticator app shows Braid, "
                      "wait for a new code and try again")


def _mfa_account() -> str | None:
    """The rate limit's account key: the signed-in user, or the pending one (by public id)."""
    if current_user.is_authenticated:
        return current_user.public_id
    found = pending.marker()
    return found["user"].partition(".")[0] if found else None


def _too_many_codes(limit):
    """Refused by the rate limit, even if this code is right. During sign-in, the trail names the
    account and the code page says how long to wait; elsewhere, the 429 page."""
    user = None if current_user.is_authenticated else pending.pending_user()
    if user is None:
        return None
    mfa.record_lockout(user)
    db.session.commit()
    if request.endpoint != "agencies.mfa_verify":
        return None
    text = f"Too many wrong codes. {limits.wait_text(limit)}"
    form = SecondStepForm(formdata=None)
    return make_response(render_template("agencies/two_step/verify.html", form=form,
                                         problems=[{"text": text, "href": "#code"}]), 429)


def _enrol_page(form, enrolment, user: User, *, during_sign_in: bool, status: int = 200):
    uri = mfa.provisioning_uri(user, enrolment)
    return render_template("agencies/two_step/enrol.html", form=form, qr_code=mfa.qr_code_data_uri(uri),
                           secret=mfa.grouped_secret(enrolment), during_sign_in=during_sign_in), status


def _recovery_codes_page(codes: list[str], continue_to: str, *, first: bool):
    # Shown once, in this response only: never flashed into the cookie or put in a URL.
    return render_template("agencies/two_step/recovery_codes.html", codes=codes, continue_to=continue_to, first=first)


# --- signing in: the second step --------------------------------------------------------------------


@bp.route("/sign-in/code", methods=["GET", "POST"])
@limits.guard("mfa", _mfa_account, on_breach=_too_many_codes)
def mfa_verify():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    user = pending.pending_user()
    if user is None:
        return redirect(url_for("agencies.sign_in"))
    if not mfa.is_enrolled(user):
        return redirect(url_for("agencies.mfa_enrol"))
    form = SecondStepForm()
    status = 200
    if form.validate_on_submit():
        used = mfa.complete_sign_in(user, form.code.data)
        db.session.commit()
        if used is not None:
            target = pending.pending_next() or url_for("home.index")
            begin_session(user)
            if used is mfa.SecondStep.RECOVERY_CODE:
                left = mfa.recovery_codes_left(user)
                flash(f"You signed in with a recovery code. You have {left} left: get new ones from "
                      "Two-step verification if you are running out.", "important")
            return redirect(target)
        limits.count_failure()
        form.code.errors.append(WRONG_CODE)
        status = 400
    elif form.errors:
        status = 400
    return render_template("agencies/two_step/verify.html", form=form), status


@bp.route("/sign-in/set-up", methods=["GET", "POST"])
@limits.guard("mfa", _mfa_account, on_breach=_too_many_codes)
def mfa_enrol():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    user = pending.pending_user()
    if user is None:
        return redirect(url_for("agencies.sign_in"))
    if mfa.is_enrolled(user):
        return redirect(url_for("agencies.mfa_verify"))
    enrolment = mfa.start_enrolment(user)  # the same secret on every load until it is confirmed
    form = ConfirmAuthenticatorForm()
    status = 200
    if form.validate_on_submit():
        codes = mfa.confirm_enrolment(user, form.code.data, during_sign_in=True)
        db.session.commit()
        if codes is not None:
            target = pending.pending_next() or url_for("home.index")
            begin_session(user)
            return _recovery_codes_page(codes, target, first=True)
        limits.count_failure()
        form.code.errors.append(WRONG_CONFIRMATION)
        status = 400
    elif form.errors:
        status = 400
    db.session.commit()  # the new authenticator, when this request made it
    return _enrol_page(form, enrolment, user, during_sign_in=True, status=status)


# --- one's own settings -----------------------------------------------------------------------------


@bp.route("/account/two-step", methods=["GET", "POST"])
@login_required
@limits.guard("mfa", _mfa_account)
def two_step():
    require(current_user, Action.MANAGE_OWN_TWO_STEP)
    user = current_user._get_current_object()
    codes_form, off_form = RecoveryCodesForm(prefix="codes"), TurnOffForm(prefix="off")
    enrolled = mfa.is_enrolled(user)
    status = 200
    if request.method == "POST":
        if not (off_form.submit.data or codes_form.submit.data):
            abort(400)
        if not enrolled:
            return redirect(url_for("agencies.two_step"))  # nothing to change: turned off in another tab
        if off_form.submit.data:
            require(user, Action.TURN_OFF_TWO_STEP)
            if off_form.validate():
                turned_off = mfa.turn_off(user, off_form.code.data)
                db.session.commit()  # the change, or the refusal's event
                if turned_off:
                    flash("Two-step verification is off. You will sign in with your password only.", "success")
                    return redirect(url_for("agencies.two_step"))
                limits.count_failure()
                off_form.code.errors.append(WRONG_CODE)
        elif codes_form.validate():
            codes = mfa.regenerate_recovery_codes(user, codes_form.code.data)
            db.session.commit()  # the new codes, or the refusal's event
            if codes is not None:
                return _recovery_codes_page(codes, url_for("agencies.two_step"), first=False)
            limits.count_failure()
            codes_form.code.errors.append(WRONG_CODE)
        status = 400
    return render_template("agencies/two_step/two_step.html", enrolled=enrolled, required=mfa.is_required(user),
                           codes_left=mfa.recovery_codes_left(user) if enrolled else 0,
                           codes_form=codes_form, off_form=off_form), status


@bp.route("/account/two-step/set-up", methods=["GET", "POST"])
@login_required
@limits.guard("mfa", _mfa_account)
def two_step_set_up():
    """Opting in. The authenticator is made by a POST (the button on the two-step page), so no GET writes."""
    require(current_user, Action.MANAGE_OWN_TWO_STEP)
    user = current_user._get_current_object()
    enrolment = mfa.enrolment_of(user)
    if enrolment is not None and enrolment.confirmed_at is not None:
        return redirect(url_for("agencies.two_step"))
    if enrolment is None:
        if request.method == "POST":
            mfa.start_enrolment(user)
            db.session.commit()
            return redirect(url_for("agencies.two_step_set_up"))
        return redirect(url_for("agencies.two_step"))
    form = ConfirmAuthenticatorForm()
    status = 200
    if form.validate_on_submit():
        codes = mfa.confirm_enrolment(user, form.code.data)
        if codes is not None:
            db.session.commit()
            flash("Two-step verification is on. Braid will ask for a code each time you sign in.", "success")
            return _recovery_codes_page(codes, url_for("agencies.two_step"), first=True)
        db.session.commit()  # the refusal's event: nothing else changed
        limits.count_failure()
        form.code.errors.append(WRONG_CONFIRMATION)
        status = 400
    elif form.errors:
        status = 400
    return _enrol_page(form, enrolment, user, during_sign_in=False, status=status)
