"""The hash chain: `flask audit verify` counts an intact trail and names every kind of tampering.

Tampering is done as an attacker with the database owner's rights would: the append-only triggers
are dropped on this test's own database, then rows are changed with raw SQL. Verification runs as
the real command: in its own process (`flask --app wsgi audit verify`) for an intact trail and for one kind of
tampering, which tests the exit codes and the stdout/stderr wiring; everywhere else the same command in this process
(Flask's CLI runner, on the same database), which keeps the suite quick.
"""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from flask import g
from sqlalchemy import delete, func, insert, inspect, select, text, update
from sqlalchemy.exc import DBAPIError

from app.agencies.accounts.models import AgencyKind, User
from app.audit import chain
from app.audit.events import record
from app.audit.models import (
    APPEND_ONLY_TABLES,
    AppendOnlyViolation,
    AuditAction,
    AuditCheckpoint,
    AuditEvent,
    AuditEventLearner,
    AuditOutcome,
    AuditSeal,
    AuditVerification,
)
from app.cases.learners.models import Learner
from app.extensions import db
from app.types import utcnow
from tests.fixtures.worlds import saved_or_built, world_app

# Behaviour that can differ between the engines: run on PostgreSQL as well as SQLite.
pytestmark = pytest.mark.both_backends

SCHOOL = "Chain School"
BATCH = 8  # small seals, so that a trail of 40 events spans several of them
EVENTS = 40
ENUM_VALUES = {"action": [a.value for a in AuditAction], "outcome": [o.value for o in AuditOutcome]}


@dataclass(frozen=True)
class Trail:
    full: int  # an event with every column set
    sparse: int  # every nullable column NULL
    blank: int  # every nullable text column '' and every nullable number 0
    gap: int  # an id never used, inside a sealed range
    neighbour: int  # another event sealed in the same batch as `full`
    total: int  # events in the trail when it was sealed


def _event_row(**values) -> dict:
    row = dict(occurred_at=utcnow(), action=AuditAction.VIEW, outcome=AuditOutcome.ALLOWED,
               out_of_hours=False)
    row.update(values)
    return row


def _max_event_id() -> int:
    return db.session.scalar(select(func.max(AuditEvent.id))) or 0


def _insert_event(row: dict, event_id: int | None = None) -> int:
    if event_id is not None:
        row = dict(row, id=event_id)
    db.session.execute(insert(AuditEvent.__table__), [row])
    return event_id if event_id is not None else _max_event_id()


def _leave_a_gap() -> int:
    """Use the id after next, so that one id inside the sealed range was never written."""
    gap = _max_event_id() + 1
    _insert_event(_event_row(object_type="learner", object_public_id="after-the-gap"), gap + 1)
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SELECT setval(pg_get_serial_sequence('audit_event', 'id'), :v)"), {"v": gap + 1})
    return gap


TRAIL = "the audit chain's trail of 40 events, sealed"


@pytest.fixture
def app(request, backend, database_servers, saved_worlds, database_url):
    """A test using `trail` gets a copy of the trail built by the first such test of its process (per backend)."""
    name = TRAIL if "trail" in request.fixturenames else None
    yield from world_app(name, backend, database_servers, saved_worlds, database_url)


@pytest.fixture
def trail(app, backend, saved_worlds, create_agency, create_user, create_case) -> Trail:
    facts, _ = saved_or_built(TRAIL, backend, app, saved_worlds,
                              lambda: (_build_trail(app, create_agency, create_user, create_case), {}))
    return facts


