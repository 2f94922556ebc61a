"""Retention rules, legal holds, child-protection reviews, the sweep and erasure. Services flush; views (and the
sweep's command and job) commit."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from app.agencies.accounts.models import User
from app.audit.events import record
from app.audit.models import AuditAction
from app.cases.concerns.models import SafeguardingConcern
from app.cases.learners.models import Learner
from app.cases.transfers.models import ChildProtectionTransfer
from app.core import dates
from app.core.conflicts import EditConflict
from app.data_protection.requests.models import SubjectAccessRequest
from app.data_protection.retention import purge
from app.data_protection.retention.models import (
    ChildProtectionReview,
    DestructionEntry,
    ErasureGround,
    ErasureOutcome,
    ErasureRequest,
    LegalHold,
    RetentionAction,
    RetentionRule,
    ReviewDecision,
)
from app.data_protection.retention.schedule import RecordClass, Rule, anniversary, date_of_birth_due, rules_of
from app.extensions import db
from app.policy import Action, require
from app.problems import Refusal
from app.security.learner_keys import destroy_learner_key_on_commit
from app.types import utcnow

RETENTION = "Retention schedule"
ERASURE = "Erasure (Article 17)"
ERASURE_REQUEST = "Erasure request (Article 17)"  # the rule the register names for an erasure on request
# The rule the register names for an erasure applied again after a restore brought the learner back (retention.
# restored); the trail's purpose for it.
ERASED_BEFORE_RESTORE = "Erased before this restore: its data key had been destroyed"
REERASURE = "Erasure re-applied after a restore"
_PURPOSES = {ERASURE_REQUEST: ERASURE, ERASED_BEFORE_RESTORE: REERASURE}

# --- the schedule -----------------------------------------------------------------------------------------------


def edit_rule(actor: User, record_class: RecordClass, years: int, action: RetentionAction) -> RetentionRule:
    """Set the school's own period and action for `record_class`, audited with the old and new values (numbers and
    choices, never content). :raise 403: not the school's DPO, or a class that is not editable."""
    require(actor, Action.EDIT_RETENTION_RULE)
    rule = rules_of(actor.agency_id)[record_class]
    if action not in rule.default.actions:
        raise Refusal(f"{rule.default.label}: choose one of its actions", "action")
    row = rule.edited or RetentionRule(school_id=actor.agency_id, record_class=record_class.value)
    was = (rule.years, rule.action.value)
    row.years, row.action, row.changed_by_id, row.changed_at = years, action, actor.id, utcnow()
    db.session.add(row)
    db.session.flush()
    # The trail keeps names, never values: the old and new rule are a class, a number and a choice, none personal.
    record(actor, AuditAction.UPDATE if rule.edited else AuditAction.CREATE, row,
           fields=(f"years: {was[0]} to {years}", f"action: {was[1]} to {action.value}"), purpose=RETENTION)
    return row


# --- legal holds ------------------------------------------------------------------------------------------------


def hold_in_force(learner: Learner) -> LegalHold | None:
    return db.session.scalar(select(LegalHold).where(LegalHold.learner_id == learner.id, LegalHold.lifted_at.is_(None))
                             .order_by(LegalHold.id.desc()).limit(1))


def holds_of(learner: Learner) -> list[LegalHold]:
    return list(db.session.scalars(select(LegalHold).where(LegalHold.learner_id == learner.id)
                                   .order_by(LegalHold.id.desc())))


def held_learner_ids(school_id: int) -> set[int]:
    return set(db.session.scalars(select(LegalHold.learner_id).join(Learner, Learner.id == LegalHold.learner_id)
                                  .where(Learner.school_id == school_id, LegalHold.lifted_at.is_(None))))


def place_legal_hold(actor: User, learner: Learner, reason: str, reference: str | None = None) -> LegalHold:
    """Place a legal hold on `learner`: nothing of theirs is destroyed while it is in force. Audited (never the
    reason). :raise 403: not the DPO of the learner's school. :raise EditConflict: a hold is already in force."""
    require(actor, Action.PLACE_LEGAL_HOLD, learner)
    if hold_in_force(learner) is not None:
        raise EditConflict()
    hold = LegalHold(learner_id=learner.id, placed_by_id=actor.id, placed_at=utcnow())
    hold.reason = reason
    hold.reference = reference or None
    db.session.add(hold)
    db.session.flush()
    record(actor, AuditAction.CREATE, hold, learners=[learner],
           fields=("placed_at", "reason") + (("reference",) if reference else ()))
    return hold


