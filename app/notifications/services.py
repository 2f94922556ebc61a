"""Telling people: `notify` (called by each domain's service that does the thing), delivery choices, the count
in the header and reading. Services flush only; the view or job that called them commits."""
from __future__ import annotations

from collections.abc import Iterable

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from app.audit.events import record
from app.audit.models import AuditAction
from app.core.mail.services import queue_message
from app.extensions import db
from app.notifications.models import DEFAULT_DELIVERY, Delivery, Notification, NotificationKind, NotificationPreference
from app.policy import Action, know_memberships, processing_restricted, shows
from app.security.hosts import external_url
from app.types import utcnow

PAGE_SIZE = 50


def path_for(endpoint: str, **values) -> str:
    """The in-app path of a page (public ids only), with or without a request: background jobs and the demo
    notify too. Opening a notification redirects here through the one safe-redirect helper."""
    return current_app.url_map.bind("braid.invalid").build(endpoint, values)


def notify(kind: NotificationKind, *, subject, action: Action, recipients: Iterable, summary: str, path: str,
           learner=None, actor=None, dedupe: str | None = None) -> list[Notification]:
    """Notify each of `recipients` who may see `subject` (the policy decides item by item, so a parent is never
    told of a staff-only contribution), skipping `actor`, inactive or expired accounts and anyone who already has
    a notification with this `dedupe` key. At-once recipients get one email that says only that there is
    something in Braid of this kind, with a link on the canonical address. Nothing at all about a learner whose
    record's processing is restricted. Flushes only; the caller commits."""
    if processing_restricted(subject) or processing_restricted(learner):
        return []  # a restricted record (UK GDPR Article 18) is not processed: nobody is told of anything in it
    recipients = list(recipients)
    know_memberships(recipients)  # one query for the whole team's memberships, not one per person
    eligible = []
    seen: set[int] = set()
    for recipient in recipients:
        if recipient is None or recipient.id in seen:
            continue
        seen.add(recipient.id)
        if actor is not None and recipient.id == actor.id:
            continue  # nobody is told of what they did themselves
        if not recipient.active or recipient.access_has_expired():
            continue
        # `shows`, not `can`: the same answer, without counting as the calling view's own decision.
        if not shows(recipient, action, subject):
            continue
        eligible.append(recipient)
    if dedupe is not None and eligible:
        told = _already_told({recipient.id for recipient in eligible}, dedupe)
        eligible = [recipient for recipient in eligible if recipient.id not in told]
    made = []
    for recipient in eligible:
        notification = Notification(recipient_id=recipient.id, kind=kind, subject_type=subject.__tablename__,
                                    subject_public_id=subject.public_id,
                                    learner_id=getattr(learner, "id", None), path=path, dedupe_key=dedupe,
                                    created_at=utcnow())
        notification.summary = summary
        db.session.add(notification)
        made.append((recipient, notification))
    db.session.flush()
    if made:
        # One query for every recipient's choice, not one each (a case's whole team is told of a contribution).
        chosen = _deliveries_of([recipient.id for recipient, _ in made], kind)
        for recipient, notification in made:
            if chosen[recipient.id] is Delivery.AT_ONCE:
                email_at_once(recipient, notification, school_id=getattr(learner, "school_id", None))
    return [notification for _, notification in made]


def _already_told(recipient_ids: set[int], dedupe: str) -> set[int]:
    """Which of these recipients already have a notification with this `dedupe` key (one query for them all)."""
    return set(db.session.scalars(select(Notification.recipient_id).where(
        Notification.recipient_id.in_(recipient_ids), Notification.dedupe_key == dedupe)))


def email_at_once(recipient, notification: Notification, school_id: int | None = None) -> None:
    """One email naming only the kind of thing waiting, never the learner, the summary or a sealed value: an
    inbox is not Braid, and the link asks them to sign in.

    The message is looked after by the school of the case it is about (`school_id`), else the recipient's own
    agency: a parent's or an outside professional's agency has no administrator of its own."""
    queue_message(
        recipient.email,
        "You have a new notification in Braid",
        f"Dear {recipient.display_name},\n\n"
        f"There is something new for you in Braid: {notification.kind.label.lower()}.\n\n"
        "Sign in to Braid to see it:\n\n"
        f"{external_url('notifications.open_notification', public_id=notification.public_id)}\n\n"
        "You can choose how Braid tells you of each kind of thing on your notification settings page:\n\n"
        f"{external_url('notifications.settings')}\n",
        agency_id=school_id or recipient.agency_id,
    )
    notification.emailed_at = utcnow()
    db.session.flush()


