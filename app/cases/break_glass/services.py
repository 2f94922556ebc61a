"""Opening a case with break-glass, and the grants a user holds. Services take the acting user and flush."""
from __future__ import annotations

from flask import current_app, g, has_request_context
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from app.agencies.accounts.models import Role, User
from app.audit.events import note_learners, record
from app.audit.models import AuditAction, PurposeCategory
from app.cases.break_glass.models import BreakGlassAccess
from app.cases.learners.models import Learner
from app.cases.trail import choosable_learners
from app.core.dates import time_of_day
from app.extensions import db
from app.policy import Action, bound_statement, can, forget_break_glass, on_own_case, params_of, require
from app.problems import Refusal
from app.types import utcnow

REASON_MIN = 10
REASON_MAX = 1000


class BreakGlassError(Refusal):
    """Break-glass access that cannot be opened as asked."""


def _reason_text(value: str | None) -> str:
    # Plain text as typed, apart from line endings and outer blank space; Jinja escapes it wherever it is shown.
    text = (value or "").replace("\r\n", "\n").strip()
    if not text:
        raise BreakGlassError("Explain why you need to open this case", "reason")
    if len(text) < REASON_MIN:
        raise BreakGlassError(f"Your reason must be at least {REASON_MIN} characters", "reason")
    if len(text) > REASON_MAX:
        raise BreakGlassError(f"Your reason must be {REASON_MAX:,} characters or fewer", "reason")
    return text


def open_break_glass(actor: User, learner: Learner, *, purpose: PurposeCategory, reason: str) -> BreakGlassAccess:
    """Open `learner`'s case to `actor` for BREAK_GLASS_DURATION, read-only, recording why.

    The audit event names the grant and the learner with the purpose; the reason itself is sealed in
    the grant and never written into the trail (it may name people).
    :raise 403: when `actor` may not break glass on `learner` (noted for the audit trail).
    :raise BreakGlassError: for a missing or unusable reason or purpose, or a grant already open.
    """
    require(actor, Action.BREAK_GLASS, learner)
    if not isinstance(purpose, PurposeCategory):
        raise BreakGlassError("Choose why you need to open this case", "purpose")
    text = _reason_text(reason)
    live = active_break_glass(actor, learner)
    if live is not None:
        raise BreakGlassError(f"You already have break-glass access to this case until {time_of_day(live.expires_at)}")
    now = utcnow()
    grant = BreakGlassAccess(user_id=actor.id, learner_id=learner.id, purpose=purpose, started_at=now,
                             expires_at=now + current_app.config["BREAK_GLASS_DURATION"])
    grant.reason = text
    grant.learner = learner
    db.session.add(grant)
    db.session.flush()
    record(actor, AuditAction.BREAK_GLASS, grant, purpose=purpose.value)
    # The policy caches "no grant" per request: forget it, so that this request sees the new grant.
    forget_break_glass()
    _forget_active()
    return grant


def active_break_glass(user, learner) -> BreakGlassAccess | None:
    """The open grant through which `user` reads `learner`'s case, or None (also when they are on the case).

    For banners and links: it checks no permission of its own and notes no read.
    """
    if learner is None or not can(user, Action.BREAK_GLASS, learner):
        return None  # on the case, or never eligible: no grant is in play
    cache = g.setdefault("_braid_active_break_glass", {}) if has_request_context() else {}
    key = (user.id, learner.id)
    if key not in cache:
        cache[key] = db.session.scalars(
            select(BreakGlassAccess)
            .where(BreakGlassAccess.user_id == user.id, BreakGlassAccess.learner_id == learner.id,
                   BreakGlassAccess.expires_at > utcnow())
            .order_by(BreakGlassAccess.expires_at.desc())
            .limit(1)
        ).first()
    return cache[key]


def _forget_active() -> None:
    if has_request_context():
        g.pop("_braid_active_break_glass", None)


# Built once (every home page asks it): the user and the clock are parameters.
_OPEN_GRANTS = (
    select(BreakGlassAccess)
    .where(BreakGlassAccess.user_id == bindparam("user_id"), BreakGlassAccess.expires_at > bindparam("now"))
    .options(joinedload(BreakGlassAccess.learner))
    .order_by(BreakGlassAccess.expires_at, BreakGlassAccess.id)
)


def open_grants(user) -> list[BreakGlassAccess]:
    """`user`'s own grants still open, soonest to end first, with their learners loaded."""
    # Break-glass is for those who look for a learner in their school (the policy's rule for both): for anyone
    # else (an administrator, a family, an outside professional) there is nothing to ask the database.
    if not getattr(user, "is_authenticated", False) or not can(user, Action.LIST_LEARNERS):
        return []
    grants = db.session.scalars(_OPEN_GRANTS, {"user_id": user.id, "now": utcnow()})
    # Only grants still in play: the user is still eligible (same school, a school role) and not since put on the case.
    return [grant for grant in grants if can(user, Action.BREAK_GLASS, grant.learner)]


def grants_to_show(user) -> list[BreakGlassAccess]:
    """`open_grants` for a page that lists them: their learners are noted as read by this request."""
    grants = open_grants(user)
    note_learners(grant.learner for grant in grants)
    return grants


def break_glass_matches(user, typed: str | None) -> list[Learner]:
    """The learners of `user`'s school whose full name or UPN is `typed` and whose case the policy lets them open
    with break-glass, by name. One indexed lookup (the name's or UPN's blind index): the page never lists a
    school's learners, so a school of 2,000 costs what one of 200 does and no one sees every child's name."""
    if not typed or not can(user, Action.LIST_LEARNERS):
        return []
    return [learner for learner in choosable_learners(user.agency_id, typed=typed)
            if can(user, Action.BREAK_GLASS, learner)]


def may_break_glass(user) -> bool:
    """Is there a learner of `user`'s school whose case they are not on (for offering the page, one query)?"""
    if not can(user, Action.LIST_LEARNERS):
        return False
    statement = bound_statement("break_glass.offered", user, _not_on_case)
    return statement is not None and db.session.scalar(statement, params_of(user)) is not None


def _not_on_case(user):
    if user.role is Role.SENCO and not user.restricted:
        # The school's SENCo is on every case of the school (the policy's scopes): none is left to open. Nothing to
        # ask the database (asking would compare each of the school's learners with itself).
        return None
    # Each learner of the school in turn until one is not on the user's cases: usually the first (not the user's
    # whole caseload gathered to compare the school with).
    return select(Learner.id).where(Learner.school_id == user.agency_id, ~on_own_case(user, row_by_row=True),
                                    Learner.archived_at.is_(None), Learner.merged_into_id.is_(None)).limit(1)


def learner_for_break_glass(user, public_id: str | None) -> Learner | None:
    """The learner of `user`'s school with this public id, whether or not they are on the case; else None.

    Only a lookup: the caller asks the policy (Action.BREAK_GLASS) before showing or opening anything.
    """
    if not public_id or not isinstance(public_id, str) or len(public_id) > 64 or not can(user, Action.LIST_LEARNERS):
        return None
    return db.session.scalars(
        select(Learner).where(Learner.public_id == public_id, Learner.school_id == user.agency_id,
                              Learner.merged_into_id.is_(None))
    ).first()


def learner_named_in_refusal(public_id: str) -> Learner | None:
    """Any school's learner with this public id: only to name whose record a refused attempt was about."""
    if not isinstance(public_id, str) or len(public_id) > 64:
        return None
    return db.session.scalars(select(Learner).where(Learner.public_id == public_id)).first()
