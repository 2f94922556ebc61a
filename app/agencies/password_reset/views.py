"""Forgotten passwords: asking for a reset link, and using it. Both pages are public; the link is the credential."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.agencies.accounts.forms import NewPasswordForm
from app.agencies.accounts.services import AccountError
from app.agencies.blueprint import bp
from app.agencies.password_reset import services as reset
from app.agencies.password_reset.forms import RequestResetForm
from app.agencies.password_reset.services import ResetLinkUnusable
from app.audit.events import note_refusal
from app.audit.models import AuditAction
from app.core.forms import handle_form
from app.extensions import db
from app.problems import show_on_form
from app.security import limits
from app.security.hosts import external_url


def _signed_in_elsewhere():
    # A signed-in user changes their password from their account (it asks for the current one).
    flash("You are signed in. To change your password, use ‘Change password’, or sign out first to use a reset link.",
          "important")
    return redirect(url_for("home.index"))


@bp.route("/sign-in/reset", methods=["GET", "POST"])
@limits.guard("reset", limits.typed_email)
def password_reset_request():
    if current_user.is_authenticated:
        return _signed_in_elsewhere()
    form = RequestResetForm()

    def save():
        # Every request that may send a mail counts, known address or not (so the limit tells nothing).
        # Not `every_attempt`: empty forms would all count against one shared "no address" key and
        # lock everybody's empty submissions out; they send nothing and cost nothing.
        limits.count_failure()
        # The mail, if any, is sent by the jobs worker once this commits: a known address must not answer
        # more slowly than an unknown one, so no request waits for a mail server.
        reset.request_reset(
            form.email.data,
            link_for=lambda token: external_url("agencies.password_reset", token=token),
        )
        # One reply for every address: whether it has an account is never told.
        return lambda: render_template("agencies/password_reset/reset_sent.html", minutes=reset.lifetime_minutes())

    return handle_form(form, save,
                       render=lambda: render_template("agencies/password_reset/reset_request.html", form=form))


def _unusable(problem: ResetLinkUnusable):
    """The link cannot be used: the trail names the account behind it (if any), never the token."""
    action = AuditAction.VIEW if request.method in ("GET", "HEAD") else AuditAction.UPDATE
    user = problem.user
    note_refusal(action, "user_account", getattr(user, "public_id", None))
    limits.count_failure()
    return render_template("agencies/password_reset/reset_problem.html", heading=str(problem), status=problem.status,
                           minutes=reset.lifetime_minutes()), problem.status


@bp.route("/sign-in/reset/<token>", methods=["GET", "POST"])
@limits.guard("reset_link", limits.token_in_url)
def password_reset(token: str):
    if current_user.is_authenticated:
        return _signed_in_elsewhere()
    try:
        found = reset.find_token(token)
    except ResetLinkUnusable as problem:
        return _unusable(problem)
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            reset.reset_password(found, form.new_password.data)
        except AccountError as refusal:
            db.session.rollback()
            show_on_form(form, refusal)
        except ResetLinkUnusable as problem:
            db.session.rollback()
            return _unusable(problem)
        else:
            db.session.commit()
            # Nobody is signed in by a link: the password (and the second step, where the account has one) still.
            flash("Your password has been changed, and every session of your account has ended. "
                  "Sign in with your new password.", "success")
            return redirect(url_for("agencies.sign_in"))
    if form.errors:
        limits.count_failure()
        return render_template("agencies/password_reset/reset_password.html", form=form), 400
    return render_template("agencies/password_reset/reset_password.html", form=form)
