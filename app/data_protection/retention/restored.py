"""Erasures applied again after a restore (app.core.backups.erasing calls this in the restored app).

Which learners were erased since the backup is read from the one thing an erasure leaves outside the database:
their data key is gone from the key store. A learner's own row is sealed under their key (the key id is in each
value's envelope), so a learner with a value under a learner key the store lacks was erased; one whose values are
all under the keyring's key (rows from before crypto-shredding) has no learner key to miss and is never erased here.
"""
from __future__ import annotations

from sqlalchemy import select

from app.cases.learners.models import Learner
from app.core.backups.erasing import ErasedAgain, eraser
from app.data_protection.retention.services import ERASED_BEFORE_RESTORE, ErasureRefused, erase_learner, hold_in_force
from app.extensions import db
from app.security.crypto import DecryptionError, Sealed, SealedText
from app.security.learner_keys import is_learner_key_id

_BATCH = 500


def _learner_key_ids(sealed: tuple) -> set[str]:
    found = set()
    for value in sealed:
        if value is None:
            continue
        try:
            kid = Sealed(value).key_id
        except DecryptionError:
            continue  # not an envelope: the drill reports it; it names no key to miss
        if is_learner_key_id(kid):
            found.add(kid)
    return found


def keyless_learners(key_ids: set[str]) -> list[tuple[int, str]]:
    """(id, public id) of the learners with a value sealed under a learner key not among `key_ids`: records others
    were merged into first, so that their erasure takes the merged records with it (as the first erasure did)."""
    table = Learner.__table__
    sealed = [column for column in table.columns if isinstance(column.type, SealedText)]
    rows = db.session.execute(select(table.c.id, table.c.public_id, table.c.merged_into_id, *sealed)
                              .order_by(table.c.id).execution_options(yield_per=_BATCH))
    found = [(row[2] is not None, row[0], row[1]) for row in rows if _learner_key_ids(tuple(row[3:])) - key_ids]
    return [(learner_id, public_id) for _, learner_id, public_id in sorted(found)]


@eraser
def erase_keyless_learners(key_ids: set[str], dry_run: bool) -> ErasedAgain:
    """Erase again (through `erase_learner`: its rows, merged records, register and audit, as a system action)
    every learner whose key the store lacks; each in a transaction of its own. A learner under a legal hold is left
    and reported: erasure refuses it, and its values cannot be read anyway. Dry: who would be, nothing changes."""
    done = ErasedAgain()
    for learner_id, public_id in keyless_learners(key_ids):
        learner = db.session.scalar(select(Learner).where(Learner.id == learner_id))
        if learner is None:  # erased already, with the record it had been merged into
            done.erased.append(public_id)
            continue
        if hold_in_force(learner) is not None:
            done.held.append(public_id)
            continue
        if not dry_run:
            try:
                erase_learner(learner, by=None, reason=ERASED_BEFORE_RESTORE)
            except ErasureRefused:
                db.session.rollback()
                done.held.append(public_id)
                continue
            db.session.commit()
        done.erased.append(public_id)
    return done
