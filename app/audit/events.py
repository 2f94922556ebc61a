"""Writing audit events: services call `record` in their own transaction; reads are gathered per request.

A service that changes data calls `record(...)` before the view's one commit, so the change never
commits without its event. Reads are noted as the policy loads objects (`note_read`: an opening) or as
pages show learners' names in a list (`note_learners`). At the end of the request one VIEW event names
what was opened and the learners whose records those were, and one LISTED event the learners merely
shown in a list (a name on a page is not an opening of the record). The DSL's review pages note
themselves (`note_review`): a VIEW of the audit trail, every learner they name only LISTED. A refused
request rolls back whatever it did and commits only its refusal.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app, g, has_request_context, request
from flask_login import current_user
from sqlalchemy import event, insert
from sqlalchemy.orm import Session

from app.audit import subjects
from app.audit.chain import SealerBusy, seal_run
from app.audit.directory import is_person, learner_of, school_of
from app.audit.models import AuditAction, AuditEvent, AuditEventLearner, AuditOutcome
from app.core.dates import school_zone
from app.database import database_unreachable, lock_wait_failed, roll_back, want_write_lock
from app.extensions import db
from app.types import utcnow

log = logging.getLogger("braid.audit")

_EVENTS = AuditEvent.__table__
_LEARNERS = AuditEventLearner.__table__
SYSTEM_ROLE = "system"  # the actor of command-line events (key rotation, verification)


# --- what an event is about ----------------------------------------------------------------------


def object_type_of(thing) -> str | None:
    return None if thing is None else getattr(thing, "__tablename__", type(thing).__name__.lower())


def is_out_of_hours(moment: datetime) -> bool:
    local = moment.astimezone(school_zone())
    start, end = current_app.config.get("AUDIT_WORKING_HOURS", (7, 19))
    return local.weekday() >= 5 or not (start <= local.hour < end)


# --- writing -------------------------------------------------------------------------------------


def record(
    actor,
    action: AuditAction,
    thing=None,
    *,
    object_type: str | None = None,
    object_public_id: str | None = None,
    learners=(),
    fields=(),
    purpose: str | None = None,
    outcome: AuditOutcome = AuditOutcome.ALLOWED,
    school_id: int | None = None,
) -> None:
    """Write one event in the current transaction (no commit): the caller's commit carries it.

    `thing` names the object (its table and public id) and, through it, its learner; `learners`
    adds more learners (Learner objects). Learners of several schools give one event per school,
    so each school's trail and each learner's history holds it.
    """
    if not current_app.config.get("AUDIT_ENABLED", True):
        return  # switched off only to measure what auditing costs (bench/audit.py)
    learner_objs = {}
    main = learner_of(thing)
    for learner in ([main] if main is not None else []) + list(learners):
        if learner is not None:
            learner_objs[learner.public_id] = learner
    by_school: dict[int | None, list[str]] = {}
    for public_id, learner in learner_objs.items():
        by_school.setdefault(learner.school_id, []).append(public_id)
    if not by_school:
        by_school[school_id if school_id is not None else _default_school(actor, thing)] = []
    base = _base_row(actor, action, outcome)
    base.update(
        object_type=object_type or object_type_of(thing),
        object_public_id=_storable(object_public_id or getattr(thing, "public_id", None)),
        fields_changed=",".join(sorted(set(fields))) or None,
        purpose=purpose,
    )
    for school, public_ids in by_school.items():
        write_row(dict(base, school_id=school, learner_public_ids=" ".join(sorted(public_ids)) or None), public_ids)
    if has_request_context():
        g.audit_written = True


def _storable(public_id) -> str | None:
    """A public id as a URL asked for it, fit for its column: PostgreSQL refuses NUL; at most 64 characters."""
    return None if public_id is None else str(public_id).replace("\x00", "\ufffd")[:64]


def _default_school(actor, thing) -> int | None:
    for person in (thing if is_person(thing) else None, actor):
        school = school_of(person)
        if school is not None:
            return school
    return None


def _base_row(actor, action: AuditAction, outcome: AuditOutcome) -> dict:
    now = utcnow()
    # Not `is_authenticated`: Flask-Login ties it to is_active, and a deactivated actor still has a name.
    signed_in = (actor is not None and getattr(actor, "id", None) is not None
                 and not getattr(actor, "is_anonymous", False))
    in_request = has_request_context()
    return dict(
        occurred_at=now,
        actor_id=actor.id if signed_in else None,
        actor_role=actor.role.value if signed_in else (None if in_request else SYSTEM_ROLE),
        actor_agency_id=actor.agency_id if signed_in else None,
        action=action,
        outcome=outcome,
        request_id=g.get("request_id") if in_request else None,
        ip_address=(request.remote_addr or None) if in_request else None,
        out_of_hours=is_out_of_hours(now),
    )


def write_row(row: dict, learner_public_ids: list[str]) -> None:
    """Insert one event row and its learner index rows (no commit)."""
    session = db.session
    if learner_public_ids:
        event_id = session.execute(insert(_EVENTS).returning(_EVENTS.c.id), [row]).scalar_one()
        session.execute(
            insert(_LEARNERS),
            [{"learner_public_id": p, "event_id": event_id, "school_id": row["school_id"]} for p in learner_public_ids],
        )
    else:
        session.execute(insert(_EVENTS), [row])


# --- reads and refusals, gathered per request ----------------------------------------------------


@dataclass(frozen=True)
class SeenLearner:
    """What an event needs of a learner read in this request, kept as plain values: the request's
    transaction is rolled back before its VIEW event is written, which would expire every Learner
    and cost one SELECT each to reload (a list page of n learners: n statements)."""

    public_id: str
    school_id: int | None


def _seen(learner) -> SeenLearner:
    return SeenLearner(learner.public_id, learner.school_id)


@dataclass
class RequestReads:
    objects: list = field(default_factory=list)  # (object_type, public_id) in the order loaded
    learners: dict = field(default_factory=dict)  # public_id -> SeenLearner: records opened (the VIEW names them)
    listed: dict = field(default_factory=dict)  # public_id -> SeenLearner: names shown in a list (LISTED)
    refusal: tuple | None = None  # (audit action, object_type, public_id, learner or None)
    purpose: str | None = None
    review: str | None = None  # the object type of the trail's review page this request is (note_review)


def _reads() -> RequestReads | None:
    if not has_request_context():
        return None
    reads = g.get("audit_reads")
    if reads is None:
        reads = g.audit_reads = RequestReads()
    return reads


def note_read(thing) -> None:
    """The request opened `thing` for its user (called by the policy after a successful check).

    On a review page of the trail (`note_review`) a learner loaded to filter by is not opened: only listed.
    """
    reads = _reads()
    if reads is None or thing is None:
        return
    learner = learner_of(thing)
    if reads.review is not None:
        if learner is not thing:  # a person whose activity is reviewed is what the page shows
            reads.objects.append((object_type_of(thing), getattr(thing, "public_id", None)))
        if learner is not None:
            reads.listed.setdefault(learner.public_id, _seen(learner))
        return
    reads.objects.append((object_type_of(thing), getattr(thing, "public_id", None)))
    if learner is not None and learner.public_id not in reads.learners:
        reads.learners[learner.public_id] = _seen(learner)


def note_learners(learners) -> None:
    """A page shows these learners' names in a list (a list, a search result, the home page's cases, the
    trail's rows): recorded as LISTED, not as an opening of their records."""
    reads = _reads()
    if reads is None:
        return
    listed = reads.listed
    for learner in learners:
        if learner.public_id not in listed:
            listed[learner.public_id] = _seen(learner)


