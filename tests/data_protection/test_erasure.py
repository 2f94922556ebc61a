"""Erasure of the demo's richest learner: every row of theirs goes (found from the rows themselves, not from the
code that deletes), with every blind-index value of theirs; no row of anyone else's changes; CPD entries that
linked to their work stay without the link; the audit trail keeps its events, still verifies, and names them as
an erased learner."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.agencies.accounts.models import Role, User
from app.audit import chain
from app.audit.models import AuditEvent
from app.audit.review.services import describe_events
from app.cases.contributions.models import Contribution
from app.cases.learners.models import Learner
from app.cases.meetings.models import Meeting
from app.cpd.entries.models import CaseEvidence, ReflectiveEntry
from app.data_protection.retention import services
from app.data_protection.retention.models import DestructionEntry
from app.extensions import db

pytestmark = pytest.mark.both_backends

# Rows written by the erasure itself (its events, their seals, its register row), not rows of anyone's record.
WRITTEN = {"audit_event", "audit_event_learner", "audit_seal", "destruction_register"}


def _rows(table):
    key = [column.name for column in table.primary_key.columns]
    return {tuple(row._mapping[name] for name in key): tuple(row) for row in db.session.execute(select(table))}


def _snapshot():
    return {table.name: _rows(table) for table in db.metadata.sorted_tables}


def _linked_to(removed: dict[str, set], table, row: tuple) -> bool:
    """Does `row` point, through one of its foreign keys, at a removed row?"""
    values = dict(zip([column.name for column in table.columns], row, strict=True))
    for fk in table.foreign_keys:
        target = fk.column.table
        if values.get(fk.parent.name) is not None and (values[fk.parent.name],) in removed.get(target.name, set()):
            return True
    return False


def test_erasure_removes_every_row_and_blind_index_of_the_learner_and_nothing_of_anyone_else(demo_app):
    with demo_app.app_context():
        learners = list(db.session.scalars(select(Learner).where(Learner.merged_into_id.is_(None))))
        # The richest learner whose work practitioners reflected on in their CPD logs (contributions or meetings).
        linked = set(db.session.scalars(select(Contribution.learner_id).join(CaseEvidence))) | \
            set(db.session.scalars(select(Meeting.learner_id).join(CaseEvidence)))
        harry = max((learner for learner in learners if learner.id in linked),
                    key=lambda learner: (learner.name == "Harry Thompson", learner.id))
        public_id, school_id = harry.public_id, harry.school_id
        index_columns = [(table, column) for table in db.metadata.sorted_tables for column in table.columns
                         if column.name.endswith("_index")]
        learner_table = Learner.__table__
        harry_indexes = {(column.name, value) for column in learner_table.columns if column.name.endswith("_index")
                         for value in db.session.scalars(select(column).where(learner_table.c.id == harry.id))
                         if value is not None}
        assert {name for name, _ in harry_indexes} >= {"name_index", "name_and_birth_index"}
        entries_before = set(db.session.scalars(select(ReflectiveEntry.id)))
        links_before = db.session.scalars(select(CaseEvidence)).all()
        assert links_before, "the demo's CPD logs link to case work"
        before = _snapshot()

        services.erase_learner(harry, by=None, reason="Erasure request (Article 17)")
        db.session.commit()
        after = _snapshot()

        removed = {name: set(before[name]) - set(after[name]) for name in before}
        assert removed["learner"]
        for name, rows in after.items():
            if name in WRITTEN:
                continue
            # Nothing added, nothing changed except a link cut to a removed row (set to NULL).
            assert set(rows) <= set(before[name]), f"rows appeared in {name}"
            for key, row in rows.items():
                if row != before[name][key]:
                    assert name in {"learner_revision", "erasure_request"}, (name, key)
        # Every removed row is Harry's: his learner row, or a row linked (transitively) to a removed row.
        tables = {table.name: table for table in db.metadata.sorted_tables}
        learner_rows = removed["learner"]
        assert all(before["learner"][key][list(learner_table.columns.keys()).index("public_id")] == public_id
                   or before["learner"][key][list(learner_table.columns.keys()).index("merged_into_id")] is not None
                   for key in learner_rows)
        for name, keys in removed.items():
            if name == "learner":
                continue
            for key in keys:
                assert _linked_to(removed, tables[name], before[name][key]), f"{name} {key} was not Harry's"
        # No row left points at a removed one, and every table that had Harry's rows lost them.
        for name, rows in after.items():
            for row in rows.values():
                assert not _linked_to(removed, tables[name], row), f"{name} still points at an erased row"
        assert removed["contribution"] and removed["meeting"]
        # Every blind-index value of Harry's is gone; everyone else's stays.
        for _table, column in index_columns:
            left = set(db.session.scalars(select(column).where(column.is_not(None))))
            assert not {value for name, value in harry_indexes if name == column.name} & left
        others = sum(1 for key in before["learner"] if key not in learner_rows)
        assert len(after["learner"]) == others
        # The practitioners' reflections stay; only their links to his work went.
        assert set(db.session.scalars(select(ReflectiveEntry.id))) == entries_before
        assert removed.get("cpd_case_evidence"), "links to his contributions and meetings are cut"
        # The trail keeps his events, verifies, and names him as an erased learner.
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.learner_public_ids.contains(public_id))
                                    .order_by(AuditEvent.id.desc()).limit(5)).all()
        assert events and not removed["audit_event"]
        chain.seal_pending()
        assert chain.verify_chain().intact
        assert db.session.scalars(select(DestructionEntry).where(DestructionEntry.learner_public_id == public_id)).all()
        reviewer = next(user for user in db.session.scalars(select(User).where(User.role == Role.DSL))
                        if user.agency_id == school_id)
        shown = describe_events(reviewer, events)
        assert any(f"An erased learner (public id {public_id})" in item.erased for item in shown)
