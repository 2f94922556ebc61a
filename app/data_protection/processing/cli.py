"""`flask gdpr article30`: the record of processing (UK GDPR Article 30(1)), from the classification of every
column. Refuses to print while a column is unclassified or a classification names no column: an incomplete
record is worse than none."""
from __future__ import annotations

import json

import click
from flask.cli import AppGroup

from app.data_protection.processing import record as records
from app.data_protection.processing.checks import unclassified_columns, unknown_classifications
from app.extensions import db

gdpr_cli = AppGroup("gdpr", help="Data protection: the school's records as controller (UK GDPR).")

RENDERERS = {
    "text": records.as_text,
    "markdown": records.as_markdown,
    "json": lambda record: json.dumps(record.as_dict(), indent=2, ensure_ascii=False) + "\n",
}


@gdpr_cli.command("article30")
@click.option("--format", "output", type=click.Choice(sorted(RENDERERS)), default="text", show_default=True,
              help="Plain text to read, JSON for machines, Markdown for the README.")
def article30_command(output: str):
    """Print the record of processing activities: controllers and DPOs, purposes, data subjects, categories of
    personal data by table, recipients, transfers, retention and security measures."""
    missing = unclassified_columns(db.metadata) + [f"{name} (classified, but no such column)"
                                                   for name in unknown_classifications(db.metadata)]
    if missing:
        raise click.ClickException(
            "Classify these in app/data_protection/processing/columns.py first: " + ", ".join(missing))
    click.echo(RENDERERS[output](records.build_record()), nl=False)
