"""Access ending: a restricted account (a parent, an invited professional) is told once, within the last 7 days,
that its access to Braid ends on a date, so it can ask the school to extend it or save what it needs."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.agencies.accounts.models import User
from app.core.dates import day
from app.extensions import db
from app.notifications.models import NotificationKind
from app.notifications.reminders import Today, reminder
from app.notifications.services import notify, path_for
from app.notifications.subjects import register_subject
from app.policy import Action

ACCESS_NOTICE = timedelta(days=7)


def register() -> None:
    # A person's own account: theirs to be told about while they can sign in (the home page is everyone's).
    register_subject("user_account", model=User, action=Action.VIEW_HOME)


@reminder("agencies.access_ending")
def remind_access_ending(today: Today) -> int:
    ending = db.session.scalars(
        select(User).where(User.restricted.is_(True), User.active.is_(True), User.access_expires_at > today.now,
                           User.access_expires_at <= today.now + ACCESS_NOTICE)
        .order_by(User.id)).all()
    told = 0
    for account in ending:
        told += len(notify(
            NotificationKind.ACCESS_ENDING, subject=account, action=Action.VIEW_HOME, recipients=[account],
            summary=f"Your access to Braid ends on {day(account.access_expires_at)}: ask the school's SENCo if you "
                    "need it for longer",
            path=path_for("home.index"),
            # Once per end date: an extension that then nears its end is announced again.
            dedupe=f"access_ending:{account.public_id}:{account.access_expires_at.date().isoformat()}"))
    return told


register()
