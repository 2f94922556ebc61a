"""Recording safeguarding concerns and the DSL's action on them. Services take the acting user, record and flush."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from app.agencies.accounts.models import User
from app.audit.events import record
from app.audit.models import AuditAction
from app.cases import notifications
from app.cases.concerns.models import SafeguardingConcern
from app.cases.learners.models import Learner
from app.core.conflicts import check_version
from app.core.ordering import newest_page
from app.extensions import db
from app.policy import Action, bound_statement, params_of, require, visible_concerns
from app.problems import Refusal
from app.types import utcnow

CONCERN_MAX = 10_000


class ConcernError(Refusal):
    """A concern or an action that cannot be recorded as given."""


def _plain_text(value: str | None, *, field: str, missing: str, too_long: str) -> str:
    # Plain text, kept as typed apart from line endings and outer blank space; Jinja escapes it on the page.
    text = (value or "").replace("\r\n", "\n").strip()
    if not text:
        raise ConcernError(missing, field)
    if len(text) > CONCERN_MAX:
        raise ConcernError(too_long, field)
    return text


def record_concern(actor: User, learner: Learner, *, concern: str) -> SafeguardingConcern:
    """Record `actor`'s safeguarding concern about `learner`; the author is always the actor."""
    require(actor, Action.RECORD_CONCERN, learner)
    text = _plain_text(concern, field="concern", missing="Describe your concern",
                       too_long=f"Your concern must be {CONCERN_MAX:,} characters or fewer")
    raised = SafeguardingConcern(learner_id=learner.id, author_id=actor.id, recorded_at=utcnow())
    raised.concern = text
    db.session.add(raised)
    db.session.flush()
    record(actor, AuditAction.CREATE, raised, fields=["concern"])
    notifications.concern_recorded(actor, raised)
    return raised


def record_concern_action(
    actor: User, concern: SafeguardingConcern, *, action_taken: str, version
) -> SafeguardingConcern:
    """The DSL records (or revises) the action taken on `concern`.

    :raise EditConflict: when someone saved the action after `version` was loaded.
    """
    require(actor, Action.RECORD_CONCERN_ACTION, concern)
    check_version(concern, version)
    text = _plain_text(action_taken, field="action_taken", missing="Describe the action taken",
                       too_long=f"The action taken must be {CONCERN_MAX:,} characters or fewer")
    changed = ["action_taken"] if concern.action_taken != text else []
    concern.action_taken = text
    concern.action_recorded_by_id = actor.id
    concern.action_recorded_at = utcnow()
    db.session.flush()
    record(actor, AuditAction.UPDATE, concern, fields=changed)
    return concern


PAGE_SIZE = 50  # concerns on a page of the list; the older ones follow on pages of their own


def list_concerns(actor: User, *, before: str | None = None, awaiting: bool = False,
                  limit: int = PAGE_SIZE) -> list[SafeguardingConcern]:
    """The concerns `actor` may read, newest first, `limit` of them, with learner and people loaded in the same
    query; `awaiting`: only those with no action recorded; `before`: older than the concern with this public id
    (one the actor may read: any other starts from the newest). A school's list grows every year: a page of it
    costs the same whatever came before."""
    require(actor, Action.LIST_CONCERNS)
    query = newest_page(visible_concerns(actor), SafeguardingConcern.recorded_at, SafeguardingConcern.id,
                        SafeguardingConcern.public_id, before, limit)
    if awaiting:  # the bound is any concern the actor may read, as the list without the filter
        query = query.where(SafeguardingConcern.action_recorded_at.is_(None))
    return db.session.scalars(query.options(
        joinedload(SafeguardingConcern.learner),
        joinedload(SafeguardingConcern.author),
        joinedload(SafeguardingConcern.action_recorded_by),
    )).all()


def concerns_awaiting_action(actor: User) -> int:
    """How many of the concerns `actor` may read have no action recorded yet."""
    statement = bound_statement("concerns.awaiting_action", actor, _awaiting_action)
    return db.session.scalar(statement, params_of(actor)) or 0


def _awaiting_action(actor):
    scope = visible_concerns(actor).order_by(None).where(SafeguardingConcern.action_recorded_at.is_(None)).subquery()
    return select(func.count()).select_from(scope)
