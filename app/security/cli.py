"""`flask keys status | rotate | retire`: the field keyring, operated without downtime."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from app.security import adoption, rotation
from app.security.keys import KeyringError, current_keyring
from app.security.learner_keys import LEARNER_KEY_LETTER, key_store

keys_cli = AppGroup("keys", help="Field encryption keys.")


@keys_cli.command("status")
def status_command():
    """Show each key, how many stored values it protects, and how many it has sealed."""
    keyring = current_keyring()
    values = rotation.values_by_key()
    sealed = rotation.encryptions_by_key()
    learner_values = sum(count for kid, count in values.items() if kid.startswith(LEARNER_KEY_LETTER))
    click.echo(f"{'key':<12} {'role':<9} {'values':>10} {'encryptions':>12}")
    for kid in sorted(set(keyring.encryption) | {kid for kid in values if not kid.startswith(LEARNER_KEY_LETTER)}):
        role = "primary" if kid == keyring.primary else ("old" if kid in keyring.encryption else "MISSING")
        click.echo(f"{kid:<12} {role:<9} {values.get(kid, 0):>10} {sealed.get(kid, 0):>12}")
    click.echo(f"blind index key: {keyring.index_primary}")
    wrapped = key_store().count_by_wrapping_key()
    click.echo(f"learner keys: {sum(wrapped.values())} in the key store, protecting {learner_values} values")
    for kid, count in sorted(wrapped.items()):
        role = "primary" if kid == keyring.primary else ("old" if kid in keyring.encryption else "MISSING")
        click.echo(f"  wrapped under {kid} ({role}): {count}")
    pending = sum(adoption.on_keyring_by_column().values())
    click.echo(f"a learner's values still on the keyring: {pending}"
               + (" (`flask keys adopt-learner-keys` moves those whose row names a learner)" if pending else ""))


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
               f"{report.skipped_newer} left as newer writes, {report.rewrapped} learner keys re-wrapped.")


@keys_cli.command("adopt-learner-keys")
@click.option("--batch-size", default=500, show_default=True, type=click.IntRange(1, 100_000))
@click.option("--max-batches", default=None, type=click.IntRange(1), help="Stop after this many batches.")
def adopt_command(batch_size, max_batches):
    """Move each learner's values sealed on the keyring under that learner's own key; run again to resume."""
    def progress(report):
        if report.batches % 10 == 0:
            click.echo(f"  {report.moved} values moved under learner keys")

    try:
        report = adoption.adopt(batch_size=batch_size, max_batches=max_batches, progress=progress)
    except KeyringError as error:
        raise click.ClickException(str(error)) from None
    state = "Done" if report.finished else "Stopped early (run again to carry on)"
    click.echo(f"{state}: {report.moved} values moved under learner keys, {report.skipped_newer} left as newer "
               f"writes, {report.without_learner} on rows that name no learner.")


@keys_cli.group("store")
def store_group():
    """The learner key store (BRAID_KEY_STORE_URL), kept apart from the database."""


@store_group.command("init")
def store_init_command():
    """Create the key store's table if it is missing."""
    key_store().init()
    click.echo("The learner key store is ready.")


@keys_cli.command("retire")
@click.argument("key_id")
def retire_command(key_id):
    """Remove an old key once no stored value depends on it."""
    try:
        rotation.retire(key_id)
    except KeyringError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Retired key {key_id}.")
