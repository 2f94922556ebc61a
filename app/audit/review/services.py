"""The DSL's review of their school's audit trail: filtered keyset pages, histories, the chain's status.

Flagged patterns are in app.audit.review.flags.

Queries only (apart from `verify_now`): each takes the DSL and filter values and returns rows. Every
query starts from the DSL's school (`audit_event.school_id`) and pages by keyset, newest first (by
event id, or by time and id when bounded by dates), so a page is one indexed range however long the
trail grows: never OFFSET, never a count of the trail. Names are loaded for a page's rows afterwards,
in one query for the people and one for the learners.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import (
    DateTime,
    Integer,
    String,
    bindparam,
    exists,
    func,
    literal_column,
    select,
    tuple_,
    type_coerce,
)

from app.audit.chain import latest_verification, record_verification, verify_and_sign
from app.audit.directory import labelled, lookup
from app.audit.events import SYSTEM_ROLE, record
from app.audit.models import (
    AuditAction,
    AuditEvent,
    AuditEventLearner,
    AuditOutcome,
    AuditSeal,
    AuditVerification,
    PurposeCategory,
)
from app.audit.subjects import erased_learner
from app.core.dates import today as school_today
from app.extensions import db
from app.policy import Action, can, require

PAGE_SIZE = 50
HISTORY_LIMIT = 100  # break-glass openings listed above a learner's history
LEARNERS_NAMED_PER_EVENT = 3  # a row naming more (a list page) shows how many, not every name
BREAK_GLASS_PURPOSE = "break_glass"  # the purpose of every read made through a break-glass grant

EVENTS = AuditEvent.__table__
BY_LEARNER = AuditEventLearner.__table__

# The trail's own object types; the domains label theirs (app.audit.directory.label).
OBJECT_TYPES = {
    "audit_trail": "Audit trail",
    "audit_export": "Audit trail export",
    "audit_filter": "Audit trail filter (a learner or person the school does not have)",
    "audit_verification": "Audit trail verification",
    "audit_checkpoint": "Audit trail checkpoint",
    "access_summary": "Family's summary of who has seen the record",
    "family_visibility_decision": "Withheld from or released to the family's summary",
    "family_visibility_form": "Withhold or release form (the family's summary)",
}


# --- filters -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditFilters:
    """What the DSL narrowed the trail to. Dates are days on the school's clock, both inclusive."""

    learner: str | None = None  # a learner's public id
    user: str | None = None  # the acting account's public id
    action: AuditAction | None = None
    outcome: AuditOutcome | None = None
    date_from: date | None = None
    date_to: date | None = None
    # A learner's access history by default: what opened, changed or was refused, not every list their name was
    # in (LISTED). Not a query parameter of the trail's own page, whose action filter can ask for either.
    openings_only: bool = False

    def query_args(self) -> dict[str, str]:
        """The filters as query parameters (dates as ISO), for links that keep them."""
        args = {
            "learner": self.learner,
            "user": self.user,
            "action": self.action.value if self.action else None,
            "outcome": self.outcome.value if self.outcome else None,
            "date_from": self.date_from.isoformat() if self.date_from else None,
            "date_to": self.date_to.isoformat() if self.date_to else None,
        }
        return {name: value for name, value in args.items() if value}

    def describe(self) -> str:
        """Filter names and ids only (never free text), as kept on an AuditExport."""
        return " ".join(f"{name}={value}" for name, value in self.query_args().items()) or "none"

    @property
    def narrowed(self) -> bool:
        return bool(self.query_args())


def start_of_day(day: date) -> datetime:
    """Midnight at the start of `day` on the school's clock, in UTC."""
    return _midnight(day, current_app.config.get("BRAID_TIMEZONE", "Europe/London"))


@lru_cache(maxsize=1024)
def _midnight(day: date, zone: str) -> datetime:
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(zone)).astimezone(UTC)


def today() -> date:
    return school_today()


def review_school(dsl_user) -> int | None:
    """The school whose trail `dsl_user` reviews, or None when they review none (fail closed)."""
    return dsl_user.agency_id if can(dsl_user, Action.REVIEW_AUDIT) else None


# --- one page of events --------------------------------------------------------------------------


