"""`flask backup`, its restore and its drill, on the demo data: a backup restores into a fresh database with its
audit chain intact and every sealed value readable; a tampered backup, the wrong keyring and a full disk fail
loudly, and a full disk keeps nothing and leaves the live database as it was."""
from __future__ import annotations

import hashlib
import json
import os
import resource
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from app import create_app
from app.audit import chain
from app.audit.events import record
from app.audit.models import AuditAction, AuditEvent
from app.cases.learners.models import Learner
from app.extensions import db
from app.security.keys import Keyring
from app.security.learner_keys import destroy_learner_key
from tests.audit.conftest import drop_append_only_triggers

# Dumping, restoring and the chain differ between the engines: run on PostgreSQL as well as SQLite.
pytestmark = pytest.mark.both_backends

REPO = Path(__file__).resolve().parents[2]
FLASK = Path(sys.executable).with_name("flask")


def run(app, *args):
    result = app.test_cli_runner().invoke(args=list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


@pytest.fixture
def sealed_demo(demo_app):
    """The demo with its trail sealed and signed, and one learner erased by destroying their key only (their rows
    stay, as in any backup taken before the erasure): what the drill must count as shredded."""
    with demo_app.app_context():
        chain.seal_pending()
        chain.record_checkpoint()
        erased = db.session.scalars(select(Learner.public_id).order_by(Learner.id)).first()
        db.session.remove()
        assert destroy_learner_key(erased)
    return demo_app


def back_up(app, tmp_path: Path):
    """`flask backup` into tmp_path/data, its key store's copy into tmp_path/keys (never the instance folder)."""
    return run(app, "backup", "--to", str(tmp_path / "data"), "--keys-to", str(tmp_path / "keys"))


def only_backup(directory: Path) -> Path:
    backups = list(directory.iterdir())
    assert len(backups) == 1, backups
    return backups[0]


def test_a_backup_restores_in_a_drill_with_its_chain_intact_and_every_value_open(sealed_demo, tmp_path, backend):
    taken = back_up(sealed_demo, tmp_path)
    assert taken.exit_code == 0, taken.output
    backup = only_backup(tmp_path / "data")
    manifest = json.loads((backup / "manifest.json").read_text())
    assert manifest["engine"] == backend and manifest["alembic_head"]
    assert manifest["audit"]["sealed_events"] > 0 and manifest["audit"]["seal_hash"]
    # The key store's copy is kept apart from the data's (a shorter retention: crypto-shredding).
    database, key_store = manifest["files"]["database"], manifest["files"]["key_store"]
    assert sorted(path.name for path in backup.iterdir()) == sorted(["manifest.json", database["name"]])
    assert [path.name for path in (tmp_path / "keys").iterdir()] == [key_store["name"]]
    assert Path(key_store["directory"]) == (tmp_path / "keys").resolve()
    files = [backup / database["name"], tmp_path / "keys" / key_store["name"]]
    for path, entry in zip(files, (database, key_store), strict=True):
        assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"]
    # The keyring is never in a backup: none of its keys, in any encoding, in any file.
    keyring = Keyring.from_json(sealed_demo.config["BRAID_FIELD_KEYS"])
    for path in [*files, backup / "manifest.json"]:
        content = path.read_bytes()
        for key in [*keyring.encryption.values(), *keyring.index.values()]:
            assert key not in content and key.hex().encode() not in content

    drill = run(sealed_demo, "backup", "drill", str(backup))
    assert drill.exit_code == 0, drill.output
    assert "Drill passed" in drill.output
    opened = int(drill.output.split("sealed values: ")[1].split(" opened")[0])
    shredded = int(drill.output.split(" opened, ")[1].split(" shredded")[0])
    assert opened > 500 and shredded > 0, drill.output
    assert f"{manifest['audit']['sealed_events']} events verified" in drill.output
    assert_no_drill_database_left(sealed_demo, backend)
    with sealed_demo.app_context():
        trail = db.session.execute(select(AuditEvent.action, AuditEvent.object_type, AuditEvent.object_public_id)
                                   .where(AuditEvent.object_type.in_(["backup", "backup_drill"]))
                                   .order_by(AuditEvent.id)).all()
        db.session.remove()
    assert [tuple(row) for row in trail] == [(AuditAction.EXPORT, "backup", backup.name),
                                             (AuditAction.VIEW, "backup_drill", backup.name)]


def assert_no_drill_database_left(app, backend):
    if backend == "postgresql":
        url = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).set(drivername="postgresql")
        with psycopg.connect(url.render_as_string(hide_password=False)) as connection:
            left = connection.execute("SELECT datname FROM pg_database WHERE datname LIKE 'braid_drill_%'").fetchall()
        assert left == []


