"""Server-side rules for a signed-in session: version, idle and absolute limits, restricted access."""
from __future__ import annotations

from datetime import datetime

from flask import current_app, session
from flask_login import login_user, logout_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.agencies.accounts.models import User
from app.extensions import db, login_manager
from app.types import utcnow

LOGIN_AT = "braid_login_at"
SEEN_AT = "braid_seen_at"


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
    session[SEEN_AT] = _timestamp(utcnow())


@login_manager.user_loader
def load_user(session_token: str) -> User | None:
    """Resolve the session to a user only while every server-side condition still holds."""
    public_id, _, version = (session_token or "").partition(".")
    if not public_id or not (version.isascii() and version.isdigit()):
        return None
    # The agency comes in the same query: every request's audit event asks for the account's school.
    user = db.session.scalars(select(User).options(joinedload(User.agency)).where(User.public_id == public_id)).first()
    if (
        user is None
        or user.session_version != int(version)
        or not user.active
        or user.access_has_expired()
        or not session_is_current()
    ):
        session.clear()
        return None
    return user