def delivery_for(user, kind: NotificationKind) -> Delivery:
    """How `user` wants `kind`: their choice, else the kind's default; a concern always comes at once."""
    if not kind.can_turn_off:
        return Delivery.AT_ONCE
    chosen = db.session.scalar(select(NotificationPreference.delivery).where(
        NotificationPreference.user_id == user.id, NotificationPreference.kind == kind))
    return chosen or DEFAULT_DELIVERY.get(kind, Delivery.DAILY_SUMMARY)


def _deliveries_of(user_ids: list[int], kind: NotificationKind) -> dict[int, Delivery]:
    """delivery_for each of these users, in one query."""
    if not kind.can_turn_off:
        return dict.fromkeys(user_ids, Delivery.AT_ONCE)
    chosen = dict(db.session.execute(select(NotificationPreference.user_id, NotificationPreference.delivery).where(
        NotificationPreference.user_id.in_(user_ids), NotificationPreference.kind == kind)).all())
    default = DEFAULT_DELIVERY.get(kind, Delivery.DAILY_SUMMARY)
    return {user_id: chosen.get(user_id) or default for user_id in user_ids}


def deliveries(user) -> dict[NotificationKind, Delivery]:
    """Every kind's delivery for `user` (the settings page)."""
    chosen = dict(db.session.execute(select(NotificationPreference.kind, NotificationPreference.delivery).where(
        NotificationPreference.user_id == user.id)).all())
    return {kind: (Delivery.AT_ONCE if not kind.can_turn_off
                   else chosen.get(kind) or DEFAULT_DELIVERY.get(kind, Delivery.DAILY_SUMMARY))
            for kind in NotificationKind}


def set_delivery(user, kind: NotificationKind, delivery: Delivery) -> bool:
    """Record `user`'s choice for `kind`; whether it changed. A kind that cannot be turned off keeps coming at
    once (no row is written for it, whatever was posted)."""
    if not kind.can_turn_off or delivery_for(user, kind) is delivery:
        return False
    row = db.session.scalar(select(NotificationPreference).where(
        NotificationPreference.user_id == user.id, NotificationPreference.kind == kind))
    if row is None:
        db.session.add(NotificationPreference(user_id=user.id, kind=kind, delivery=delivery))
    else:
        row.delivery = delivery
    db.session.flush()
    return True


def save_deliveries(user, chosen: dict[NotificationKind, Delivery]) -> list[NotificationKind]:
    """`user`'s choices from the settings page, audited as a change to their account naming the kinds changed
    (never anything about a learner). Returns the kinds changed."""
    changed = [kind for kind, delivery in chosen.items() if set_delivery(user, kind, delivery)]
    if changed:
        record(user, AuditAction.UPDATE, user, fields=[f"notifications_{kind.value}" for kind in changed])
    return changed


def unread_count(user) -> int:
    """The header's count: one indexed count (recipient_id, read_at)."""
    return db.session.scalar(select(func.count(Notification.id)).where(
        Notification.recipient_id == user.id, Notification.read_at.is_(None))) or 0


def newest(user, *, limit: int = PAGE_SIZE, before: str | None = None) -> list[Notification]:
    """`user`'s notifications, newest first, `limit` of them; `before`: older than their notification with this
    public id (a URL carries public ids only; someone else's, or none, starts from the newest)."""
    # The page names each row's learner (its audit event): loaded with the rows, as the policy's checks read them.
    query = select(Notification).where(Notification.recipient_id == user.id).options(selectinload(Notification.learner))
    after = own_notification(user, before) if before else None
    if after is not None:
        query = query.where(Notification.id < after.id)
    # Rows are written as things happen: the newest has the highest id (and the page goes on from an id).
    return list(db.session.scalars(query.order_by(Notification.id.desc()).limit(limit)))


def own_notification(user, public_id: str) -> Notification | None:
    """`user`'s own notification with this public id, or None (someone else's is never theirs to open)."""
    return db.session.scalar(select(Notification).where(
        Notification.public_id == public_id, Notification.recipient_id == user.id))


def mark_read(notification: Notification) -> None:
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.session.flush()


def mark_all_read(user) -> int:
    """Mark every unread notification of `user` read; how many were."""
    count = db.session.execute(update(Notification).where(
        Notification.recipient_id == user.id, Notification.read_at.is_(None)).values(read_at=utcnow())
        .execution_options(synchronize_session="fetch")).rowcount
    db.session.flush()
    return count
