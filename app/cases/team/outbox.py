"""Outgoing email: every message is written to the outbox (body sealed), then sent by SMTP when configured.

There is no console backend on purpose: an invitation's body is a sign-in link, and a link printed
to a console ends up in logs.
"""
from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

from flask import current_app

from app.cases.models import OutboxMessage
from app.extensions import db
from app.types import utcnow

log = logging.getLogger("braid.outbox")


def queue_message(recipient: str, subject: str, body: str) -> OutboxMessage:
    """Write a message to the outbox; the caller commits."""
    message = OutboxMessage(recipient=recipient, subject=subject)
    message.body = body
    db.session.add(message)
    db.session.flush()
    return message


def deliver(message: OutboxMessage) -> bool:
    """Send `message` by SMTP if MAIL_SERVER is set, stamping `sent_at`; the caller commits.

    Called after the message (and whatever it announces) is committed, so a mail is never sent for
    a change that was rolled back. A failure leaves the message unsent in the outbox and is logged
    by message id only: never the recipient, never the body.
    """
    config = current_app.config
    if not config.get("MAIL_SERVER") or message.sent_at is not None:
        return False
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
        return False
    message.sent_at = utcnow()
    log.info("outbox message %s sent", message.public_id)
    return True
