"""What a family sees of their child's trail: the openings of the record, newest first, less what is withheld.

An opening is an allowed event about the learner, by a person, that opened, added to, changed or exported the
record (`OPENING_ACTIONS`): never a refusal, a list the learner's name appeared in, a sign-in, or the family's
own summary page. An opening is withheld from the family when the DSL's latest decision on it says so, or, with
no decision, when `default_withholding` gives a reason (break-glass openings and everything connected with a
safeguarding concern: the Data Protection Act 2018 allows withholding where disclosure would be likely to cause
serious harm, and KCSIE leaves that judgement to the DSL). The same rule, in SQL for the family's pages and in
Python for the DSL's history, lives here once: a subject access bundle reuses `family_openings` and
`family_visibility`.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Integer, and_, bindparam, false, func, literal_column, not_, or_, select

from app.audit.directory import labelled, lookup
from app.audit.events import record
from app.audit.family.models import FamilyVisibilityDecision
from app.audit.models import AuditAction, AuditEvent, AuditEventLearner, AuditOutcome, PurposeCategory
from app.audit.review.services import BREAK_GLASS_PURPOSE, PAGE_COLUMNS, EventPage, event_action, event_outcome
from app.extensions import db
from app.policy import Action, require
from app.problems import Refusal

FAMILY_PAGE_SIZE = 25
ACCESS_SUMMARY = "access_summary"  # the object type of the family's summary page's own VIEW event

EVENTS = AuditEvent.__table__
BY_LEARNER = AuditEventLearner.__table__
DECISIONS = FamilyVisibilityDecision.__table__

# Opened, added to, changed or exported: what a family means by "seen". Never a refusal, a sign-in, or a list.
OPENING_ACTIONS = (AuditAction.VIEW, AuditAction.CREATE, AuditAction.UPDATE, AuditAction.DELETE, AuditAction.EXPORT,
                   AuditAction.BREAK_GLASS)
# Object types whose events name the learner without opening their record: lists, and the summary itself.
NOT_OPENINGS = (ACCESS_SUMMARY, "learner_list")

SAFEGUARDING_PURPOSE = PurposeCategory.SAFEGUARDING.value
BREAK_GLASS_REASON = "A break-glass opening: withheld until the designated safeguarding lead decides"
SAFEGUARDING_PURPOSE_REASON = "Made for a safeguarding concern"
DSL_REASON = "Opened by the designated safeguarding lead, whose work on a case may concern safeguarding"
DSL_ROLE = "dsl"
CONCERN_RECORD_REASON = "Part of a safeguarding concern (a file attached to it)"


def withheld_types() -> dict[str, str]:
    """{object type: reason} of records every opening of which is withheld by default (registered by the domains)."""
    return lookup.labels["withheld_from_family"]


def _safeguarding_records():
    """A select of the public ids of records belonging to a concern (its attached files), or None."""
    return lookup.safeguarding_records() if lookup.safeguarding_records else None


def safeguarding_record_ids(rows) -> set[str]:
    """Which of these rows' objects belong to a safeguarding concern: one query for a page."""
    wanted = sorted({row.object_public_id for row in rows if row.object_public_id})
    records = _safeguarding_records()
    if not wanted or records is None:
        return set()
    column = records.selected_columns[0]
    return set(db.session.scalars(records.where(column.in_(wanted))))


def default_withholding(event, safeguarding_ids=frozenset()) -> str | None:
    """Why an opening is withheld from the family unless the DSL releases it, or None. `event`: a trail row;
    `safeguarding_ids`: `safeguarding_record_ids` of the rows it came with."""
    if event_action(event.action) is AuditAction.BREAK_GLASS or event.purpose == BREAK_GLASS_PURPOSE:
        return BREAK_GLASS_REASON
    if event.purpose == SAFEGUARDING_PURPOSE:
        return SAFEGUARDING_PURPOSE_REASON
    if event.object_type in withheld_types():
        return withheld_types()[event.object_type]
    if event.object_public_id and event.object_public_id in safeguarding_ids:
        return CONCERN_RECORD_REASON
    if event.actor_role == DSL_ROLE:
        return DSL_REASON
    return None


