"""Deleting a record and everything that hangs off it, found through the schema's foreign keys.

Walking the foreign keys (rather than listing tables by hand) reaches every learner-linked table, including ones
added after this module: a new table with a foreign key to a learner, a contribution or a meeting is destroyed
with them. Links from records that are not the learner's are cut instead of followed where the link is optional
and the record belongs to someone else (NULLIFY).
"""
from __future__ import annotations

from sqlalchemy import Table, delete, select, update

from app.extensions import db

# Optional links from records that are not the learner's: set to NULL, the record stays.
# (An MIS import's row matched to the learner is theirs: it holds their name, date of birth and UPN as the MIS sent
# them, sealed under their key, so it goes with them.)
NULLIFY = frozenset({
    ("learner_revision", "merged_from_id"),  # another learner's correction names where a merge came from
    ("erasure_request", "learner_id"),  # the request outlives the learner, naming them by public id
})
# Never reached through a foreign key: the trail is append-only (its rows name learners by public id only).
KEPT = frozenset({"audit_event", "audit_event_learner", "audit_seal", "audit_checkpoint", "audit_verification",
                  "destruction_register"})


def _children(table: Table):
    for other in db.metadata.tables.values():
        for fk in other.foreign_keys:
            if fk.column.table is table and other.name not in KEPT:
                yield other, fk


def purge(table: Table, ids: list[int], seen: dict[str, set[int]] | None = None) -> int:
    """Delete the rows of `table` with these ids and, first, every row that hangs off them; the number deleted."""
    seen = {} if seen is None else seen
    done = seen.setdefault(table.name, set())
    ids = [row_id for row_id in ids if row_id not in done]
    if not ids:
        return 0
    done.update(ids)
    count = 0
    for child, fk in _children(table):
        column = fk.parent
        match = column.in_(select(table.c[fk.column.name]).where(table.c.id.in_(ids)))
        if (child.name, column.name) in NULLIFY:
            db.session.execute(update(child).where(match).values({column.name: None}))
        elif "id" in child.c and list(child.primary_key.columns) == [child.c.id]:
            count += purge(child, list(db.session.scalars(select(child.c.id).where(match))), seen)
        else:  # an association table (no id of its own): nothing hangs off it
            count += db.session.execute(delete(child).where(match)).rowcount
    count += db.session.execute(delete(table).where(table.c.id.in_(ids))).rowcount
    return count
