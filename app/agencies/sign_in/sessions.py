"""Server-side rules for a signed-in session: version, idle and absolute limits, restricted access."""
from __future__ import annotations

from datetime import datetime

from flask import current_app, g, session
from flask.sessions import SecureCookieSessionInterface
from flask_login import login_user, logout_user
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import joinedload

from app.agencies.accounts.models import User
from app.extensions import db, login_manager
from app.notifications.header import UNREAD_COUNT
from app.notifications.models import Notification
from app.types import utcnow

LOGIN_AT = "braid_login_at"
SEEN_AT = "braid_seen_at"
# How stale the last-seen time may grow before a request renews it: renewing re-signs and re-sends the cookie,
# which every page paid for; the idle limit (30 minutes) then ends at most this much early.
SEEN_AT_PRECISION_SECONDS = 60


class SignedCookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with the signer built once per set of keys instead of on every request (a
    tenth of an anonymous request's time); a changed SECRET_KEY or fallback list builds a new one."""

    def get_signing_serializer(self, app):
        if not app.secret_key:
            return None
        keys = (*(app.config["SECRET_KEY_FALLBACKS"] or ()), app.secret_key)
        made = app.extensions.get("braid_session_signer")
        if made is None or made[0] != keys:
            made = app.extensions["braid_session_signer"] = (keys, super().get_signing_serializer(app))
        return made[1]


def _timestamp(now: datetime) -> int:
    return int(now.timestamp())


def begin_session(user: User) -> None:
    """A fresh session for `user`: nothing from before sign-in survives (no fixation)."""
    session.clear()
    now = utcnow()
    session.permanent = True
    login_user(user, remember=False)
    session[LOGIN_AT] = _timestamp(now)
    session[SEEN_AT] = _timestamp(now)


def end_session() -> None:
    logout_user()
    session.clear()


def session_is_current(now: datetime | None = None) -> bool:
    """Within the idle and absolute limits; the cookie's own expiry is not trusted alone."""
    now_ts = _timestamp(now or utcnow())
    config = current_app.config
    login_at, seen_at = session.get(LOGIN_AT), session.get(SEEN_AT)
    if not isinstance(login_at, int) or not isinstance(seen_at, int):
        return False
    if now_ts - seen_at > config["SESSION_IDLE_TIMEOUT"].total_seconds():
        return False
    return now_ts - login_at <= config["SESSION_ABSOLUTE_TIMEOUT"].total_seconds()


def touch_session() -> None:
    now = _timestamp(utcnow())
    seen_at = session.get(SEEN_AT)
    if not isinstance(seen_at, int) or now - seen_at >= SEEN_AT_PRECISION_SECONDS:
        session[SEEN_AT] = now


# Built once, so its compiled form is cached. The agency comes in the same query (every request's audit event asks
# for the account's school), and so does the header's count of unread notifications (every page shows it).
_UNREAD = (
    select(func.count(Notification.id))
    .where(Notification.recipient_id == User.id, Notification.read_at.is_(None))
    .correlate(User)
    .scalar_subquery()
)
_SIGNED_IN_USER = (
    select(User, _UNREAD).options(joinedload(User.agency)).where(User.public_id == bindparam("public_id")).limit(1)
)


@login_manager.user_loader
def load_user(session_token: str) -> User | None:
    """Resolve the session to a user only while every server-side condition still holds."""
    public_id, _, version = (session_token or "").partition(".")
    if not public_id or not (version.isascii() and version.isdigit()):
        return None
    row = db.session.execute(_SIGNED_IN_USER, {"public_id": public_id}).first()
    user = row[0] if row is not None else None
    if (
        user is None
        or user.session_version != int(version)
        or not user.active
        or user.access_has_expired()
        or not session_is_current()
    ):
        session.clear()
        return None
    setattr(g, UNREAD_COUNT, row[1])
    return user