def lift_legal_hold(actor: User, learner: Learner, reason: str) -> LegalHold:
    """Lift the hold in force on `learner`, audited. :raise 403: not the DPO of the learner's school.
    :raise EditConflict: no hold in force (someone lifted it first)."""
    require(actor, Action.LIFT_LEGAL_HOLD, learner)
    hold = hold_in_force(learner)
    if hold is None:
        raise EditConflict()
    hold.lifted_at, hold.lifted_by_id = utcnow(), actor.id
    hold.lift_reason = reason
    db.session.flush()
    record(actor, AuditAction.UPDATE, hold, learners=[learner], fields=("lifted_at", "lift_reason"))
    return hold


# --- child-protection reviews ------------------------------------------------------------------------------------


def latest_review(learner: Learner) -> ChildProtectionReview | None:
    return db.session.scalar(select(ChildProtectionReview).where(ChildProtectionReview.learner_id == learner.id)
                             .order_by(ChildProtectionReview.id.desc()).limit(1))


def record_review(actor: User, learner: Learner, decision: ReviewDecision, *, keep_until: date | None = None,
                  reason: str | None = None) -> ChildProtectionReview:
    """The DSL's decision on a child-protection file due for review: destroy (the next sweep does), or keep until a
    date, with a reason. :raise 403: not the DSL of the learner's school. :raise Refusal: keep without a date."""
    require(actor, Action.REVIEW_CHILD_PROTECTION_FILE, learner)
    if decision is ReviewDecision.KEEP and (keep_until is None or not reason):
        raise Refusal("Keeping a child-protection file needs a date and a reason", "keep_until")
    review = ChildProtectionReview(learner_id=learner.id, decided_by_id=actor.id, decision=decision,
                                   keep_until=keep_until if decision is ReviewDecision.KEEP else None)
    review.reason = reason or None
    db.session.add(review)
    db.session.flush()
    record(actor, AuditAction.CREATE, review, learners=[learner], fields=("decision", "keep_until", "reason"))
    return review


# --- what is due --------------------------------------------------------------------------------------------------

DESTROY, REVIEW, WAITING, KEPT, UNKNOWN = "destroy", "review", "waiting", "kept", "unknown"


@dataclass
class Due:
    """One record class of one learner that is due (or due soon): what the sweep will do, and why."""

    learner: Learner
    record_class: RecordClass
    rule: Rule
    due_on: date | None
    held: bool
    what: str  # DESTROY, REVIEW (the DSL decides), WAITING (for another class), KEPT (reviewed: keep), UNKNOWN
    why: str
    learner_public_id: str = ""  # kept apart: after the learner's erasure their row is gone

    def __post_init__(self) -> None:
        self.learner_public_id = self.learner.public_id

    @property
    def destroys(self) -> bool:
        return self.what == DESTROY and not self.held


@dataclass(frozen=True)
class SchoolFacts:
    """What `assess` reads of every learner of a school, fetched in two queries for the whole school (the sweep and
    the retention page assess every learner): who has a child-protection file, and each learner's closed subject
    access requests as (id, day closed)."""

    child_protection: set[int]
    closings: dict[int, list[tuple[int, date]]]


def school_facts(school_id: int) -> SchoolFacts:
    of_school = select(Learner.id).where(Learner.school_id == school_id)
    child_protection = set(db.session.scalars(select(SafeguardingConcern.learner_id).where(
        SafeguardingConcern.learner_id.in_(of_school))))
    child_protection |= set(db.session.scalars(select(ChildProtectionTransfer.learner_id).where(
        ChildProtectionTransfer.learner_id.in_(of_school))))
    closings: dict[int, list[tuple[int, date]]] = {}
    for row in db.session.execute(select(SubjectAccessRequest.learner_id, SubjectAccessRequest.id,
                                         SubjectAccessRequest.closed_at)
                                  .where(SubjectAccessRequest.learner_id.in_(of_school),
                                         SubjectAccessRequest.closed_at.is_not(None))):
        closings.setdefault(row.learner_id, []).append((row.id, dates.school_day(row.closed_at)))
    return SchoolFacts(child_protection, closings)


def _has_cp_file(learner: Learner) -> bool:
    return bool(db.session.scalar(select(func.count()).select_from(SafeguardingConcern)
                                  .where(SafeguardingConcern.learner_id == learner.id))
                or db.session.scalar(select(func.count()).select_from(ChildProtectionTransfer)
                                     .where(ChildProtectionTransfer.learner_id == learner.id)))


