"""Asking the policy: can (noted for deny-by-default), shows (for templates), require (403, audited)."""
from __future__ import annotations

from flask import abort, g, has_request_context

from app.audit.events import note_refusal, object_type_of
from app.audit.models import AuditAction
from app.policy.actions import Action
from app.policy.rules import RULES, in_capacity, signed_in

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


# What each refused policy action was an attempt to do, in the audit trail's words; the rest are updates.
_ATTEMPTS = {
    "VIEW": {Action.VIEW_HOME, Action.LIST_ACCOUNTS, Action.VIEW_ACCOUNT, Action.LIST_LEARNERS, Action.FIND_LEARNER,
             Action.VIEW_LEARNER, Action.VIEW_LEARNER_HISTORY, Action.VIEW_CASE, Action.VIEW_CONTRIBUTION,
             Action.VIEW_CONTRIBUTION_REVISION, Action.VIEW_WITHDRAWN_CONTRIBUTIONS,
             Action.VIEW_MEETING, Action.VIEW_FAMILY_PROFILE, Action.VIEW_CONCERN, Action.LIST_CONCERNS,
             Action.LIST_CASE_CONCERNS,
             Action.REVIEW_CONCERNS,
             Action.VIEW_CASEWORK, Action.REVIEW_AUDIT, Action.VIEW_CPD_LOG, Action.VIEW_CPD_RECORD,
             Action.VIEW_PROGRESS_REVIEW, Action.LIST_CPD_REPORTS, Action.VIEW_JOBS, Action.VIEW_UNSENT_MAIL,
             Action.VIEW_DEV_OUTBOX, Action.VIEW_LEARNER_IMPORT,
             Action.VIEW_TRANSFERS, Action.VIEW_CP_TRANSFERS, Action.VIEW_SCHOOL_CALENDAR,
             Action.LIST_ARCHIVED_LEARNERS, Action.LIST_OUTSIDE_ACCOUNTS, Action.VIEW_NOTIFICATIONS,
             Action.VIEW_FAMILY_ACCESS_SUMMARY},
    "CREATE": {Action.CREATE_ACCOUNT, Action.REGISTER_LEARNER, Action.IMPORT_LEARNERS, Action.ADD_CONTRIBUTION,
               Action.RECORD_MEETING, Action.RECORD_CONCERN, Action.KEEP_CPD_LOG, Action.REFLECT_ON_WORK,
               Action.RECORD_PROGRESS_REVIEW, Action.MAKE_TRANSFER_BUNDLE, Action.RECORD_CP_TRANSFER,
               Action.ATTACH_FILE},
    "EXPORT": {Action.EXPORT_AUDIT, Action.EXPORT_CPD_LOG, Action.DOWNLOAD_TRANSFER_BUNDLE,
               Action.EXPORT_CASE_DOCUMENT, Action.DOWNLOAD_ATTACHMENT},
    "DELETE": {Action.REMOVE_ATTACHMENT},
    "BREAK_GLASS": {Action.BREAK_GLASS},
}


def audit_action_for(action: Action):
    for name, actions in _ATTEMPTS.items():
        if action in actions:
            return AuditAction[name]
    return AuditAction.UPDATE


def refuse(status: int, action: Action, thing=None, model=None):
    """Note the refusal for the audit trail, naming `thing` (a record that exists) or only `model`'s type:
    never an id that was typed and names nothing."""

    object_type = object_type_of(thing) if thing is not None else getattr(model, "__tablename__", None)
    note_refusal(audit_action_for(action), object_type, getattr(thing, "public_id", None), thing)
    abort(status)
