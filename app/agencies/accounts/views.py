"""The user's own password, and the agency administrator's account pages."""
from __future__ import annotations

from functools import partial

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.agencies.accounts import edits, services
from app.agencies.accounts.forms import MONTHS, AccountEditForm, AccountForm, ChangePasswordForm, ConfirmForm
from app.agencies.accounts.models import Role, User, people_by_name
from app.agencies.blueprint import bp
from app.agencies.sign_in.sessions import begin_session
from app.agencies.two_step import services as mfa
from app.core.conflicts import ConflictField, conflict_page
from app.core.dates import end_of_day
from app.core.forms import Saved, handle_form
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
    accounts = people_by_name(db.session.scalars(visible_accounts(current_user)))
    return render_template("agencies/accounts/account_list.html", accounts=accounts)


def _fill_account_choices(form: AccountForm, account: User | None = None) -> None:
    agency = current_user.agency
    form.role.choices = [("", "Choose a role")] + [(role.value, role.label) for role in agency.roles]
    managers = people_by_name(db.session.scalars(
        visible_accounts(current_user).where(User.active.is_(True), User.restricted.is_(False))
    ))
    managers = [manager for manager in managers if account is None or manager.id != account.id]
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


@bp.route("/accounts/<public_id>/edit", methods=["GET", "POST"])
@login_required
def account_edit(public_id: str):
    """Change an account of one's agency. :raise 404: not one's agency's. :raise 403: not its administrator."""
    account = get_or_404(User, public_id, current_user, Action.EDIT_ACCOUNT)
    if request.method == "GET":
        form = AccountEditForm(data={
            "display_name": account.display_name, "email": account.email, "role": account.role.value,
            "fte": account.fte, "cpd_year_start_month": str(account.cpd_year_start_month),
            "line_manager": account.line_manager.public_id if account.line_manager else "",
            "version": account.version,
        })
    else:
        form = AccountEditForm()
    _fill_account_choices(form, account)
    detail = url_for("agencies.account_detail", public_id=account.public_id)

    def save():
        changed = edits.edit_account(current_user, account, version=form.version.data, edit=_edit_from(form))
        if account.id == current_user.id and edits.SESSION_FIELDS & set(changed):
            return _carry_on(account, Saved(detail, "Your account has been changed. You have been signed out "
                                                    "everywhere else."))
        message = f"{account.display_name}'s account has been changed." if changed else "Nothing was changed."
        if edits.SESSION_FIELDS & set(changed) and account.id != current_user.id:
            message += " They have been signed out and must sign in again."
        return Saved(detail, message)

    return handle_form(form, save, conflict=lambda: _edit_conflict(account, form),
                       render=lambda: render_template("agencies/accounts/account_edit.html", form=form,
                                                      account=account))


def _carry_on(account: User, saved: Saved):
    """An administrator who changed their own email carries on in this session; their others have ended."""
    def answer():
        begin_session(account)  # a new session clears the old one: the message is flashed after it
        return saved()
    return answer


def _edit_from(form: AccountEditForm) -> edits.AccountEdit:
    line_manager = None
    if form.line_manager.data:
        line_manager = db.session.scalars(
            visible_accounts(current_user).where(User.public_id == form.line_manager.data)
        ).first()
    return edits.AccountEdit(
        display_name=form.display_name.data, email=form.email.data, role=Role(form.role.data), fte=form.fte.data,
        cpd_year_start_month=int(form.cpd_year_start_month.data or 9), line_manager=line_manager,
    )


def _edit_conflict(account: User, form: AccountEditForm):
    account = db.session.get(User, account.id)
    form.version.data = account.version
    typed = _edit_from(form)
    fields = [
        ConflictField("Full name", theirs=account.display_name, yours=typed.display_name),
        ConflictField("Email address", theirs=account.email, yours=typed.email),
        ConflictField("Role", theirs=account.role.label, yours=typed.role.label),
        ConflictField("Full-time equivalent (FTE)", theirs=str(account.fte), yours=str(typed.fte)),
        ConflictField("CPD year starts in", theirs=MONTHS[account.cpd_year_start_month - 1],
                      yours=MONTHS[typed.cpd_year_start_month - 1]),
        ConflictField("Line manager", theirs=account.line_manager.display_name if account.line_manager else "None",
                      yours=typed.line_manager.display_name if typed.line_manager else "None"),
    ]
    return conflict_page(title="This account", record=account, fields=fields, form=form,
                         action_url=url_for("agencies.account_edit", public_id=account.public_id),
                         back_url=url_for("agencies.account_detail", public_id=account.public_id))


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

