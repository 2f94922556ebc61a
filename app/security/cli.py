"""`flask keys status | rotate | retire`: the field keyring, operated without downtime."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from app.security import rotation
from app.security.keys import KeyringError, current_keyring

keys_cli = AppGroup("keys", help="Field encryption keys.")


@keys_cli.command("status")
def status_command():
    """Show each key, how many stored values it protects, and how many it has sealed."""
    keyring = current_keyring()
    values = rotation.values_by_key()
    sealed = rotation.encryptions_by_key()
    click.echo(f"{'key':<12} {'role':<9} {'values':>10} {'encryptions':>12}")
    for kid in sorted(set(keyring.encryption) | set(values)):
        role = "primary" if kid == keyring.primary else ("old" if kid in keyring.encryption else "MISSING")
        click.echo(f"{kid:<12} {role:<9} {values.get(kid, 0):>10} {sealed.get(kid, 0):>12}")
    click.echo(f"blind index key: {keyring.index_primary}")


@keys_cli.command("rotate")
@click.option("--batch-size", default=1000, show_default=True, type=click.IntRange(1, 100_000))
def rotate_command(batch_size):
    """Add a new primary key and re-seal every value under it; run again to resume."""
    def progress(report):
        if report.batches % 10 == 0:
            click.echo(f"  {report.resealed} values re-sealed under {report.primary}")

    try:
        report = rotation.rotate(batch_size=batch_size, progress=progress)
    except KeyringError as error:
        raise click.ClickException(str(error)) from None
    verb = "Rotated to new key" if report.started_new_key else "Finished rotation to key"
    click.echo(f"{verb} {report.primary}: {report.resealed} values re-sealed, "
               f"{report.skipped_newer} left as newer writes.")


@keys_cli.command("retire")
@click.argument("key_id")
def retire_command(key_id):
    """Remove an old key once no stored value depends on it."""
    try:
        rotation.retire(key_id)
    except KeyringError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Retired key {key_id}.")
