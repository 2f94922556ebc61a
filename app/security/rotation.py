"""Key rotation: re-seal every sensitive value under the primary key, in batches, resumably.

A learner's values are sealed under that learner's own key (app.security.learner_keys): rotation re-wraps those
keys under the new primary instead of re-sealing the values, and re-seals only what is on the keyring itself.

Each batch commits on its own, so a rotation killed at any point loses nothing and simply
carries on when run again. Each row is rewritten only if it still holds the ciphertext that was
read (compare-and-swap), so a newer write by the running app is never overwritten. A finished
rotation and a retired key each leave one audit event naming the key id (an id, never key material).
"""
from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import Text, bindparam, func, not_, select, type_coerce, update

from app.audit.events import record
from app.audit.models import AuditAction
from app.extensions import db
from app.security.crypto import ENVELOPE_VERSION, Sealed, associated_data, open_sealed, seal, sensitive_fields
from app.security.keys import KEY_ID_LENGTH, KeyringError, keyring_source
from app.security.learner_keys import LEARNER_KEY_LETTER, key_store
from app.security.models import FieldKeyUsage

MAX_ROUNDS = 1000  # a sweep that never settles means something keeps writing under an old key


@dataclass
class RotationReport:
    primary: str
    started_new_key: bool
    resealed: int = 0
    skipped_newer: int = 0
    rewrapped: int = 0  # learner keys re-wrapped under the new primary (their values untouched)
    reseal_seconds: float = 0.0  # in batches that re-sealed values (bench/learner_key_rotation.py)
    rewrap_seconds: float = 0.0  # re-wrapping learner keys
    batches: int = 0
    settle_seconds: float = 0.0  # waited for workers to notice the new key, not re-sealing
    by_column: Counter = field(default_factory=Counter)


def _columns(with_batch: bool = False):
    for model, sensitive in sensitive_fields():
        table = model.__table__
        if with_batch:
            yield table, table.c[sensitive.column_attr], sensitive.rotation_batch
        else:
            yield table, table.c[sensitive.column_attr]


def _prefix(kid: str) -> str:
    return f"{ENVELOPE_VERSION}.{kid}."


def _text(column):
    # Compare the envelope as text: SealedText refuses unsealed values even in a WHERE clause.
    return type_coerce(column, Text)


LEARNER_ENVELOPE = f"{ENVELOPE_VERSION}.{LEARNER_KEY_LETTER}"


def _on_keyring_not_under(column, kid: str):
    """Values sealed under a keyring key other than `kid` (a learner's key is re-wrapped, never re-sealed)."""
    return (column.is_not(None), not_(_text(column).startswith(_prefix(kid))),
            not_(_text(column).startswith(LEARNER_ENVELOPE)))


def values_by_key() -> Counter:
    """How many stored values each key id protects, across every sensitive column."""
    counts: Counter = Counter()
    for _table, column in _columns():
        key_id = func.substr(_text(column), len(ENVELOPE_VERSION) + 2, KEY_ID_LENGTH)
        rows = db.session.execute(select(key_id, func.count()).where(column.is_not(None)).group_by(key_id))
        for kid, count in rows:
            counts[kid] += count
    return counts


def encryptions_by_key() -> dict[str, int]:
    return dict(db.session.execute(select(FieldKeyUsage.key_id, FieldKeyUsage.encryptions)).all())


def values_not_under(kid: str) -> int:
    total = 0
    for _table, column in _columns():
        total += db.session.execute(select(func.count()).where(*_on_keyring_not_under(column, kid))).scalar_one()
    return total


def learner_keys_not_under(kid: str) -> int:
    return sum(count for wrapping, count in key_store().count_by_wrapping_key().items() if wrapping != kid)


