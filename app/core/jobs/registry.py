"""Job functions by name: `@job("outbox.send")` and `@periodic_job("audit.seal")`.

Each domain declares its jobs where their work lives; app.factory imports those modules,
so a worker built with create_app() knows every job a web process may enqueue.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

# A job's name reads like an endpoint: "<area>.<what it does>".
_JOBS: dict[str, JobSpec] = {}


@dataclass(frozen=True)
class JobSpec:
    name: str
    function: Callable
    max_attempts: int | None  # None: the JOBS_MAX_ATTEMPTS setting
    lease: timedelta | None  # how long a claim lasts before the rescue deems the worker dead; None: JOBS_LEASE
    periodic: bool = False
    every: timedelta | None = None  # periodic only: None means every scheduler tick (JOBS_PERIODIC_INTERVAL)


def job(name: str, *, retries: int | None = None, lease: timedelta | None = None):
    """Register `function` as the job `name`; it is called with the run's arguments (plain ids) as keywords,
    inside an app context, with no transaction open. It must be idempotent: a run can be repeated after a
    worker dies, so its effect must happen once however often it runs. `retries`: attempts after the first."""

    def register(function: Callable) -> Callable:
        _add(JobSpec(name, function, None if retries is None else retries + 1, lease))
        return function

    return register


def periodic_job(name: str, *, every: timedelta | None = None, retries: int = 0, lease: timedelta | None = None):
    """Register `function` as a job the worker's scheduler runs by itself, every `every` (default: every tick,
    JOBS_PERIODIC_INTERVAL). It takes no arguments of its own and, like every job, must be idempotent."""

    def register(function: Callable) -> Callable:
        _add(JobSpec(name, function, retries + 1, lease, periodic=True, every=every))
        return function

    return register


def _add(spec: JobSpec) -> None:
    known = _JOBS.get(spec.name)
    if known is not None and known.function is not spec.function:
        # A module imported twice under two names (or two jobs with one name): refuse rather than guess.
        if (known.function.__module__, known.function.__qualname__) != (spec.function.__module__,
                                                                         spec.function.__qualname__):
            raise ValueError(f"two jobs are named {spec.name!r}")
    _JOBS[spec.name] = spec


def spec_of(name: str) -> JobSpec:
    """:raise KeyError: for a name no job has."""
    return _JOBS[name]


def all_jobs() -> list[JobSpec]:
    return sorted(_JOBS.values(), key=lambda spec: spec.name)


def periodic_jobs() -> list[JobSpec]:
    return [spec for spec in all_jobs() if spec.periodic]