@dataclass
class EventPage:
    """Up to one page of audit_event rows, newest first, and the cursors of the pages either side."""

    rows: list
    newer: int | None = None  # ?after=<newer> shows the page of newer events
    older: int | None = None  # ?before=<older> shows the page of older events

    def __iter__(self):
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)


def ordered_by_time(filters: AuditFilters) -> bool:
    """Pages bounded by dates (and not by a learner) walk the (school_id, occurred_at) index, newest
    first by time then id; the others go newest first by id, along (school_id, ...) or the learner index."""
    return (filters.date_from is not None or filters.date_to is not None) and not filters.learner


# The page's columns. The action, outcome and time come back as the driver gives them (the functions
# below convert them for the rows shown), so that a page costs what the same query by hand costs.
_RAW = {"action", "outcome", "occurred_at"}
PAGE_COLUMNS = [type_coerce(column, String()).label(column.name) if column.name in _RAW else column
                for column in EVENTS.columns]


def event_time(value) -> datetime:
    """An occurred_at as the driver returned it (SQLite: text; PostgreSQL: a datetime), in aware UTC."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def event_action(value) -> AuditAction:
    return value if isinstance(value, AuditAction) else AuditAction(value)


def event_outcome(value) -> AuditOutcome:
    return value if isinstance(value, AuditOutcome) else AuditOutcome(value)


# One statement object per shape of filters, built once: executing it again costs no construction and
# hits SQLAlchemy's compiled cache at once (its cache key is memoized on the object).
_STATEMENTS: dict[tuple, object] = {}


def page_statement(filters: AuditFilters, direction: str, limit: int, merged: bool = False):
    """The statement for `filters`' shape; `direction` is "first", "before" or "after" a cursor event id.
    `merged`: the learner has records merged into it, and `learner` is then the list of all their public ids.

    Parameters: school_id, and learner, user, action, outcome, start, end and cursor as the shape needs.
    """
    learner = "merged" if filters.learner and merged else bool(filters.learner)
    shape = (learner, bool(filters.user), filters.action is not None, filters.outcome is not None,
             filters.date_from is not None, filters.date_to is not None, ordered_by_time(filters), direction, limit,
             filters.openings_only)
    statement = _STATEMENTS.get(shape)
    if statement is None:
        statement = _STATEMENTS[shape] = _build_statement(*shape)
    return statement


def _build_statement(learner, user, action, outcome, date_from, date_to, by_time, direction, limit,
                     openings_only=False):
    if learner == "merged":
        # One event may name several of the records (the merge itself): each event once, by its own id.
        key = EVENTS.c.id
        named = select(BY_LEARNER.c.event_id).where(BY_LEARNER.c.learner_public_id.in_(
            bindparam("learner", expanding=True)))
        query = select(*PAGE_COLUMNS).where(EVENTS.c.id.in_(named), EVENTS.c.school_id == bindparam("school_id"))
    elif learner:
        key = BY_LEARNER.c.event_id
        query = (
            select(*PAGE_COLUMNS)
            .select_from(BY_LEARNER.join(EVENTS, EVENTS.c.id == BY_LEARNER.c.event_id))
            .where(BY_LEARNER.c.learner_public_id == bindparam("learner"), EVENTS.c.school_id == bindparam("school_id"))
        )
    else:
        key = EVENTS.c.id
        query = select(*PAGE_COLUMNS).where(EVENTS.c.school_id == bindparam("school_id"))
    if user:
        query = query.where(EVENTS.c.actor_id == lookup.account_id_query(bindparam("user")))
    # An action or outcome is written into the SQL rather than bound: how rare it is decides the plan
    # (refusals are a few in a hundred), and a prepared statement's generic plan cannot see a bound value.
    if action:
        query = query.where(EVENTS.c.action == bindparam("action", literal_execute=True))
    if outcome:
        query = query.where(EVENTS.c.outcome == bindparam("outcome", literal_execute=True))
    if openings_only:
        query = query.where(EVENTS.c.action != bindparam("hidden_action", literal_execute=True))
    # Bounds are aware UTC datetimes (start_of_day), bound as the column's underlying type.
    if date_from:
        query = query.where(EVENTS.c.occurred_at >= bindparam("start", type_=DateTime(timezone=True)))
    if date_to:
        query = query.where(EVENTS.c.occurred_at < bindparam("end", type_=DateTime(timezone=True)))
    if by_time:
        order = (EVENTS.c.occurred_at, EVENTS.c.id)
        cursor_time = select(EVENTS.c.occurred_at).where(EVENTS.c.id == bindparam("cursor")).scalar_subquery()
        position, cursor = tuple_(*order), tuple_(cursor_time, bindparam("cursor", type_=Integer()))
    else:
        order = (key,)
        position, cursor = key, bindparam("cursor", type_=Integer())
    if direction == "after":
        query = query.where(position > cursor).order_by(*(column.asc() for column in order))
    else:
        if direction == "before":
            query = query.where(position < cursor)
        query = query.order_by(*(column.desc() for column in order))
    # The limit is written into the statement (it is part of the shape): a prepared statement's
    # generic plan then still knows how few rows are wanted.
    return query.limit(literal_column(str(int(limit))))


def page_query(school_id: int, filters: AuditFilters, *, before: int | None = None, after: int | None = None,
               limit: int = PAGE_SIZE):
    """(statement, parameters) for `limit` matching events older than `before` (newest first), newer
    than `after` (oldest first, for the caller to reverse), or the newest."""
    direction, cursor = ("after", after) if after is not None else ("before", before) if before is not None \
        else ("first", None)
    params = {"school_id": school_id}
    merged = False
    if filters.learner:
        # A learner's history holds the events of the records merged into it (the trail itself is never rewritten).
        aliases = lookup.merged_aliases(school_id, filters.learner) if lookup.merged_aliases else [filters.learner]
        merged = len(aliases) > 1
        params["learner"] = aliases if merged else filters.learner
    if filters.user:
        params["user"] = filters.user
    if filters.action is not None:
        params["action"] = filters.action
    if filters.outcome is not None:
        params["outcome"] = filters.outcome
    if filters.openings_only:
        params["hidden_action"] = AuditAction.LISTED
    if filters.date_from is not None:
        params["start"] = start_of_day(filters.date_from)
    if filters.date_to is not None:
        params["end"] = start_of_day(filters.date_to + timedelta(days=1))
    if cursor is not None:
        params["cursor"] = cursor
    return page_statement(filters, direction, limit, merged), params


def event_page(dsl_user, filters: AuditFilters, before: int | None = None, after: int | None = None,
               limit: int = PAGE_SIZE, connection=None) -> EventPage:
    """One page of the DSL's school trail matching `filters`, newest first: a single indexed statement.

    `before` pages to older events, `after` to newer ones (both event ids). One row more than the
    page is fetched to know whether another page follows; nothing is counted. Rows carry the action,
    outcome and time as the driver returns them: `event_action`, `event_outcome` and `event_time`
    (or `describe_events`) give the typed values.
    """
    school = review_school(dsl_user)
    if school is None:
        return EventPage([])
    connection = connection or db.session.connection()
    if after is not None:
        rows = connection.execute(*page_query(school, filters, after=after, limit=limit + 1)).all()
        if not rows:  # nothing newer: the newest page
            return event_page(dsl_user, filters, limit=limit, connection=connection)
        more_newer = len(rows) > limit
        rows = rows[:limit][::-1]
        return EventPage(rows, newer=rows[0].id if more_newer else None, older=rows[-1].id)
    rows = connection.execute(*page_query(school, filters, before=before, limit=limit + 1)).all()
    more_older = len(rows) > limit
    rows = rows[:limit]
    newer = None
    if before is not None and rows:
        newer = rows[0].id
    return EventPage(rows, newer=newer, older=rows[-1].id if more_older else None)


# --- names for the rows --------------------------------------------------------------------------


@dataclass(frozen=True)
class Actor:
    public_id: str | None
    name: str
    role_label: str
    agency_name: str | None = None
    restricted: bool = False
    access_expires_at: datetime | None = None


@dataclass
class ShownEvent:
    """One event as the review shows it: the row, who did it, the learners it names, and why."""

    event: object  # the audit_event row
    actor: Actor
    learners: list = field(default_factory=list)  # the school's Learner objects named, up to the cap
    more_learners: int = 0  # learners named but not listed (a list page)
    grant: object | None = None  # for a break-glass opening: the grant (purpose, sealed reason)
    occurred_at: datetime | None = None
    action: AuditAction | None = None
    outcome: AuditOutcome | None = None
    erased: list = field(default_factory=list)  # how learners named but since erased are named (by public id)

    def __post_init__(self) -> None:
        self.occurred_at = event_time(self.event.occurred_at)
        self.action = event_action(self.event.action)
        self.outcome = event_outcome(self.event.outcome)

    @property
    def action_label(self) -> str:
        return self.action.label

    @property
    def object_label(self) -> str:
        return object_type_label(self.event.object_type)

    @property
    def purpose_label(self) -> str | None:
        if self.grant is not None:
            return self.grant.purpose.label
        return purpose_label(self.event.purpose)

    @property
    def is_break_glass(self) -> bool:
        return self.action is AuditAction.BREAK_GLASS or self.event.purpose == BREAK_GLASS_PURPOSE

    @property
    def refused(self) -> bool:
        return self.outcome is AuditOutcome.REFUSED


def object_type_label(object_type: str | None) -> str:
    if not object_type:
        return "Nothing named"
    return (OBJECT_TYPES.get(object_type) or labelled("object_type", object_type)
            or object_type.replace("_", " ").capitalize())


def purpose_label(code: str | None) -> str | None:
    if not code:
        return None
    if code == BREAK_GLASS_PURPOSE:
        return "Break-glass access"
    try:
        return PurposeCategory(code).label
    except ValueError:
        pass
    return labelled("purpose", code) or code


def role_label(role: str | None) -> str:
    if role == SYSTEM_ROLE:
        return "The system (command line)"
    return labelled("role", role) or "Unknown role"


NOBODY = Actor(None, "Someone not signed in", "Not signed in")


def load_actors(actor_ids, execute=None) -> dict[int, tuple]:
    """(public id, name, agency, restricted, access ends) per account id: one query for a page's people."""
    ids = sorted({actor_id for actor_id in actor_ids if actor_id is not None})
    if not ids:
        return {}
    return lookup.actors(ids, execute or db.session.execute)


