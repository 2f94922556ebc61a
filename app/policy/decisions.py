"""Asking the policy: can (noted for deny-by-default), shows (for templates), require (403, audited)."""
from __future__ import annotations

from flask import abort, g, has_request_context, request

from app.audit import subjects
from app.audit.events import note_refusal, object_type_of
from app.policy.actions import Action
from app.policy.attempts import attempted
from app.policy.rules import RULES, in_capacity, real_user, signed_in

# Set in flask.g by every call of `can` in a request: app.web refuses a page whose view never asked.
DECISION_MADE = "braid_policy_decided"


def can(user, action: Action, thing=None) -> bool:
    """May `user` do `action` (to `thing`)? Unknown actions and anonymous users get no.

    In a request, the asking is noted (a no is a decision too): deny by default in app.web needs it.
    """
    if has_request_context():
        setattr(g, DECISION_MADE, True)
    return _decide(user, action, thing)


def shows(user, action: Action, thing=None) -> bool:
    """`can` for templates: the same answer, not noted, so a page's navigation never stands in for
    its view's own decision."""
    return _decide(user, action, thing)


def _decide(user, action: Action, thing=None) -> bool:
    user = real_user(user)
    if not signed_in(user):
        return False
    if user.restricted and user.access_has_expired():
        return False
    rule = RULES.get(action)
    if rule is None:
        return False
    # On their own child's case a member of staff is a parent: the membership's capacity, not the account's role.
    return bool(rule(in_capacity(user, thing), thing))


def require(user, action: Action, thing=None) -> None:
    """:raise 403: when `user` may not do `action` (the refusal is noted for the audit trail)."""
    if not can(user, action, thing):
        refuse(403, action, thing)


def audit_action_for(action: Action, method: str | None = None):
    """What a request for `action` attempted, in the audit trail's words (app.policy.attempts)."""
    return attempted(action, method, None)[0]


def refuse(status: int, action: Action, thing=None, model=None):
    """Note the refusal for the audit trail as what the request asked for (app.policy.attempts: the action and
    the method), naming `thing` (a record that exists) or only `model`'s type: never an id that was typed and
    names nothing."""

    thing_type = object_type_of(thing) if thing is not None else getattr(model, "__tablename__", None)
    method = request.method if has_request_context() else None
    audit_action, object_type = attempted(action, method, thing_type)
    # The record asked of is named when it is of the type asked for (a CPD log: its owner); else its learner
    # alone (the concern form asked of a learner names the learner, not as the form's id).
    named_by = subjects.model(object_type)
    public_id = getattr(thing, "public_id", None) if named_by is not None and isinstance(thing, named_by) else None
    note_refusal(audit_action, object_type, public_id, thing)
    abort(status)