def _withheld_by_default():
    """`default_withholding` in SQL (each column coalesced: a NULL must never make a row visible or hidden)."""
    purpose, object_type = func.coalesce(EVENTS.c.purpose, ""), func.coalesce(EVENTS.c.object_type, "")
    clauses = [
        EVENTS.c.action == AuditAction.BREAK_GLASS,
        purpose.in_([BREAK_GLASS_PURPOSE, SAFEGUARDING_PURPOSE]),
        object_type.in_(sorted(withheld_types()) or [""]),
        func.coalesce(EVENTS.c.actor_role, "") == DSL_ROLE,
    ]
    records = _safeguarding_records()
    if records is not None:
        clauses.append(func.coalesce(EVENTS.c.object_public_id, "").in_(records))
    return or_(*clauses)


def _is_opening():
    return and_(
        EVENTS.c.outcome == AuditOutcome.ALLOWED,
        EVENTS.c.action.in_(OPENING_ACTIONS),
        EVENTS.c.actor_id.is_not(None),
        not_(func.coalesce(EVENTS.c.object_type, "").in_(NOT_OPENINGS)),
    )


def is_opening(event) -> bool:
    """`_is_opening` for one row."""
    return (event_outcome(event.outcome) is AuditOutcome.ALLOWED and event_action(event.action) in OPENING_ACTIONS
            and event.actor_id is not None and (event.object_type or "") not in NOT_OPENINGS)


def _latest_decision():
    """The DSL's latest decision on the row's event for this learner (`decided_for`): withheld, released, or NULL."""
    return (select(DECISIONS.c.withheld)
            .where(DECISIONS.c.event_id == EVENTS.c.id, DECISIONS.c.learner_public_id == bindparam("decided_for"))
            .order_by(DECISIONS.c.id.desc()).limit(1).correlate(EVENTS).scalar_subquery())


def _visible():
    latest = _latest_decision()
    return or_(latest == false(), and_(latest.is_(None), not_(_withheld_by_default())))


def family_openings(learner, *, family_ids=(), before: int | None = None, after: int | None = None,
                    limit: int = FAMILY_PAGE_SIZE) -> EventPage:
    """One page of the openings of `learner`'s record that their family may see, newest first (keyset by event id).

    `family_ids`: the accounts whose own openings are left out (the learner's other parents and carers). Events
    of records merged into the learner count as theirs. No policy check here: callers check the family's action.
    """
    aliases = lookup.merged_aliases(learner.school_id, learner.public_id) if lookup.merged_aliases \
        else [learner.public_id]
    query = (
        select(*PAGE_COLUMNS)
        .select_from(BY_LEARNER.join(EVENTS, EVENTS.c.id == BY_LEARNER.c.event_id))
        .where(BY_LEARNER.c.learner_public_id.in_(aliases), EVENTS.c.school_id == learner.school_id,
               _is_opening(), _visible())
    )
    if family_ids:
        query = query.where(EVENTS.c.actor_id.not_in(sorted(family_ids)))
    params = {"decided_for": learner.public_id}
    key = BY_LEARNER.c.event_id
    if after is not None:
        rows = db.session.execute(query.where(key > bindparam("cursor", type_=Integer())).order_by(key.asc())
                                  .limit(literal_column(str(limit + 1))), dict(params, cursor=after)).all()
        if not rows:
            return family_openings(learner, family_ids=family_ids, limit=limit)
        more_newer = len(rows) > limit
        rows = rows[:limit][::-1]
        return EventPage(_distinct(rows), newer=rows[0].id if more_newer else None, older=rows[-1].id)
    if before is not None:
        query = query.where(key < bindparam("cursor", type_=Integer()))
        params["cursor"] = before
    rows = db.session.execute(query.order_by(key.desc()).limit(literal_column(str(limit + 1))), params).all()
    more_older = len(rows) > limit
    rows = rows[:limit]
    newer = rows[0].id if before is not None and rows else None
    return EventPage(_distinct(rows), newer=newer, older=rows[-1].id if more_older else None)


def _distinct(rows) -> list:
    # An event naming two merged records of one child is one opening.
    seen, kept = set(), []
    for row in rows:
        if row.id not in seen:
            seen.add(row.id)
            kept.append(row)
    return kept


# --- the DSL's decisions ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FamilyVisibility:
    """How one event of a learner's trail stands with the family: `opening` False for what is never shown."""

    opening: bool
    visible: bool
    reason: str | None = None  # why withheld (the default's reason, or the DSL's); why released
    decision: FamilyVisibilityDecision | None = None

    @property
    def withheld_by_default(self) -> bool:
        return self.opening and self.decision is None and not self.visible


