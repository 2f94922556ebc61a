"""Team pages: the team around the child, adding staff, invitations, and accepting one (signed out too)."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from wtforms import SelectChoice

from app.agencies.accounts.models import Role
from app.agencies.sign_in import services as sign_in
from app.agencies.sign_in.services import SignInOutcome
from app.agencies.sign_in.sessions import begin_session
from app.agencies.two_step.pending import send_to_second_step
from app.agencies.two_step.services import needs_second_step
from app.audit.events import note_refusal
from app.audit.models import AuditAction
from app.cases.blueprint import bp
from app.cases.break_glass.services import active_break_glass
from app.cases.learners.models import Learner
from app.cases.team import outside, services
from app.cases.team.forms import (
    AcceptForm,
    AcceptWithNewAccountForm,
    AcceptWithPasswordForm,
    AddStaffForm,
    EndMembershipForm,
    InviteForm,
    RevokeInvitationForm,
)
from app.cases.team.models import Invitation, TeamMembership
from app.cases.team.services import NEW_AGENCY, InvitationUnusable, TeamError
from app.core import dates
from app.core.conflicts import EditConflict
from app.core.forms import Saved, handle_form
from app.core.mail import services as outbox
from app.extensions import db
from app.policy import Action, can, get_or_404
from app.problems import show_on_form
from app.security import limits
from app.security.hosts import external_url
from app.types import utcnow

SIGN_IN_PROBLEMS = {
    SignInOutcome.INVALID: "Your password is not right",
    SignInOutcome.DEACTIVATED: (
        "Your account has been deactivated. Ask your agency administrator (a parent or carer: your child’s school) "
        "if you need it back"
    ),
}


def _fill_staff_choices(form: AddStaffForm, learner: Learner) -> None:
    form.staff.choices = [SelectChoice("", "Choose a member of staff")] + [
        SelectChoice(user.public_id, f"{user.display_name} ({user.role.label})")
        for user in services.staff_choices(current_user, learner)
    ]


def _team_page(learner: Learner, staff_form: AddStaffForm | None = None, problems=()) -> str:
    team = services.team_of(current_user, learner)
    if staff_form is None and can(current_user, Action.MANAGE_TEAM, learner):
        staff_form = AddStaffForm()
        _fill_staff_choices(staff_form, learner)
    return render_template(
        "cases/team/team.html",
        learner=learner,
        team=team,
        form=staff_form,
        problems=list(problems),
        now=utcnow(),
        break_glass_grant=active_break_glass(current_user, learner),
    )


@bp.route("/learners/<public_id>/team")
@login_required
def team(public_id: str):
    learner = get_or_404(Learner, public_id, current_user, Action.VIEW_CASE)
    return _team_page(learner)


@bp.route("/learners/<public_id>/team/staff", methods=["POST"])
@login_required
def team_add_staff(public_id: str):
    learner = get_or_404(Learner, public_id, current_user, Action.MANAGE_TEAM)
    form = AddStaffForm()

    def save():
        membership = services.add_staff_member(
            current_user, learner, staff_public_id=form.staff.data, ends_on=form.ends_on.data
        )
        return Saved(url_for("cases.team", public_id=learner.public_id),
                     f"{membership.user.display_name} has been added to the team.")

    def render():
        _fill_staff_choices(form, learner)
        return _team_page(learner, staff_form=form)

    return handle_form(form, save, render=render)


def _fill_agency_choices(form: InviteForm) -> None:
    form.agency.choices = (
        [SelectChoice("", "Choose an agency")]
        + [SelectChoice(agency.public_id, f"{agency.name} ({agency.kind.label})")
           for agency in services.agency_choices(current_user)]
        + [SelectChoice(NEW_AGENCY, "A new agency (enter its name and kind below)")]
    )


@bp.route("/learners/<public_id>/team/invite", methods=["GET", "POST"])
@login_required
def team_invite(public_id: str):
    learner = get_or_404(Learner, public_id, current_user, Action.MANAGE_TEAM)
    form = InviteForm()
    _fill_agency_choices(form)

    def save():
        # The mail goes by the jobs worker once this commits: never a mail for a link that does not work.
        invitation, link, _message = services.invite_to_case(
            current_user,
            learner,
            email=form.email.data,
            display_name=form.display_name.data,
            role=Role(form.role.data),
            agency_public_id=form.agency.data,
            new_agency_name=form.new_agency_name.data or "",
            new_agency_kind=form.new_agency_kind.data or "",
            access_ends_on=form.access_ends_on.data,
            article6=form.article6.data, article9=form.article9.data,
            link_for=lambda token: external_url("cases.invitation_accept", token=token),
        )
        # The link is shown in this response only: never flashed, never in a redirect.
        return lambda: render_template(
            "cases/team/invitation_sent.html", learner=learner, invitation=invitation, link=link,
            emailing=outbox.will_be_sent(),
        )

    return handle_form(form, save, render=lambda: render_template("cases/team/invite.html", learner=learner, form=form))


def _end_page(membership: TeamMembership, form: EndMembershipForm, *, stale: bool = False, status: int = 200):
    form.confirm.data = "yes"
    form.version.data = services.membership_stamp(membership)
    return render_template(
        "cases/team/membership_end.html", membership=membership, learner=membership.learner, form=form,
        live=membership.ended_at is None and (membership.ends_at is None or membership.ends_at > utcnow()),
        last_case=services.last_live_case(membership), stale=stale, now_day=dates.day(utcnow()),
    ), status


@bp.route("/memberships/<public_id>/end", methods=["GET", "POST"])
@login_required
def membership_end(public_id: str):
    """GET: what ending this membership does. POST: end it, only with the page's confirmation.

    :raise 404: when the membership is out of the user's sight or they may not manage its team.
    """
    membership = get_or_404(TeamMembership, public_id, current_user, Action.MANAGE_TEAM)
    learner = membership.learner
    form = EndMembershipForm()
    if request.method == "GET":
        return _end_page(membership, form)
    if not form.validate_on_submit():
        if form.is_submitted() and form.reason.errors:
            return _end_page(membership, form, status=400)
        abort(400)
    if form.confirm.data != "yes":
        # A button that skipped the confirmation page (an old page, a script): nothing changes, the page shows.
        return _end_page(membership, form, status=400)
    reason = (form.reason.data or "").strip() or None
    if membership.role is Role.PARENT and reason is None:
        # A family's access ends for a reason the school must be able to show (a court order, say).
        form.reason.errors = [*form.reason.errors, "Enter why you are ending this parent or carer's access"]
        return _end_page(membership, form, status=400)
    name = membership.user.display_name
    try:
        services.end_membership(current_user, membership, stamp=form.version.data or "", reason=reason)
    except EditConflict:
        db.session.rollback()
        return _end_page(db.session.get(TeamMembership, membership.id), form, stale=True, status=409)
    except TeamError as refusal:
        db.session.rollback()
        return _team_page(learner, problems=[{"text": str(refusal), "href": "#team-live"}]), 400
    db.session.commit()
    flash(f"{name} is no longer on the team.", "success")
    return redirect(url_for("cases.team", public_id=learner.public_id))


def _revoke_page(invitation: Invitation, form: RevokeInvitationForm, *, status: int = 200):
    form.confirm.data = "yes"
    return render_template("cases/team/invitation_revoke.html", invitation=invitation,
                           learner=invitation.learner, form=form), status


@bp.route("/invitations/<public_id>/revoke", methods=["GET", "POST"])
@login_required
def invitation_revoke(public_id: str):
    """GET: what revoking this invitation does. POST: revoke it, only with the page's confirmation.

    :raise 404: when the invitation is out of the user's sight or they may not manage its team.
    """
    invitation = get_or_404(Invitation, public_id, current_user, Action.MANAGE_TEAM)
    learner = invitation.learner
    form = RevokeInvitationForm()
    if request.method == "GET":
        return _revoke_page(invitation, form)
    if not form.validate_on_submit():
        abort(400)
    if form.confirm.data != "yes":
        # A button that skipped the confirmation page (an old team page, a script): nothing changes, the page shows.
        return _revoke_page(invitation, form, status=400)
    name = invitation.display_name
    try:
        services.revoke_invitation(current_user, invitation)
    except TeamError as refusal:
        db.session.rollback()
        return _team_page(learner, problems=[{"text": str(refusal), "href": "#team-invitations"}]), 400
    db.session.commit()
    flash(f"The invitation to {name} has been revoked.", "success")
    return redirect(url_for("cases.team", public_id=learner.public_id))


# --- accepting: public, the token is the only credential ------------------------------------------


def _problem_page(heading: str, message: str, status: int):
    return render_template("cases/team/invitation_problem.html", heading=heading, message=message), status


def _joined(user, learner_public_id: str, *, new_session: bool):
    db.session.commit()
    case_page = url_for("cases.learner_detail", public_id=learner_public_id)
    if new_session and needs_second_step(user):
        # The password (or the new account) is the first step only: the code, or an authenticator, comes next.
        response = send_to_second_step(user, case_page)
        flash("You have accepted the invitation. Finish signing in to open the case.", "success")
        return response
    if new_session:
        begin_session(user)
    flash("You have accepted the invitation and joined the learner's team.", "success")
    return redirect(case_page)


def _accept_as(invitation: Invitation, user, *, new_session: bool):
    learner_public_id = invitation.learner.public_id
    try:
        services.accept_invitation(invitation, user)
    except InvitationUnusable as problem:
        db.session.rollback()
        _note_refused(invitation)
        return _problem_page("This invitation cannot be used", str(problem), problem.status)
    except TeamError as refusal:
        db.session.rollback()
        _note_refused(invitation)
        return _problem_page("This invitation is not for this account", str(refusal), 409)
    if new_session:
        user.last_login_at = utcnow()
    return _joined(user, learner_public_id, new_session=new_session)


def _accept_page(invitation: Invitation, form, mode: str, problems=(), status: int = 200):
    return render_template(
        "cases/team/accept.html", invitation=invitation, form=form, mode=mode, problems=list(problems)
    ), status


def _note_refused(invitation: Invitation | None) -> None:
    """A link that cannot be used, or used by someone else: the trail names the invitation, never the token."""
    action = AuditAction.VIEW if request.method in ("GET", "HEAD") else AuditAction.ACCEPT_INVITATION
    note_refusal(action, "invitation", getattr(invitation, "public_id", None), invitation)


@bp.route("/invitations/accept/<token>", methods=["GET", "POST"])
@limits.guard("invitation", limits.token_in_url)
def invitation_accept(token: str):
    try:
        invitation = services.find_invitation(token)
    except InvitationUnusable as problem:
        _note_refused(problem.invitation)
        return _problem_page("This invitation cannot be used", str(problem), problem.status)

    if current_user.is_authenticated:
        if not services.is_for(invitation, current_user):
            _note_refused(invitation)
            return _problem_page(
                "This invitation is for another person",
                "You are signed in with a different account from the one this invitation was sent to. "
                "Sign out first if the invitation is yours, or ask the SENCo who sent it.",
                403,
            )
        form = AcceptForm()
        if form.validate_on_submit():
            return _accept_as(invitation, current_user, new_session=False)
        return _accept_page(invitation, form, "accept", status=400 if form.errors else 200)

    account = services.invited_account(invitation)
    if account is not None:
        form = AcceptWithPasswordForm()
        if not form.validate_on_submit():
            return _accept_page(invitation, form, "password", status=400 if form.errors else 200)
        # The ordinary sign-in service; a wrong password counts against this link's rate limits.
        # Access that ended with an earlier case comes back with this one.
        result = sign_in.authenticate(invitation.email, form.password.data, access_may_resume=True)
        if result.outcome in (SignInOutcome.SIGNED_IN, SignInOutcome.ACCESS_ENDED):
            return _accept_as(invitation, result.user, new_session=True)
        db.session.commit()  # the failure's event is kept
        limits.count_failure()
        problem = {"text": SIGN_IN_PROBLEMS[result.outcome], "href": "#password"}
        return _accept_page(invitation, form, "password", problems=[problem], status=400)

    form = AcceptWithNewAccountForm()
    if not form.is_submitted():
        form.display_name.data = invitation.display_name
    if not form.validate_on_submit():
        return _accept_page(invitation, form, "new", status=400 if form.errors else 200)
    try:
        user = services.create_invited_account(
            invitation, display_name=form.display_name.data, password=form.new_password.data
        )
    except TeamError as refusal:
        db.session.rollback()
        show_on_form(form, refusal, {"password": "new_password", "email": None})
        return _accept_page(invitation, form, "new", status=400)
    return _accept_as(invitation, user, new_session=True)


# --- outside accounts: the school administrator's view, with counts and dates, never learners ------------------


@bp.route("/accounts/outside")
@login_required
def outside_accounts():
    rows = outside.outside_accounts(current_user)
    return render_template("cases/team/outside_accounts.html", rows=rows)
