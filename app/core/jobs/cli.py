"""`flask jobs worker | status`: running background jobs, and seeing how they went."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from app.core.jobs import queue, services
from app.core.jobs.models import JobStatus
from app.extensions import db

jobs_cli = AppGroup("jobs", help="Background jobs: the worker, and the ledger of runs.")


@jobs_cli.command("worker")
@click.option("--workers", type=click.IntRange(1, 32), default=None,
              help="Worker threads (default: JOBS_WORKERS, 2).")
def worker_command(workers):
    """Run jobs and periodic jobs until stopped (Ctrl+C or SIGTERM finishes the jobs in hand first)."""
    app = current_app._get_current_object()
    db.session.remove()
    queue.run_worker(app, workers)


@jobs_cli.command("status")
def status_command():
    """Runs by status, and the latest failures (name, attempts, error class, when)."""
    summary = services.overview(failed_limit=10, recent_limit=0)
    click.echo(", ".join(f"{summary.counts[status]} {status.value}" for status in JobStatus))
    queue_kind = ("Redis" if current_app.config.get("REDIS_URL")
                  else f"SQLite ({current_app.config['JOBS_SQLITE_FILE']})")
    click.echo(f"Queue: {queue_kind}.")
    if summary.last_periodic_at is None:
        click.echo("No periodic job has run yet: is `flask jobs worker` running?")
    else:
        click.echo(f"Last periodic job finished at {summary.last_periodic_at:%Y-%m-%d %H:%M:%S} UTC"
                   + (" — no worker seems to be running." if summary.worker_quiet else "."))
    if summary.failed:
        click.echo("Latest failures:")
        for run in summary.failed:
            click.echo(f"  {run.finished_at:%Y-%m-%d %H:%M:%S}  {run.name:<16} {run.attempts}/{run.max_attempts} "
                       f"attempts  {run.last_error or '-'}  (run {run.public_id})")