def _build_trail(app, create_agency, create_user, create_case) -> Trail:
    """Events written through `record` as a SENCo's requests would, plus odd rows, sealed in batches."""
    create_agency(AgencyKind.SCHOOL, name=SCHOOL)
    senco = create_user("senco", agency=SCHOOL)
    learner_ids = [create_case(school=SCHOOL) for _ in range(3)]
    with app.app_context():
        user = db.session.scalars(select(User).where(User.public_id == senco.public_id)).one()
        learners = db.session.scalars(select(Learner).where(Learner.public_id.in_(learner_ids))).all()
        actions = [AuditAction.VIEW, AuditAction.UPDATE, AuditAction.CREATE, AuditAction.EXPORT]
        for n in range(EVENTS):
            with app.test_request_context("/learners", environ_base={"REMOTE_ADDR": f"192.0.2.{n + 1}"}):
                g.request_id = uuid.uuid4().hex
                action = actions[n % len(actions)]
                record(user, action, learners[n % 3], learners=learners[: 1 + n % 3],
                       fields=["name", "notes"] if action is AuditAction.UPDATE else [],
                       purpose="safeguarding" if action is AuditAction.UPDATE else None,
                       outcome=AuditOutcome.REFUSED if n % 7 == 3 else AuditOutcome.ALLOWED)
            db.session.commit()
            if n == 17:
                sparse = _insert_event(_event_row())
                blank = _insert_event(_event_row(
                    actor_id=0, actor_role="", actor_agency_id=0, object_type="", object_public_id="",
                    learner_public_ids=None, school_id=0, request_id="", ip_address="", fields_changed="",
                    purpose=""))
                gap = _leave_a_gap()
                db.session.commit()
        total = db.session.scalar(select(func.count()).select_from(AuditEvent))
        full = db.session.scalar(select(func.min(AuditEvent.id)).where(
            AuditEvent.action == AuditAction.UPDATE, AuditEvent.id > gap))
        db.session.rollback()  # the sealer waits for every open transaction (PostgreSQL), ours too
        assert chain.seal_pending(max_batch=BATCH) == total
        seal = db.session.scalars(select(AuditSeal).where(AuditSeal.first_event_id <= full,
                                                          AuditSeal.last_event_id >= full)).one()
        neighbour = full + 1 if full < seal.last_event_id else full - 1
        row = db.session.execute(text("SELECT * FROM audit_event WHERE id = :id"), {"id": full}).mappings().one()
        assert all(value is not None for value in row.values()), row  # every column set
        assert db.session.scalar(select(func.count()).select_from(AuditSeal)) >= 5
        assert chain.verify_chain().intact
    return Trail(full=full, sparse=sparse, blank=blank, gap=gap, neighbour=neighbour, total=total)


def _event_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AuditEvent))


def _raw_event(app, event_id: int) -> dict:
    with app.app_context():
        return dict(db.session.execute(text("SELECT * FROM audit_event WHERE id = :id"), {"id": event_id})
                    .mappings().one())


def _refused(result, *phrases: str) -> None:
    assert result.exit_code == 1, result.output
    assert "TAMPERING DETECTED" in result.stderr, result.output
    for phrase in phrases:
        assert phrase in result.stderr, result.output


# --- an intact trail -------------------------------------------------------------------------------


def test_verify_counts_an_intact_trail_before_and_after_a_checkpoint(app, trail, flask_command):
    expected = _event_count(app)
    result = flask_command("audit", "verify")
    assert result.exit_code == 0, result.output
    assert f"Verified {expected} events: the chain and its checkpoints are intact." in result.stdout
    assert "Signed the verified head as checkpoint 1." in result.stdout  # verifying signs what it verified

    # verify sealed everything before walking, and wrote its own event afterwards (sealed next time)
    checkpoint = flask_command("audit", "checkpoint")
    assert checkpoint.exit_code == 0, checkpoint.output
    assert f"Checkpoint 2: {expected + 1} events, head " in checkpoint.stdout

    again = flask_command("audit", "verify")
    assert again.exit_code == 0, again.output
    assert f"Verified {expected + 2} events" in again.stdout
    with app.app_context():
        latest = chain.latest_verification()
        assert (latest.intact, latest.event_count, latest.problem) == (True, expected + 2, None)
        actions = db.session.scalars(select(AuditEvent.action).where(
            AuditEvent.action.in_([AuditAction.VERIFY_AUDIT, AuditAction.CHECKPOINT_AUDIT])
        ).order_by(AuditEvent.id)).all()
        assert actions == [AuditAction.VERIFY_AUDIT, AuditAction.CHECKPOINT_AUDIT, AuditAction.VERIFY_AUDIT]
        signed = db.session.scalars(select(AuditCheckpoint.event_count).order_by(AuditCheckpoint.id)).all()
        assert signed == [expected, expected + 1, expected + 2]


