"""Taking a backup: the database and the learner key store, each to a file of its own, with a manifest.

A backup is a directory `braid-<UTC time>/` built under a hidden temporary name, every file written to a temporary
name, synced and renamed, then the directory renamed into place: a backup directory either is whole or is not
there. The key store's copy goes to a directory of its own (`--keys-to`, BRAID_KEY_BACKUP_DIR), kept on a much
shorter retention than the data's so that an erased learner's key ages out of every backup (README: Crypto-
shredding). Any failure (a full disk above all) removes what was written and leaves the live database untouched:
it is only ever read.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import text

from app.audit.chain import READ_ONLY
from app.core.backups import engines
from app.core.files import fsync_directory, fsync_file
from app.extensions import db

FORMAT = "braid-backup/1"
MANIFEST = "manifest.json"
DATABASE, KEY_STORE = "database", "key_store"
_CHUNK = 1024 * 1024
_HEADS_SQL = {
    "alembic_head": "SELECT version_num FROM alembic_version",
    "seal": "SELECT id, seal_hash, total_count, last_event_id FROM audit_seal ORDER BY id DESC LIMIT 1",
    "events": "SELECT count(*), max(id) FROM audit_event",
}


class BackupFailed(RuntimeError):
    """The backup was not taken; nothing of it was kept. The message is one line."""

    def __init__(self, message: str, *, no_room: bool = False):
        super().__init__(message)
        self.no_room = no_room


@dataclass
class TakenBackup:
    directory: Path
    manifest: dict
    seconds: float  # wall clock, all of it
    cpu_seconds: float  # this process only (pg_dump works in its own)


def default_directory() -> Path:
    return Path(current_app.config.get("BRAID_BACKUP_DIR") or Path(current_app.instance_path) / "backups")


def default_keys_directory() -> Path:
    return Path(current_app.config.get("BRAID_KEY_BACKUP_DIR") or Path(current_app.instance_path) / "key-backups")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def take_backup(to: Path | None = None, keys_to: Path | None = None) -> TakenBackup:
    """Back up the app's database into a new directory under `to`, and its key store into `keys_to`; BackupFailed
    if it cannot (and then nothing of it is kept)."""
    started, cpu_started = time.perf_counter(), time.process_time()
    to = Path(to or default_directory())
    keys_to = Path(keys_to or default_keys_directory())
    taken_at = datetime.now(UTC)
    name = f"braid-{taken_at:%Y%m%dT%H%M%SZ}"
    partial, written = None, []
    try:
        for directory in (to, keys_to):
            # A backup holds every learner's (sealed) record: what Braid creates is its owner's only.
            directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        partial = to / f".{name}.partial-{uuid.uuid4().hex[:8]}"
        partial.mkdir(mode=0o700)
        manifest = {"format": FORMAT, "taken_at": taken_at.isoformat(), "files": {}, "seconds": {}}
        _back_up_database(partial, manifest)
        _back_up_key_store(keys_to, name, manifest, written)
        manifest["seconds"]["total"] = round(time.perf_counter() - started, 3)
        _write_atomically(partial / MANIFEST, json.dumps(manifest, indent=2).encode())
        final = _free_name(to, name)
        partial.rename(final)
        fsync_directory(to)
    except BaseException as error:
        if partial is not None:
            shutil.rmtree(partial, ignore_errors=True)
        for path in written:
            path.unlink(missing_ok=True)
        if isinstance(error, engines.CopyFailed):
            raise BackupFailed(str(error), no_room=error.no_room) from None
        if isinstance(error, OSError):
            no_room = error.errno in engines.NO_ROOM
            reason = engines.NO_ROOM_MESSAGE if no_room else error.strerror or type(error).__name__
            raise BackupFailed(f"the backup could not be written: {reason}", no_room=no_room) from None
        raise
    return TakenBackup(final, manifest, time.perf_counter() - started, time.process_time() - cpu_started)


def _free_name(to: Path, name: str, suffix: str = "") -> Path:
    final, n = to / f"{name}{suffix}", 1
    while final.exists():  # two backups in one second
        n += 1
        final = to / f"{name}-{n}{suffix}"
    return final


def _back_up_database(directory: Path, manifest: dict) -> None:
    url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    engine = engines.engine_of(url)
    filename = DATABASE + engines.DUMP_SUFFIX[engine]
    started = time.perf_counter()
    temporary = directory / f"{filename}.part"
    if engine == engines.SQLITE:
        engines.dump_sqlite(url, temporary, busy_timeout=current_app.config.get("SQLITE_BUSY_TIMEOUT", 10.0))
        heads = _heads_of_sqlite_file(temporary)  # read from the copy itself: exactly what it holds
    else:
        with _exported_snapshot() as (snapshot, heads):
            engines.dump_postgresql(url, temporary, snapshot)
    manifest["engine"] = engine
    manifest.update(heads)
    manifest["files"][DATABASE] = _finish(temporary, directory / filename)
    manifest["seconds"][DATABASE] = round(time.perf_counter() - started, 3)


def _back_up_key_store(keys_to: Path, name: str, manifest: dict, written: list[Path]) -> None:
    """The learner key store, into its own directory: wrapped keys, useless without the keyring (never backed up)."""
    store = current_app.extensions["braid_learner_keys"]
    url = store.url
    engine = engines.engine_of(url)
    if engine == engines.SQLITE and not engines.sqlite_path(url).exists():
        manifest["files"][KEY_STORE] = None  # no learner has a key yet
        return
    store.init()  # the store's table exists before it is copied
    started = time.perf_counter()
    final = _free_name(keys_to, f"{name}-{KEY_STORE}", engines.DUMP_SUFFIX[engine])
    temporary = keys_to / f".{final.name}.part"
    written.append(temporary)
    engines.dump(url, temporary)
    written.append(final)
    entry = _finish(temporary, final)
    fsync_directory(keys_to)
    manifest["files"][KEY_STORE] = {**entry, "directory": str(keys_to.resolve())}
    manifest["seconds"][KEY_STORE] = round(time.perf_counter() - started, 3)


def _finish(temporary: Path, final: Path) -> dict:
    temporary.chmod(0o600)
    fsync_file(temporary)
    temporary.rename(final)
    return {"name": final.name, "bytes": final.stat().st_size, "sha256": sha256_of(final)}


def _write_atomically(path: Path, content: bytes) -> None:
    temporary = path.with_name(path.name + ".part")
    with open(temporary, "wb") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())
    temporary.rename(path)


def _heads(rows: dict) -> dict:
    """The manifest's record of what the copy holds: its migration, and the audit chain's head."""
    seal = rows["seal"]
    count, last_id = rows["events"] or (0, None)
    return {
        "alembic_head": rows["alembic_head"][0] if rows["alembic_head"] else None,
        "audit": {
            "events": int(count or 0),
            "last_event_id": int(last_id) if last_id is not None else None,
            "seal": int(seal[0]) if seal else 0,
            "seal_hash": seal[1] if seal else None,
            "sealed_events": int(seal[2]) if seal else 0,
        },
    }


def _heads_of_sqlite_file(path: Path) -> dict:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return _heads({key: connection.execute(sql).fetchone() for key, sql in _HEADS_SQL.items()})
    finally:
        connection.close()


@contextmanager
def _exported_snapshot():
    """A REPEATABLE READ transaction held open while pg_dump reads its exported snapshot: the manifest's heads and
    the dump are the same moment. Marked read-only, so it takes no share of the audit chain's lock (app.database)
    and the sealer keeps sealing while the dump runs."""
    with db.engine.connect() as connection:
        connection.info[READ_ONLY] = True
        try:
            with connection.begin():
                connection.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                snapshot = connection.exec_driver_sql("SELECT pg_export_snapshot()").scalar()
                heads = _heads({key: connection.execute(text(sql)).fetchone() for key, sql in _HEADS_SQL.items()})
                yield snapshot, heads
        finally:
            connection.info.pop(READ_ONLY, None)
