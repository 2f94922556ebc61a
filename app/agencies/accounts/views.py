"""The user's own password, and the agency administrator's account pages."""
from __future__ import annotations

from functools import partial

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from app.agencies.accounts import services
from app.agencies.accounts.forms import MONTHS, AccountForm, ChangePasswordForm, ConfirmForm
from app.agencies.accounts.models import Role, User
from app.agencies.blueprint import bp
from app.agencies.sign_in.sessions import begin_session
from app.agencies.two_step import services as mfa
from app.core.dates import end_of_day
from app.core.forms import handle_form
from app.extensions import db
from app.policy import Action, get_or_404, require, visible_accounts
from app.problems import show_on_form


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    require(current_user, Action.CHANGE_OWN_PASSWORD)
    form = ChangePasswordForm()

    def save():
        services.change_own_password(current_user, form.current_password.data, form.new_password.data)
        return _password_changed

    return handle_form(form, save, render=lambda: render_template(
        "agencies/accounts/change_password.html", form=form, problems=[]))


def _password_changed():
    # This session carries on; every other one has ended. The user itself, not the proxy: a
    # session holding `current_user` would resolve to itself for ever (a crash after the request).
    # The new session clears the old one, so the message is flashed after it.
    begin_session(current_user._get_current_object())
    flash("Your password has been changed. You have been signed out everywhere else.", "success")
    return redirect(url_for("home.index"))


@bp.route("/accounts")
@login_required
def account_list():
    require(current_user, Action.LIST_ACCOUNTS)
    accounts = db.session.scalars(visible_accounts(current_user)).all()
    return render_template("agencies/accounts/account_list.html", accounts=accounts)


def _fill_account_choices(form: AccountForm) -> None:
    agency = current_user.agency
    form.role.choices = [("", "Choose a role")] + [(role.value, role.label) for role in agency.roles]
    managers = db.session.scalars(
        visible_accounts(current_user).where(User.active.is_(True), User.restricted.is_(False))
    ).all()
    form.line_manager.choices = [("", "No line manager")] + [
        (manager.public_id, f"{manager.display_name} ({manager.role.label})") for manager in managers
    ]


@bp.route("/accounts/new", methods=["GET", "POST"])
@login_required
def account_new():
    require(current_user, Action.CREATE_ACCOUNT)
    form = AccountForm()
    _fill_account_choices(form)

    def save():
        line_manager = None
        if form.line_manager.data:
            line_manager = db.session.scalars(
                visible_accounts(current_user).where(User.public_id == form.line_manager.data)
            ).first()
        account, temporary = services.create_account(
            current_user,
            agency=current_user.agency,
            email=form.email.data,
            display_name=form.display_name.data,
            role=Role(form.role.data),
            fte=form.fte.data,
            cpd_year_start_month=int(form.cpd_year_start_month.data or 9),
            line_manager=line_manager,
            access_expires_at=end_of_day(form.access_ends_on.data) if form.access_ends_on.data else None,
        )
        # Shown once, in this response only: never flashed into the cookie or put in a URL.
        return lambda: render_template(
            "agencies/accounts/temporary_password.html", account=account, password=temporary, created=True
        )

    return handle_form(form, save, show=partial(show_on_form, fields={"access_expires_at": "access_ends_on"}),
                       render=lambda: render_template("agencies/accounts/account_new.html", form=form))


@bp.route("/accounts/<public_id>")
@login_required
def account_detail(public_id: str):
    account = get_or_404(User, public_id, current_user, Action.VIEW_ACCOUNT)
    return render_template("agencies/accounts/account_detail.html", account=account,
                           account_month_name=MONTHS[account.cpd_year_start_month - 1],
                           two_step_on=mfa.is_enrolled(account))


ACCOUNT_CHANGES = {
    "deactivate": (Action.DEACTIVATE_ACCOUNT, services.deactivate_account, "{name}'s account has been deactivated."),
    "reactivate": (Action.REACTIVATE_ACCOUNT, services.reactivate_account, "{name}'s account has been reactivated."),
    "reset-two-step": (Action.RESET_ACCOUNT_TWO_STEP, mfa.reset_two_step,
                       "{name}'s two-step verification has been reset. They set it up again at their next sign-in."),
}


@bp.route("/accounts/<public_id>/<change>", methods=["GET", "POST"])
@login_required
def account_change(public_id: str, change: str):
    if change not in ACCOUNT_CHANGES:
        abort(404)
    action, apply_change, message = ACCOUNT_CHANGES[change]
    account = get_or_404(User, public_id, current_user, action)
    form = ConfirmForm()
    if form.validate_on_submit():
        apply_change(current_user, account)
        db.session.commit()
        flash(message.format(name=account.display_name), "success")
        return redirect(url_for("agencies.account_detail", public_id=account.public_id))
    return render_template("agencies/accounts/account_confirm.html", account=account, change=change, form=form)


@bp.route("/accounts/<public_id>/reset-password", methods=["GET", "POST"])
@login_required
def account_reset_password(public_id: str):
    account = get_or_404(User, public_id, current_user, Action.RESET_ACCOUNT_PASSWORD)
    form = ConfirmForm()
    if form.validate_on_submit():
        temporary = services.reset_account_password(current_user, account)
        db.session.commit()
        return render_template(
            "agencies/accounts/temporary_password.html", account=account, password=temporary, created=False
        )
    return render_template("agencies/accounts/account_confirm.html", account=account, change="reset-password",
                           form=form)

