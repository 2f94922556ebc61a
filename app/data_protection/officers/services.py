"""Designating a data protection officer, and clearing the designation. Services flush; views commit."""
from __future__ import annotations

from app.agencies.accounts.models import User
from app.agencies.two_step import services as two_step
from app.audit.events import record
from app.audit.models import AuditAction
from app.extensions import db
from app.policy import Action, require
from app.types import utcnow


def set_designation(actor: User, account: User, designated: bool) -> bool:
    """Designate `account` the school's data protection officer (or clear it); False when it already was so.

    More than one account may be designated (a DPO and a deputy). A designated account must use two-step
    verification: one not enrolled yet is signed out everywhere, and sets it up at its next sign-in.

    :raise 403: not the school's administrator, or not a staff account of their school."""
    require(actor, Action.DESIGNATE_DPO, account)
    if account.is_dpo == designated:
        return False
    fields = ["dpo_designated_at"]
    account.dpo_designated_at = utcnow() if designated else None
    if designated and not two_step.is_enrolled(account):
        account.end_sessions()
        fields.append("session_version")
    db.session.flush()
    record(actor, AuditAction.UPDATE, account, fields=tuple(fields))
    return True
