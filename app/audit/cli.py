"""`flask audit seal | checkpoint | verify`: keeping the trail's chain sealed, signed and checked."""
from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import AppGroup

from app.audit import chain
from app.audit.events import record
from app.audit.models import AuditAction
from app.extensions import db

audit_cli = AppGroup("audit", help="The tamper-evident audit trail.")


@audit_cli.command("seal")
def seal_command():
    """Seal every committed event not yet in the chain (requests do this within a second)."""
    db.session.remove()  # no open transaction of ours may hold the chain's lock
    click.echo(f"Sealed {chain.seal_pending(lock_timeout_ms=5000)} events.")


@audit_cli.command("checkpoint")
def checkpoint_command():
    """Seal, then record a signed head (event count and last hash, HMAC with BRAID_AUDIT_KEY) and append it to
    the heads file; exit 1 if the chain no longer holds the last signed head or the file cannot be written."""
    db.session.remove()
    try:
        checkpoint = chain.record_checkpoint()
    except chain.HeadNotSigned as refused:
        click.echo(f"Not signed: {refused}. Run `flask audit verify`.", err=True)
        sys.exit(1)
    except chain.SealerBusy:
        click.echo("The chain is busy (transactions in flight held its lock): try again.", err=True)
        sys.exit(1)
    if checkpoint is None:
        click.echo("The trail is empty: nothing to sign.")
        return
    record(None, AuditAction.CHECKPOINT_AUDIT, object_type="audit_checkpoint", object_public_id=str(checkpoint.id))
    db.session.commit()
    # Printed so that operators can keep the signed head somewhere the database's users cannot reach.
    click.echo(f"Checkpoint {checkpoint.id}: {checkpoint.event_count} events, head {checkpoint.chain_hash}, "
               f"mac {checkpoint.mac}")
    _say_where_the_head_went(checkpoint)
    if checkpoint.published is False:
        sys.exit(1)


@audit_cli.command("verify")
def verify_command():
    """Walk the chain, its checkpoints and the heads file's newest head: exit 0 if intact (and sign the head
    verified), 1 naming the first broken event."""
    db.session.remove()
    result = chain.verify_and_sign()
    chain.record_verification(result)
    record(None, AuditAction.VERIFY_AUDIT, object_type="audit_verification")
    db.session.commit()
    if result.intact:
        click.echo(f"Verified {result.event_count} events: the chain and its checkpoints are intact.")
        click.echo(_external_head_line(result))
        if result.signed is not None:
            click.echo(f"Signed the verified head as checkpoint {result.signed.id}.")
            _say_where_the_head_went(result.signed)
        return
    click.echo(f"TAMPERING DETECTED after {result.event_count} verified events: {result.problem}", err=True)
    sys.exit(1)


def _external_head_line(result: chain.Verification) -> str:
    path = current_app.config.get("BRAID_AUDIT_HEAD_FILE")
    if not path:
        return "No external head compared: BRAID_AUDIT_HEAD_FILE is not set."
    if result.external_head is None:
        return f"No external head compared: none written yet to {path}."
    return f"It matches the external head of {result.external_head} in {path}."


def _say_where_the_head_went(checkpoint: chain.SignedHead) -> None:
    path = current_app.config.get("BRAID_AUDIT_HEAD_FILE")
    if checkpoint.published:
        click.echo(f"Appended to {path}.")
    elif checkpoint.published is False:
        click.echo(f"The signed head could not be appended to {path}: see the log.", err=True)
