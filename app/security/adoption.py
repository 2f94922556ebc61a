"""Moving what was sealed on the keyring under the learner keys it belongs to: a resumable migration step.

`flask keys adopt-learner-keys` walks every learner's sealed column (app.security.learner_keys.LEARNER_OF) in
batches, each committed on its own, each row rewritten only if it still holds the ciphertext that was read
(compare-and-swap, as rotation does): killed at any point, it loses nothing and carries on when run again. New
values are sealed under learner keys anyway; this moves the ones written before, or by bulk paths (imports).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import Text, bindparam, func, not_, select, type_coerce, update

from app.extensions import db
from app.security.crypto import ENVELOPE_VERSION, Sealed, associated_data, open_sealed, seal, sensitive_fields
from app.security.learner_keys import LEARNER_KEY_LETTER, learner_public_id_of

LEARNER_ENVELOPE = f"{ENVELOPE_VERSION}.{LEARNER_KEY_LETTER}"


@dataclass
class AdoptionReport:
    moved: int = 0
    skipped_newer: int = 0
    without_learner: int = 0  # a learner's kind of value on a row that names no learner (stays on the keyring)
    batches: int = 0
    finished: bool = False
    by_column: Counter = field(default_factory=Counter)


def learner_columns():
    """(model, field, column) of every sealed column that holds a learner's values."""
    for model, sensitive in sensitive_fields():
        if sensitive.learner_paths is not None:
            yield model, sensitive, model.__table__.c[sensitive.column_attr]


def _on_keyring(column):
    return column.is_not(None), not_(type_coerce(column, Text).startswith(LEARNER_ENVELOPE))


def on_keyring_by_column() -> Counter:
    """How many of a learner's values each column still holds on the keyring (`flask keys status`)."""
    counts: Counter = Counter()
    for model, _sensitive, column in learner_columns():
        count = db.session.execute(select(func.count()).select_from(model.__table__).where(*_on_keyring(column)))
        counts[f"{model.__tablename__}.{column.name}"] = count.scalar_one()
    return counts


def adopt(batch_size: int = 500, max_batches: int | None = None, progress=None) -> AdoptionReport:
    """Move every learner's keyring-sealed values under their learner key; `max_batches` stops early (resumable)."""
    report = AdoptionReport()
    for model, sensitive, column in learner_columns():
        table = model.__table__
        size = min(batch_size, sensitive.rotation_batch or batch_size)  # large values (files): a few at a time
        after = 0
        while True:
            if max_batches is not None and report.batches >= max_batches:
                return report
            objs = db.session.scalars(
                select(model).where(*_on_keyring(column), table.c.id > after).order_by(table.c.id).limit(size)
            ).all()
            if not objs:
                break
            changes = []
            for obj in objs:
                after = obj.id
                learner_public_id = learner_public_id_of(obj, sensitive.learner_paths, db.session)
                if not learner_public_id:
                    report.without_learner += 1
                    continue
                old = obj.__dict__[sensitive.column_attr]
                aad = associated_data(table.name, column.name, obj.public_id)
                new = seal(open_sealed(old, aad), aad, learner_public_id)
                changes.append({"row_id": obj.id, "old": Sealed(old), "new": new})
            written = 0
            if changes:
                statement = (
                    update(table)
                    .where(table.c.id == bindparam("row_id"), column == bindparam("old", type_=column.type))
                    .values({column.name: bindparam("new", type_=column.type)})
                    .execution_options(synchronize_session=False)
                )
                result = db.session.connection().execute(statement, changes)
                written = result.rowcount if result.rowcount is not None and result.rowcount >= 0 else len(changes)
            db.session.commit()
            db.session.expunge_all()  # the rows' ORM copies hold the old ciphertexts
            report.moved += written
            report.skipped_newer += len(changes) - written
            report.by_column[f"{table.name}.{column.name}"] += written
            report.batches += 1
            if progress:
                progress(report)
    report.finished = True
    return report