def test_verify_of_an_empty_trail_and_checkpoint_of_nothing(app, cli_command):
    assert _event_count(app) == 0
    checkpoint = cli_command("audit", "checkpoint")
    assert checkpoint.exit_code == 0 and "The trail is empty" in checkpoint.stdout, checkpoint.output
    result = cli_command("audit", "verify")
    assert result.exit_code == 0 and "Verified 0 events" in result.stdout, result.output


# --- each kind of tampering, named -----------------------------------------------------------------


def test_an_altered_event_is_named(app, trail, attacker, flask_command):
    attacker("UPDATE audit_event SET object_public_id = 'someone-else' WHERE id = :id", id=trail.full)
    _refused(flask_command("audit", "verify"), f"event {trail.full} was altered")
    with app.app_context():
        latest = chain.latest_verification()
        assert latest.intact is False and f"event {trail.full}" in latest.problem


def test_a_deleted_event_is_named(app, trail, attacker, cli_command):
    attacker("DELETE FROM audit_event_learner WHERE event_id = :id", id=trail.full)
    attacker("DELETE FROM audit_event WHERE id = :id", id=trail.full)
    _refused(cli_command("audit", "verify"), f"event {trail.full} was removed")


def test_an_event_inserted_into_a_gap_is_named_even_with_the_triggers_in_place(app, trail, cli_command):
    # INSERT is what the trail allows: the seals must catch a row added inside a sealed range.
    with app.app_context():
        _insert_event(_event_row(object_type="learner", object_public_id="planted"), trail.gap)
        db.session.commit()
    _refused(cli_command("audit", "verify"), f"event {trail.gap} was inserted")


def test_an_event_deleted_and_inserted_again_with_another_value_is_named(app, trail, attacker, cli_command):
    row = _raw_event(app, trail.sparse)
    attacker("DELETE FROM audit_event WHERE id = :id", id=trail.sparse)
    with app.app_context():
        _insert_event(_event_row(object_type="learner"), trail.sparse)
        db.session.commit()
    assert _raw_event(app, trail.sparse) != row
    _refused(cli_command("audit", "verify"), f"event {trail.sparse} was altered")


SWAPPED = [column for column in chain.CHAIN_COLUMNS if column != "id"]


def _swap(attacker, app, first: int, second: int) -> None:
    rows = {event_id: _raw_event(app, event_id) for event_id in (first, second)}
    assignments = ", ".join(f"{column} = :{column}" for column in SWAPPED)
    for target, source in ((first, second), (second, first)):
        attacker(f"UPDATE audit_event SET {assignments} WHERE id = :target",
                 target=target, **{column: rows[source][column] for column in SWAPPED})


def test_two_events_swapped_within_a_seal_are_named_as_reordered(app, trail, attacker, cli_command):
    first, second = sorted((trail.full, trail.neighbour))
    _swap(attacker, app, first, second)
    _refused(cli_command("audit", "verify"),
             f"event {first} was reordered: it holds what was sealed as event {second}")


def test_two_events_swapped_across_seals_are_named(app, trail, attacker, cli_command):
    with app.app_context():
        last = db.session.scalar(select(func.max(AuditSeal.last_event_id)))
    _swap(attacker, app, trail.full, last)
    _refused(cli_command("audit", "verify"), f"event {trail.full} was ")


def _cut_tail(app, attacker, seals_kept: int) -> int:
    """Remove every seal after the first `seals_kept`, and every event they covered or that came later."""
    with app.app_context():
        cut = db.session.scalar(select(AuditSeal.last_event_id).where(AuditSeal.id == seals_kept))
    attacker("DELETE FROM audit_seal WHERE id > :keep", keep=seals_kept)
    attacker("DELETE FROM audit_event_learner WHERE event_id > :cut", cut=cut)
    attacker("DELETE FROM audit_event WHERE id > :cut", cut=cut)
    return cut


def test_a_tail_truncated_after_a_checkpoint_is_reported(app, trail, attacker, cli_command):
    checkpoint = cli_command("audit", "checkpoint")
    assert checkpoint.exit_code == 0, checkpoint.output
    _cut_tail(app, attacker, seals_kept=2)
    _refused(cli_command("audit", "verify"), "the tail was truncated after checkpoint 1")


