"""Load then check: a record by public id through the user's scope, then the action (404 / 403)."""
from __future__ import annotations

import re

from flask import g, has_request_context
from sqlalchemy import bindparam, select

from app.agencies.accounts.models import User
from app.audit.events import note_read
from app.cases.learners.models import Learner
from app.extensions import db
from app.policy.actions import Action
from app.policy.bound import bound_statement, params_of
from app.policy.decisions import can, refuse, require
from app.policy.rules import record_learner_of
from app.policy.scopes import cpd_log_owners, scopes_by_model

# Public ids are URL-safe base64 (app.types.new_public_id); anything else is refused before any query.
_PUBLIC_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
# Looked up through a statement built once per shape of user (app.policy.bound), not built again on every page: each
# page of a case starts by loading its learner.
_BOUND_LOOKUPS = frozenset({Learner})
# Set in flask.g by the first successful load of a request: the learner whose record the page is (or None).
RECORD_LEARNER = "braid_record_learner"


def get_or_404(model, public_id: str, user, action: Action):
    """Load `model` by public id through the user's scope, then check `action`.

    :raise 404: when the object does not exist or is outside the user's sight.
    :raise 403: when the user can see it but may not do `action`.
    """
    scope, view_action = scopes_by_model().get(model, (None, None))
    # A learner's record merged into another is found under the survivor (scopes leave merged records out).
    follow = survivor_public_id if model is Learner else None
    return _load_or_404(model, scope, view_action, public_id, user, action, follow)


# Merges chain at most a few deep in practice; the bound stops a cycle ever written by hand.
_MERGE_HOPS = 8


def survivor_public_id(public_id):
    """The public id a learner's record now lives under: its own, or that of the record it was merged into."""
    if not isinstance(public_id, str) or not _PUBLIC_ID.fullmatch(public_id):
        return public_id
    for _ in range(_MERGE_HOPS):
        merged_into = db.session.scalar(select(Learner.merged_into_id).where(Learner.public_id == public_id))
        if merged_into is None:
            return public_id
        public_id = db.session.scalar(select(Learner.public_id).where(Learner.id == merged_into))
    return public_id


def cpd_owner_or_404(public_id: str, user, action: Action) -> User:
    """The practitioner whose CPD log `user` asks for, through `cpd_log_owners`.

    :raise 404: when the person does not exist or is neither `user` nor one of their line reports.
    :raise 403: when they are, but `user` may not do `action`.
    """
    return _load_or_404(User, cpd_log_owners, Action.VIEW_CPD_LOG, public_id, user, action)


def _load_or_404(model, scope, view_action, public_id, user, action: Action, follow=None):
    if scope is None or not isinstance(public_id, str) or not _PUBLIC_ID.fullmatch(public_id):
        refuse(404, action, model=model)  # never sent to the database: it could not name anything
    thing = _lookup(model, scope, user, public_id)
    if thing is None and follow is not None and (followed := follow(public_id)) != public_id:
        public_id = followed  # only a miss costs the look-up
        thing = _lookup(model, scope, user, public_id)
    if thing is None or (view_action is not None and not can(user, view_action, thing)):
        # Out of sight: the trail still names what was asked for, and whose record it was, if it exists.
        refuse(404, action, _existing(model, public_id), model=model)
    if has_request_context() and RECORD_LEARNER not in g:
        # The page's record, in sight: its banner (a restriction) shows on the page, or on the refusal.
        g.setdefault(RECORD_LEARNER, record_learner_of(thing))
    require(user, action, thing)

    note_read(thing)
    return thing


def _lookup(model, scope, user, public_id: str):
    if model not in _BOUND_LOOKUPS:
        return db.session.scalars(scope(user).where(model.public_id == public_id)).first()
    statement = bound_statement(f"load.{model.__tablename__}", user,
                                lambda bound: scope(bound).where(model.public_id == bindparam("public_id")))
    return db.session.scalars(statement, {**params_of(user), "public_id": public_id}).first()


def _existing(model, public_id: str):
    return db.session.scalars(select(model).where(model.public_id == public_id)).first()