def actor_of(event, people: dict[int, tuple]) -> Actor:
    if event.actor_id is None:
        if event.actor_role == SYSTEM_ROLE:
            return Actor(None, "Braid", role_label(SYSTEM_ROLE))
        return NOBODY
    person = people.get(event.actor_id)
    if person is None:
        return Actor(None, "An account that no longer exists", role_label(event.actor_role))
    public_id, name, agency, restricted, ends = person
    return Actor(public_id, name, role_label(event.actor_role), agency, restricted, ends)


def describe_events(dsl_user, rows, *, with_grants: bool = False, focus: str | None = None) -> list[ShownEvent]:
    """Rows with their people, the school's learners they name, and (for break-glass) the grant.

    One query for the people, one for the learners, one for the grants: never one per row. Learners
    of another school are never loaded (the school's trail names only its own). With `focus` (a
    learner's public id, for their history) only that learner is named; the others are counted.
    """
    rows = list(rows)
    school = review_school(dsl_user)
    if school is None or not rows:
        return []
    people = load_actors(event.actor_id for event in rows)
    named = {}
    for event in rows:
        ids = _named_in(event, focus)
        if len(ids) <= LEARNERS_NAMED_PER_EVENT:
            named.update(dict.fromkeys(ids))
    learners = lookup.learners(school, sorted(named)) if named else {}
    gone = [public_id for public_id in named if public_id not in learners]
    erased = lookup.erased_learners(school, gone) if gone and lookup.erased_learners else set()
    wanted = {event.object_public_id for event in rows
              if event_action(event.action) is AuditAction.BREAK_GLASS and event.object_public_id}
    grants = lookup.grants(school, sorted(wanted)) if wanted and with_grants else {}
    shown = []
    for event in rows:
        ids = _named_in(event, focus)
        listed = [learners[p] for p in ids if p in learners] if len(ids) <= LEARNERS_NAMED_PER_EVENT else []
        grant = grants.get(event.object_public_id) if event_action(event.action) is AuditAction.BREAK_GLASS else None
        total = len(event.learner_public_ids.split()) if event.learner_public_ids else 0
        named_erased = [erased_learner(p) for p in ids if p in erased] if len(ids) <= LEARNERS_NAMED_PER_EVENT else []
        shown.append(ShownEvent(event, actor_of(event, people), listed, total - len(listed) - len(named_erased), grant,
                                erased=named_erased))
    return shown


