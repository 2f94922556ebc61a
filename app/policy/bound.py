"""Scope statements built once per shape of user, not once per request.

A scope (app.policy.scopes) built for `BoundUser` reads the user's id, agency and the clock as bind
parameters ("user_id", "agency_id", "now"): the statement is the same object for everyone of that shape,
so a page pays neither its construction nor its cache key again, only the parameters (`params_of`).
The shape is everything a scope branches on; the stand-in has nothing else, so a scope that reads
more fails loudly (AttributeError) rather than sharing one user's statement with another.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from sqlalchemy import bindparam

from app.agencies.accounts.models import Role
from app.policy.rules import real_user, signed_in
from app.types import utcnow


class Shape(NamedTuple):
    role: Role
    restricted: bool
    signed_in: bool
    expired: bool


def shape_of(user) -> Shape:
    return Shape(user.role, bool(user.restricted), signed_in(user), bool(user.access_has_expired()))


class BoundUser:
    """A user of `shape` whose id, agency and `now` are bind parameters.

    Each stand-in has parameter objects of its own: anything that remembers clauses by the user's id (as a request
    may) then never hands one shape's clause to another."""

    is_authenticated = True

    def __init__(self, shape: Shape):
        self.id = bindparam("user_id")
        self.agency_id = bindparam("agency_id")
        self.bound_now = bindparam("now")
        self.role = shape.role
        self.restricted = shape.restricted
        self.is_active = shape.signed_in  # signed_in(stand-in) answers as it did for the user
        self._expired = shape.expired

    def access_has_expired(self, now=None) -> bool:
        return self._expired


class BoundLearner:
    """A learner whose id is the bind parameter "learner_id": a page about one case builds its scopes once per shape
    of user, not once per learner (pass `learner_params_of`). It has nothing else, so a scope that reads more of the
    learner fails loudly."""

    def __init__(self):
        self.id = bindparam("learner_id")


def learner_params_of(user, learner, now=None) -> dict:
    return {**params_of(user, now), "learner_id": learner.id}


def params_of(user, now=None) -> dict:
    """The parameters a statement built for `BoundUser` takes for `user` (the clock read once)."""
    user = real_user(user)
    return {"user_id": user.id, "agency_id": user.agency_id, "now": now if now is not None else utcnow()}


_STATEMENTS: dict[tuple, object] = {}


def bound_statement(name: str, user, build: Callable[[BoundUser], object], *extra):
    """The statement `build(BoundUser)` for `user`'s shape (and `extra`, anything else it branches on), built once.
    None when `build` finds nothing to ask for that shape (the caller then knows the answer without a query)."""
    key = (name, shape_of(real_user(user)), *extra)
    try:
        return _STATEMENTS[key]
    except KeyError:
        statement = _STATEMENTS[key] = build(BoundUser(key[1]))
        return statement