def _cp_item(learner: Learner, rule: Rule, today: date, held: bool, has_cp: bool) -> Due | None:
    if not has_cp:
        return None
    due_on, source = date_of_birth_due(learner, rule.years)
    if due_on is None:
        return Due(learner, RecordClass.CHILD_PROTECTION, rule, None, held, UNKNOWN, source)
    if due_on > today:
        return Due(learner, RecordClass.CHILD_PROTECTION, rule, due_on, held, KEPT, f"not due until {due_on}")
    if rule.action is RetentionAction.DESTROY:
        return Due(learner, RecordClass.CHILD_PROTECTION, rule, due_on, held, DESTROY, f"{rule.label} ({source})")
    review = latest_review(learner)
    if review is None:
        return Due(learner, RecordClass.CHILD_PROTECTION, rule, due_on, held, REVIEW,
                   f"{rule.label}: due for the DSL's review")
    if review.decision is ReviewDecision.DESTROY:
        return Due(learner, RecordClass.CHILD_PROTECTION, rule, due_on, held, DESTROY,
                   f"{rule.label}: reviewed, to be destroyed")
    if review.keep_until is not None and review.keep_until <= today:
        return Due(learner, RecordClass.CHILD_PROTECTION, rule, review.keep_until, held, REVIEW,
                   f"{rule.label}: kept until {review.keep_until}, due for review again")
    return Due(learner, RecordClass.CHILD_PROTECTION, rule, review.keep_until, held, KEPT,
               f"{rule.label}: reviewed, kept until {review.keep_until}")


def assess(learner: Learner, today: date, rules: dict[RecordClass, Rule] | None = None,
           held: bool | None = None, facts: SchoolFacts | None = None) -> list[Due]:
    """Every record class of `learner` with a retention decision to make (due, or known not due), in sweep order:
    the child-protection file first, then the SEND file (whose destruction is the learner's erasure, so it waits
    while a child-protection file is kept: that file needs the child's identity)."""
    rules = rules or rules_of(learner.school_id)
    held = hold_in_force(learner) is not None if held is None else held
    has_cp = learner.id in facts.child_protection if facts else _has_cp_file(learner)
    closed = facts.closings.get(learner.id, []) if facts else _closed_requests(learner)
    items = []
    cp = _cp_item(learner, rules[RecordClass.CHILD_PROTECTION], today, held, has_cp)
    if cp is not None:
        items.append(cp)
    rule = rules[RecordClass.SEND_FILE]
    due_on, source = date_of_birth_due(learner, rule.years)
    if due_on is None:
        items.append(Due(learner, RecordClass.SEND_FILE, rule, None, held, UNKNOWN, source))
    elif due_on > today:
        items.append(Due(learner, RecordClass.SEND_FILE, rule, due_on, held, KEPT, f"not due until {due_on}"))
    elif rule.action is RetentionAction.REVIEW:
        items.append(Due(learner, RecordClass.SEND_FILE, rule, due_on, held, REVIEW,
                         f"{rule.label}: the school reviews SEND files (erase through an erasure request)"))
    elif cp is not None and cp.what != DESTROY:
        items.append(Due(learner, RecordClass.SEND_FILE, rule, due_on, held, WAITING,
                         f"{rule.label}: waits for the child-protection file ({cp.what})"))
    else:
        items.append(Due(learner, RecordClass.SEND_FILE, rule, due_on, held, DESTROY, f"{rule.label} ({source})"))
    sar = _access_request_item(learner, rules[RecordClass.SUBJECT_ACCESS], today, held, closed)
    if sar is not None:
        items.insert(0, sar)  # before the SEND file, whose erasure would take the requests with it unregistered
    return items


def _closed_requests(learner: Learner) -> list[tuple[int, date]]:
    """(id, day closed) of the learner's closed subject access requests: open ones are never due."""
    rows = db.session.execute(select(SubjectAccessRequest.id, SubjectAccessRequest.closed_at)
                              .where(SubjectAccessRequest.learner_id == learner.id,
                                     SubjectAccessRequest.closed_at.is_not(None)))
    return [(row.id, dates.school_day(row.closed_at)) for row in rows]


def access_requests_due(learner: Learner, rule: Rule, today: date) -> list[int]:
    """Ids of the learner's closed subject access requests whose retention (closure + the rule's years) has passed."""
    return [request_id for request_id, closed_on in _closed_requests(learner)
            if anniversary(closed_on, rule.years) <= today]


def _access_request_item(learner: Learner, rule: Rule, today: date, held: bool,
                         closed: list[tuple[int, date]]) -> Due | None:
    if not closed:
        return None
    due_on = min(anniversary(closed_on, rule.years) for _, closed_on in closed)
    if due_on > today:
        return Due(learner, RecordClass.SUBJECT_ACCESS, rule, due_on, held, KEPT, f"not due until {due_on}")
    if rule.action is RetentionAction.REVIEW:
        return Due(learner, RecordClass.SUBJECT_ACCESS, rule, due_on, held, REVIEW, f"{rule.label}: due for review")
    return Due(learner, RecordClass.SUBJECT_ACCESS, rule, due_on, held, DESTROY, f"{rule.label} (closed {due_on})")


