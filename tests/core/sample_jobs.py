"""Jobs only the tests declare, imported by the test process and by its worker subprocesses alike.

Each writes what it did into TEST_JOBS_DIR (a setting the tests pass), in files named by the run's `token`:
one line per attempt, one line per effect. Their effects are deliberately not idempotent, so a run the
ledger let happen twice would show.
"""
from __future__ import annotations

import os
import time
from datetime import timedelta
from pathlib import Path

from flask import current_app

from app.core.jobs.registry import job
from app.core.jobs.runner import current_run

SLEEPY_LEASE = timedelta(seconds=4)  # long enough for the test to kill the worker before it runs out


def _folder() -> Path:
    return Path(current_app.config["TEST_JOBS_DIR"])


def _append(path: Path, line: str) -> int:
    with path.open("a") as handle:
        handle.write(line + "\n")
    return len(path.read_text().splitlines())


@job("tests.flaky", retries=4)
def flaky(token: str) -> None:
    """Fails on its first two attempts (a transient connection error), then has its effect."""
    attempts = _append(_folder() / f"{token}.attempts", str(current_run().attempt))
    if attempts <= 2:
        raise ConnectionResetError(f"the other end went away (attempt {attempts})")
    _append(_folder() / f"{token}.effect", "done")


@job("tests.sleepy", retries=2, lease=SLEEPY_LEASE)
def sleepy(token: str) -> None:
    """Its first attempt says it has started, then sleeps far past its lease (the test kills the worker)."""
    attempt = current_run().attempt
    _append(_folder() / f"{token}.started", str(attempt))
    if attempt == 1:
        time.sleep(120)
    _append(_folder() / f"{token}.effect", f"done by {os.getpid()}")


@job("tests.slow_once", retries=0, lease=timedelta(minutes=1))
def slow_once(token: str) -> None:
    """Takes half a second, so that two workers handed the same run would overlap."""
    _append(_folder() / f"{token}.starts", "start")
    time.sleep(0.5)
