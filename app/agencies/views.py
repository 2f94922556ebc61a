"""Sign-in and sign-out, the user's own password, and the agency administrator's account pages."""
from __future__ import annotations

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from app.agencies import bp, mfa, services
from app.agencies.forms import MONTHS, AccountForm, ChangePasswordForm, ConfirmForm, SignInForm
from app.agencies.mfa_views import send_to_second_step
from app.agencies.models import Role, User
from app.agencies.services import AccountError, SignInOutcome, end_of_day
from app.agencies.sessions import begin_session, end_session
from app.extensions import db
from app.policy import Action, get_or_404, require, visible_accounts
from app.problems import show_on_form
from app.security import limits
from app.security.redirects import safe_next

SIGN_IN_PROBLEMS = {
    SignInOutcome.INVALID: "Email address or password is not right",
    SignInOutcome.DEACTIVATED: (
        "Your account has been deactivated. Ask your agency administrator if you need it back"
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
    return make_response(render_template("agencies/sign_in.html", form=form, problems=[_problem(text)]), 429)


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
            if mfa.needs_second_step(result.user):
                return send_to_second_step(result.user, target)  # not signed in until the code
            begin_session(result.user)
            return redirect(target or url_for("home.index"))
        if result.outcome is SignInOutcome.ACCESS_ENDED:
            ended = result.user.access_expires_at
            text = "Your access to Braid has ended"
            if ended is not None:
                text += f" (it ended on {ended:%-d %B %Y})"
            problems.append(_problem(text + ". Ask the person who invited you if you still need access"))
        else:
            problems.append(_problem(SIGN_IN_PROBLEMS[result.outcome]))
            if result.outcome is SignInOutcome.INVALID:
                limits.count_failure()
    elif form.errors:
        status = 400
    return render_template("agencies/sign_in.html", form=form, problems=problems), status


@bp.route("/sign-out", methods=["POST"])
@login_required
def sign_out():
    require(current_user, Action.SIGN_OUT)
    services.sign_out(current_user)
    db.session.commit()
    end_session()
    flash("You have signed out.", "success")
    return redirect(url_for("agencies.sign_in"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    require(current_user, Action.CHANGE_OWN_PASSWORD)
    form = ChangePasswordForm()
    problems, status = [], 200
    if form.validate_on_submit():
        try:
            services.change_own_password(current_user, form.current_password.data, form.new_password.data)
        except AccountError as refusal:
            db.session.rollback()
            show_on_form(form, refusal)
            status = 400
        else:
            db.session.commit()
            # This session carries on; every other one has ended. The user itself, not the proxy: a
            # session holding `current_user` would resolve to itself for ever (a crash after the request).
            begin_session(current_user._get_current_object())
            flash("Your password has been changed. You have been signed out everywhere else.", "success")
            return redirect(url_for("home.index"))
    elif form.errors:
        status = 400
    return render_template("agencies/change_password.html", form=form, problems=problems), status


@bp.route("/accounts")
@login_required
def account_list():
    require(current_user, Action.LIST_ACCOUNTS)
    accounts = db.session.scalars(visible_accounts(current_user)).all()
    return render_template("agencies/account_list.html", accounts=accounts)


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
    status = 200
    if form.validate_on_submit():
        line_manager = None
        if form.line_manager.data:
            line_manager = db.session.scalars(
                visible_accounts(current_user).where(User.public_id == form.line_manager.data)
            ).first()
        try:
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
        except AccountError as refusal:
            db.session.rollback()
            _fill_account_choices(form)
            show_on_form(form, refusal, {"access_expires_at": "access_ends_on"})
            status = 400
        else:
            db.session.commit()
            # Shown once, in this response only: never flashed into the cookie or put in a URL.
            return render_template(
                "agencies/temporary_password.html", account=account, password=temporary, created=True
            )
    elif form.errors:
        status = 400
    return render_template("agencies/account_new.html", form=form), status


@bp.route("/accounts/<public_id>")
@login_required
def account_detail(public_id: str):
    account = get_or_404(User, public_id, current_user, Action.VIEW_ACCOUNT)
    return render_template("agencies/account_detail.html", account=account,
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
    return render_template("agencies/account_confirm.html", account=account, change=change, form=form)


@bp.route("/accounts/<public_id>/reset-password", methods=["GET", "POST"])
@login_required
def account_reset_password(public_id: str):
    account = get_or_404(User, public_id, current_user, Action.RESET_ACCOUNT_PASSWORD)
    form = ConfirmForm()
    if form.validate_on_submit():
        temporary = services.reset_account_password(current_user, account)
        db.session.commit()
        return render_template(
            "agencies/temporary_password.html", account=account, password=temporary, created=False
        )
    return render_template("agencies/account_confirm.html", account=account, change="reset-password", form=form)

