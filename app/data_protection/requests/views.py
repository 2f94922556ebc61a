"""The register of subject access requests: the data protection officer's pages (everyone else is refused by the
policy). Requester names appear on the pages only: never in a URL, a log line or the trail."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.exc import SQLAlchemyError

from app.audit.events import note_learners, note_page
from app.core import dates
from app.core.conflicts import ConflictField, conflict_page
from app.core.forms import Saved, handle_form
from app.core.ordering import split_page
from app.data_protection.blueprint import bp
from app.data_protection.requests import services
from app.data_protection.requests.forms import CloseForm, ExtendForm, IdentityForm, RegisterRequestForm
from app.data_protection.requests.models import SubjectAccessRequest
from app.extensions import db
from app.policy import Action, get_or_404, require, shows

DUE_SOON_DAYS = 5  # "Due in N days" from this many days ahead


@bp.app_context_processor
def access_request_helpers() -> dict:
    return {"overdue_access_requests": overdue_for_navigation, "access_request_due": due_tag}


def overdue_for_navigation() -> int | None:
    """The count of overdue requests for a signed-in DPO's navigation and home page; None for anyone else."""
    try:
        if not current_user.is_authenticated or not shows(current_user, Action.LIST_ACCESS_REQUESTS):
            return None
        return services.overdue_count(current_user.agency_id)
    except SQLAlchemyError:
        return None  # an error page after a failed transaction: it must render without the database


@dataclass(frozen=True)
class DueTag:
    text: str
    colour: str  # a GOV.UK tag colour


def due_tag(access_request: SubjectAccessRequest, today: date | None = None) -> DueTag | None:
    """"Overdue" (red) past the due date, "Due today" or "Due in N days" up to DUE_SOON_DAYS ahead; else None."""
    if not access_request.is_open:
        return None
    left = access_request.days_left(today or dates.today())
    if left < 0:
        return DueTag("Overdue", "red")
    if left == 0:
        return DueTag("Due today", "orange")
    if left <= DUE_SOON_DAYS:
        return DueTag(f"Due in {left} day{'' if left == 1 else 's'}", "yellow")
    return None


def _load(public_id: str, action: Action) -> SubjectAccessRequest:
    """:raise 404: not a request of the DPO's school (or not a DPO). :raise 403: in sight, but `action` is not open
    to it (closed, checked already, extended already)."""
    return get_or_404(SubjectAccessRequest, public_id, current_user, action)


def _detail_url(access_request: SubjectAccessRequest) -> str:
    return url_for("data_protection.access_request_detail", public_id=access_request.public_id)


@bp.route("/requests")
@login_required
def access_requests():
    """The register: open requests, the most urgent first; or the closed ones (?show=closed), newest first."""
    require(current_user, Action.LIST_ACCESS_REQUESTS)
    closed = request.args.get("show") == "closed"
    older = None
    if closed:
        found, older = split_page(services.register_of(
            current_user, closed=True, before=request.args.get("before"),
            limit=services.CLOSED_PAGE_SIZE + 1), services.CLOSED_PAGE_SIZE)  # one more: is there an older page?
    else:
        found = services.register_of(current_user)
    note_page("subject_access_register")
    note_learners([item.learner for item in found])
    return render_template("data_protection/requests/register.html", requests=found, closed=closed, older=older,
                           first_page="before" not in request.args, today=dates.today(),
                           overdue=services.overdue_count(current_user.agency_id))


@bp.route("/requests/new", methods=["GET", "POST"])
@login_required
def access_request_new():
    require(current_user, Action.REGISTER_ACCESS_REQUEST)
    learners = services.school_learners(current_user.agency_id)
    by_public_id = {learner.public_id: learner for learner in learners}
    form = RegisterRequestForm()
    form.learner.choices = [("", "Choose a learner")] + [
        (learner.public_id, f"{learner.name} ({learner.year_group_label})") for learner in learners]

    def save():
        created = services.register_request(
            current_user, learner=by_public_id.get(form.learner.data), kind=form.kind.data,
            requester_name=form.requester_name.data, relationship=form.relationship.data,
            entitlement=form.entitlement.data, received_on=form.received_on.data)
        return Saved(_detail_url(created), f"The request was registered: it is due on {dates.day(created.due_on)}.")

    def render():
        note_page("subject_access_request_form")
        note_learners(learners)  # the choice of learner names them all
        return render_template("data_protection/requests/new.html", form=form)

    return handle_form(form, save, render=render)