def destroy_access_request_files(learner: Learner, *, by: User | None, rule: Rule, today: date) -> DestructionEntry:
    """Destroy the learner's closed subject access requests past their retention (with their bundles and redactions,
    through the schema's foreign keys); register and audit it. The caller has checked the hold."""
    record(by, AuditAction.DELETE, learner, object_type="subject_access_file", object_public_id=learner.public_id,
           fields=("subject_access_file",), purpose=RETENTION)
    rows = purge.purge(SubjectAccessRequest.__table__, access_requests_due(learner, rule, today))
    db.session.expire_all()
    return _register(learner.school_id, RecordClass.SUBJECT_ACCESS, learner.public_id, rule.label, by, rows)


def due_items(school_id: int, today: date, *, within_days: int = 0) -> list[Due]:
    """What is due at the school on `today` (or within `within_days` after it), held or not, in sweep order."""
    rules = rules_of(school_id)
    held = held_learner_ids(school_id)
    facts = school_facts(school_id)
    learners = db.session.scalars(select(Learner).where(Learner.school_id == school_id,
                                                         Learner.merged_into_id.is_(None)).order_by(Learner.id))
    horizon = date.fromordinal(today.toordinal() + within_days)
    found = []
    for learner in learners:
        for item in assess(learner, today, rules, learner.id in held, facts):
            soon = item.what == KEPT and item.due_on is not None and item.due_on <= horizon
            if item.what in (DESTROY, REVIEW, WAITING, UNKNOWN) or soon:
                found.append(item)
    return found


# --- destroying -----------------------------------------------------------------------------------------------


def _register(school_id: int, record_class: RecordClass, learner_public_id: str, rule: str, by: User | None,
              rows: int) -> DestructionEntry:
    entry = DestructionEntry(school_id=school_id, record_class=record_class.value, learner_public_id=learner_public_id,
                             rule=rule[:200], destroyed_at=utcnow(), destroyed_by_id=by.id if by else None,
                             rows_destroyed=rows)
    db.session.add(entry)
    db.session.flush()
    return entry


def destroy_child_protection_file(learner: Learner, *, by: User | None, rule: str) -> DestructionEntry:
    """Destroy `learner`'s safeguarding concerns (with their files and actions), child-protection transfers and
    review decisions; register and audit it. The caller has checked the hold and the rule."""
    record(by, AuditAction.DELETE, learner, object_type="child_protection_file", object_public_id=learner.public_id,
           fields=("child_protection_file",), purpose=RETENTION)
    rows = 0
    for model in (SafeguardingConcern, ChildProtectionTransfer, ChildProtectionReview):
        ids = list(db.session.scalars(select(model.id).where(model.learner_id == learner.id)))
        rows += purge.purge(model.__table__, ids)
    db.session.expire_all()
    return _register(learner.school_id, RecordClass.CHILD_PROTECTION, learner.public_id, rule, by, rows)


class ErasureRefused(Exception):
    """Erasure is refused under Article 17(3): the ground and what applies (a rule and its date, or a hold)."""

    def __init__(self, ground: ErasureGround, detail: str) -> None:
        super().__init__(f"{ground.value}: {detail}")
        self.ground, self.detail = ground, detail


def erasure_refusal(learner: Learner, today: date) -> ErasureRefused | None:
    """Why `learner` may not be erased today (Article 17(3)), or None: a legal hold (17(3)(e)) first, then any
    record class whose retention period has not passed or is under review (17(3)(b))."""
    hold = hold_in_force(learner)
    if hold is not None:
        return ErasureRefused(ErasureGround.LEGAL_CLAIMS, "a legal hold is in force")
    for item in assess(learner, today, held=False):
        if item.what != DESTROY:
            until = f" until {item.due_on:%d %B %Y}" if item.due_on else ""
            return ErasureRefused(ErasureGround.LEGAL_OBLIGATION, f"{item.rule.label}: kept{until} ({item.what})")
    return None


