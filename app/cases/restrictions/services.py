"""Restricting processing of a learner's record (UK GDPR Article 18) and lifting it. Services flush; views commit."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from app.agencies.accounts.models import User
from app.audit.events import record
from app.audit.models import AuditAction
from app.cases.learners.models import Learner
from app.cases.restrictions.models import ProcessingRestriction
from app.core.conflicts import EditConflict
from app.extensions import db
from app.policy import Action, require
from app.types import utcnow


def current_restriction(learner: Learner) -> ProcessingRestriction | None:
    """The restriction in force on `learner`'s record, or None."""
    if learner.restricted_at is None:
        return None
    return db.session.scalar(select(ProcessingRestriction).where(
        ProcessingRestriction.learner_id == learner.id, ProcessingRestriction.lifted_at.is_(None))
        .order_by(ProcessingRestriction.id.desc()).limit(1))


def restrictions_of(learner: Learner) -> list[ProcessingRestriction]:
    """Every restriction of `learner`'s record, the newest first (lifted ones stay as history)."""
    return list(db.session.scalars(select(ProcessingRestriction).where(ProcessingRestriction.learner_id == learner.id)
                                   .order_by(ProcessingRestriction.id.desc())))


def _flag(learner: Learner, restricted_at) -> None:
    """Set the learner's flag through its version: of two people acting at once, the second gets EditConflict."""
    learner.restricted_at = restricted_at
    try:
        db.session.flush()
    except StaleDataError:
        raise EditConflict() from None


def restrict_processing(actor: User, learner: Learner, reason: str) -> ProcessingRestriction:
    """Restrict processing of `learner`'s record, audited with the fields set (never the reason).

    :raise 403: not the SENCo or DSL of the learner's school, or already restricted.
    :raise EditConflict: someone else restricted (or changed) the record since it was loaded."""
    require(actor, Action.RESTRICT_PROCESSING, learner)
    now = utcnow()
    _flag(learner, now)
    restriction = ProcessingRestriction(learner_id=learner.id, restricted_by_id=actor.id, restricted_at=now)
    restriction.reason = reason
    db.session.add(restriction)
    db.session.flush()
    record(actor, AuditAction.CREATE, restriction, fields=("restricted_at", "reason"))
    record(actor, AuditAction.UPDATE, learner, fields=("restricted_at",))
    return restriction


def lift_restriction(actor: User, learner: Learner, reason: str) -> ProcessingRestriction:
    """Lift the restriction in force on `learner`'s record, audited with the fields set (never the reason).

    :raise 403: not the SENCo or DSL of the learner's school, or not restricted.
    :raise EditConflict: someone else lifted it (or changed the record) since it was loaded."""
    require(actor, Action.LIFT_RESTRICTION, learner)
    restriction = current_restriction(learner)
    _flag(learner, None)
    if restriction is None:
        raise EditConflict()  # the flag without its row: never written so; refuse rather than guess
    restriction.lifted_at, restriction.lifted_by_id = utcnow(), actor.id
    restriction.lift_reason = reason
    db.session.flush()
    record(actor, AuditAction.UPDATE, restriction, fields=("lifted_at", "lift_reason"))
    record(actor, AuditAction.UPDATE, learner, fields=("restricted_at",))
    return restriction