def test_restore_refuses_a_database_that_holds_tables_and_fills_an_empty_one(sealed_demo, tmp_path, backend,
                                                                              database_servers):
    assert back_up(sealed_demo, tmp_path).exit_code == 0
    backup = only_backup(tmp_path / "data")
    live = sealed_demo.config["SQLALCHEMY_DATABASE_URI"]
    refused = run(sealed_demo, "backup", "restore", str(backup), "--into", live)
    assert refused.exit_code == 1 and "already holds tables" in refused.output

    servers = database_servers(backend)
    empty = servers.empty()
    try:
        restored = run(sealed_demo, "backup", "restore", str(backup), "--into", empty)
        assert restored.exit_code == 0, restored.output
        # The learner whose key the fixture destroyed is erased again (tests/core/test_erase_after_restore.py).
        assert "Erased again 1 learners" in restored.output
        app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": empty,
                                     "BRAID_FIELD_KEYS": sealed_demo.config["BRAID_FIELD_KEYS"]})
        with app.app_context():
            assert chain.verify_chain().intact
            with sealed_demo.app_context():
                expected = db.session.execute(text("SELECT count(*) FROM learner")).scalar()
                db.session.remove()
            assert db.session.execute(text("SELECT count(*) FROM learner")).scalar() == expected - 1
            db.session.remove()
            db.engine.dispose()
        app.extensions["braid_learner_keys"].remove_test_store()
    finally:
        servers.drop(empty)