def erase_learner(learner: Learner, *, by: User | None, reason: str) -> list[DestructionEntry]:
    """Erase `learner`: every learner-linked row (through the schema's foreign keys, so every blind-index value of
    theirs goes with its row), the records merged into theirs, and their data key; the audit trail's events stay
    (public ids and metadata). One register row per record class destroyed; audited. `reason` is the rule or
    "Erasure request (Article 17)" (or ERASED_BEFORE_RESTORE): never content.

    :raise ErasureRefused: a legal hold is in force (checked here too: nothing of a held learner is destroyed).
    """
    if hold_in_force(learner) is not None:
        raise ErasureRefused(ErasureGround.LEGAL_CLAIMS, "a legal hold is in force")
    school_id, public_id, had_cp = learner.school_id, learner.public_id, _has_cp_file(learner)
    aliases = _merged_into(learner)
    record(by, AuditAction.DELETE, learner, fields=("erased",), purpose=_PURPOSES.get(reason, RETENTION))
    rows = purge.purge(Learner.__table__, [learner.id] + [alias_id for alias_id, _ in aliases])
    for key_owner in [public_id] + [alias for _, alias in aliases]:
        destroy_learner_key_on_commit(db.session, key_owner)
    db.session.expire_all()
    entries = []
    if had_cp:
        entries.append(_register(school_id, RecordClass.CHILD_PROTECTION, public_id, reason, by, 0))
    entries.append(_register(school_id, RecordClass.SEND_FILE, public_id, reason, by, rows))
    return entries


def _merged_into(learner: Learner) -> list[tuple[int, str]]:
    """(id, public id) of every record merged into `learner`'s, however deep."""
    found, frontier = [], [learner.id]
    while frontier:
        rows = db.session.execute(select(Learner.id, Learner.public_id).where(Learner.merged_into_id.in_(frontier)))
        rows = [(row.id, row.public_id) for row in rows]
        found.extend(rows)
        frontier = [row_id for row_id, _ in rows]
    return found


@dataclass
class SweepResult:
    items: list[Due]
    destroyed: list[DestructionEntry]


def sweep(school_id: int, today: date, *, dry_run: bool, by: User | None = None) -> SweepResult:
    """List (dry run) or destroy what is due at the school and not held. Idempotent: what is destroyed is gone,
    so a second run finds nothing more to destroy. Flushes only."""
    items = due_items(school_id, today)
    destroyed: list[DestructionEntry] = []
    if dry_run:
        return SweepResult(items, destroyed)
    for item in items:
        if not item.destroys:
            continue
        if item.record_class is RecordClass.CHILD_PROTECTION:
            destroyed.append(destroy_child_protection_file(item.learner, by=by, rule=item.rule.label))
        elif item.record_class is RecordClass.SUBJECT_ACCESS:
            destroyed.append(destroy_access_request_files(item.learner, by=by, rule=item.rule, today=today))
        elif item.record_class is RecordClass.SEND_FILE:
            destroyed.extend(erase_learner(item.learner, by=by, reason=item.rule.label))
    return SweepResult(items, destroyed)


# --- erasure requests ---------------------------------------------------------------------------------------------


def request_erasure(actor: User, learner: Learner, *, requested_by: str, received_on: date, today: date,
                    confirmed: bool) -> ErasureRequest:
    """Record an erasure request and act on it: refused, with its Article 17(3) ground, when retention or a legal
    hold applies (nothing else changes); otherwise, once confirmed, the learner is erased.

    :raise 403: not the DPO of the learner's school. :raise Refusal: not refused and not confirmed."""
    require(actor, Action.REQUEST_ERASURE, learner)
    refusal = erasure_refusal(learner, today)
    if refusal is None and not confirmed:
        raise Refusal("Type the learner's full name to confirm the erasure", "confirm_name")
    request = ErasureRequest(school_id=learner.school_id, learner_id=learner.id, learner_public_id=learner.public_id,
                             received_on=received_on, recorded_by_id=actor.id, recorded_at=utcnow(),
                             outcome=ErasureOutcome.REFUSED if refusal else ErasureOutcome.ERASED,
                             ground=refusal.ground if refusal else None,
                             ground_detail=refusal.detail[:300] if refusal else None)
    request.requested_by = requested_by
    db.session.add(request)
    db.session.flush()
    record(actor, AuditAction.CREATE, request, learners=[learner], fields=("requested_by", "received_on", "outcome"),
           purpose=ERASURE)
    if refusal is None:
        erase_learner(learner, by=actor, reason=ERASURE_REQUEST)
    return request


def erasure_requests(school_id: int) -> list[ErasureRequest]:
    return list(db.session.scalars(select(ErasureRequest).where(ErasureRequest.school_id == school_id)
                                   .order_by(ErasureRequest.id.desc())))


def register_of(school_id: int) -> list[DestructionEntry]:
    return list(db.session.scalars(select(DestructionEntry).where(DestructionEntry.school_id == school_id)
                                   .order_by(DestructionEntry.id.desc())))
