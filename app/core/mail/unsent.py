"""Messages not sent, for the administrator (address, subject, attempts, error class: never a body), sending a
failed one again, and the development outbox (bodies and all, only while mail is kept in the outbox)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import select

from app.audit.events import record
from app.audit.models import AuditAction
from app.core.jobs.models import JobRun, JobStatus
from app.core.jobs.runner import arguments_json
from app.core.jobs.services import enqueue
from app.core.mail.models import OutboxMessage
from app.core.mail.services import SEND, SEND_LEASE, will_be_sent
from app.extensions import db
from app.policy import visible_unsent_mail
from app.types import utcnow

UNSENT_LIMIT = 200
DEV_OUTBOX_LIMIT = 100
SEND_AGAIN = "send_again"  # what the audit event of "try again" names as changed


class MailError(Exception):
    """A message that cannot be sent again (mail is off, or it is not failed)."""


@dataclass(frozen=True)
class UnsentMessage:
    message: OutboxMessage
    state: str  # "waiting", "sending" or "failed"
    attempts: int
    max_attempts: int | None
    last_error: str | None  # the exception's class name, as the job ledger keeps it
    last_tried_at: datetime | None

    @property
    def label(self) -> str:
        return {"waiting": "Waiting", "sending": "Being sent", "failed": "Failed"}[self.state]


def latest_send_runs(public_ids: list[str]) -> dict[str, JobRun]:
    """The latest run of `outbox.send` for each message (matched by its canonical arguments)."""
    if not public_ids:
        return {}
    by_arguments = {arguments_json({"message": public_id}): public_id for public_id in public_ids}
    runs = db.session.scalars(
        select(JobRun).where(JobRun.name == SEND, JobRun.arguments.in_(list(by_arguments))).order_by(JobRun.id))
    return {by_arguments[run.arguments]: run for run in runs}  # later runs overwrite earlier ones


def unsent_messages(user, limit: int = UNSENT_LIMIT) -> list[UnsentMessage]:
    """Messages not sent, failed first, then newest first: what `user` (an administrator) may see."""
    messages = db.session.scalars(visible_unsent_mail(user).limit(limit)).all()
    runs = latest_send_runs([message.public_id for message in messages])
    now = utcnow()
    listed = []
    for message in messages:
        run = runs.get(message.public_id)
        if message.sending_at is not None and message.sending_at >= now - SEND_LEASE:
            state = "sending"
        elif run is not None and run.status is JobStatus.FAILED:
            state = "failed"
        else:
            state = "waiting"
        listed.append(UnsentMessage(
            message, state, run.attempts if run else 0, run.max_attempts if run else None,
            run.last_error if run else None, (run.started_at if run else None) or message.sending_at))
    return sorted(listed, key=lambda item: item.state != "failed")  # stable: newest first within each


def send_again(actor, message: OutboxMessage) -> JobRun:
    """Queue the sending of a failed message once more (a fresh run, with all its attempts); the caller commits.

    :raise MailError: when mail is off (messages stay in the outbox) or the message has not failed.
    """
    if not will_be_sent():
        raise MailError("Mail is off (MAIL_SERVER is not set): messages stay in the outbox")
    run = latest_send_runs([message.public_id]).get(message.public_id)
    if message.sent_at is not None or run is None or run.status is not JobStatus.FAILED:
        raise MailError("Only a message whose sending failed can be tried again")
    queued = enqueue(SEND, message=message.public_id)
    record(actor, AuditAction.UPDATE, message, fields=[SEND_AGAIN])
    return queued


def outbox_page_on() -> bool:
    """The development outbox page exists only when switched on and while mail stays in the outbox."""
    return bool(current_app.config.get("MAIL_OUTBOX_PAGE")) and not will_be_sent()


def kept_messages(limit: int = DEV_OUTBOX_LIMIT) -> list[OutboxMessage]:
    """The newest messages in the outbox (development only: their bodies hold sign-in links)."""
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)))