def note_review(object_type: str) -> None:
    """This request is a review page of the trail (`object_type`, e.g. "audit_trail"): it is recorded as a VIEW
    of that, and the learners it names (its filter, its rows) only as LISTED: reviewing who saw a learner's
    record is not an opening of it. Called before anything is loaded."""
    reads = _reads()
    if reads is not None:
        reads.review = object_type


def note_page(object_type: str) -> None:
    """This request's VIEW event names a page of this type, not the record it loaded (the family's summary of
    who has seen a learner's record is about the record, and is not itself an opening of it)."""
    reads = _reads()
    if reads is not None:
        reads.objects.insert(0, (object_type, None))


def note_purpose(purpose: str) -> None:
    """Why this request reads what it reads (break-glass access)."""
    reads = _reads()
    if reads is not None:
        reads.purpose = purpose


def note_refusal(action: AuditAction, object_type: str | None, public_id: str | None, thing=None) -> None:
    """The policy refused this request: what was asked for (the object may not exist).

    `public_id` may be whatever was typed: the event keeps it only if a record of `object_type` has it
    (app.audit.subjects, checked when the refusal is written), and names `thing`'s learner.
    """
    reads = _reads()
    if reads is not None and reads.refusal is None:
        reads.refusal = (action, object_type, public_id, learner_of(thing))