def _reseal_batch(table, column, primary: str, batch_size: int, report: RotationReport) -> int:
    rows = db.session.execute(
        select(table.c.id, table.c.public_id, column)
        .where(*_on_keyring_not_under(column, primary))
        .order_by(table.c.id)
        .limit(batch_size)
    ).all()
    if not rows:
        return 0
    started = time.perf_counter()
    changes = []
    for row_id, public_id, old in rows:
        aad = associated_data(table.name, column.name, public_id)
        # `old` is what this row holds now: re-bound only as the compare-and-swap guard.
        changes.append({"row_id": row_id, "old": Sealed(old), "new": seal(open_sealed(old, aad), aad)})
    statement = (
        update(table)
        .where(table.c.id == bindparam("row_id"), column == bindparam("old", type_=column.type))
        .values({column.name: bindparam("new", type_=column.type)})
        .execution_options(synchronize_session=False)
    )
    result = db.session.connection().execute(statement, changes)
    db.session.commit()
    written = result.rowcount if result.rowcount is not None and result.rowcount >= 0 else len(changes)
    report.resealed += written
    report.skipped_newer += len(changes) - written
    report.by_column[f"{table.name}.{column.name}"] += written
    report.batches += 1
    report.reseal_seconds += time.perf_counter() - started
    return len(rows)


def _rewrap(report: RotationReport, batch_size: int) -> None:
    started = time.perf_counter()
    report.rewrapped += key_store().rewrap(batch_size)
    report.rewrap_seconds += time.perf_counter() - started


def rotate(batch_size: int = 1000, progress=None) -> RotationReport:
    """Add a new primary key (unless a rotation is unfinished) and re-seal everything under it."""
    source = keyring_source()
    with source.exclusive():
        return _rotate(source, batch_size, progress)


def _rotate(source, batch_size: int, progress) -> RotationReport:
    keyring = source.current(recheck=True)
    started = False
    if values_not_under(keyring.primary) == 0 and learner_keys_not_under(keyring.primary) == 0:
        if not source.writable:
            raise KeyringError("the keyring comes from BRAID_FIELD_KEYS: add a new primary key there, then run rotate")
        source.replace(keyring.with_new_primary())
        keyring = source.current()
        started = True
    db.session.commit()
    report = RotationReport(primary=keyring.primary, started_new_key=started)
    # Learner keys first: a few hundred bytes each, however many values each protects.
    _rewrap(report, batch_size)
    for _ in range(MAX_ROUNDS):
        moved = 0
        for table, column, column_batch in _columns(with_batch=True):
            # Large values (attached files, up to 20 MB each) are read a few rows at a time.
            size = min(batch_size, column_batch or batch_size)
            while _reseal_batch(table, column, keyring.primary, size, report):
                moved += 1
                if progress:
                    progress(report)
        if moved == 0 and values_not_under(keyring.primary) == 0:
            # A learner key made by a worker still on the old key is wrapped under it: wrap it again.
            _rewrap(report, batch_size)
            wait = source.seconds_until_seen()
            if wait <= 0:
                record(None, AuditAction.ROTATE_KEYS, object_type="keyring", object_public_id=keyring.primary)
                db.session.commit()
                return report
            # A worker may still seal under the old key until it next looks at the key file.
            time.sleep(wait)
            report.settle_seconds += wait
    raise KeyringError("rotation did not settle: something keeps writing under an old key")


def retire(kid: str) -> None:
    """Remove a key from the keyring, only once no stored value depends on it."""
    source = keyring_source()
    with source.exclusive():
        keyring = source.current(recheck=True)
        wrapped = key_store().count_by_wrapping_key().get(kid, 0)
        if wrapped:
            raise KeyringError(f"key {kid} still wraps {wrapped} learner keys: run `flask keys rotate` first")
        remaining = values_by_key().get(kid, 0)
        if remaining:
            raise KeyringError(f"key {kid} still protects {remaining} values: run `flask keys rotate` first")
        smaller = keyring.without(kid)
        record(None, AuditAction.DELETE, object_type="field_key", object_public_id=kid)
        source.replace(smaller)
        db.session.commit()
