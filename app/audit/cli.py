"""`flask audit seal | checkpoint | verify`: keeping the trail's chain sealed, signed and checked."""
from __future__ import annotations

import sys

import click
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
    """Seal, then record a signed head (event count and last hash, HMAC with BRAID_AUDIT_KEY)."""
    db.session.remove()
    checkpoint = chain.record_checkpoint()
    if checkpoint is None:
        click.echo("The trail is empty: nothing to sign.")
        return
    record(None, AuditAction.CHECKPOINT_AUDIT, object_type="audit_checkpoint", object_public_id=str(checkpoint.id))
    db.session.commit()
    # Printed so that operators can keep the signed head somewhere the database's users cannot reach.
    click.echo(f"Checkpoint {checkpoint.id}: {checkpoint.event_count} events, head {checkpoint.chain_hash}, "
               f"mac {checkpoint.mac}")


@audit_cli.command("verify")
def verify_command():
    """Walk the chain and the checkpoints: exit 0 if intact, 1 naming the first broken event."""
    db.session.remove()
    chain.seal_pending(lock_timeout_ms=5000)
    result = chain.verify_chain()
    chain.record_verification(result)
    record(None, AuditAction.VERIFY_AUDIT, object_type="audit_verification")
    db.session.commit()
    if result.intact:
        click.echo(f"Verified {result.event_count} events: the chain and its checkpoints are intact.")
        return
    click.echo(f"TAMPERING DETECTED after {result.event_count} verified events: {result.problem}", err=True)
    sys.exit(1)