REFUSED_STATUSES = frozenset({401, 403, 404, 410})
ERROR_PAGE = "braid_error_page"  # set in flask.g when the response is one of app.web's error pages


class EventNotWritten(Exception):
    """The request's event could not be committed, so what it read must not be shown (app.web answers 503/500)."""

    def __init__(self, *, busy: bool) -> None:
        super().__init__("busy" if busy else "failed")
        self.busy = busy


def write_request_event(response):
    """After a request: commit its refusal, or the VIEW and LISTED events of what it showed (if nothing else was).

    :raise EventNotWritten: when that commit fails; the response must then be replaced.
    """
    if not current_app.config.get("AUDIT_ENABLED", True):
        return response
    reads = g.get("audit_reads")
    status = response.status_code
    if status >= 500:
        return response
    noted_refusal = reads is not None and reads.refusal is not None
    # The actor only when an event is written here: after a view's own commit, asking would reload the account.
    unnoted_refusal = status in REFUSED_STATUSES and request.endpoint not in (None, "static") \
        and _signed_in_actor() is not None
    try:
        if noted_refusal or unnoted_refusal:
            _write_refusal(_signed_in_actor(), reads)
        elif reads is not None and (reads.objects or reads.learners or reads.listed or reads.review) \
                and not g.get("audit_written") \
                and not g.get(ERROR_PAGE):  # an error page (413, say) shows nothing it loaded
            _write_view(_signed_in_actor(), reads)
        elif not g.get("audit_written"):
            return response  # nothing was written: nothing to seal
    except Exception as error:
        roll_back(db.session)
        if lock_wait_failed(error) or database_unreachable(error):  # busy or away, not broken: "try again shortly"
            log.warning("audit event could not be written: database busy or unreachable endpoint=%s request_id=%s",
                        request.endpoint, g.get("request_id"))
            raise EventNotWritten(busy=True) from error
        log.exception("audit event could not be written request_id=%s", g.get("request_id"))
        raise EventNotWritten(busy=False) from error
    _maybe_seal(response)
    return response


def _signed_in_actor():
    return current_user if current_user and current_user.is_authenticated else None


@dataclass(frozen=True)
class _ActorAsRead:
    """The acting account's columns as the refused request read them (what `_base_row` needs)."""

    id: int
    role: object
    agency_id: int | None
    is_anonymous: bool = False


@dataclass(frozen=True)
class _LearnerAsRead:
    public_id: str
    school_id: int | None


def _let_go_of_what_was_read(session) -> None:
    """The page is rendered and changed nothing: its objects are not needed again, so the session lets go of them
    rather than expire each one at the rollback and the commit below (a list page loads a hundred or more). What was
    loaded stays readable on them (the signed-in account, for the rest of the request)."""
    session.expunge_all()


