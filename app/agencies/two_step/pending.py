"""The pending marker between a right password and the second step: who (bound to this version of the
account), since when, and where to go after. Nobody is signed in while it is all the session holds."""
from __future__ import annotations

from flask import current_app, redirect, session, url_for
from sqlalchemy import select

from app.agencies.accounts.models import User
from app.agencies.two_step import services as mfa
from app.extensions import db
from app.security.redirects import safe_next
from app.types import utcnow

PENDING = "braid_mfa_pending"


def send_to_second_step(user: User, next_url: str | None = None):
    """A right password, and the second step to come: remember who (bound to this version of the
    account), when, and where to go after; then ask for the code, or for an authenticator first."""
    session[PENDING] = {"user": user.get_id(), "at": int(utcnow().timestamp()), "next": safe_next(next_url)}
    return redirect(url_for("agencies.mfa_verify" if mfa.is_enrolled(user) else "agencies.mfa_enrol"))


def marker() -> dict | None:
    """The pending marker, while it is well formed and younger than MFA_PENDING_LIFETIME."""
    found = session.get(PENDING)
    if not isinstance(found, dict) or not isinstance(found.get("user"), str) or not isinstance(found.get("at"), int):
        return None
    lifetime = current_app.config["MFA_PENDING_LIFETIME"].total_seconds()
    if utcnow().timestamp() - found["at"] > lifetime:
        return None
    return found


def pending_user() -> User | None:
    """Whoever gave a right password within MFA_PENDING_LIFETIME, while their account still allows it."""
    found = marker()
    if found is None:
        session.pop(PENDING, None)
        return None
    public_id, _, version = found["user"].partition(".")
    user = db.session.scalars(select(User).where(User.public_id == public_id)).first()
    if user is None or str(user.session_version) != version or not user.active or user.access_has_expired():
        session.pop(PENDING, None)  # signed out everywhere, deactivated or expired since the password
        return None
    return user


def pending_next() -> str | None:
    """Where to go after the code: checked again on the way out, whatever the session holds."""
    found = marker()
    return safe_next(found.get("next")) if found else None
