"""`flask backup [--to DIR]`, `flask backup restore BACKUP --into URL`, `flask backup drill BACKUP`."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy.engine import make_url

from app.core.backups import engines
from app.core.backups.drill import DrillRefused, checked_file, key_store_file, read_manifest, run_drill
from app.core.backups.taking import DATABASE, KEY_STORE, BackupFailed, take_backup


@click.group("backup", cls=AppGroup, invoke_without_command=True)
@click.option("--to", "to", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Directory to write the backup under (default: BRAID_BACKUP_DIR, else instance/backups).")
@click.option("--keys-to", "keys_to", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Directory for the key store's copy, kept apart and for a shorter time (default: "
                   "BRAID_KEY_BACKUP_DIR, else instance/key-backups).")
@click.pass_context
@with_appcontext
def backup_cli(context, to, keys_to):
    """Take a backup: a new directory holding the database, the key store and a manifest. Never the keyring."""
    if context.invoked_subcommand is not None:
        return
    try:
        taken = take_backup(to, keys_to)
    except BackupFailed as error:
        raise click.ClickException(f"Backup failed: {error}. Nothing was kept; the database is untouched.") from None
    manifest = taken.manifest
    click.echo(f"Backup written to {taken.directory}")
    for role, entry in manifest["files"].items():
        if entry is None:
            click.echo(f"  {role}: none (no learner key yet)")
        else:
            seconds = manifest["seconds"].get(role, 0.0)
            where = f" in {entry['directory']}" if entry.get("directory") else ""
            click.echo(f"  {role}: {entry['name']}{where}, {entry['bytes']:,} bytes, {seconds:.2f} s")
    audit = manifest["audit"]
    click.echo(f"  {manifest['engine']} at migration {manifest['alembic_head']}; audit chain: {audit['events']} "
               f"events, {audit['sealed_events']} sealed up to seal {audit['seal']}")
    click.echo(f"Took {taken.seconds:.2f} s ({taken.cpu_seconds:.2f} s CPU in this process).")
    click.echo("The keyring is not in the backup: keep it apart (README: Backups and restore).")


@backup_cli.command("restore")
@click.argument("backup", type=click.Path(exists=True, path_type=Path))
@click.option("--into", "into", required=True, help="Database URL to restore into (sqlite:///path or postgresql://…).")
@click.option("--keys-into", "keys_into", default=None, help="Key store URL to restore the learner keys into.")
@click.option("--keys", "keys", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The key store copy to restore (default: the one taken with this backup).")
@click.option("--replace", is_flag=True, help="Restore even into a database that holds tables (they are replaced).")
def restore_command(backup, into, keys_into, keys, replace):
    """Restore a backup's database (and, with --keys-into, its key store) into the given databases."""
    try:
        manifest = read_manifest(backup)
        targets = [(DATABASE, into)] + ([(KEY_STORE, keys_into)] if keys_into else [])
        files = {DATABASE: checked_file(backup, manifest, DATABASE)}
        if keys_into:
            files[KEY_STORE] = key_store_file(backup, manifest, keys)
        for role, url in targets:
            if files[role] is None:
                continue
            dumped = engines.engine_of_dump(files[role])
            if engines.engine_of(url) != dumped:
                raise DrillRefused(f"the backup's {role} is a {dumped} dump; {_safe(url)} is not {dumped}")
            if not replace and engines.holds_tables(url):
                raise DrillRefused(f"{_safe(url)} already holds tables: restore into an empty database, or pass "
                                   "--replace")
        for role, url in targets:
            if files[role] is not None:
                engines.restore(files[role], url, replace=replace)
                click.echo(f"Restored the {role} into {_safe(url)}.")
    except (DrillRefused, engines.CopyFailed) as error:
        raise click.ClickException(str(error)) from None
    if not keys_into and manifest["files"].get(KEY_STORE):
        click.echo("The key store was not restored (pass --keys-into): learners' values open only with it.")
    click.echo("Next: `flask backup drill` on this backup, and `flask audit verify` on the restored database.")


@backup_cli.command("drill")
@click.argument("backup", type=click.Path(exists=True, path_type=Path))
@click.option("--keys", "keys", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The key store copy to restore (default: the one taken with this backup).")
def drill_command(backup, keys):
    """Restore into fresh databases, verify the audit chain and open every sealed value; exit 1 on any failure."""
    try:
        report = run_drill(backup, keys)
    except DrillRefused as error:
        click.echo(f"DRILL FAILED: {error}", err=True)
        sys.exit(1)
    seconds = report.seconds
    engine = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"]).get_backend_name()
    click.echo(f"Restore drill of {report.directory} ({engine})")
    click.echo(f"  restored in {seconds.get('restore', 0):.2f} s; schema at {report.alembic_head}")
    if report.chain is not None:
        click.echo(f"  audit chain: {report.chain.event_count} events verified, {report.chain.unsealed} unsealed, "
                   f"in {seconds.get('audit_chain', 0):.2f} s")
    click.echo(f"  sealed values: {report.values_opened} opened, {report.values_shredded} shredded (erased "
               f"learners), {sum(report.failures.values())} failed, in {seconds.get('unseal', 0):.2f} s")
    for where, count in sorted(report.failures.items()):
        click.echo(f"    {where}: {count} did not open", err=True)
    for example in report.failure_examples:
        click.echo(f"    e.g. {example}", err=True)
    click.echo(f"  took {seconds.get('total', 0):.2f} s ({report.cpu_seconds:.2f} s CPU in this process)")
    if not report.passed:
        for problem in report.problems:
            click.echo(f"DRILL FAILED: {problem}", err=True)
        if report.failures:
            click.echo("DRILL FAILED: sealed values did not open (the wrong keyring, or altered values)", err=True)
        sys.exit(1)
    click.echo("Drill passed: the backup restores, its audit chain is intact and every value opens.")


def _safe(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)