def test_a_backup_file_that_no_longer_matches_its_manifest_fails_the_drill(sealed_demo, tmp_path):
    assert back_up(sealed_demo, tmp_path).exit_code == 0
    backup = only_backup(tmp_path / "data")
    manifest = json.loads((backup / "manifest.json").read_text())
    dump = backup / manifest["files"]["database"]["name"]
    content = bytearray(dump.read_bytes())
    content[len(content) // 2] ^= 0x01
    dump.write_bytes(bytes(content))
    drill = run(sealed_demo, "backup", "drill", str(backup))
    assert drill.exit_code == 1
    assert "DRILL FAILED: the backup's database file" in drill.output and "does not match its manifest" in drill.output


def test_an_audit_event_altered_in_the_backed_up_database_fails_the_drill(sealed_demo, tmp_path):
    """What an attacker with the database owner's rights does before the backup is taken: the drill's verification
    of the restored chain names the altered event."""
    with sealed_demo.app_context():
        drop_append_only_triggers()
        with db.engine.begin() as connection:
            altered = connection.execute(text("SELECT min(id) FROM audit_event")).scalar()
            connection.execute(text("UPDATE audit_event SET purpose = 'nothing to see' WHERE id = :id"),
                               {"id": altered})
        db.engine.dispose()
    assert back_up(sealed_demo, tmp_path).exit_code == 0
    drill = run(sealed_demo, "backup", "drill", str(only_backup(tmp_path / "data")))
    assert drill.exit_code == 1
    assert f"DRILL FAILED: the audit chain is broken: event {altered} was altered" in drill.output


def test_the_drill_with_the_wrong_keyring_reports_every_value_it_cannot_open(sealed_demo, tmp_path):
    assert back_up(sealed_demo, tmp_path).exit_code == 0
    stranger = create_app("testing", {"SQLALCHEMY_DATABASE_URI": sealed_demo.config["SQLALCHEMY_DATABASE_URI"],
                                      "BRAID_KEY_STORE_URL": sealed_demo.config["BRAID_KEY_STORE_URL"]})
    try:
        drill = run(stranger, "backup", "drill", str(only_backup(tmp_path / "data")))
    finally:
        with stranger.app_context():
            db.engine.dispose()
    assert drill.exit_code == 1
    assert " 0 opened" in drill.output
    assert "learner.name_sealed:" in drill.output and "did not open" in drill.output
    assert "DRILL FAILED: sealed values did not open" in drill.output


def _limited_file_size(limit: int):
    def limit_it():
        # The backup's disk "fills" at `limit` bytes: writes past it fail with EFBIG (SIGXFSZ ignored, as a full
        # disk's ENOSPC fails them), in this process and in the pg_dump it starts.
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return limit_it


def _live_state(app) -> str:
    """What the live database holds, as one digest (every table's row count, the chain's head)."""
    with app.app_context():
        tables = sorted(db.metadata.tables)
        with db.engine.connect() as connection:
            counts = [connection.execute(text(f'SELECT count(*) FROM "{name}"')).scalar() for name in tables]
            head = connection.execute(text("SELECT max(id), max(seal_hash) FROM audit_seal")).one()
        db.engine.dispose()
    return hashlib.sha256(repr((tables, counts, tuple(head))).encode()).hexdigest()


def test_a_full_disk_during_a_backup_keeps_nothing_and_leaves_the_database_untouched(sealed_demo, tmp_path,
                                                                                      backend):
    url = sealed_demo.config["SQLALCHEMY_DATABASE_URI"]
    live_file = Path(make_url(url).database) if backend == "sqlite" else None
    before = _live_state(sealed_demo)
    file_before = hashlib.sha256(live_file.read_bytes()).hexdigest() if live_file else None
    environ = {key: value for key, value in os.environ.items() if not key.startswith(("BRAID_", "FLASK_"))}
    environ.update(DATABASE_URL=url, BRAID_CONFIG="testing", BRAID_FIELD_KEYS=sealed_demo.config["BRAID_FIELD_KEYS"],
                   BRAID_KEY_STORE_URL=sealed_demo.config["BRAID_KEY_STORE_URL"])
    target, keys = tmp_path / "data", tmp_path / "keys"
    command = [str(FLASK), "--app", "wsgi", "backup", "--to", str(target), "--keys-to", str(keys)]
    full = subprocess.run(command, cwd=REPO, env=environ,
                          capture_output=True, text=True, timeout=60, preexec_fn=_limited_file_size(200_000))
    assert full.returncode == 1, full.stdout + full.stderr
    errors = [line for line in full.stderr.splitlines() if line.strip()]
    assert errors == ["Error: Backup failed: " + errors[0].split("Backup failed: ", 1)[1]], full.stderr
    assert "disk is full" in errors[0] if backend == "sqlite" else "no room on the backup disk" in errors[0], errors
    assert "Nothing was kept" in errors[0]
    assert list(target.iterdir()) == [] and list(keys.iterdir()) == []  # no partial directory, no partial file
    assert _live_state(sealed_demo) == before
    if live_file:
        assert hashlib.sha256(live_file.read_bytes()).hexdigest() == file_before

    # Room again: the same command, retried (in this process: starting another costs seconds), takes a whole
    # backup (the first test drills one).
    again = back_up(sealed_demo, tmp_path)
    assert again.exit_code == 0, again.output
    manifest = json.loads((only_backup(target) / "manifest.json").read_text())
    dump = only_backup(target) / manifest["files"]["database"]["name"]
    assert hashlib.sha256(dump.read_bytes()).hexdigest() == manifest["files"]["database"]["sha256"]


def test_a_key_store_copy_aged_out_refuses_the_drill_and_a_newer_one_serves(sealed_demo, tmp_path):
    """Key store copies are kept for days, data backups for months: an old backup is drilled (and restored) with
    the newest key store copy, which opens every learner's values but those erased since."""
    assert back_up(sealed_demo, tmp_path / "old").exit_code == 0
    old = only_backup(tmp_path / "old" / "data")
    for aged_out in (tmp_path / "old" / "keys").iterdir():
        aged_out.unlink()
    refused = run(sealed_demo, "backup", "drill", str(old))
    assert refused.exit_code == 1 and "is missing (aged out? pass --keys" in refused.output

    assert back_up(sealed_demo, tmp_path / "new").exit_code == 0
    newest = next((tmp_path / "new" / "keys").iterdir())
    drill = run(sealed_demo, "backup", "drill", str(old), "--keys", str(newest))
    assert drill.exit_code == 0, drill.output


@pytest.mark.parametrize("backend", ["sqlite"])  # files only: the same on both engines
def test_prune_ages_key_store_copies_out_in_days_and_backups_in_months(sealed_demo, tmp_path, backend):
    for _ in range(3):
        assert back_up(sealed_demo, tmp_path).exit_code == 0
    backups = sorted((tmp_path / "data").iterdir())
    copies = sorted((tmp_path / "keys").iterdir())
    assert len(backups) == 3 and len(copies) == 3
    # The oldest is 100 days old, the middle one 10: both key copies go, only the oldest data backup does.
    for age, backup, copy in zip((100, 10), backups, copies, strict=False):
        manifest = json.loads((backup / "manifest.json").read_text())
        when = datetime.fromisoformat(manifest["taken_at"]) - timedelta(days=age)
        manifest["taken_at"] = when.isoformat()
        (backup / "manifest.json").write_text(json.dumps(manifest))
        os.utime(copy, (when.timestamp(), when.timestamp()))
    refused = run(sealed_demo, "backup", "prune", "--to", str(tmp_path / "data"), "--keys-to", str(tmp_path / "keys"),
                  "--keep-days", "7", "--keep-key-days", "7")
    assert refused.exit_code == 1 and "fewer days" in refused.output
    pruned = run(sealed_demo, "backup", "prune", "--to", str(tmp_path / "data"), "--keys-to", str(tmp_path / "keys"))
    assert pruned.exit_code == 0, pruned.output
    assert sorted((tmp_path / "data").iterdir()) == backups[1:]
    assert sorted((tmp_path / "keys").iterdir()) == copies[2:]


@pytest.mark.parametrize("backend", ["sqlite"])  # an SQLite backup is a database file that can be edited in place
def test_an_audit_event_altered_in_the_backup_file_itself_fails_the_drill(sealed_demo, tmp_path, backend):
    """Whoever can rewrite the backup storage, manifest and all: the restored chain no longer verifies."""
    assert back_up(sealed_demo, tmp_path).exit_code == 0
    backup = only_backup(tmp_path / "data")
    manifest = json.loads((backup / "manifest.json").read_text())
    dump = backup / manifest["files"]["database"]["name"]
    connection = sqlite3.connect(dump)
    for verb in ("update", "delete"):
        connection.execute(f"DROP TRIGGER audit_event_no_{verb}")
    altered = connection.execute("SELECT max(id) FROM audit_event WHERE id <= (SELECT max(last_event_id) "
                                 "FROM audit_seal)").fetchone()[0]
    connection.execute("UPDATE audit_event SET ip_address = '203.0.113.9' WHERE id = ?", (altered,))
    connection.commit()
    connection.close()
    manifest["files"]["database"].update(bytes=dump.stat().st_size,
                                         sha256=hashlib.sha256(dump.read_bytes()).hexdigest())
    (backup / "manifest.json").write_text(json.dumps(manifest))
    drill = run(sealed_demo, "backup", "drill", str(backup))
    assert drill.exit_code == 1
    assert f"DRILL FAILED: the audit chain is broken: event {altered} was altered" in drill.output


def test_a_backup_taken_while_the_app_writes_is_one_consistent_moment(sealed_demo, tmp_path):
    """Learners' notes rewritten and audit events written and sealed throughout the backup: the copy is one
    moment's state (SQLite's online backup; pg_dump of an exported snapshot), so its chain verifies up to exactly
    the head its manifest records, and every value opens."""
    stop, written, errors = threading.Event(), [], []

    def write():
        try:
            with sealed_demo.app_context():
                learners = db.session.scalars(select(Learner).order_by(Learner.id).offset(1).limit(5)).all()
                n = 0
                while not stop.is_set():
                    n += 1
                    learner = learners[n % len(learners)]
                    learner.notes = f"<p>written during the backup, {n}</p>"
                    record(None, AuditAction.UPDATE, learner, fields=["notes"])
                    db.session.commit()
                    if n % 3 == 0:
                        chain.seal_pending(lock_timeout_ms=2000)
                    written.append(n)
                db.session.remove()
        except BaseException as error:  # noqa: BLE001 - surfaced by the test
            errors.append(error)

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    while len(written) < 5 and writer.is_alive():
        time.sleep(0.01)
    try:
        before = len(written)
        taken = back_up(sealed_demo, tmp_path)
        during = len(written) - before
    finally:
        stop.set()
        writer.join(timeout=30)
    assert not errors, errors
    assert taken.exit_code == 0, taken.output
    assert during > 0  # the app did write while the backup ran
    drill = run(sealed_demo, "backup", "drill", str(only_backup(tmp_path / "data")))
    assert drill.exit_code == 0, drill.output
