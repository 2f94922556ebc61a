"""A restored backup does not bring an erased learner back: `flask backup restore` erases again every learner whose
data key is gone from the key store the restored database uses (the erasures made since the backup), through the
same erasure as the first, registered and audited; never a learner sealed under the keyring alone, never anyone
when the keys come back with the backup, and never a learner under a legal hold in the restored data."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from app import create_app
from app.agencies.accounts.models import User
from app.audit import chain
from app.audit.models import AuditAction, AuditEvent
from app.cases.contributions.models import Contribution
from app.cases.learners.models import Learner
from app.data_protection.retention.models import DestructionEntry, LegalHold
from app.data_protection.retention.services import (
    ERASED_BEFORE_RESTORE,
    ERASURE_REQUEST,
    REERASURE,
    erase_learner,
)
from app.extensions import db
from app.security.crypto import Sealed
from app.security.learner_keys import is_learner_key_id
from tests.core.test_backups import back_up, only_backup, run
from tests.fixtures.learners import make_learner

pytestmark = pytest.mark.both_backends

# The trail and the register are written by each erasure: compared on their own, not row for row.
WRITTEN = {"audit_event", "audit_event_learner", "audit_seal", "audit_checkpoint", "audit_verification",
           "destruction_register"}


def _rows(app) -> dict[str, set]:
    """Every table's rows (by id where it has one, else whole), the trail and the register apart."""
    found = {}
    with app.app_context():
        with db.engine.connect() as connection:
            for name, table in db.metadata.tables.items():
                if name in WRITTEN:
                    continue
                columns = [table.c.id] if "id" in table.c else list(table.c)
                found[name] = {tuple(row) for row in connection.execute(select(*columns))}
        db.engine.dispose()
    return found


def _restored_app(live, url: str, store: str | None = None):
    return create_app("testing", {"SQLALCHEMY_DATABASE_URI": url, "BRAID_FIELD_KEYS": live.config["BRAID_FIELD_KEYS"],
                                  "BRAID_KEY_STORE_URL": store or live.config["BRAID_KEY_STORE_URL"]})


def _close(app) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    app.extensions["braid_learner_keys"].dispose()


@pytest.fixture
def restored_database(backend, database_servers):
    servers = database_servers(backend)
    made = []

    def empty() -> str:
        made.append(servers.empty())
        return made[-1]

    yield empty
    for url in made:
        servers.drop(url)


def _richest_learner() -> Learner:
    """A learner of their own (no merge either way) with contributions: many rows hang off them."""
    merged = select(Learner.merged_into_id).where(Learner.merged_into_id.is_not(None))
    return db.session.scalars(select(Learner).join(Contribution, Contribution.learner_id == Learner.id)
                              .where(Learner.merged_into_id.is_(None), Learner.id.not_in(merged))
                              .group_by(Learner.id).order_by(func.count(Contribution.id).desc(), Learner.id)).first()


def test_a_restore_erases_again_the_learner_erased_since_the_backup_and_nothing_else(demo_app, tmp_path,
                                                                                    restored_database):
    with demo_app.app_context():
        chain.seal_pending()
        chain.record_checkpoint()
        erased = _richest_learner()
        erased_id, school = erased.public_id, erased.school_id
        others = {learner.public_id: learner.name for learner in db.session.scalars(
            select(Learner).where(Learner.id != erased.id, Learner.merged_into_id.is_(None)).limit(5))}
        # A learner from before crypto-shredding: every value on the keyring's key, none in the key store.
        demo_app.extensions["braid_learner_keys"].enabled = False
        old = make_learner(school, 90001)
        db.session.commit()
        demo_app.extensions["braid_learner_keys"].enabled = True
        old_id = old.public_id
        assert not is_learner_key_id(Sealed(old.name_sealed).key_id)
        db.session.remove()
    assert back_up(demo_app, tmp_path).exit_code == 0
    backup = only_backup(tmp_path / "data")

    with demo_app.app_context():
        erase_learner(db.session.scalars(select(Learner).where(Learner.public_id == erased_id)).one(), by=None,
                      reason=ERASURE_REQUEST)
        db.session.commit()
    live_after = _rows(demo_app)

    # The drill counts who a restore would erase again: none with the backup's own key store copy, one with the
    # live key store (the keyring learner is never counted).
    drill = run(demo_app, "backup", "drill", str(backup))
    assert drill.exit_code == 0, drill.output
    assert ("learners a restore erases again (their keys are gone): 0 with this key store copy, 1 with the live "
            "key store") in drill.output

    into = restored_database()
    restored = run(demo_app, "backup", "restore", str(backup), "--into", into)
    assert restored.exit_code == 0, restored.output
    assert "Erased again 1 learners erased before this restore" in restored.output

    # Exactly the rows the first erasure removed are gone again: the learner and everything linked to them.
    app = _restored_app(demo_app, into)
    try:
        assert _rows(app) == live_after
        with app.app_context():
            assert db.session.scalar(select(Learner).where(Learner.public_id == erased_id)) is None
            entries = db.session.scalars(select(DestructionEntry).where(
                DestructionEntry.learner_public_id == erased_id)).all()
            assert [(entry.rule, entry.destroyed_by_id) for entry in entries] == [(ERASED_BEFORE_RESTORE, None)]
            assert entries[0].rows_destroyed > 1
            event = db.session.scalars(select(AuditEvent).where(AuditEvent.object_public_id == erased_id)
                                       .order_by(AuditEvent.id.desc())).first()
            assert (event.action, event.actor_id, event.purpose, event.fields_changed) == \
                (AuditAction.DELETE, None, REERASURE, "erased")
            # Everyone else is there and readable, the keyring's learner too.
            for public_id, name in others.items():
                assert db.session.scalars(select(Learner).where(Learner.public_id == public_id)).one().name == name
            assert db.session.scalars(select(Learner).where(Learner.public_id == old_id)).one().name == \
                "Learner Number90001"
            db.session.remove()
        verified = run(app, "audit", "verify")
        assert verified.exit_code == 0, verified.output
        assert "the chain and its checkpoints are intact" in verified.output
    finally:
        _close(app)

    # Run again by hand: nothing more to erase.
    again = run(demo_app, "backup", "erase-again", "--database", into)
    assert again.exit_code == 0, again.output
    assert "Erased again 0 learners" in again.output