def latest_decisions(learner_public_id: str, event_ids) -> dict[int, FamilyVisibilityDecision]:
    """The latest decision per event for this learner: one query for a page."""
    ids = sorted(set(event_ids))
    if not ids:
        return {}
    found = db.session.scalars(
        select(FamilyVisibilityDecision)
        .where(FamilyVisibilityDecision.learner_public_id == learner_public_id,
               FamilyVisibilityDecision.event_id.in_(ids))
        .order_by(FamilyVisibilityDecision.id)).all()
    return {decision.event_id: decision for decision in found}  # later ids overwrite earlier ones


def family_of(learner) -> set[int]:
    """The accounts of the learner's family (parents and carers ever on the case): their openings are their own."""
    return set(lookup.family_of(learner)) if lookup.family_of else set()


def family_visibility(learner_public_id: str, rows, *, family_ids=()) -> dict[int, FamilyVisibility]:
    """Per event id: whether the family sees it, and why not. The Python twin of `family_openings`' filter."""
    rows = list(rows)
    decisions = latest_decisions(learner_public_id, (row.id for row in rows))
    safeguarding_ids = safeguarding_record_ids(rows)
    shown = {}
    for row in rows:
        if not is_opening(row) or row.actor_id in family_ids:
            shown[row.id] = FamilyVisibility(opening=False, visible=False)
            continue
        decision = decisions.get(row.id)
        if decision is not None:
            shown[row.id] = FamilyVisibility(True, not decision.withheld, decision.reason, decision)
        else:
            reason = default_withholding(row, safeguarding_ids)
            shown[row.id] = FamilyVisibility(True, reason is None, reason)
    return shown


def visible_to_family(learner_public_id: str, rows, *, family_ids=()) -> list:
    """The rows the family may see, in order (for a subject access bundle)."""
    rows = list(rows)
    visibility = family_visibility(learner_public_id, rows, family_ids=family_ids)
    return [row for row in rows if visibility[row.id].visible]


class NotAnOpening(Refusal):
    """The event is not one of this learner's openings: there is nothing for the family to see or not see."""


def learner_event(learner, event_id) -> AuditEvent | None:
    """The event with this id if it is in `learner`'s trail (their school's, naming them or a merged record)."""
    if not isinstance(event_id, int):
        return None
    aliases = lookup.merged_aliases(learner.school_id, learner.public_id) if lookup.merged_aliases \
        else [learner.public_id]
    return db.session.scalars(
        select(AuditEvent).join(AuditEventLearner, AuditEventLearner.event_id == AuditEvent.id)
        .where(AuditEvent.id == event_id, AuditEvent.school_id == learner.school_id,
               AuditEventLearner.learner_public_id.in_(aliases))).first()


def decide_family_visibility(actor, learner, event: AuditEvent, *, withheld: bool,
                             reason: str) -> FamilyVisibilityDecision:
    """Withhold an opening from the family's view, or release it, with a reason (sealed); audited. Flushes only.

    :raise 403: for anyone but the DSL of the learner's school. :raise NotAnOpening: for an event that is not one.
    """
    require(actor, Action.DECIDE_FAMILY_VISIBILITY, learner)
    if not is_opening(event) or event.actor_id in family_of(learner):
        raise NotAnOpening("This entry is never shown to the family: only openings of the record by others are")
    decision = FamilyVisibilityDecision(event_id=event.id, learner_public_id=learner.public_id, withheld=withheld,
                                        decided_by_id=actor.id)
    decision.reason = reason
    db.session.add(decision)
    db.session.flush()
    record(actor, AuditAction.CREATE, decision, learners=[learner], fields=["withheld", "reason"])
    return decision


def family_object_label(object_type: str | None) -> str:
    """What a family is told was opened: "the support plan", "a meeting record"."""
    return labelled("family_object", object_type) or "the record"


def family_purpose(event) -> str | None:
    """The purpose in plain words, when there is one a family may read."""
    code = event.purpose
    if not code or code in (BREAK_GLASS_PURPOSE, SAFEGUARDING_PURPOSE):
        return None  # shown only once released by the DSL, and then without the safeguarding wording
    try:
        return PurposeCategory(code).label
    except ValueError:
        return labelled("purpose", code)

