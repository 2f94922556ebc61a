"""The daily summary: once a day per person, from NOTIFICATIONS_SUMMARY_HOUR on the school's clock, one email
counting what waits for them by kind ("3 new things in Braid: 2 contributions added, 1 plan review due") and a
link to their notifications page. Never a learner, a summary or a sealed value: only kinds and counts.

Safe to run twice and on several nodes: a person who had a summary today gets none until tomorrow, and the
notifications a summary counts are claimed by one conditional UPDATE of `summarised_at` before it is written,
so two runs never count (or send) the same ones.
"""
from __future__ import annotations

import logging
from collections import Counter
from datetime import UTC, datetime, time, timedelta

from flask import current_app
from sqlalchemy import exists, or_, select, update

from app.core import dates
from app.core.jobs.registry import periodic_job
from app.core.mail.services import queue_message
from app.extensions import db
from app.notifications.models import Delivery, Notification, NotificationKind
from app.notifications.services import deliveries
from app.policy import mail_keeper
from app.security.crypto import associated_data, open_sealed
from app.security.hosts import external_url
from app.types import utcnow

log = logging.getLogger("braid.notifications")

DAILY_SUMMARY = "notifications.daily_summary"
SUBJECT = "Your daily summary from Braid"

# How the summary counts each kind: (one, several). Kinds and counts only: nothing that names a learner.
COUNTED = {
    NotificationKind.CONCERN_RECORDED: ("safeguarding concern recorded", "safeguarding concerns recorded"),
    NotificationKind.ACTION_ASSIGNED: ("meeting action given to you", "meeting actions given to you"),
    NotificationKind.ACTION_DUE_TOMORROW: ("action due tomorrow", "actions due tomorrow"),
    NotificationKind.ACTION_OVERDUE: ("action overdue", "actions overdue"),
    NotificationKind.MEETING_AWAITING_SIGN_OFF: ("meeting record awaiting your sign-off",
                                                 "meeting records awaiting your sign-off"),
    NotificationKind.REVIEW_DUE: ("plan review due", "plan reviews due"),
    NotificationKind.CONTRIBUTION_ADDED: ("contribution added", "contributions added"),
    NotificationKind.PROGRESS_REVIEW_TO_SIGN: ("CPD progress review to sign", "CPD progress reviews to sign"),
    NotificationKind.INVITATION_ACCEPTED: ("invitation accepted", "invitations accepted"),
    NotificationKind.INVITATION_LAPSED: ("invitation lapsed", "invitations lapsed"),
    NotificationKind.ACCESS_ENDING: ("reminder that your access ends soon", "reminders that your access ends soon"),
    NotificationKind.CONSENT_WITHDRAWN: ("consent withdrawn", "consents withdrawn"),
}


def start_of_school_day(day, zone=None) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=zone or dates.school_zone()).astimezone(UTC)


def summary_body(display_name: str, counts: Counter) -> str:
    total = sum(counts.values())
    lines = [f"- {count} {COUNTED[kind][0] if count == 1 else COUNTED[kind][1]}"
             for kind, count in sorted(counts.items(), key=lambda item: (-item[1], item[0].value))]
    return (f"Dear {display_name},\n\n"
            f"You have {total} new {'thing' if total == 1 else 'things'} in Braid:\n\n" + "\n".join(lines) + "\n\n"
            "Sign in to Braid to see them:\n\n"
            f"{external_url('notifications.notification_list')}\n\n"
            "You can choose how Braid tells you of each kind of thing on your notification settings page:\n\n"
            f"{external_url('notifications.settings')}\n")


def _accounts():
    """The accounts table, by name: this package imports no domain (the recipient is a row of it)."""
    return db.metadata.tables["user_account"]


def _opened(person, column: str) -> str:
    """A sealed value of the recipient's account row (its address, its name), opened with the row's public id."""
    return open_sealed(getattr(person, column), associated_data("user_account", column, person.public_id))


def send_daily_summaries(now: datetime | None = None) -> int:
    """Write today's summary for everyone who has one due; how many were written. Commits per person."""
    now = now or utcnow()
    local_now = dates.local(now)
    if local_now.hour < int(current_app.config["NOTIFICATIONS_SUMMARY_HOUR"]):
        return 0
    day_began = start_of_school_day(local_now.date())
    recipient_ids = db.session.scalars(select(Notification.recipient_id).where(*_waiting(now)).distinct()
                                       .order_by(Notification.recipient_id)).all()
    written = 0
    for recipient_id in recipient_ids:
        written += _summarise(recipient_id, day_began, now)
        db.session.commit()
    return written


def _waiting(now: datetime) -> tuple:
    """Not yet in a summary, not emailed at once, not read on the page already; not about a learner whose record's
    processing was restricted since (UK GDPR Article 18: nothing is sent about them, not even a count)."""
    learners = db.metadata.tables["learner"]  # by name, as the accounts: this package imports no domain
    restricted = select(learners.c.id).where(learners.c.restricted_at.is_not(None))
    return (Notification.summarised_at.is_(None), Notification.emailed_at.is_(None), Notification.read_at.is_(None),
            Notification.created_at <= now,
            or_(Notification.learner_id.is_(None), Notification.learner_id.not_in(restricted)))


def _summarise(recipient_id: int, day_began: datetime, now: datetime) -> int:
    accounts = _accounts()
    person = db.session.execute(select(accounts.c.id, accounts.c.public_id, accounts.c.email_sealed,
                                       accounts.c.display_name_sealed, accounts.c.active, accounts.c.restricted,
                                       accounts.c.access_expires_at, accounts.c.agency_id)
                                .where(accounts.c.id == recipient_id)).one()
    expires = person.access_expires_at
    if expires is not None and expires.tzinfo is None:
        expires = expires.replace(tzinfo=UTC)
    if not person.active or (person.restricted and (expires is None or expires <= now)):
        return 0  # no mail for an account that cannot sign in
    had_one_today = db.session.scalar(select(exists().where(
        Notification.recipient_id == recipient_id, Notification.summarised_at >= day_began)))
    if had_one_today:
        return 0  # once a day: what came since waits for tomorrow's
    chosen = deliveries(person)
    kinds = [kind for kind, delivery in chosen.items() if delivery is Delivery.DAILY_SUMMARY]
    if not kinds:
        return 0
    candidates = select(Notification.id).where(Notification.recipient_id == recipient_id,
                                               Notification.kind.in_(kinds), *_waiting(now))
    ids = db.session.scalars(candidates).all()
    if not ids:
        return 0
    # The claim: only rows still unsummarised are taken, so a run elsewhere that got there first leaves none.
    db.session.execute(update(Notification).where(Notification.id.in_(ids), Notification.summarised_at.is_(None))
                       .values(summarised_at=now).execution_options(synchronize_session=False))
    claimed = db.session.scalars(select(Notification.kind).where(Notification.id.in_(ids),
                                                                 Notification.summarised_at == now)).all()
    if not claimed:
        return 0
    queue_message(_opened(person, "email_sealed"), SUBJECT,
                  summary_body(_opened(person, "display_name_sealed"), Counter(claimed)),
                  agency_id=mail_keeper(person.id, person.agency_id))
    log.info("daily summary written for account %s: %d notification(s)", recipient_id, len(claimed))
    return 1


@periodic_job(DAILY_SUMMARY, every=timedelta(minutes=15))
def daily_summary_job() -> None:
    """Every quarter of an hour: from the summary hour on, each person's summary goes out within 15 minutes."""
    send_daily_summaries()