def _named_in(event, focus: str | None) -> list[str]:
    ids = event.learner_public_ids.split() if event.learner_public_ids else []
    return [focus] if focus is not None and focus in ids else ([] if focus is not None else ids)


def learners_named(shown: list[ShownEvent]) -> list:
    """Every learner whose name these rows show (for the page's own VIEW event)."""
    found = {}
    for item in shown:
        for learner in item.learners:
            found.setdefault(learner.public_id, learner)
    return list(found.values())


# --- choosing a learner or a person --------------------------------------------------------------


def learners_to_choose(dsl_user, public_id: str | None = None, typed: str | None = None) -> list:
    """The school's learners the filter may choose: the one with `public_id`, else those whose full name or UPN
    is `typed` (none for anyone who reviews no school's trail)."""
    school = review_school(dsl_user)
    return [] if school is None else lookup.choosable_learners(school, public_id=public_id, typed=typed)


def people_to_choose(dsl_user, public_id: str | None = None, email: str | None = None) -> list:
    """Whose activity the DSL can pick: the school's own accounts and the professionals ever on one of its learners'
    teams; a parent or carer on one only when named (by `public_id`, or the address `email` typed)."""
    school = review_school(dsl_user)
    return [] if school is None else lookup.people_to_choose(school, public_id=public_id, email=email)


