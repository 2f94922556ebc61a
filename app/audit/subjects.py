"""What the audit trail may name: domains register their models by object type, and an event keeps a public id
only when a record of that type has it.

The trail stores a type and a public id, never what someone typed: a URL or a query string is free text
until a registered table has a row with that id. Registration runs when the models are imported
(app/models.py), so this module imports no domain.
"""
from __future__ import annotations

import re
from functools import lru_cache

from sqlalchemy import select, text

from app.extensions import db

# Public ids are URL-safe base64 (app.types.new_public_id): the policy's pattern. Anything else names nothing
# and is never sent to the database.
PUBLIC_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")

_SUBJECTS: dict[str, type] = {}
# Types whose records are named by another model's public id (a CPD log by its owner's account): never
# guessed from an id alone (`identify`), only checked when an event names the type.
_NAMED_BY: dict[str, type] = {}


def register(*models: type) -> None:
    """Name each model's records in the trail by its table's name (the object type its events carry)."""
    for model in models:
        _SUBJECTS[model.__tablename__] = model


def register_named_by(object_type: str, model: type) -> None:
    """Events of `object_type` name their object by a public id of `model`."""
    _NAMED_BY[object_type] = model


def model(object_type: str | None) -> type | None:
    """The model registered for `object_type`, or None."""
    return (_SUBJECTS.get(object_type) or _NAMED_BY.get(object_type)) if object_type else None


def well_formed(public_id) -> bool:
    return isinstance(public_id, str) and PUBLIC_ID.fullmatch(public_id) is not None


def find(object_type: str | None, public_id):
    """The record of `object_type` with this public id, whoever may see it; None for an ill-formed id, an
    unregistered type or no such row."""
    found = model(object_type)
    if found is None or not well_formed(public_id):
        return None
    return db.session.scalars(select(found).where(found.public_id == public_id)).first()


def named(object_type: str | None, public_id) -> str | None:
    """`public_id` when it is well formed and a record of `object_type` has it; otherwise None (never the text)."""
    found = model(object_type)
    if found is None or not well_formed(public_id):
        return None
    return db.session.scalar(select(found.public_id).where(found.public_id == public_id).limit(1))


def identify(public_id) -> tuple[str | None, str | None]:
    """(object type, public id) of the registered record with this public id, for a request that named no type
    (a signed-out visitor's URL); (None, None) when no record has it. One statement over the registered tables."""
    if not well_formed(public_id) or not _SUBJECTS:
        return None, None
    found = db.session.execute(_identify_statement(tuple(sorted(_SUBJECTS.items()))), {"public_id": public_id}).first()
    return (found.object_type, public_id) if found is not None else (None, None)


@lru_cache(maxsize=4)
def _identify_statement(subjects: tuple):
    # Made once per set of registered tables, as SQL text: built from the ORM, a union of forty SELECTs cost more
    # to key and compile on every refusal (7 ms) than to run. Names are the models' own, never input.
    selects = [f"SELECT '{object_type}' AS object_type FROM {subject.__table__.name} WHERE public_id = :public_id"  # nosec B608 # table names from the models; the id bound
               for object_type, subject in subjects]
    return text(" UNION ALL ".join(selects))


def name(object_type: str | None, public_id) -> tuple[str | None, str | None]:
    """What an event may say it is about: the type, and the public id only if such a record exists (with no
    type, the registered type whose record has the id). Whatever was typed and names nothing becomes None."""
    if object_type is None:
        return identify(public_id)
    return object_type, named(object_type, public_id)


def erased_learner(public_id: str) -> str:
    """How the trail names a learner whose records were erased: the events stay, naming them by public id only."""
    return f"An erased learner (public id {public_id})"
