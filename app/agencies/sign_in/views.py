"""Signing in (the password; the second step is app.agencies.two_step) and signing out."""
from __future__ import annotations

from flask import flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.agencies.blueprint import bp
from app.agencies.sign_in import services
from app.agencies.sign_in.forms import SignInForm
from app.agencies.sign_in.services import SignInOutcome
from app.agencies.sign_in.sessions import begin_session, end_session
from app.agencies.two_step.pending import send_to_second_step
from app.agencies.two_step.services import needs_second_step
from app.core.dates import day
from app.extensions import db
from app.policy import Action, require
from app.security import limits
from app.security.redirects import safe_next

SIGN_IN_PROBLEMS = {
    SignInOutcome.INVALID: "Email address or password is not right",
    SignInOutcome.DEACTIVATED: (
        "Your account has been deactivated. Ask your agency administrator (a parent or carer: your child’s school) "
        "if you need it back"
    ),
}


def _problem(text: str, field_id: str = "email") -> dict:
    return {"text": text, "href": f"#{field_id}"}


def _refuse_for_now(limit):
    """The sign-in page again, with what was typed (never the password) and how long to wait."""
    services.record_lockout(request.form.get("email", ""))
    db.session.commit()
    form = SignInForm()
    form.password.data = None
    text = f"Too many attempts to sign in. {limits.wait_text(limit)}"
    return make_response(render_template("agencies/sign_in/sign_in.html", form=form, problems=[_problem(text)]), 429)


@bp.route("/sign-in", methods=["GET", "POST"])
@limits.guard("sign_in", limits.typed_email, on_breach=_refuse_for_now)
def sign_in():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = SignInForm()
    problems, status = [], 200
    if form.validate_on_submit():
        result = services.authenticate(form.email.data, form.password.data)
        db.session.commit()
        if result.outcome is SignInOutcome.SIGNED_IN:
            target = safe_next(request.args.get("next"))
            if needs_second_step(result.user):
                return send_to_second_step(result.user, target)  # not signed in until the code
            begin_session(result.user)
            return redirect(target or url_for("home.index"))
        if result.outcome is SignInOutcome.ACCESS_ENDED:
            ended = result.user.access_expires_at
            text = "Your access to Braid has ended"
            if ended is not None:
                text += f" (it ended on {day(ended)})"
            problems.append(_problem(text + ". Ask the person who invited you if you still need access"))
        else:
            problems.append(_problem(SIGN_IN_PROBLEMS[result.outcome]))
            if result.outcome is SignInOutcome.INVALID:
                limits.count_failure()
    elif form.errors:
        status = 400
    return render_template("agencies/sign_in/sign_in.html", form=form, problems=problems), status


@bp.route("/sign-out", methods=["POST"])
@login_required
def sign_out():
    require(current_user, Action.SIGN_OUT)
    services.sign_out(current_user)
    db.session.commit()
    end_session()
    flash("You have signed out.", "success")
    return redirect(url_for("agencies.sign_in"))