def test_a_tail_truncated_after_a_checkpoint_then_grown_again_is_reported(app, trail, attacker, cli_command):
    checkpoint = cli_command("audit", "checkpoint")
    assert checkpoint.exit_code == 0, checkpoint.output
    _cut_tail(app, attacker, seals_kept=2)
    # The trail carries on: new events are sealed where the removed ones were, under the same seal ids.
    with app.app_context():
        for n in range(3 * BATCH):
            record(None, AuditAction.VIEW, object_type="learner", object_public_id=f"after-the-cut-{n}")
            db.session.commit()
            chain.seal_pending(max_batch=BATCH)
    _refused(cli_command("audit", "verify"), "the tail was truncated after checkpoint 1 and sealed again")


def test_a_forged_checkpoint_is_reported(app, trail, attacker, cli_command):
    assert cli_command("audit", "checkpoint").exit_code == 0
    attacker("UPDATE audit_checkpoint SET mac = :mac WHERE id = 1", mac="0" * 64)
    _refused(cli_command("audit", "verify"), "checkpoint 1 is not signed with the audit key")


def test_a_checkpoint_inserted_without_the_key_is_reported_even_with_the_triggers_in_place(app, trail, cli_command):
    with app.app_context():
        head = db.session.scalars(select(AuditSeal).order_by(AuditSeal.id.desc())).first()
        db.session.add(AuditCheckpoint(seal_id=head.id, event_count=head.total_count, chain_hash=head.seal_hash,
                                       mac="f" * 64))
        db.session.commit()
    _refused(cli_command("audit", "verify"), "checkpoint 1 is not signed with the audit key")


def test_a_checkpoint_pointing_at_a_shorter_chain_is_reported(app, trail, attacker, cli_command):
    assert cli_command("audit", "checkpoint").exit_code == 0
    with app.app_context():
        seal = db.session.get(AuditSeal, 2)
        count, head = seal.total_count, seal.seal_hash
    # Re-pointing the signed head at an earlier seal, keeping the MAC: nobody can sign without the key.
    attacker("UPDATE audit_checkpoint SET seal_id = 2, event_count = :n, chain_hash = :h WHERE id = 1",
             n=count, h=head)
    _refused(cli_command("audit", "verify"), "checkpoint 1 is not signed with the audit key")


@pytest.mark.parametrize("how", ["removed", "altered", "members"])
def test_a_tampered_seal_is_reported(app, trail, attacker, cli_command, how):
    if how == "removed":
        attacker("DELETE FROM audit_seal WHERE id = 2")
    elif how == "altered":
        attacker("UPDATE audit_seal SET content_hash = :h WHERE id = 2", h="a" * 64)
    else:
        with app.app_context():
            members = bytearray(db.session.get(AuditSeal, 2).members)
        members[-1] ^= 1
        attacker("UPDATE audit_seal SET members = :m WHERE id = 2", m=bytes(members))
    result = cli_command("audit", "verify")
    _refused(result, "seal ")


def test_a_removed_learner_index_entry_is_reported(app, trail, attacker, cli_command):
    attacker("DELETE FROM audit_event_learner WHERE event_id = :id", id=trail.full)
    _refused(cli_command("audit", "verify"), "the learner index holds")


# --- every column of one event, in turn --------------------------------------------------------------


def _altered(column: str, value):
    """A different value of the same type: the smallest change an attacker could make."""
    if column in ENUM_VALUES:
        return next(v for v in ENUM_VALUES[column] if v != value)
    if column == "occurred_at":
        if isinstance(value, str):  # SQLite stores the UTC wall time as text
            moment = datetime.fromisoformat(value) + timedelta(microseconds=1)
            return moment.isoformat(sep=" ", timespec="microseconds")
        return value + timedelta(microseconds=1)
    if column == "out_of_hours":
        return not value
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    return value[:-1] + ("y" if value.endswith("x") else "x")


