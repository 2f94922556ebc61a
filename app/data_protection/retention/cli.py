"""`flask retention sweep [--dry-run]`: list what the retention schedule says is due, or destroy it."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from app.core.dates import today as school_today
from app.data_protection.retention import sweeping

retention_cli = AppGroup("retention", help="The retention schedule: what is due, and destroying it.")


@retention_cli.command("sweep")
@click.option("--dry-run", is_flag=True, help="List what is due and why; destroy nothing.")
def sweep_command(dry_run: bool):
    """Destroy what is due in every school and not under a legal hold, writing the destruction register; with
    --dry-run, only list it. Safe to run twice: a second run finds nothing more to destroy."""
    for school, result in sweeping.sweep_every_school(school_today(), dry_run=dry_run):
        for line in sweeping.describe(school, result, dry_run=dry_run):
            click.echo(line)
