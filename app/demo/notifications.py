"""Demo notifications: the demo's cases told their people as they were built (through the real services); here
the educational psychologist adds advice for home to the parent's child's case, a few people choose how they are
told, and what this load wrote is spread over the last three weeks with all but the newest few read."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.agencies.accounts.models import User
from app.cases.contributions.models import Contribution, ContributionKind, Visibility
from app.cases.learners.models import Learner
from app.cases.team.models import TeamMembership
from app.demo.contributions import add_demo_contribution
from app.extensions import db
from app.notifications import services as notifications
from app.notifications.models import Delivery, Notification, NotificationKind
from app.types import utcnow

ADVICE = ("Advice for home: reading together",
          "<p>Ten minutes a day is plenty. Let your child choose the book, read a page each, and talk about the "
          "pictures before you start. Praise the trying, not only the getting right.</p>")
CHOICES = {
    "senco@oakfield.example": {NotificationKind.CONTRIBUTION_ADDED: Delivery.PAGE_ONLY},
    "teacher@oakfield.example": {NotificationKind.ACTION_ASSIGNED: Delivery.DAILY_SUMMARY},
    "parent@family.example": {NotificationKind.CONTRIBUTION_ADDED: Delivery.AT_ONCE},
    "ep@county-eps.example": {NotificationKind.REVIEW_DUE: Delivery.AT_ONCE},
}
JUST_WRITTEN = timedelta(hours=6)  # only what this load wrote is dated back and read (a second load moves nothing)
SPREAD = timedelta(days=21)
NEWEST_AGO = JUST_WRITTEN + timedelta(hours=1)  # out of the window: a second load finds them dated
LEFT_UNREAD = 3


def _account(email: str) -> User | None:
    return db.session.scalars(select(User).where(User.email.matches(email))).first()


def _add_advice_for_home() -> None:
    parent, ep = _account("parent@family.example"), _account("ep@county-eps.example")
    if parent is None or ep is None:
        return
    child = db.session.scalars(select(Learner).join(TeamMembership, TeamMembership.learner_id == Learner.id).where(
        TeamMembership.user_id == parent.id, TeamMembership.ended_at.is_(None)).order_by(Learner.id)).first()
    if child is None or db.session.scalars(select(TeamMembership).where(
            TeamMembership.user_id == ep.id, TeamMembership.learner_id == child.id)).first() is None:
        return
    written = [row.title for row in db.session.scalars(select(Contribution).where(
        Contribution.author_id == ep.id, Contribution.learner_id == child.id))]
    if ADVICE[0] not in written:
        add_demo_contribution(ep, child, ContributionKind.EP_ASSESSMENT, Visibility.TEAM_AND_FAMILY, *ADVICE)


def load_demo_notifications() -> int:
    """Returns how many notifications this load wrote (dated back, most of them read)."""
    for email, choices in CHOICES.items():
        person = _account(email)
        if person is not None:
            for kind, delivery in choices.items():
                notifications.set_delivery(person, kind, delivery)
    _add_advice_for_home()
    db.session.flush()
    now = utcnow()
    fresh = db.session.scalars(select(Notification).where(Notification.created_at > now - JUST_WRITTEN)
                               .order_by(Notification.recipient_id, Notification.id)).all()
    by_recipient: dict[int, list[Notification]] = {}
    for row in fresh:
        by_recipient.setdefault(row.recipient_id, []).append(row)
    for rows in by_recipient.values():
        # In the order they were written (the page's order), over the last three weeks; the newest few unread,
        # and always one read when there are two or more.
        unread = min(LEFT_UNREAD, len(rows) - 1) if len(rows) > 1 else 1
        for number, row in enumerate(rows):
            row.created_at = now - NEWEST_AGO - SPREAD * (len(rows) - 1 - number) / len(rows)
            if number < len(rows) - unread:
                row.read_at = row.created_at + timedelta(hours=2)
    db.session.flush()
    return len(fresh)
