"""Outgoing email: every message is written to the outbox (body sealed), then sent by SMTP by a background job.

There is no console backend on purpose: an invitation's body is a sign-in link, and a link printed
to a console ends up in logs. Without MAIL_SERVER messages stay in the outbox. With it, writing a
message also enqueues the job `outbox.send` in the same transaction, so the worker sends it once that
commits (never for a change rolled back) and no request waits for a mail server.
"""
from __future__ import annotations

import logging
import smtplib
from datetime import timedelta
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import and_, exists, or_, select, update

from app.core.jobs.models import JobRun
from app.core.jobs.registry import job, periodic_job
from app.core.jobs.runner import arguments_json
from app.core.jobs.services import enqueue
from app.core.mail.models import OutboxMessage
from app.extensions import db
from app.types import utcnow

log = logging.getLogger("braid.outbox")

SEND = "outbox.send"
# How long a send may take before the rescue deems its worker dead; a message marked as sending for longer
# than this is claimed again (its worker died mid-send: sent at least once, perhaps twice, never lost).
SEND_LEASE = timedelta(minutes=5)
SWEEP_BATCH = 100


def queue_message(recipient: str, subject: str, body: str, *, agency_id: int) -> OutboxMessage:
    """Write a message to the outbox, and its sending job when MAIL_SERVER is set; the caller commits.

    `agency_id` is the agency whose administrator looks after the message (sees it unsent, sends it again).
    """
    message = OutboxMessage(subject=subject, agency_id=agency_id)
    message.recipient = recipient
    message.body = body
    db.session.add(message)
    db.session.flush()
    if current_app.config.get("MAIL_SERVER"):
        enqueue(SEND, message=message.public_id)
    return message


def will_be_sent() -> bool:
    """Whether messages written now are sent by SMTP (rather than kept in the outbox)."""
    return bool(current_app.config.get("MAIL_SERVER"))


class MessageBeingSent(RuntimeError):
    """Another run holds the message's claim; this run is tried again later rather than counted as done."""


@job(SEND, retries=9, lease=SEND_LEASE)
def send(message: str) -> None:
    """Send one outbox message by SMTP, once: the message is claimed (marked as sending) before the mail server
    is called, so a second run of this job, here or on another node, finds it claimed or sent and does nothing.

    :raise OSError, smtplib.SMTPException: when the mail server fails; the job is tried again later.
    """
    if not current_app.config.get("MAIL_SERVER"):
        return  # mail switched off since it was queued: the message waits in the outbox, as any other
    now = utcnow()
    claimed = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.public_id == message, OutboxMessage.sent_at.is_(None),
               or_(OutboxMessage.sending_at.is_(None), OutboxMessage.sending_at < now - SEND_LEASE))
        .values(sending_at=now)
    ).rowcount
    db.session.commit()
    if not claimed:
        sent = db.session.scalar(select(OutboxMessage.sent_at).where(OutboxMessage.public_id == message))
        if sent is None:
            # Another run holds the claim: perhaps a worker that died just as its lease ran out. Returning would
            # mark this run done with nothing sent, so it is tried again until the message is sent or claimable.
            raise MessageBeingSent(message)
        return  # sent already
    row = db.session.scalars(select(OutboxMessage).where(OutboxMessage.public_id == message)).one()
    try:
        deliver(row)
    except Exception:
        db.session.rollback()
        # Let the next attempt claim it at once instead of after the lease.
        db.session.execute(update(OutboxMessage).where(OutboxMessage.public_id == message,
                                                       OutboxMessage.sending_at == now).values(sending_at=None))
        db.session.commit()
        raise
    db.session.execute(update(OutboxMessage).where(OutboxMessage.public_id == message).values(sent_at=utcnow()))
    db.session.commit()
    log.info("outbox message %s sent", message)


def deliver(message: OutboxMessage) -> None:
    """Hand `message` to the SMTP server (MAIL_SERVER). A failure is logged by message id and error class only
    (never the recipient, never the body) and raised.

    :raise OSError, smtplib.SMTPException: from the connection or the server.
    """
    config = current_app.config
    email = EmailMessage()
    email["From"] = config["MAIL_SENDER"]
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email.set_content(message.body)
    try:
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"]) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
            smtp.send_message(email)
    except (OSError, smtplib.SMTPException) as error:
        log.warning("outbox message %s not sent: %s", message.public_id, type(error).__name__)
        raise


@periodic_job("outbox.sweep")
def sweep() -> None:
    """With MAIL_SERVER set, queue the sending of recent messages that never had a sending job (written while
    mail was off, say). A message whose job ran out of attempts is not tried again: its failure is listed on
    the administrator's page."""
    if not current_app.config.get("MAIL_SERVER"):
        return
    since = utcnow() - current_app.config["OUTBOX_SWEEP_WITHIN"]
    unsent = db.session.scalars(
        select(OutboxMessage.public_id)
        .where(OutboxMessage.sent_at.is_(None), OutboxMessage.sending_at.is_(None), OutboxMessage.created_at >= since)
        .order_by(OutboxMessage.id).limit(SWEEP_BATCH)
    ).all()
    for public_id in unsent:
        had_a_job = db.session.scalar(select(exists().where(and_(
            JobRun.name == SEND, JobRun.arguments == arguments_json({"message": public_id})))))
        if not had_a_job:
            enqueue(SEND, message=public_id)
    db.session.commit()  # the new runs go to the queue as this commits