def test_a_restore_with_the_keys_of_its_own_backup_erases_nobody(demo_app, tmp_path, restored_database):
    with demo_app.app_context():
        chain.seal_pending()
        erased_id = _richest_learner().public_id
        count = db.session.scalar(select(func.count()).select_from(Learner))
        db.session.remove()
    assert back_up(demo_app, tmp_path).exit_code == 0
    with demo_app.app_context():
        erase_learner(db.session.scalars(select(Learner).where(Learner.public_id == erased_id)).one(), by=None,
                      reason=ERASURE_REQUEST)
        db.session.commit()

    into, keys = restored_database(), f"sqlite:///{tmp_path / 'restored-keys.sqlite3'}"
    restored = run(demo_app, "backup", "restore", str(only_backup(tmp_path / "data")), "--into", into,
                   "--keys-into", keys)
    assert restored.exit_code == 0, restored.output
    assert "Erased again 0 learners" in restored.output
    app = _restored_app(demo_app, into, keys)
    try:
        with app.app_context():
            assert db.session.scalar(select(func.count()).select_from(Learner)) == count
            assert db.session.scalars(select(Learner).where(Learner.public_id == erased_id)).one().name
            db.session.remove()
    finally:
        _close(app)

    # An empty key store would erase every learner: refused, nothing erased.
    empty = f"sqlite:///{tmp_path / 'no-keys.sqlite3'}"
    refused = run(demo_app, "backup", "erase-again", "--database", into, "--key-store", empty)
    assert refused.exit_code == 1
    assert "the key store holds no learner key" in refused.output
    app = _restored_app(demo_app, into)
    try:
        with app.app_context():
            assert db.session.scalar(select(func.count()).select_from(Learner)) == count
            db.session.remove()
    finally:
        _close(app)


def test_a_learner_held_in_the_restored_data_is_left_and_reported(demo_app, tmp_path, restored_database):
    with demo_app.app_context():
        chain.seal_pending()
        learner = _richest_learner()
        erased_id = learner.public_id
        hold = LegalHold(learner_id=learner.id, placed_by_id=db.session.scalars(select(User.id)).first())
        hold.reason = "Tribunal"
        db.session.add(hold)
        db.session.commit()
        db.session.remove()
    assert back_up(demo_app, tmp_path).exit_code == 0  # taken while the hold was in force
    with demo_app.app_context():
        db.session.execute(text("UPDATE legal_hold SET lifted_at = placed_at"))
        erase_learner(db.session.scalars(select(Learner).where(Learner.public_id == erased_id)).one(), by=None,
                      reason=ERASURE_REQUEST)
        db.session.commit()

    into = restored_database()
    restored = run(demo_app, "backup", "restore", str(only_backup(tmp_path / "data")), "--into", into)
    assert restored.exit_code == 0, restored.output
    assert "Erased again 0 learners" in restored.output
    assert (f"Left 1 learners whose data keys are gone but who are under a legal hold in the restored data (their "
            f"values cannot be read): {erased_id}") in restored.output
    app = _restored_app(demo_app, into)
    try:
        with app.app_context():
            assert db.session.scalars(select(Learner).where(Learner.public_id == erased_id)).one()
            assert not db.session.scalars(select(DestructionEntry).where(
                DestructionEntry.learner_public_id == erased_id)).all()
            db.session.remove()
    finally:
        _close(app)