def _column_cases(app, trail: Trail) -> list[tuple[str, int, str, object]]:
    """(label, event id, column, new value): every column of the full event, then NULL <-> '' (or 0)."""
    full = _raw_event(app, trail.full)
    blank = _raw_event(app, trail.blank)
    columns = AuditEvent.__table__.c
    cases = [(f"{column} changed", trail.full, column, _altered(column, full[column]))
             for column in chain.CHAIN_COLUMNS if column != "id"]
    for column in chain.CHAIN_COLUMNS:
        if column == "id" or not columns[column].nullable:
            continue
        empty = blank[column] if blank[column] is not None else ""
        cases.append((f"{column} NULL -> {empty!r}", trail.sparse, column, empty))
        if blank[column] is not None:
            cases.append((f"{column} {empty!r} -> NULL", trail.blank, column, None))
    return cases


def test_each_column_altered_in_turn_is_named(app, trail, attacker):
    cases = _column_cases(app, trail)
    assert {column for _, _, column, _ in cases} == set(chain.CHAIN_COLUMNS) - {"id"}
    runner = app.test_cli_runner()
    missed = []
    for label, event_id, column, value in cases:
        original = _raw_event(app, event_id)[column]
        attacker(f"UPDATE audit_event SET {column} = :value WHERE id = :id", value=value, id=event_id)
        assert _raw_event(app, event_id)[column] != original, label
        result = runner.invoke(args=["audit", "verify"])
        if result.exit_code != 1 or f"event {event_id} was altered" not in result.output:
            missed.append(f"{label}: exit {result.exit_code}, {result.output.strip()}")
        attacker(f"UPDATE audit_event SET {column} = :value WHERE id = :id", value=original, id=event_id)
        with app.app_context():
            restored = chain.verify_chain()
        assert restored.intact, f"{label}: not intact once restored: {restored.problem}"
    assert not missed, "\n".join(missed)


# --- the database and the ORM refuse changes ---------------------------------------------------------


def _fill_every_append_only_table(app) -> None:
    with app.app_context():
        chain.record_checkpoint()
        chain.record_verification(chain.verify_chain())
        db.session.commit()
        for model in (AuditEvent, AuditEventLearner, AuditSeal, AuditCheckpoint, AuditVerification):
            assert db.session.scalar(select(func.count()).select_from(model)) > 0, model


def _table_counts() -> dict:
    with db.engine.connect() as connection:
        return {table: connection.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar()
                for table in APPEND_ONLY_TABLES}


def test_the_database_refuses_update_delete_and_truncate_on_every_audit_table(app, trail):
    _fill_every_append_only_table(app)
    with app.app_context():
        before = _table_counts()
        dialect = db.engine.dialect.name
        statements = []
        for table in APPEND_ONLY_TABLES:
            column = next(iter(db.metadata.tables[table].columns)).name
            statements += [f"UPDATE {table} SET {column} = {column}", f"DELETE FROM {table}"]
            if dialect == "postgresql":
                statements.append(f"TRUNCATE {table} CASCADE")
        allowed = []
        for statement in statements:
            try:
                with db.engine.begin() as connection:
                    connection.exec_driver_sql(statement)
            except DBAPIError as error:
                if "append-only" not in str(error.orig):
                    allowed.append(f"{statement}: refused for another reason: {error.orig}")
            else:
                allowed.append(f"{statement}: accepted")
        assert not allowed, "\n".join(allowed)
        assert _table_counts() == before
        assert chain.verify_chain().intact


@pytest.mark.parametrize("model", [AuditEvent, AuditEventLearner, AuditSeal, AuditCheckpoint, AuditVerification])
def test_the_orm_refuses_changing_or_removing_audit_rows(app, trail, model):
    _fill_every_append_only_table(app)
    with app.app_context():
        row = db.session.scalars(select(model).limit(1)).one()
        column = next(attr for attr in inspect(model).column_attrs if not attr.columns[0].primary_key).key
        setattr(row, column, None)
        with pytest.raises(AppendOnlyViolation):
            db.session.flush()
        db.session.rollback()

        db.session.delete(db.session.scalars(select(model).limit(1)).one())
        with pytest.raises(AppendOnlyViolation):
            db.session.flush()
        db.session.rollback()

        for statement in (update(model).values({column: None}), delete(model),
                          update(model.__table__).values({column: None}), delete(model.__table__)):
            with pytest.raises(AppendOnlyViolation):
                db.session.execute(statement)
            db.session.rollback()
        assert chain.verify_chain().intact


# --- the chain covers every column -------------------------------------------------------------------


