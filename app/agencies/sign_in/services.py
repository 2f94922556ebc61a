"""Signing in and out: known and unknown addresses answer alike, and every attempt leaves its event.

The trail names accounts by public id only: never a typed email address, never a password.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass

from sqlalchemy import select

from app.agencies.accounts.models import User
from app.audit.events import record
from app.audit.models import AuditAction, AuditOutcome
from app.core.mail.addresses import normalise_email
from app.extensions import db
from app.security.passwords import burn_equal_time, hash_password, needs_rehash, verify_password
from app.types import utcnow


class SignInOutcome(enum.Enum):
    SIGNED_IN = "signed_in"
    INVALID = "invalid"
    DEACTIVATED = "deactivated"
    ACCESS_ENDED = "access_ended"


@dataclass(frozen=True)
class SignIn:
    outcome: SignInOutcome
    user: User | None = None


def authenticate(email: str, password: str, *, access_may_resume: bool = False) -> SignIn:
    """Check a sign-in attempt. Known and unknown emails cost the same and answer alike.

    Failed attempts are counted by the rate limits on the door (app.security.limits), per address
    typed and per IP address, whether or not an account has the address. Every attempt leaves its
    event: success, or failure naming the account when the address is one.
    `access_may_resume`: the caller (accepting an invitation) gives back access that has
    ended, so an ended access counts as a sign-in.
    """
    email = normalise_email(email)
    now = utcnow()
    user = db.session.scalars(select(User).where(User.email.matches(email))).first()
    if user is None:
        burn_equal_time(password)
        matched = False
    else:
        matched = verify_password(user.password_hash, password)
    if not matched:
        _record_failure_event(user)
        return SignIn(SignInOutcome.INVALID)

    # Only someone who knows the password learns why they cannot go further.
    if not user.active:
        _record_failure_event(user)
        return SignIn(SignInOutcome.DEACTIVATED, user)
    if user.access_has_expired(now):
        if access_may_resume:
            record(user, AuditAction.SIGN_IN, user)
        else:
            _record_failure_event(user)
        return SignIn(SignInOutcome.ACCESS_ENDED, user)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = now
    record(user, AuditAction.SIGN_IN, user)
    return SignIn(SignInOutcome.SIGNED_IN, user)


def _record_failure_event(account: User | None, action: AuditAction = AuditAction.SIGN_IN_FAILED) -> None:
    # Nobody is signed in: no actor. The account the address belongs to, if any, is named by its
    # public id (so its school's DSL sees the attempts); the address typed is never written.
    record(None, action, account, outcome=AuditOutcome.REFUSED)


def record_lockout(email: str) -> None:
    """A sign-in refused by the rate limit: the trail names the account the address belongs to, if any."""
    _record_failure_event(db.session.scalars(select(User).where(User.email.matches(email))).first(),
                          AuditAction.LOCKOUT)


def sign_out(user: User) -> None:
    """Signing out ends every session the user has, so a copied cookie is worthless."""
    user.end_sessions()
    db.session.flush()
    record(user, AuditAction.SIGN_OUT, user)
