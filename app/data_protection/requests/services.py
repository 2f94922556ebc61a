"""The register of subject access requests: registering one, the identity check, the extension, closing it.

Services take the acting user, check the policy, write the audit event (the learner is the subject, so each shows
in the learner's access history; fields are named, never the sealed values) and only flush; views commit.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from app.agencies.accounts.models import User
from app.agencies.calendar.services import SchoolDays
from app.audit.events import record
from app.audit.models import AuditAction
from app.cases.learners.models import Learner
from app.core import dates
from app.core.conflicts import EditConflict, check_version
from app.core.ordering import newest_page
from app.data_protection.requests import deadlines
from app.data_protection.requests.models import (
    CLOSED_STATUSES,
    ClockStart,
    RequesterRelationship,
    RequestKind,
    RequestStatus,
    SubjectAccessRequest,
)
from app.extensions import db
from app.policy import Action, require
from app.policy.scopes import visible_access_requests
from app.problems import Refusal
from app.types import utcnow

NAME_MAX = 200
TEXT_MAX = 2000
OPEN_STATUSES = tuple(status for status in RequestStatus if status not in CLOSED_STATUSES)


class RequestError(Refusal):
    """A request that cannot be registered or changed as asked (the message says why, beside its field)."""


# --- reading ------------------------------------------------------------------------------------------------


def school_learners(school_id: int) -> list[Learner]:
    """The learners a request may be about: every learner of the school, leavers included, never one merged away
    (sorted here: names are sealed)."""
    found = db.session.scalars(select(Learner).where(Learner.school_id == school_id,
                                                     Learner.merged_into_id.is_(None))).all()
    return sorted(found, key=lambda learner: (learner.name.casefold(), learner.public_id))


CLOSED_PAGE_SIZE = 50  # closed requests on a page of the register; older ones follow on pages of their own


def register_of(actor: User, *, closed: bool = False, before: str | None = None,
                limit: int | None = None) -> list[SubjectAccessRequest]:
    """The school's requests: open ones by due date (the most urgent first: every one, as each is work to do), or
    closed ones, newest first, `limit` of them and, with `before`, older than the closed request with this public
    id (one in the actor's register; any other starts from the newest): the closed ones add up every year."""
    require(actor, Action.LIST_ACCESS_REQUESTS)
    # From the policy's scope, with each request's learner (the register names every one).
    scope = visible_access_requests(actor)
    if closed:
        query = newest_page(scope.where(SubjectAccessRequest.status.in_(CLOSED_STATUSES)),
                            SubjectAccessRequest.closed_at, SubjectAccessRequest.id, SubjectAccessRequest.public_id,
                            before, limit)
    else:
        query = scope.where(SubjectAccessRequest.status.in_(OPEN_STATUSES)).order_by(
            SubjectAccessRequest.due_on, SubjectAccessRequest.id)
    return list(db.session.scalars(query.options(joinedload(SubjectAccessRequest.learner))))


def overdue_count(school_id: int, today: date | None = None) -> int:
    """Open requests of the school past their due date (for the DPO's home page and navigation)."""
    today = today or dates.today()
    return db.session.scalar(select(func.count(SubjectAccessRequest.id)).where(
        SubjectAccessRequest.agency_id == school_id, SubjectAccessRequest.status.in_(OPEN_STATUSES),
        SubjectAccessRequest.due_on < today)) or 0


def due_soon(school_id: int, today: date, within_days: int) -> list[SubjectAccessRequest]:
    """Open requests of the school due from today to `within_days` days ahead."""
    return list(db.session.scalars(select(SubjectAccessRequest).where(
        SubjectAccessRequest.agency_id == school_id, SubjectAccessRequest.status.in_(OPEN_STATUSES),
        SubjectAccessRequest.due_on >= today,
        SubjectAccessRequest.due_on <= date.fromordinal(today.toordinal() + within_days))
        .order_by(SubjectAccessRequest.due_on)))


# --- the due date ------------------------------------------------------------------------------------------


def due_date(request: SubjectAccessRequest) -> date:
    """What the request's due date is, from what is recorded on it (an extension replaces the month)."""
    if request.kind is RequestKind.EDUCATIONAL_RECORD:
        return deadlines.educational_record_due(request.clock_starts_on, SchoolDays(request.agency_id).is_school_day)
    if request.extended_to is not None:
        return request.extended_to
    return deadlines.article_15_due(request.clock_starts_on)


def _recompute_due(request: SubjectAccessRequest) -> None:
    request.due_on = due_date(request)


def _flush() -> None:
    """Flush through the version column: of two people acting on one request at once, the second gets EditConflict."""
    try:
        db.session.flush()
    except StaleDataError:
        raise EditConflict() from None


# --- checks ------------------------------------------------------------------------------------------------


def _text(value: str | None, field: str, what: str, *, required: bool, limit: int = TEXT_MAX) -> str | None:
    value = (value or "").strip()
    if not value:
        if required:
            raise RequestError(f"Enter {what}", field)
        return None
    if len(value) > limit:
        raise RequestError(f"{what[0].upper()}{what[1:]} must be {limit} characters or fewer", field)
    return value


def _choice(enum_class, value, field: str, message: str):
    try:
        return value if isinstance(value, enum_class) else enum_class(value)
    except ValueError:
        raise RequestError(message, field) from None


def _day_not_in_future(day: date | None, field: str, what: str, today: date) -> date:
    if day is None:
        raise RequestError(f"Enter the date {what}", field)
    if day > today:
        raise RequestError(f"The date {what} must be today or in the past", field)
    return day


# --- changes -----------------------------------------------------------------------------------------------


def register_request(actor: User, *, learner: Learner | None, kind, requester_name: str, relationship,
                     entitlement: str | None, received_on: date | None) -> SubjectAccessRequest:
    """Register a request received by the school; the clock runs from the day of receipt until an identity check
    says otherwise.

    :raise 403: not a DPO of the school. :raise RequestError: a field is missing or wrong."""
    require(actor, Action.REGISTER_ACCESS_REQUEST)
    if learner is None or learner.school_id != actor.agency_id or learner.merged_into_id is not None:
        raise RequestError("Select the learner the request is about", "learner")
    kind = _choice(RequestKind, kind, "kind", "Select what kind of request it is")
    name = _text(requester_name, "requester_name", "the requester's name", required=True, limit=NAME_MAX)
    relationship = _choice(RequesterRelationship, relationship, "relationship",
                           "Select the requester's relationship to the learner")
    entitlement = _text(entitlement, "entitlement", "the requester's entitlement", required=False)
    received_on = _day_not_in_future(received_on, "received_on", "the request was received", dates.today())
    request = SubjectAccessRequest(
        agency_id=actor.agency_id, learner_id=learner.id, kind=kind, requester_relationship=relationship,
        received_on=received_on, registered_by_id=actor.id, clock_start=ClockStart.RECEIVED,
        clock_starts_on=received_on, status=RequestStatus.REGISTERED,
    )
    request.learner = learner
    request.requester_name = name
    request.entitlement = entitlement
    _recompute_due(request)
    db.session.add(request)
    db.session.flush()
    record(actor, AuditAction.CREATE, request, fields=(
        "kind", "requester_name", "requester_relationship", "entitlement", "received_on", "due_on"))
    return request


def record_identity_check(actor: User, request: SubjectAccessRequest, *, version, confirmed_on: date | None,
                          note: str, clock_waited: bool) -> SubjectAccessRequest:
    """Record that the requester's identity (and entitlement) was checked: when, how, by whom. When the request
    could not be acted on until then (`clock_waited`), the clock restarts from the day identity was confirmed.

    :raise 403: not the school's DPO, closed, or checked already. :raise EditConflict: changed since loaded.
    :raise RequestError: a field is missing or wrong."""
    require(actor, Action.RECORD_REQUESTER_IDENTITY, request)
    check_version(request, version)
    confirmed_on = _day_not_in_future(confirmed_on, "confirmed_on", "identity was confirmed", dates.today())
    if confirmed_on < request.received_on:
        raise RequestError("The date identity was confirmed must be on or after the day the request was received",
                           "confirmed_on")
    request.identity_note = _text(note, "note", "how identity was checked", required=True)
    request.identity_confirmed_on = confirmed_on
    request.identity_checked_by_id, request.identity_checked_at = actor.id, utcnow()
    if clock_waited:
        request.clock_start, request.clock_starts_on = ClockStart.IDENTITY_CONFIRMED, confirmed_on
    if request.status is RequestStatus.REGISTERED:
        request.status = RequestStatus.IDENTITY_CHECKED
    _recompute_due(request)
    _flush()
    record(actor, AuditAction.UPDATE, request, fields=(
        "identity_confirmed_on", "identity_note", "clock_starts_on", "due_on", "status"))
    return request


def extend_request(actor: User, request: SubjectAccessRequest, *, version, months, reason: str,
                   today: date | None = None) -> SubjectAccessRequest:
    """Extend a complex Article 15 request by one or two further months, once, with the reason, before it is due.

    :raise 403: not the school's DPO, closed, not Article 15, or extended already.
    :raise EditConflict: changed since loaded. :raise RequestError: no reason, a wrong length, or too late."""
    require(actor, Action.EXTEND_ACCESS_REQUEST, request)
    check_version(request, version)
    today = today or dates.today()
    try:
        months = int(months)
    except (TypeError, ValueError):
        months = 0
    if not 1 <= months <= deadlines.MAX_EXTENSION_MONTHS:
        raise RequestError("Select by how many months to extend", "months")
    reason = _text(reason, "reason", "why the request is complex", required=True)
    if today > request.due_on:
        raise RequestError("The request is already overdue: it can only be extended before its due date", "months")
    request.extended_to = deadlines.article_15_due(request.clock_starts_on, months)
    request.extension_reason = reason
    request.extended_by_id, request.extended_at = actor.id, utcnow()
    _recompute_due(request)
    _flush()
    record(actor, AuditAction.UPDATE, request, fields=("extended_to", "extension_reason", "due_on"))
    return request


CLOSINGS = {
    "complete": RequestStatus.COMPLETED,
    "withdraw": RequestStatus.WITHDRAWN,
    "refuse": RequestStatus.REFUSED,
}


def close_request(actor: User, request: SubjectAccessRequest, *, version, outcome: str,
                  reason: str | None = None) -> SubjectAccessRequest:
    """Close a request: completed (answered), withdrawn by the requester, or refused with the reason (manifestly
    unfounded or excessive, or an exemption applies). A request is completed only once identity was checked.

    :raise 403: not the school's DPO, or closed already. :raise EditConflict: changed since loaded.
    :raise RequestError: an unknown outcome, no reason for a refusal, identity unchecked."""
    require(actor, Action.CLOSE_ACCESS_REQUEST, request)
    check_version(request, version)
    status = CLOSINGS.get(outcome)
    if status is None:
        raise RequestError("Select how the request ends", "outcome")
    fields = ["status", "closed_at"]
    if status is RequestStatus.REFUSED:
        request.refusal_reason = _text(reason, "reason", "why the request is refused", required=True)
        fields.append("refusal_reason")
    if status is RequestStatus.COMPLETED:
        if not request.identity_checked:
            raise RequestError("Record the identity check before marking the request completed", "outcome")
        request.completed_at = utcnow()
        fields.append("completed_at")
    request.status = status
    request.closed_at, request.closed_by_id = utcnow(), actor.id
    _flush()
    record(actor, AuditAction.UPDATE, request, fields=tuple(fields))
    return request



# --- what the request page shows -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One thing that happened to a request, for its timeline."""

    at: datetime
    what: str
    by: User | None
    detail: str | None = None  # sealed text, opened for the DPO's page only


def timeline(request: SubjectAccessRequest) -> list[Step]:
    """What happened to the request, oldest first, from what is recorded on it."""
    steps = [Step(request.registered_at, f"Registered (received on {dates.day(request.received_on)})",
                  request.registered_by)]
    if request.identity_checked_at is not None:
        restarted = request.clock_start is ClockStart.IDENTITY_CONFIRMED
        steps.append(Step(request.identity_checked_at,
                          f"Identity checked (confirmed on {dates.day(request.identity_confirmed_on)})"
                          + ("; the clock runs from that day" if restarted else ""),
                          request.identity_checked_by, request.identity_note))
    if request.extended_at is not None:
        steps.append(Step(request.extended_at, f"Deadline extended to {dates.day(request.extended_to)}",
                          request.extended_by, request.extension_reason))
    if request.closed_at is not None:
        detail = request.refusal_reason if request.status is RequestStatus.REFUSED else None
        steps.append(Step(request.closed_at, request.status.label, request.closed_by, detail))
    return sorted(steps, key=lambda step: step.at)


def extension_options(request: SubjectAccessRequest) -> list[tuple[int, date]]:
    """(further months, the due date it gives), for the extension form."""
    return [(months, deadlines.article_15_due(request.clock_starts_on, months))
            for months in range(1, deadlines.MAX_EXTENSION_MONTHS + 1)]


def latest_extension(request: SubjectAccessRequest) -> date | None:
    """The furthest an open Article 15 request not yet extended could be extended to; None otherwise."""
    if request.kind is not RequestKind.ARTICLE_15 or request.is_extended or not request.is_open:
        return None
    return deadlines.latest_extension(request.clock_starts_on)
