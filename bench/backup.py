"""How long a backup and its restore drill take, per engine, with the CPU time of this process beside wall time.

    .venv/bin/python bench/backup.py                  (or `make bench-backup`)
    .venv/bin/python bench/backup.py --existing       (the app the environment configures: DATABASE_URL,
                                                       BRAID_KEY_STORE_URL, BRAID_FIELD_KEYS... at authority scale)

Without --existing, each engine gets a throwaway database holding the demo (SQLite in a temporary directory;
PostgreSQL made on BENCH_POSTGRES_URL, default the local server, skipped when it cannot be reached). Each run takes
a backup (`take_backup`) and drills it (`run_drill`: restore into fresh databases, verify the chain, open every
sealed value); the median of --runs runs is printed, with each phase. pg_dump and pg_restore work in processes of
their own: their CPU is not in this process's figure, and wall time on a shared machine is noisy.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from app import create_app  # noqa: E402
from app.core.backups.drill import run_drill  # noqa: E402
from app.core.backups.taking import take_backup  # noqa: E402
from app.extensions import db  # noqa: E402
from app.security.keys import Keyring  # noqa: E402

POSTGRES = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def demo_app(backend: str, scratch: Path):
    """A testing app on a new database holding the demo; (app, a function that drops what was made)."""
    if backend == "sqlite":
        url = f"sqlite:///{scratch / 'bench.sqlite3'}"
        drop = lambda: None  # noqa: E731 - the scratch directory goes with it
    else:
        name = f"braid_bench_backup_{uuid.uuid4().hex[:8]}"
        admin = make_url(POSTGRES).set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        url = make_url(POSTGRES).set(database=name).render_as_string(hide_password=False)

        def drop():
            with psycopg.connect(admin, autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url, "BRAID_FIELD_KEYS": Keyring.generate().to_json(),
                                 "BRAID_KEY_STORE_URL": f"sqlite:///{scratch / 'keys.sqlite3'}"})
    with app.app_context():
        upgrade()
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    return app, drop


def measure(app, runs: int, scratch: Path) -> None:
    backups, drills, cpu_backup, cpu_drill, phases, report = [], [], [], [], {}, None
    with app.app_context():
        for n in range(runs):
            target = scratch / f"backups-{n}"
            taken = take_backup(target / "data", target / "keys")
            backups.append(taken.seconds)
            cpu_backup.append(taken.cpu_seconds)
            report = run_drill(taken.directory)
            assert report.passed, (report.problems, dict(report.failures))
            drills.append(report.seconds["total"])
            cpu_drill.append(report.cpu_seconds)
            for phase, seconds in report.seconds.items():
                phases.setdefault(phase, []).append(seconds)
            shutil.rmtree(target)
        db.session.remove()
        db.engine.dispose()
    files = ", ".join(f"{role} {entry['bytes'] / 1e6:.1f} MB" for role, entry in taken.manifest["files"].items()
                      if entry)
    print(f"  holds: {files}; {taken.manifest['audit']['events']} audit events; "
          f"{report.values_opened} sealed values ({report.values_shredded} shredded)")
    print(f"  backup: {statistics.median(backups):.2f} s wall, {statistics.median(cpu_backup):.2f} s CPU here "
          f"(median of {runs})")
    print(f"  drill:  {statistics.median(drills):.2f} s wall, {statistics.median(cpu_drill):.2f} s CPU here; "
          + ", ".join(f"{phase} {statistics.median(values):.2f} s" for phase, values in phases.items()
                      if phase != "total"))
    print(f"  values opened per second of the unseal phase: "
          f"{report.values_opened / max(statistics.median(phases['unseal']), 1e-9):,.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--existing", action="store_true", help="measure the app the environment configures")
    options = parser.parse_args()
    print("bench/backup.py: machine shared with other work; wall times are noisy, CPU times steadier.")
    with tempfile.TemporaryDirectory(prefix="braid-bench-backup-") as scratch:
        if options.existing:
            app = create_app()
            print(f"existing ({make_url(app.config['SQLALCHEMY_DATABASE_URI']).get_backend_name()}):")
            measure(app, options.runs, Path(scratch))
            return
        for backend in options.backends.split(","):
            try:
                app, drop = demo_app(backend, Path(scratch))
            except psycopg.OperationalError as error:
                print(f"{backend}: skipped ({error})")
                continue
            print(f"{backend} (the demo):")
            try:
                measure(app, options.runs, Path(scratch))
            finally:
                app.extensions["braid_learner_keys"].dispose()
                drop()


if __name__ == "__main__":
    main()