def test_the_chain_covers_every_column_of_the_event_table(app):
    with app.app_context():
        in_database = [column["name"] for column in inspect(db.engine).get_columns("audit_event")]
        line = chain.canonical_line_sql(db.engine.dialect.name)
    assert len(set(chain.CHAIN_COLUMNS)) == len(chain.CHAIN_COLUMNS)
    assert sorted(chain.CHAIN_COLUMNS) == sorted(in_database)
    assert sorted(chain.CHAIN_COLUMNS) == sorted(column.name for column in AuditEvent.__table__.columns)
    assert chain.CHAIN_COLUMNS[0] == "id"  # the member digests leave out the id, which comes first
    for column in chain.CHAIN_COLUMNS:
        assert re.search(rf"\b{column}\b", line), column


@pytest.mark.parametrize("backend", ["sqlite"])
def test_the_fast_sqlite_line_is_the_quoted_line_for_every_event_the_application_writes(app, trail):
    """Seals made with quote() and the one-printf() line are interchangeable: verification reads both."""
    with app.app_context():
        rows = db.session.execute(text(
            f"SELECT id, {chain.canonical_line_sql('sqlite')}, {chain.quoted_line_sql()} FROM audit_event ORDER BY id"
        )).all()
    assert len(rows) == trail.total
    assert [row.id for row in rows if row[1] != row[2]] == []


# SQLite keeps whatever storage class it is given: changes that read back alike in Python must still be caught.
SQLITE_TRICKS = {
    "a NUL and hidden text after an id": ("object_public_id", "object_public_id || char(0) || 'hidden'"),
    "a NUL and hidden text after a purpose": ("purpose", "purpose || char(0) || 'x'"),
    "the same id as a blob": ("object_public_id", "CAST(object_public_id AS BLOB)"),
    "the same time written with a T": ("occurred_at", "replace(occurred_at, ' ', 'T')"),
    "another true": ("out_of_hours", "out_of_hours + 2"),
    "a number as a real": ("actor_id", "actor_id + 0.5"),
}


@pytest.mark.parametrize("backend", ["sqlite"])
@pytest.mark.parametrize("trick", sorted(SQLITE_TRICKS))
def test_sqlite_storage_tricks_are_named(app, trail, attacker, cli_command, trick):
    column, expression = SQLITE_TRICKS[trick]
    attacker(f"UPDATE audit_event SET {column} = {expression} WHERE id = :id", id=trail.full)
    _refused(cli_command("audit", "verify"), f"event {trail.full} was altered")


@pytest.mark.parametrize("backend", ["sqlite"])
def test_an_event_holding_a_nul_is_sealed_whole_and_its_hidden_text_stays_covered(app, attacker):
    """SQLite keeps text past a NUL (a URL with %00 puts one in object_public_id); quote() would stop there."""
    with app.app_context():
        event_id = _insert_event(_event_row(object_type="learner", object_public_id="abc\x00def"))
        db.session.commit()
        assert chain.seal_pending() == 1
        assert chain.verify_chain().intact
    attacker("UPDATE audit_event SET object_public_id = 'abc' || char(0) || 'xyz' WHERE id = :id", id=event_id)
    with app.app_context():
        result = chain.verify_chain()
    assert (result.intact, result.event_id) == (False, event_id), result


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_verification_shared_out_between_helpers_finds_what_one_connection_finds(app, trail, attacker, monkeypatch,
                                                                                 workers):
    monkeypatch.setattr(chain, "PARALLEL_FROM", 0)  # share out even this short chain
    with app.app_context():
        result = chain.verify_chain(workers=workers)
    assert (result.intact, result.event_count, result.unsealed) == (True, trail.total, 0), result

    attacker("UPDATE audit_event SET purpose = 'curiosity' WHERE id = :id", id=trail.full)
    with app.app_context():
        result = chain.verify_chain(workers=workers)
    assert (result.intact, result.event_id) == (False, trail.full) and "altered" in result.problem, result

    attacker("UPDATE audit_event SET purpose = 'safeguarding' WHERE id = :id", id=trail.full)
    attacker("DELETE FROM audit_event_learner WHERE event_id = :id", id=trail.full)
    with app.app_context():
        result = chain.verify_chain(workers=workers)
    assert not result.intact and "the learner index holds" in result.problem, result