def _request_changed(session) -> bool:
    """Whether the request wrote anything (flushed, or holds new, changed or deleted objects)."""
    return bool(g.get("_braid_flushed") or session.new or session.dirty or session.deleted)


def _begin_event(session, changed: bool) -> None:
    """Where a request's own event is written. On SQLite the read ends here and the event gets a short transaction
    of its own holding the write lock from its start (it may read, then writes): the read never held it, nor waited
    for it while rendering (app.database). On PostgreSQL the read's own transaction carries the event (one
    transaction), unless the request changed something: that is rolled back first, and only the event commits."""
    if changed or db.engine.dialect.name == "sqlite":
        session.rollback()
        want_write_lock()


def _write_refusal(actor, reads: RequestReads | None) -> None:
    learners = []
    if reads is not None and reads.refusal is not None:
        action, object_type, public_id, learner = reads.refusal
        learners = [learner] if learner is not None else []
    elif reads is not None and reads.objects:
        # Refused after a successful load (e.g. a version of a record that does not exist): name what was loaded.
        action = AuditAction.VIEW if request.method in ("GET", "HEAD") else AuditAction.UPDATE
        (object_type, public_id), learners = reads.objects[0], list(reads.learners.values())
    else:
        action = AuditAction.VIEW if request.method in ("GET", "HEAD") else AuditAction.UPDATE
        object_type, public_id = None, (request.view_args or {}).get("public_id")
    session, school = db.session, None
    changed = _request_changed(session)
    if not changed:
        # The request changed nothing, so what it read is what is committed: keep it, rather than reload the
        # actor (and its agency, and each learner) after the rollback expires them (two or three queries).
        if actor is not None:
            school = school_of(actor)
            actor = _ActorAsRead(actor.id, actor.role, actor.agency_id)
        learners = [_LearnerAsRead(learner.public_id, learner.school_id) for learner in learners]
        _let_go_of_what_was_read(session)
    _begin_event(session, changed)  # whatever the refused request did is undone; only its refusal commits
    # Every refusal passes here: an id is kept only if it names a record that exists (after the rollback),
    # so no caller and no visitor can write their own text into the trail.
    object_type, public_id = subjects.name(object_type, public_id)
    record(
        actor, action, object_type=object_type, object_public_id=public_id,
        learners=learners, outcome=AuditOutcome.REFUSED, school_id=school,
    )
    db.session.commit()


def _write_view(actor, reads: RequestReads) -> None:
    """One VIEW of what was opened (naming the learners whose records those were) and one LISTED naming the
    learners only shown in a list: two inserts at most, whatever the number of learners."""
    session = db.session
    changed = _request_changed(session)
    school = None
    if actor is not None and not changed:
        # What the request read is what is committed: keep the actor's columns as read, rather than reload the
        # account and its agency after the rollback below expires them (one query on every audited page).
        school = school_of(actor)
        actor = _ActorAsRead(actor.id, actor.role, actor.agency_id)
        _let_go_of_what_was_read(session)
    _begin_event(session, changed)  # a read commits nothing but its event
    if reads.objects or reads.review:
        object_type, public_id = reads.objects[0] if reads.objects else (reads.review, None)
        record(
            actor, AuditAction.VIEW, object_type=object_type, object_public_id=public_id,
            learners=list(reads.learners.values()), purpose=reads.purpose, school_id=school,
        )
    # A learner whose record was opened is named by the VIEW alone.
    listed = [learner for public_id, learner in reads.listed.items() if public_id not in reads.learners]
    if listed:
        record(actor, AuditAction.LISTED, object_type="learner_list", learners=listed, purpose=reads.purpose,
               school_id=school)
    db.session.commit()


