"""`flask backup [--to DIR]`, `flask backup restore BACKUP --into URL`, `flask backup drill BACKUP`,
`flask backup erase-again --database URL`."""
from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy.engine import make_url

from app.audit import directory
from app.audit.events import record
from app.audit.models import AuditAction
from app.core.backups import engines
from app.core.backups.drill import DrillRefused, checked_file, key_store_file, read_manifest, run_drill
from app.core.backups.erasing import ErasedAgain, NotErasedAgain, erase_again
from app.core.backups.pruning import prune
from app.core.backups.taking import (
    DATABASE,
    KEY_STORE,
    BackupFailed,
    default_directory,
    default_keys_directory,
    take_backup,
)
from app.extensions import db

# A backup copies every learner's (sealed) record, and a drill opens every value: both are in the trail.
directory.label("object_type", {"backup": "Backup of the whole database", "backup_drill": "Restore drill of a backup"})


@click.group("backup", cls=AppGroup, invoke_without_command=True)
@click.option("--to", "to", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Directory to write the backup under (default: BRAID_BACKUP_DIR, else instance/backups).")
@click.option("--keys-to", "keys_to", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Directory for the key store's copy, kept apart and for a shorter time (default: "
                   "BRAID_KEY_BACKUP_DIR, else instance/key-backups).")
@click.pass_context
@with_appcontext
def backup_cli(context, to, keys_to):
    """Take a backup: a new directory holding the database and a manifest; the key store copied apart. Never the
    keyring."""
    if context.invoked_subcommand is not None:
        return
    try:
        taken = take_backup(to, keys_to)
    except BackupFailed as error:
        raise click.ClickException(f"Backup failed: {error}. Nothing was kept; the database is untouched.") from None
    record(None, AuditAction.EXPORT, object_type="backup", object_public_id=taken.directory.name)
    db.session.commit()
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
    """Restore a backup's database (and, with --keys-into, its key store) into the given databases, then erase again
    the learners erased since the backup (their keys are gone from the key store the restored database uses)."""
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
    _erase_again(into, keys_into or current_app.config["BRAID_KEY_STORE_URL"], restored=True)
    click.echo("Next: `flask backup drill` on this backup, and `flask audit verify` on the restored database.")


@backup_cli.command("erase-again")
@click.option("--database", "database", required=True, help="URL of the restored database (restored by hand).")
@click.option("--key-store", "key_store", default=None,
              help="URL of the key store it will use (default: this app's, BRAID_KEY_STORE_URL).")
def erase_again_command(database, key_store):
    """Erase again every learner of a restored database whose data key is gone from the key store: the erasures
    made since its backup was taken (`flask backup restore` does this itself)."""
    _erase_again(database, key_store or current_app.config["BRAID_KEY_STORE_URL"], restored=False)


def _erase_again(database: str, store: str, *, restored: bool) -> None:
    try:
        done = erase_again(database, store)
    except NotErasedAgain as error:
        then = "Restored, but " if restored else ""
        raise click.ClickException(f"{then}no erasure was applied again: {error}.") from None
    click.echo(f"Erased again {len(done.erased)} learners erased before this restore (their data keys had been "
               f"destroyed; key store {_safe(store)}).")
    _say_held(done)


def _say_held(done: ErasedAgain) -> None:
    if done.held:
        click.echo(f"Left {len(done.held)} learners whose data keys are gone but who are under a legal hold in the "
                   f"restored data (their values cannot be read): {', '.join(done.held)}", err=True)


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
    record(None, AuditAction.VIEW, object_type="backup_drill", object_public_id=report.directory.name)
    db.session.commit()
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
    if report.erase_again is not None:
        click.echo(f"  learners a restore erases again (their keys are gone): {len(report.erase_again.erased)} with "
                   f"this key store copy, {len(report.erase_again_live.erased)} with the live key store")
        _say_held(report.erase_again_live)
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


@backup_cli.command("prune")
@click.option("--to", "to", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="The data backups' directory (default as for `flask backup`).")
@click.option("--keys-to", "keys_to", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="The key store copies' directory (default as for `flask backup`).")
@click.option("--keep-days", default=90, show_default=True, type=click.IntRange(1),
              help="Days a data backup is kept.")
@click.option("--keep-key-days", default=7, show_default=True, type=click.IntRange(1),
              help="Days a key store copy is kept: an erased learner is unreadable in every backup after this.")
def prune_command(to, keys_to, keep_days, keep_key_days):
    """Remove backups past their retention (the newest of each is always kept)."""
    if keep_key_days >= keep_days:
        raise click.ClickException("keep key store copies for fewer days than data backups (--keep-key-days below "
                                   "--keep-days), or an erased learner stays readable in old backups")
    pruned = prune(to or default_directory(), keys_to or default_keys_directory(),
                   timedelta(days=keep_days), timedelta(days=keep_key_days))
    click.echo(f"Removed {len(pruned.backups)} data backups older than {keep_days} days and "
               f"{len(pruned.key_copies)} key store copies older than {keep_key_days} days.")
