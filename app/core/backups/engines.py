"""Copying one database to a file and back: SQLite's online backup API, PostgreSQL's pg_dump and pg_restore.

PostgreSQL's tools get the connection from PG* environment variables, never from their arguments: a password
in argv is visible to every user of the machine (ps) and lands in logs.
"""
from __future__ import annotations

import errno
import os
import signal
import sqlite3
import subprocess
import uuid
from pathlib import Path

import psycopg
from sqlalchemy.engine import URL, make_url

from app.core.files import fsync_directory, fsync_file

SQLITE, POSTGRESQL = "sqlite", "postgresql"
DUMP_SUFFIX = {SQLITE: ".sqlite3", POSTGRESQL: ".pgdump"}
PG_BIN = Path(os.environ.get("BRAID_PG_BIN", "/usr/bin"))
# Error numbers that mean the backup's disk has no room: full, over quota, or over the file size limit.
NO_ROOM = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
_NO_ROOM_WORDS = ("no space left", "disk is full", "database or disk is full", "file too large", "quota")
NO_ROOM_MESSAGE = "no room on the backup disk (full, over quota, or past the file size limit)"
# SQLite says only "disk I/O error" when a write fails: the error's name says it was a write (the copy's only
# writes go to its target file), and the likeliest cause of that is a full disk.
_SQLITE_WRITE_ERRORS = {"SQLITE_FULL", "SQLITE_IOERR_WRITE", "SQLITE_IOERR_FSYNC", "SQLITE_IOERR_TRUNCATE"}


class CopyFailed(RuntimeError):
    """A dump or restore did not complete; the message is one line, without any password or value."""

    def __init__(self, message: str, *, no_room: bool = False):
        super().__init__(message)
        self.no_room = no_room


def engine_of(url: str) -> str:
    backend = make_url(url).get_backend_name()
    if backend not in (SQLITE, POSTGRESQL):
        raise CopyFailed(f"cannot back up a {backend} database")
    return backend


def engine_of_dump(path: Path) -> str:
    return SQLITE if path.suffix == DUMP_SUFFIX[SQLITE] else POSTGRESQL


def sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise CopyFailed("an in-memory SQLite database cannot be backed up or restored into")
    return Path(database)


def pg_environ(url: str | URL) -> dict[str, str]:
    """The environment for psql, pg_dump and pg_restore: this process's, with the URL's connection as PG*."""
    url = make_url(url)
    environ = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
    for name, value in (("PGHOST", url.host), ("PGPORT", url.port), ("PGUSER", url.username),
                        ("PGPASSWORD", url.password), ("PGDATABASE", url.database)):
        if value:
            environ[name] = str(value)
    for option in ("sslmode", "sslrootcert", "sslcert", "sslkey", "host", "port"):
        if option in url.query:
            environ[f"PG{option.upper()}"] = str(url.query[option])
    return environ


def _no_room(text: str) -> bool:
    return any(words in text.lower() for words in _NO_ROOM_WORDS)


def _run(tool: str, arguments: list[str], url: str, what: str) -> None:
    try:
        done = subprocess.run([str(PG_BIN / tool), *arguments], env=pg_environ(url), capture_output=True,
                              text=True, check=False)
    except OSError as error:
        raise CopyFailed(f"{tool} could not be started ({error.strerror})") from None
    if done.returncode != 0:
        lines = [line.strip() for line in done.stderr.splitlines() if line.strip()]
        detail = lines[-1] if lines else f"exit code {done.returncode}"
        # Killed by SIGXFSZ: the dump grew past the file size limit (ulimit -f), which stops it as a full disk would.
        no_room = _no_room(done.stderr) or done.returncode == -signal.SIGXFSZ
        raise CopyFailed(f"{tool} failed {what}: " + (NO_ROOM_MESSAGE if no_room else detail),
                         no_room=no_room)


# --- dumping ---------------------------------------------------------------------------------------


def dump_sqlite(url: str, target: Path, busy_timeout: float = 10.0) -> None:
    """A consistent copy of a live SQLite database through the online backup API (not a file copy: a file copied
    while the app writes can be torn), left in rollback-journal mode so that the one file is the whole database."""
    source_path = sqlite_path(url)
    if not source_path.exists():
        raise CopyFailed(f"the SQLite database {source_path} does not exist")
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True, timeout=busy_timeout)
    try:
        target_connection = sqlite3.connect(target)
        try:
            # pages=-1: every page in one step, under one read transaction, so the copy is one moment's state.
            source.backup(target_connection, pages=-1)
            target_connection.execute("PRAGMA journal_mode=DELETE")
        finally:
            target_connection.close()
    except sqlite3.Error as error:
        raise _sqlite_failed("backup", error) from None
    finally:
        source.close()


