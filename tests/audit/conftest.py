"""Audit test helpers: the real `flask audit ...` command, in a subprocess or in this process, and an attacker's
database access."""
from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import text

from app.audit.models import APPEND_ONLY_TABLES
from app.extensions import db

REPO = Path(__file__).resolve().parents[2]
FLASK = Path(sys.executable).with_name("flask")


@dataclass
class CommandResult:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


@pytest.fixture
def flask_command(app):
    """`flask_command("audit", "verify")`: the installed `flask --app wsgi` run as its own process on the test app's
    database (which may be a copy of a saved world: tests/fixtures/worlds.py)."""
    database_url = app.config["SQLALCHEMY_DATABASE_URI"]

    def run(*args: str, timeout: float = 120) -> CommandResult:
        environ = {key: value for key, value in os.environ.items() if not key.startswith(("BRAID_", "FLASK_"))}
        environ.update(DATABASE_URL=database_url, BRAID_CONFIG="testing")
        done = subprocess.run([str(FLASK), "--app", "wsgi", *args], cwd=REPO, env=environ, capture_output=True,
                              text=True, timeout=timeout)
        return CommandResult(done.returncode, done.stdout, done.stderr)

    return run


@pytest.fixture
def cli_command(app):
    """`cli_command("audit", "verify")`: the same command run in this process through Flask's CLI runner, on this
    test's app and database (starting a process costs ~1.7 s of imports; `flask_command` keeps the wiring tested).
    An exception escaping the command is raised here, never mistaken for an exit code of 1."""
    runner = app.test_cli_runner()

    def run(*args: str) -> CommandResult:
        result = runner.invoke(args=list(args))
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        return CommandResult(result.exit_code, result.stdout, result.stderr)

    return run


def drop_append_only_triggers() -> None:
    """What an attacker with the database's owner rights does first (inside an app context)."""
    with db.engine.begin() as connection:
        for table in APPEND_ONLY_TABLES:
            if connection.dialect.name == "sqlite":
                for verb in ("update", "delete"):
                    connection.exec_driver_sql(f"DROP TRIGGER {table}_no_{verb}")
            else:
                connection.exec_driver_sql(f"ALTER TABLE {table} DISABLE TRIGGER USER")


@pytest.fixture
def attacker(app):
    """Drops the trail's triggers on this test's own database; `attacker(sql, **params)` runs raw SQL."""
    with app.app_context():
        drop_append_only_triggers()

    def tamper(sql: str, **params) -> None:
        with app.app_context(), db.engine.begin() as connection:
            connection.execute(text(sql), params)

    return tamper