@bp.route("/requests/<public_id>")
@login_required
def access_request_detail(public_id: str):
    access_request = _load(public_id, Action.VIEW_ACCESS_REQUEST)
    return render_template("data_protection/requests/detail.html", access_request=access_request,
                           timeline=services.timeline(access_request), today=dates.today(),
                           latest_extension=services.latest_extension(access_request))


def _conflict(access_request: SubjectAccessRequest, form, endpoint: str, typed: list[ConflictField]):
    """Someone else changed the request since this page was opened: what is saved now beside what was typed."""
    access_request = db.session.get(SubjectAccessRequest, access_request.id)
    form.version.data = access_request.version
    fields = [ConflictField("Status", theirs=access_request.status.label, yours=None),
              ConflictField("Due", theirs=dates.day(access_request.due_on), yours=None), *typed]
    return conflict_page(title="This request", record=access_request, fields=fields, form=form,
                         action_url=url_for(endpoint, public_id=access_request.public_id),
                         back_url=_detail_url(access_request))


def _form_for(form_class, access_request: SubjectAccessRequest, **data):
    if request.method == "GET":
        return form_class(data={"version": access_request.version, **data})
    return form_class()


@bp.route("/requests/<public_id>/identity", methods=["GET", "POST"])
@login_required
def access_request_identity(public_id: str):
    access_request = _load(public_id, Action.RECORD_REQUESTER_IDENTITY)
    form = _form_for(IdentityForm, access_request)

    def save():
        services.record_identity_check(current_user, access_request, version=form.version.data,
                                       confirmed_on=form.confirmed_on.data, note=form.note.data,
                                       clock_waited=form.clock_waited.data == "yes")
        return Saved(_detail_url(access_request),
                     f"The identity check was recorded: the request is due on {dates.day(access_request.due_on)}.")

    return handle_form(
        form, save,
        conflict=lambda: _conflict(access_request, form, "data_protection.access_request_identity",
                                   [ConflictField("How identity was checked", theirs=access_request.identity_note,
                                                  yours=form.note.data or "")]),
        render=lambda: render_template("data_protection/requests/identity.html", form=form,
                                       access_request=access_request))


@bp.route("/requests/<public_id>/extend", methods=["GET", "POST"])
@login_required
def access_request_extend(public_id: str):
    access_request = _load(public_id, Action.EXTEND_ACCESS_REQUEST)
    form = _form_for(ExtendForm, access_request)

    def save():
        services.extend_request(current_user, access_request, version=form.version.data, months=form.months.data,
                                reason=form.reason.data)
        return Saved(_detail_url(access_request),
                     f"The deadline was extended to {dates.day(access_request.due_on)}. Tell the requester, with "
                     "the reason, within the first month.")

    return handle_form(
        form, save,
        conflict=lambda: _conflict(access_request, form, "data_protection.access_request_extend",
                                   [ConflictField("Why the request is complex", theirs=access_request.extension_reason,
                                                  yours=form.reason.data or "")]),
        render=lambda: render_template("data_protection/requests/extend.html", form=form,
                                       access_request=access_request,
                                       options=services.extension_options(access_request)))


@bp.route("/requests/<public_id>/close", methods=["GET", "POST"])
@login_required
def access_request_close(public_id: str):
    access_request = _load(public_id, Action.CLOSE_ACCESS_REQUEST)
    form = _form_for(CloseForm, access_request, outcome=request.args.get("outcome"))

    def save():
        services.close_request(current_user, access_request, version=form.version.data, outcome=form.outcome.data,
                               reason=form.reason.data)
        return Saved(_detail_url(access_request), f"The request is {access_request.status.label.lower()}.")

    return handle_form(
        form, save,
        conflict=lambda: _conflict(access_request, form, "data_protection.access_request_close",
                                   [ConflictField("Why it is refused", theirs=access_request.refusal_reason,
                                                  yours=form.reason.data or "")]),
        render=lambda: render_template("data_protection/requests/close.html", form=form,
                                       access_request=access_request))