def person_in_trail(dsl_user, public_id: str | None):
    """The account with this public id if the DSL may review it: their school's own, or one that acted
    in the school's trail (an external professional, a parent, someone refused). Else None."""
    school = review_school(dsl_user)
    if school is None or not isinstance(public_id, str) or not public_id or len(public_id) > 64:
        return None
    user = lookup.person(public_id)
    if user is None:
        return None
    if user.agency_id == school:
        return user
    acted = db.session.scalar(select(exists().where(EVENTS.c.school_id == school, EVENTS.c.actor_id == user.id)))
    return user if acted else None


# --- a learner's access history ------------------------------------------------------------------


def break_glass_openings(dsl_user, learner_public_id: str, limit: int = HISTORY_LIMIT) -> list:
    """Every break-glass opening of this learner's case in the school's trail, newest first."""
    school = review_school(dsl_user)
    if school is None:
        return []
    filters = AuditFilters(learner=learner_public_id, action=AuditAction.BREAK_GLASS)
    return db.session.connection().execute(*page_query(school, filters, limit=limit)).all()


# --- the chain's status, and verifying it on request ---------------------------------------------


# Unsealed events are counted up to this many: after an outage the sealer may be far behind, and the review page
# must not count a backlog of millions each time it is drawn.
UNSEALED_COUNTED_UP_TO = 10_000


@dataclass
class ChainStatus:
    latest: AuditVerification | None
    unsealed: int

    @property
    def unsealed_text(self) -> str:
        return f"{self.unsealed:,}" + (" or more" if self.unsealed >= UNSEALED_COUNTED_UP_TO else "")


def chain_status() -> ChainStatus:
    """The latest verification and how many events wait to be sealed (an indexed range, at most
    UNSEALED_COUNTED_UP_TO rows of it, never the trail)."""
    sealed_up_to = select(func.coalesce(func.max(AuditSeal.last_event_id), 0)).scalar_subquery()
    waiting = select(EVENTS.c.id).where(EVENTS.c.id > sealed_up_to).limit(UNSEALED_COUNTED_UP_TO).subquery()
    unsealed = db.session.scalar(select(func.count()).select_from(waiting)) or 0
    return ChainStatus(latest_verification(), unsealed)


def verify_now(actor):
    """Seal what is pending, walk the whole chain, sign the head verified if it is intact (a checkpoint, committed
    by the sealer), and record the result and its audit event (flushes).

    :raise 403: for anyone but a DSL.
    """
    require(actor, Action.REVIEW_AUDIT)
    # This request has only read so far; end its transaction so that the sealer (which takes the
    # chain's lock, and on SQLite the write lock) does not wait for it.
    db.session.rollback()
    result = verify_and_sign()
    record_verification(result)
    record(actor, AuditAction.VERIFY_AUDIT, object_type="audit_verification")
    return result
