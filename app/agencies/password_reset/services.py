"""Password reset by a link emailed to the account: 128 random bits, kept only as SHA-256, one use, 60 minutes.

Asking for a link answers alike, and costs alike, whether or not the address has an account: the
caller shows one reply page either way and sends the mail only after that reply has gone out.
Using a link changes the password under the same rules as changing it when signed in, ends every
session of the account and signs nobody in: the second step of sign-in is still needed afterwards.
"""
from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable

from flask import current_app
from sqlalchemy import select, update

from app.agencies.accounts.models import User
from app.agencies.accounts.services import AccountError
from app.agencies.password_reset.models import PasswordResetToken
from app.audit.events import record
from app.audit.models import AuditAction, AuditOutcome
from app.core.mail import services as outbox
from app.core.mail.addresses import normalise_email
from app.core.mail.models import OutboxMessage
from app.extensions import db
from app.policy import mail_keeper
from app.problems import Refusal
from app.security.passwords import hash_password, password_problems, verify_password
from app.types import utcnow

# secrets.token_urlsafe(16) is 22 characters; anything much longer is not one of ours (and is not hashed).
MAX_TOKEN_LENGTH = 64
REQUESTED = "password_reset_requested"  # the field the trail names for a link asked for


class ResetLinkUnusable(Refusal):
    """A reset link that cannot be used: unknown (404), or used, expired or superseded (410)."""

    def __init__(self, message: str, status: int, user: User | None = None):
        super().__init__(message)
        self.status = status
        self.user = user  # the account behind a used or expired link; None for an unknown one


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def lifetime_minutes() -> int:
    return int(current_app.config["PASSWORD_RESET_LIFETIME"].total_seconds() // 60)


def _can_reset(user: User | None, now) -> bool:
    return user is not None and user.active and not user.access_has_expired(now)


def _message_body(user_name: str, link: str, minutes: int) -> str:
    return (
        f"Dear {user_name},\n\n"
        "Someone asked to reset the password of your Braid account. If it was you, open this link to "
        f"choose a new password. It works once, for {minutes} minutes:\n\n"
        f"{link}\n\n"
        "If your account uses two-step verification, you will still need your authenticator app to sign in.\n\n"
        "If you did not ask, you can ignore this email: your password has not changed.\n"
    )


def request_reset(email: str, *, link_for: Callable[[str], str]) -> tuple[str, OutboxMessage] | None:
    """Issue a reset link for the account with this address, if it may have one; the caller commits.

    Returns the token (for tests; never shown) and the queued message, or None when the address has
    no account, or its account is deactivated or its access has ended. Either way one event is
    written, so both cost a write and a commit; the address typed is never written.
    Older unused links of the account stop working.
    """
    email = normalise_email(email)
    now = utcnow()
    user = db.session.scalars(select(User).where(User.email.matches(email))).first()
    # Made whatever the address: the work before the writes does not depend on the answer.
    token = secrets.token_urlsafe(16)
    lifetime = current_app.config["PASSWORD_RESET_LIFETIME"]
    if not _can_reset(user, now):
        # A known but closed account is named (its school sees the attempt); an unknown address is not.
        record(None, AuditAction.UPDATE, user, fields=[REQUESTED], outcome=AuditOutcome.REFUSED)
        return None
    _supersede(user, now)
    db.session.add(PasswordResetToken(user_id=user.id, token_hash=hash_token(token), created_at=now,
                                      expires_at=now + lifetime))
    message = outbox.queue_message(
        user.email,
        "Reset your Braid password",
        _message_body(user.display_name, link_for(token), lifetime_minutes()),
        agency_id=mail_keeper(user.id, user.agency_id),
    )
    # No actor: nobody is signed in. The event names the account, never the address or the link.
    record(None, AuditAction.UPDATE, user, fields=[REQUESTED])
    return token, message


def _supersede(user: User, now) -> None:
    """Every unused link of `user` expires now: only the newest works (and none after a reset)."""
    db.session.execute(
        update(PasswordResetToken)
        .where(PasswordResetToken.user_id == user.id, PasswordResetToken.used_at.is_(None),
               PasswordResetToken.expires_at > now)
        .values(expires_at=now)
        .execution_options(synchronize_session=False)
    )


def find_token(token: str) -> PasswordResetToken:
    """The stored link behind `token`, if it can still be used.

    :raise ResetLinkUnusable: 404 for an unknown link; 410 for a used or expired one, or one whose
        account has since been deactivated or whose access has ended.
    """
    found = None
    if token and len(token) <= MAX_TOKEN_LENGTH:
        found = db.session.scalars(
            select(PasswordResetToken).where(PasswordResetToken.token_hash == hash_token(token))).first()
    if found is None:
        raise ResetLinkUnusable("This link is not valid", 404)
    user = db.session.get(User, found.user_id)
    if found.used_at is not None:
        raise ResetLinkUnusable("This link has already been used", 410, user)
    now = utcnow()
    if found.expires_at <= now:
        raise ResetLinkUnusable("This link has expired", 410, user)
    if not _can_reset(user, now) or user.password_changed_at > found.created_at:
        # Closed since, or the password was changed another way: the link was for a password now gone.
        raise ResetLinkUnusable("This link can no longer be used", 410, user)
    return found


def reset_password(found: PasswordResetToken, new_password: str) -> User:
    """Use the link once: set the new password, end every session of the account; the caller commits.

    :raise AccountError: the password breaks the rules (nothing is changed, the link still works).
    :raise ResetLinkUnusable: 410, another request used or superseded the link first.
    """
    user = db.session.get(User, found.user_id)
    # The rules of change_own_password: the policy's, and not the password the account has now.
    problems = password_problems(new_password, email=user.email, display_name=user.display_name)
    if problems:
        raise AccountError(problems[0], "new_password")
    if verify_password(user.password_hash, new_password):
        raise AccountError("Your new password must be different from your current one", "new_password")
    now = utcnow()
    # Claimed in one statement, so two requests with the same link cannot both use it.
    claimed = db.session.execute(
        update(PasswordResetToken)
        .where(PasswordResetToken.id == found.id, PasswordResetToken.used_at.is_(None),
               PasswordResetToken.expires_at > now)
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise ResetLinkUnusable("This link has already been used", 410, user)
    _supersede(user, now)
    fields = ["password"] + (["must_change_password"] if user.must_change_password else [])
    user.password_hash = hash_password(new_password)
    user.must_change_password = False
    user.password_changed_at = now
    user.end_sessions()
    db.session.flush()
    # The holder of the link proved they read the account's mail: the event is theirs.
    record(user, AuditAction.UPDATE, user, fields=fields)
    return user
