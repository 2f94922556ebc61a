"""The restore drill: restore a backup into fresh databases and prove it whole and readable.

Checks, in order: each file against its manifest (size and SHA-256); the restored schema's migration against the
manifest's and this code's; the audit chain end to end (the audit package's own verification) and its head against
the manifest's; then every sealed value of every table, opened with this app's keyring and the restored key store.
A value whose learner key is no longer in the store belongs to an erased learner (crypto-shredding): counted as
shredded, not as a failure; and the learners a restore would erase again (app.core.backups.erasing), with the
restored key store and with the live one. The fresh databases are dropped afterwards, whatever the outcome.
"""
from __future__ import annotations

import json
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from sqlalchemy import select, text
from sqlalchemy.exc import SQLAlchemyError

from app.audit import chain
from app.core.backups import engines
from app.core.backups.erasing import ErasedAgain, erase_keyless, key_ids_in
from app.core.backups.restored import code_heads, restored_app_settings
from app.core.backups.taking import DATABASE, KEY_STORE, MANIFEST, sha256_of
from app.extensions import db
from app.security.crypto import DecryptionError, Sealed, sensitive_fields
from app.security.learner_keys import is_learner_key_id, learner_data_key

FAILURE_EXAMPLES = 10
_BATCH = 500


class DrillRefused(RuntimeError):
    """The backup cannot even be restored (no manifest, a file that does not match it): one line."""


@dataclass
class DrillReport:
    directory: Path
    problems: list[str] = field(default_factory=list)
    alembic_head: str | None = None
    chain: chain.Verification | None = None
    values_opened: int = 0
    values_shredded: int = 0
    # Learners whose key is gone: a restore erases them again (with this key store copy; with the live key store).
    erase_again: ErasedAgain | None = None
    erase_again_live: ErasedAgain | None = None
    failures: Counter = field(default_factory=Counter)  # "table.column" -> values that did not open
    failure_examples: list[str] = field(default_factory=list)  # "table.column of row <public id>": never a value
    seconds: dict[str, float] = field(default_factory=dict)
    cpu_seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return not self.problems and not self.failures


def manifest_path(backup: Path) -> Path:
    backup = Path(backup)
    return backup / MANIFEST if backup.is_dir() else backup


def read_manifest(backup: Path) -> dict:
    path = manifest_path(backup)
    try:
        manifest = json.loads(path.read_text())
    except FileNotFoundError:
        raise DrillRefused(f"no backup manifest at {path}") from None
    except (OSError, ValueError) as error:
        raise DrillRefused(f"the manifest {path} cannot be read: {error}") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        raise DrillRefused(f"{path} is not a Braid backup manifest")
    return manifest


def checked_file(backup: Path, manifest: dict, role: str) -> Path | None:
    """The backup's file for `role`, after checking its size and SHA-256 against the manifest. The key store's copy
    lives in a directory of its own (the manifest says which)."""
    entry = manifest["files"].get(role)
    if entry is None:
        return None
    directory = Path(entry["directory"]) if entry.get("directory") else manifest_path(backup).parent
    path = directory / Path(entry["name"]).name
    if not path.exists():
        hint = " (aged out? pass --keys with the newest key store backup)" if role == KEY_STORE else ""
        raise DrillRefused(f"the backup's {role} file {path} is missing{hint}")
    if path.stat().st_size != entry["bytes"] or sha256_of(path) != entry["sha256"]:
        raise DrillRefused(f"the backup's {role} file {path.name} does not match its manifest (altered or torn)")
    return path


def key_store_file(backup: Path, manifest: dict, keys: Path | None) -> Path | None:
    """The key store copy to restore: `keys` when given (any newer one serves: it lacks only the keys of learners
    erased since, which is crypto-shredding doing its work), else the one taken with this backup."""
    if keys is None:
        return checked_file(backup, manifest, KEY_STORE)
    if not Path(keys).is_file():
        raise DrillRefused(f"no key store backup at {keys}")
    return Path(keys)