def note_anonymous_refusal() -> None:
    """An anonymous request for a page that names an object: recorded as refused (no actor), naming the
    object only if a registered record has the id in the URL (see _write_refusal)."""
    public_id = (request.view_args or {}).get("public_id")
    if public_id is not None:
        note_refusal(AuditAction.VIEW if request.method in ("GET", "HEAD") else AuditAction.UPDATE, None, public_id)


@event.listens_for(Session, "after_flush")
def _remember_flush(session, flush_context) -> None:
    # A request that wrote anything must not commit it with a VIEW event (see _write_view).
    if has_request_context():
        g._braid_flushed = True


@event.listens_for(Session, "after_rollback")
def _forget_written_events(session) -> None:
    # An event rolled back with its change was never written: the request must not count on it.
    if has_request_context():
        g.pop("audit_written", None)
        g.pop("_braid_flushed", None)


# --- sealing soon after, never in the request's own time -----------------------------------------
#
# Requests seal within about AUDIT_SEAL_INTERVAL of writing (the tamper-evidence window), and a seal made
# here also signs the automatic checkpoint when one is due. In quiet times the periodic job `audit.seal`
# (app.audit.jobs, run by `flask jobs worker`) seals and signs instead: no timer waits for a checkpoint here.

_seal_lock = threading.Lock()
_timer_lock = threading.Lock()
SEALING = "braid_audit_sealing"  # app.extensions: when this app last sealed, and its pending timer


def _sealing(app) -> dict:
    # Per app, not per process: a test process serves many apps, and one app's timer must not stand for another's.
    return app.extensions.setdefault(SEALING, {"last": 0.0, "timer": None})


def _maybe_seal(response) -> None:
    """Seal after this response if the interval has passed, else within the interval by a timer.

    Either way the tamper-evidence window is about AUDIT_SEAL_INTERVAL: an event is never left
    unsealed until some later request happens to come.
    """
    interval = current_app.config.get("AUDIT_SEAL_INTERVAL")
    if interval is None:
        return
    app = current_app._get_current_object()
    wait = interval - (time.monotonic() - _sealing(app)["last"])
    if wait <= 0:
        response.call_on_close(lambda: _seal(app))
        # And a timer behind it: a seal after a response has been seen to find nothing new now and then (SQLite,
        # a busy machine), and this event must not wait for the next request. At most one timer is pending.
        _seal_later(app, max(interval, 1.0))
        return
    _seal_later(app, wait)


def _seal_later(app, wait: float) -> None:
    with _timer_lock:
        timer = _sealing(app)["timer"]
        # A timer that has fired (or died) no longer counts: this event must still be sealed within the window.
        if timer is None or not timer.is_alive():
            timer = threading.Timer(wait, _seal, args=(app, True))
            timer.daemon = True
            _sealing(app)["timer"] = timer
            timer.start()


def _seal(app, from_timer: bool = False) -> None:
    if from_timer:
        with _timer_lock:
            _sealing(app)["timer"] = None
    # Wait for a seal in progress rather than skip: it may have started before our event committed.
    if not _seal_lock.acquire(timeout=10):
        # A seal still running after 10 s (a busy machine): come back rather than leave this event unsealed.
        _seal_later(app, app.config.get("AUDIT_SEAL_INTERVAL") or 1.0)
        return
    try:
        _sealing(app)["last"] = time.monotonic()
        with app.app_context():
            try:
                seal_run()
            except SealerBusy:
                # Requests still in flight held the chain: try again shortly, or the last events of a
                # quiet moment would wait for the next request (or the periodic job) to be sealed.
                _seal_later(app, app.config.get("AUDIT_SEAL_INTERVAL") or 1.0)
    except Exception as error:
        if database_unreachable(error):
            # An outage, not a bug: one line each time, no trace (the requests' own 503s say the same).
            log.warning("audit sealing waits: the database is unreachable; the events will be sealed next time")
        else:
            log.exception("audit sealing failed; the events stay committed and will be sealed next time")
    finally:
        _seal_lock.release()
