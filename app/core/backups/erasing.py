"""Erasing again after a restore: a backup taken before an erasure brings the erased learner's rows back.

Their values cannot be opened (the learner's key was destroyed with the erasure), but their rows, plain columns
and existence are back. Under UK GDPR the erasure is applied again after a restore: every learner of the restored
database whose own data key is not in the key store it will use is erased again, by the domain's eraser (the data
protection package registers it: this package knows no domain). A learner sealed under no learner key at all (the
keyring's own key: older rows) is never one of them.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import select, text
from sqlalchemy.exc import SQLAlchemyError

from app.core.backups.restored import code_heads, restored_app_settings
from app.extensions import db
from app.security.learner_keys import learner_data_key


@dataclass
class ErasedAgain:
    erased: list[str] = field(default_factory=list)  # public ids of the learners erased again (or to be)
    held: list[str] = field(default_factory=list)  # keyless, but under a legal hold in the restored data: left


class NotErasedAgain(RuntimeError):
    """Nothing was erased: the restored database cannot be erased in yet (one line, saying what to do)."""


# eraser(learner key ids the store holds, dry_run) -> ErasedAgain, in the restored app's context.
Eraser = Callable[[set[str], bool], ErasedAgain]
_ERASERS: list[Eraser] = []


def eraser(function: Eraser) -> Eraser:
    """Register the function that erases again the learners whose keys the store lacks (app.data_protection)."""
    _ERASERS[:] = [function]
    return function


def key_ids_in(store) -> set[str]:
    with store.engine.connect() as connection:
        return set(connection.execute(select(learner_data_key.c.key_id)).scalars())


def erase_keyless(key_ids: set[str] | None = None, *, dry_run: bool = False) -> ErasedAgain:
    """In the restored app's context: erase again (or, dry, list) its learners whose learner key is not among
    `key_ids` (default: the keys in its own key store).

    :raise NotErasedAgain: the store holds no key at all while learners are sealed under learner keys: a key store
    not restored (or the wrong one), which would erase every learner.
    """
    if not _ERASERS:
        raise NotErasedAgain("no eraser is registered (app.factory imports it)")
    erase = _ERASERS[0]
    if key_ids is None:
        key_ids = key_ids_in(current_app.extensions["braid_learner_keys"])
    if not key_ids and not dry_run:
        every = erase(key_ids, True)
        if every.erased:
            raise NotErasedAgain(
                f"the key store holds no learner key: that would erase all {len(every.erased)} learners sealed under "
                "one. Restore the key store first (--keys-into), or point --key-store at the one in use")
    return erase(key_ids, dry_run)


def erase_again(database_url: str, store_url: str, *, dry_run: bool = False) -> ErasedAgain:
    """Open the restored database `database_url`, with the key store `store_url`, as an app of its own and erase
    again its learners whose keys that store lacks; each erasure commits on its own (a second run finds none).

    :raise NotErasedAgain: the schema is not this code's (upgrade first), or the key store is empty.
    """
    app = current_app.extensions["braid_create_app"](current_app.config["ENV_NAME"],
                                                     restored_app_settings(database_url, store_url))
    try:
        with app.app_context():
            try:
                found = db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()
            except SQLAlchemyError:
                raise NotErasedAgain("the restored database holds no Braid schema (no alembic_version)") from None
            finally:
                db.session.remove()
            heads = code_heads()
            if found not in heads:
                raise NotErasedAgain(f"the restored database is at migration {found}, this code's head is "
                                     f"{', '.join(sorted(heads))}: run `flask db upgrade` on it, then "
                                     "`flask backup erase-again`")
            try:
                return erase_keyless(dry_run=dry_run)
            finally:
                db.session.remove()
    finally:
        with app.app_context():
            db.engine.dispose()
        app.extensions["braid_learner_keys"].dispose()