def _sqlite_failed(what: str, error: sqlite3.Error) -> CopyFailed:
    name = getattr(error, "sqlite_errorname", "")
    if name == "SQLITE_FULL" or _no_room(str(error)):
        return CopyFailed(f"the SQLite {what} failed: {NO_ROOM_MESSAGE}", no_room=True)
    if name in _SQLITE_WRITE_ERRORS:
        return CopyFailed(f"the SQLite {what} failed writing its file ({name}): the disk is full or failing",
                          no_room=True)
    return CopyFailed(f"the SQLite {what} failed: {error}")


def dump_postgresql(url: str, target: Path, snapshot: str | None = None) -> None:
    """pg_dump's custom format (compressed, restorable table by table), of an exported snapshot when given."""
    arguments = ["--format=custom", "--no-password", f"--file={target}"]
    if snapshot:
        arguments.append(f"--snapshot={snapshot}")
    _run("pg_dump", arguments, url, "to dump the database")


# --- restoring -------------------------------------------------------------------------------------


def restore_sqlite(dump: Path, url: str) -> None:
    """Write the dump into the SQLite file of `url` (replacing it whole: a temporary file renamed over it)."""
    path = sqlite_path(url)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.restoring-{uuid.uuid4().hex[:8]}")
    try:
        source = sqlite3.connect(f"file:{dump}?mode=ro", uri=True)
        try:
            target = sqlite3.connect(temporary)
            try:
                source.backup(target, pages=-1)
            finally:
                target.close()
        finally:
            source.close()
        fsync_file(temporary)
        for suffix in ("-wal", "-shm"):  # an old journal beside the file would be replayed into the restored one
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        os.replace(temporary, path)
        fsync_directory(path.parent)
    except sqlite3.Error as error:
        raise _sqlite_failed("restore", error) from None
    finally:
        temporary.unlink(missing_ok=True)


def restore_postgresql(dump: Path, url: str, *, clean: bool = False) -> None:
    """pg_restore in one transaction: a restore that fails leaves the target as it was."""
    arguments = ["--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction", "--no-password",
                 f"--dbname={make_url(url).database}", str(dump)]
    if clean:
        arguments[:0] = ["--clean", "--if-exists"]
    _run("pg_restore", arguments, url, "to restore the database")


def dump(url: str, target: Path, **options) -> None:
    if engine_of(url) == SQLITE:
        dump_sqlite(url, target, **{k: v for k, v in options.items() if k == "busy_timeout"})
    else:
        dump_postgresql(url, target, options.get("snapshot"))


def restore(dump_file: Path, url: str, *, replace: bool = False) -> None:
    if engine_of(url) == SQLITE:
        restore_sqlite(dump_file, url)
    else:
        restore_postgresql(dump_file, url, clean=replace)


def holds_tables(url: str) -> bool:
    """Whether the database at `url` holds any table (a restore refuses such a target unless told)."""
    if engine_of(url) == SQLITE:
        path = sqlite_path(url)
        if not path.exists() or path.stat().st_size == 0:
            return False
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return connection.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0] > 0
        finally:
            connection.close()
    try:
        connection = psycopg.connect(_conninfo(url))
    except psycopg.OperationalError:
        raise CopyFailed(f"cannot connect to {make_url(url).render_as_string(hide_password=True)}") from None
    with connection:
        return connection.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
        ).fetchone()[0] > 0


# --- fresh databases for the drill -----------------------------------------------------------------


def _conninfo(url: str | URL) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def fresh_database(beside_url: str, scratch: Path) -> str:
    """A new, empty database of the same engine as `beside_url`: a file under `scratch`, or a database created on
    the same PostgreSQL server (its user needs CREATEDB)."""
    name = f"braid_drill_{uuid.uuid4().hex[:12]}"
    if engine_of(beside_url) == SQLITE:
        return f"sqlite:///{scratch / (name + '.sqlite3')}"
    try:
        with psycopg.connect(_conninfo(beside_url), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as error:
        raise CopyFailed(f"cannot create a database for the drill ({type(error).__name__}: its user needs "
                         "CREATEDB)") from None
    return make_url(beside_url).set(database=name).render_as_string(hide_password=False)


def drop_database(url: str, beside_url: str) -> None:
    if engine_of(url) == SQLITE:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{sqlite_path(url)}{suffix}").unlink(missing_ok=True)
        return
    with psycopg.connect(_conninfo(beside_url), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')
