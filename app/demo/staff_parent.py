"""A member of staff who is also a parent, and an account the administrator has edited.

Kasia Nowak teaches at Oakfield; her son Leo is one of its learners. She joined Leo's case as his mother, by
invitation, and sees it as any parent would. Grace Liu, the administrator, later changed Kasia's hours (she went
part time) and gave her a line manager: the account shows the edit, and the trail names the fields."""
from __future__ import annotations

import secrets
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from app.agencies.accounts.edits import AccountEdit, edit_account
from app.agencies.accounts.models import Agency, Role, User
from app.cases.learners.services import find_by_upn
from app.cases.team.models import Invitation, TeamMembership
from app.cases.team.services import INVITATION_LIFETIME, hash_token
from app.extensions import db
from app.policy import Action, forget_memberships, require
from app.types import utcnow

LEO_UPN = "F801200002020"


def _account(email: str) -> User:
    return db.session.scalars(select(User).where(User.email.matches(email))).one()


def load_demo_staff_parent() -> int:
    """Kasia on Leo's case as his parent (an accepted invitation, as the SENCo would send); returns 1 if made."""
    senco, kasia = _account("senco@oakfield.example"), _account("k.nowak@oakfield.example")
    leo = find_by_upn(senco, LEO_UPN)
    if leo is None or db.session.scalars(select(TeamMembership.id).where(
            TeamMembership.learner_id == leo.id, TeamMembership.user_id == kasia.id)).first() is not None:
        return 0
    require(senco, Action.MANAGE_TEAM, leo)
    family = db.session.scalars(select(Agency).where(Agency.name.matches("The Nowak family"))).one()
    now = utcnow()
    starts_at, ends_at = now - timedelta(days=30), now + timedelta(days=300)
    # The token is thrown away: the demo puts her on the case as if she had opened the link.
    db.session.add(Invitation(
        learner_id=leo.id, email=kasia.email, display_name=kasia.display_name, role=Role.PARENT, agency_id=family.id,
        access_ends_at=ends_at, token_hash=hash_token(secrets.token_urlsafe(32)), expires_at=starts_at
        + INVITATION_LIFETIME, invited_by_id=senco.id, created_at=starts_at - timedelta(days=1),
        accepted_at=starts_at, accepted_by_id=kasia.id))
    db.session.add(TeamMembership(learner_id=leo.id, user_id=kasia.id, role=Role.PARENT, starts_at=starts_at,
                                  ends_at=ends_at, added_by_id=senco.id, created_at=starts_at))
    db.session.flush()
    forget_memberships()
    return 1


def load_demo_account_edit() -> int:
    """The administrator's edit of Kasia's account, through the real service; returns 1 if made."""
    admin, kasia = _account("admin@oakfield.example"), _account("k.nowak@oakfield.example")
    if kasia.version > 1:
        return 0
    edit_account(admin, kasia, version=kasia.version, edit=AccountEdit(
        display_name=kasia.display_name, email=kasia.email, role=kasia.role, fte=Decimal("0.80"),
        cpd_year_start_month=kasia.cpd_year_start_month, line_manager=_account("senco@oakfield.example")))
    return 1
