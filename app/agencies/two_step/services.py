"""Two-step verification: TOTP authenticators (pyotp), their QR codes, and one-time recovery codes.

A code is good for ±1 time step (30 s) and only once: the step it matched is stored, and any code
of that step or an older one is refused, so a code seen over a shoulder cannot be replayed. Secrets
are sealed at rest (the sensitive column type); recovery codes are kept as SHA-256 hashes only.
The trail records what happened, never a code or a secret.
"""
from __future__ import annotations

import enum
import hashlib
import hmac
import re
import secrets
from datetime import datetime

import pyotp
import segno
from flask import current_app
from sqlalchemy import delete, func, or_, select, update

from app.agencies.accounts.models import User
from app.agencies.two_step.models import RecoveryCode, TwoStepEnrolment
from app.audit.events import record
from app.audit.models import AuditAction, AuditOutcome
from app.extensions import db
from app.policy import MFA_REQUIRED_ROLES, Action, require
from app.types import utcnow

RECOVERY_CODE_COUNT = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read aloud or copied by hand
_RECOVERY_LENGTH = 10  # about 49 bits each: ten tries per 15 minutes cannot guess one
# ASCII only: `\d` would take "１２３４５６" or "٣٤٥" too, which then never equal the ASCII code computed.
_TOTP_CODE = re.compile(r"[0-9]{6}")
_RECOVERY_CODE = re.compile(f"[{_RECOVERY_ALPHABET}]{{{_RECOVERY_LENGTH}}}")


class SecondStep(enum.Enum):
    CODE = "second_step"
    RECOVERY_CODE = "recovery_code"


# --- who needs it --------------------------------------------------------------------------------


def enrolment_of(user: User) -> TwoStepEnrolment | None:
    return db.session.scalars(select(TwoStepEnrolment).where(TwoStepEnrolment.user_id == user.id)).first()


def is_enrolled(user: User) -> bool:
    enrolment = enrolment_of(user)
    return enrolment is not None and enrolment.confirmed_at is not None


def is_required(user: User) -> bool:
    # A designated data protection officer reads subject access requests whatever their role.
    return user.role in MFA_REQUIRED_ROLES or user.is_dpo


def needs_second_step(user: User) -> bool:
    """A password alone is not enough: the role requires the step, or the user turned it on."""
    return is_required(user) or is_enrolled(user)


# --- codes -----------------------------------------------------------------------------------------


def _totp(enrolment: TwoStepEnrolment) -> pyotp.TOTP:
    return pyotp.TOTP(enrolment.secret)


def normalise_code(code: str) -> str:
    """What people type: spaces and hyphens (from grouping) dropped, letters folded. Codes are ASCII: any
    other character (full-width or Arabic-Indic digits, say) makes the whole code wrong, before lower()
    could turn, say, the Kelvin sign into a "k"."""
    if not isinstance(code, str) or not code.isascii():
        return ""
    return re.sub(r"[ \t-]", "", code).lower()


def _accept_code(enrolment: TwoStepEnrolment, code: str, now: datetime | None = None) -> int | None:
    """The time step `code` belongs to, if it is right, within ±1 step and newer than the last used.

    The step is claimed with a conditional UPDATE, so two requests racing with one code cannot both win.
    """
    code = normalise_code(code)
    if not _TOTP_CODE.fullmatch(code):
        return None
    totp = _totp(enrolment)
    current = totp.timecode(now or utcnow())
    last = enrolment.last_used_step
    for step in (current - 1, current, current + 1):
        if last is not None and step <= last:
            continue  # that code, or an older one, has been used: a replay
        if hmac.compare_digest(totp.generate_otp(step).encode("ascii"), code.encode("ascii")):
            claimed = db.session.execute(
                update(TwoStepEnrolment)
                .where(TwoStepEnrolment.id == enrolment.id,
                       or_(TwoStepEnrolment.last_used_step.is_(None), TwoStepEnrolment.last_used_step < step))
                .values(last_used_step=step)
                .execution_options(synchronize_session=False)
            ).rowcount
            if claimed != 1:
                return None
            db.session.refresh(enrolment, ["last_used_step"])
            return step
    return None


def verify_code(user: User, code: str, now: datetime | None = None) -> int | None:
    """Check a code from the user's confirmed authenticator: the matched time step, or None."""
    enrolment = enrolment_of(user)
    if enrolment is None or enrolment.confirmed_at is None:
        return None
    return _accept_code(enrolment, code, now)


def _hash_recovery_code(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()


def _new_recovery_code() -> str:
    code = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_LENGTH))
    return f"{code[:5]}-{code[5:]}"