def run_drill(backup: Path, keys: Path | None = None) -> DrillReport:
    """Restore `backup` (with the key store copy `keys`, else its own) into fresh databases beside the app's own,
    check it, and drop them."""
    started, cpu_started = time.perf_counter(), time.process_time()
    manifest = read_manifest(backup)
    report = DrillReport(manifest_path(backup).parent)
    database_file = checked_file(backup, manifest, DATABASE)
    if database_file is None:
        raise DrillRefused("the manifest names no database file")
    store_file = key_store_file(backup, manifest, keys)
    report.seconds["check_files"] = time.perf_counter() - started
    expected_heads = code_heads()
    live_url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    store_url = current_app.config["BRAID_KEY_STORE_URL"]
    live_keys = key_ids_in(current_app.extensions["braid_learner_keys"])  # what a restore without --keys-into uses
    with tempfile.TemporaryDirectory(prefix="braid-drill-") as scratch:
        made: list[tuple[str, str]] = []
        try:
            step = time.perf_counter()
            drill_url = engines.fresh_database(_beside(live_url, manifest.get("engine")), Path(scratch))
            made.append((drill_url, live_url))
            engines.restore(database_file, drill_url)
            store_engine = engines.engine_of_dump(store_file) if store_file else None
            drill_store = engines.fresh_database(_beside(store_url, store_engine), Path(scratch))
            made.append((drill_store, store_url))
            if store_file is not None:
                engines.restore(store_file, drill_store)
            report.seconds["restore"] = time.perf_counter() - step
            drill_app = current_app.extensions["braid_create_app"](current_app.config["ENV_NAME"],
                                                                  restored_app_settings(drill_url, drill_store))
            try:
                with drill_app.app_context():
                    try:
                        _check(report, manifest, expected_heads, live_keys)
                    except SQLAlchemyError as error:  # a restored copy too damaged to read: a failed drill
                        report.problems.append(f"the restored database cannot be read ({type(error).__name__})")
            finally:
                with drill_app.app_context():
                    db.session.remove()
                    db.engine.dispose()
                drill_app.extensions["braid_learner_keys"].dispose()
        except engines.CopyFailed as error:
            report.problems.append(f"the restore failed: {error}")
        finally:
            for url, beside in reversed(made):
                engines.drop_database(url, beside)
    report.seconds["total"] = time.perf_counter() - started
    report.cpu_seconds = time.process_time() - cpu_started
    return report


def _beside(url: str, engine: str | None) -> str:
    """Where a fresh database of the backup's engine is made: beside the app's own, which must be that engine."""
    if engine and engines.engine_of(url) != engine:
        raise DrillRefused(f"the backup is of a {engine} database; this app runs on {engines.engine_of(url)}")
    return url


def _check(report: DrillReport, manifest: dict, expected_heads: set[str], live_keys: set[str]) -> None:
    step = time.perf_counter()
    found = db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    db.session.remove()
    report.alembic_head = found
    if found != manifest.get("alembic_head"):
        report.problems.append(f"the restored schema is at migration {found}, the manifest says "
                               f"{manifest.get('alembic_head')}")
    elif found not in expected_heads:
        report.problems.append(f"the backup is at migration {found}, this code's head is "
                               f"{', '.join(sorted(expected_heads))}: run `flask db upgrade` after restoring")
    report.seconds["schema"] = time.perf_counter() - step

    step = time.perf_counter()
    report.chain = verification = chain.verify_chain()
    if not verification.intact:
        report.problems.append(f"the audit chain is broken: {verification.problem}")
    else:
        audit = manifest.get("audit") or {}
        if (verification.head_seal, verification.event_count) != (audit.get("seal"), audit.get("sealed_events")) \
                or (verification.head_seal and verification.head_hash != audit.get("seal_hash")):
            report.problems.append(
                f"the audit chain's head (seal {verification.head_seal}, {verification.event_count} events) is not "
                f"the manifest's (seal {audit.get('seal')}, {audit.get('sealed_events')} events)")
    report.seconds["audit_chain"] = time.perf_counter() - step

    step = time.perf_counter()
    _open_every_sealed_value(report)
    report.seconds["unseal"] = time.perf_counter() - step

    if found in expected_heads:  # the models read the learners: only a schema that is this code's
        step = time.perf_counter()
        report.erase_again = erase_keyless(dry_run=True)
        report.erase_again_live = erase_keyless(live_keys, dry_run=True)
        db.session.remove()
        report.seconds["erase_again"] = time.perf_counter() - step

def _open_every_sealed_value(report: DrillReport) -> None:
    store = current_app.extensions["braid_learner_keys"]
    with store.engine.connect() as connection:
        learner_keys = set(connection.execute(select(learner_data_key.c.key_id)).scalars())
    seen = set()
    for model, sensitive in sensitive_fields():
        table = model.__table__
        if (table.name, sensitive.column_attr) in seen:
            continue
        seen.add((table.name, sensitive.column_attr))
        column = table.c[sensitive.column_attr]
        where = f"{table.name}.{sensitive.column_attr}"
        with db.engine.connect() as connection:
            connection.info[chain.READ_ONLY] = True  # a long read: no share of the chain's lock (app.database)
            # Plain SQL over names from the models: compiling a select per column cost more than opening the demo.
            rows = connection.execution_options(yield_per=sensitive.rotation_batch or _BATCH).execute(text(
                f'SELECT public_id, "{column.name}" FROM "{table.name}" '  # nosec B608 # names from the models only
                f'WHERE "{column.name}" IS NOT NULL ORDER BY id'))
            for public_id, sealed in rows:
                try:
                    sensitive.open(sealed, public_id)
                except (DecryptionError, ValueError, TypeError):
                    if _shredded(sealed, learner_keys):
                        report.values_shredded += 1
                        continue
                    report.failures[where] += 1
                    if len(report.failure_examples) < FAILURE_EXAMPLES:
                        report.failure_examples.append(f"{where} of row {public_id}")
                else:
                    report.values_opened += 1


def _shredded(sealed: str, learner_keys: set[str]) -> bool:
    """Sealed under a learner key the restored store no longer holds: that learner was erased."""
    try:
        kid = Sealed(sealed).key_id
    except DecryptionError:
        return False
    return is_learner_key_id(kid) and kid not in learner_keys