def _issue_recovery_codes(user: User) -> list[str]:
    """Ten new codes; any earlier ones stop working. Only their hashes are stored."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_hash_recovery_code(code)) for code in codes)
    db.session.flush()
    return codes


def recovery_codes_left(user: User) -> int:
    return db.session.scalar(select(func.count(RecoveryCode.id))
                             .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))) or 0


def _use_recovery_code(user: User, code: str) -> bool:
    """Spend one unused recovery code of the user's; a conditional UPDATE, so it is spent once only."""
    if not _RECOVERY_CODE.fullmatch(normalise_code(code)):
        return False  # not the shape of a recovery code: no query needed to know it is wrong
    spent = db.session.execute(
        update(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _hash_recovery_code(code),
               RecoveryCode.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    return spent == 1


# --- the second step of signing in --------------------------------------------------------------


def complete_sign_in(user: User, code: str) -> SecondStep | None:
    """Check the second step of a sign-in: a code from the authenticator, or else a recovery code.

    Records the sign-in, or the failure (no actor: nobody is signed in yet).
    """
    if verify_code(user, code) is not None:
        used = SecondStep.CODE
    elif is_enrolled(user) and _use_recovery_code(user, code):
        used = SecondStep.RECOVERY_CODE
    else:
        record(None, AuditAction.SIGN_IN_FAILED, user, outcome=AuditOutcome.REFUSED)
        return None
    user.last_login_at = utcnow()
    record(user, AuditAction.SIGN_IN, user, fields=[used.value])
    return used


def record_lockout(user: User | None) -> None:
    """Too many wrong codes: the rate limit refused this one."""
    record(None, AuditAction.LOCKOUT, user, outcome=AuditOutcome.REFUSED)


# --- setting up an authenticator -------------------------------------------------------------------


def start_enrolment(user: User) -> TwoStepEnrolment:
    """The user's unconfirmed authenticator, made now if there is none.

    Kept across page loads (and a wrong first code), so the QR code scanned stays the one that works.
    """
    enrolment = enrolment_of(user)
    if enrolment is not None and enrolment.confirmed_at is not None:
        raise ValueError("already enrolled")
    if enrolment is None:
        enrolment = TwoStepEnrolment(user_id=user.id)
        enrolment.secret = pyotp.random_base32()  # 160 bits
        db.session.add(enrolment)
        db.session.flush()
    return enrolment


def provisioning_uri(user: User, enrolment: TwoStepEnrolment) -> str:
    return _totp(enrolment).provisioning_uri(name=user.email, issuer_name=current_app.config["MFA_ISSUER"])


def qr_code_data_uri(uri: str) -> str:
    """The QR code as an SVG data: URI for an <img>: drawn on the server, allowed by the CSP (img-src data:)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=4, dark="#0b0c0c", light="#ffffff")


def grouped_secret(enrolment: TwoStepEnrolment) -> str:
    """The secret in groups of four, for typing into an authenticator app by hand."""
    secret = enrolment.secret
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def confirm_enrolment(user: User, code: str, *, during_sign_in: bool = False) -> list[str] | None:
    """The first right code turns the authenticator on: the new recovery codes, to show once; or None.

    `during_sign_in`: a wrong code is then a failed sign-in for the trail.
    """
    enrolment = enrolment_of(user)
    if enrolment is None or enrolment.confirmed_at is not None or _accept_code(enrolment, code) is None:
        if during_sign_in:
            record(None, AuditAction.SIGN_IN_FAILED, user, outcome=AuditOutcome.REFUSED)
        else:
            record(user, AuditAction.UPDATE, user, fields=["two_step"], outcome=AuditOutcome.REFUSED)
        return None
    enrolment.confirmed_at = utcnow()
    codes = _issue_recovery_codes(user)
    record(user, AuditAction.UPDATE, user, fields=["two_step"])
    if during_sign_in:
        user.last_login_at = utcnow()
        record(user, AuditAction.SIGN_IN, user, fields=[SecondStep.CODE.value])
    return codes


def _proves_possession(user: User, code: str) -> bool:
    """A right code from the authenticator, or an unused recovery code (spent): for changes to the second step."""
    return verify_code(user, code) is not None or (is_enrolled(user) and _use_recovery_code(user, code))


def regenerate_recovery_codes(user: User, code: str) -> list[str] | None:
    """New recovery codes (the old ones stop working), for a right code or a recovery code."""
    if not _proves_possession(user, code):
        record(user, AuditAction.UPDATE, user, fields=["recovery_codes"], outcome=AuditOutcome.REFUSED)
        return None
    codes = _issue_recovery_codes(user)
    record(user, AuditAction.UPDATE, user, fields=["recovery_codes"])
    return codes


def turn_off(user: User, code: str) -> bool:
    """Remove the authenticator and its recovery codes, for a right code or a recovery code.

    Never for a role that requires the second step (the policy refuses it first; this is the backstop).
    """
    if is_required(user):
        raise ValueError("two-step verification is required for this role")
    if not _proves_possession(user, code):
        record(user, AuditAction.UPDATE, user, fields=["two_step"], outcome=AuditOutcome.REFUSED)
        return False
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.execute(delete(TwoStepEnrolment).where(TwoStepEnrolment.user_id == user.id))
    record(user, AuditAction.UPDATE, user, fields=["two_step"])
    return True


def reset_two_step(actor: User, account: User) -> None:
    """An administrator removes a lost authenticator: the account's sessions end, and it sets up a new
    one at its next sign-in (where its role requires one) after the password."""
    require(actor, Action.RESET_ACCOUNT_TWO_STEP, account)
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == account.id))
    db.session.execute(delete(TwoStepEnrolment).where(TwoStepEnrolment.user_id == account.id))
    account.end_sessions()
    db.session.flush()
    record(actor, AuditAction.UPDATE, account, fields=["two_step"])


def enrol_with_secret(user: User, secret: str) -> TwoStepEnrolment:
    """A confirmed authenticator with a known secret: the demo's accounts and test fixtures only.

    No recovery codes and no audit event: nobody did this through Braid.
    """
    db.session.execute(delete(TwoStepEnrolment).where(TwoStepEnrolment.user_id == user.id))
    enrolment = TwoStepEnrolment(user_id=user.id, confirmed_at=utcnow())
    enrolment.secret = secret
    db.session.add(enrolment)
    db.session.flush()
    return enrolment
