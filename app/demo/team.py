"""Demo team members and invitations, for `flask demo load`: built with the team's own services."""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import select

from app.agencies.accounts.models import Role, User
from app.cases.lawful_basis.bases import default_for
from app.cases.learners.models import Learner
from app.cases.team.models import Invitation, TeamMembership
from app.cases.team.services import (
    INVITATION_LIFETIME,
    add_staff_member,
    end_membership,
    hash_token,
    refresh_access,
)
from app.extensions import db
from app.policy import Action, forget_memberships, require
from app.types import utcnow


def _has_membership(learner: Learner, user: User) -> bool:
    return db.session.scalars(
        select(TeamMembership.id).where(TeamMembership.learner_id == learner.id, TeamMembership.user_id == user.id)
    ).first() is not None


def add_demo_team(senco: User, learner: Learner, staff: list[User]) -> None:
    """Put school staff (LSP, teacher, DSL...) on `learner`'s team through the SENCo; skips who is already on it."""
    for member in staff:
        if not _has_membership(learner, member):
            add_staff_member(senco, learner, staff_public_id=member.public_id)


def invite_demo_external(senco: User, learner: Learner, user: User, ends_at: datetime) -> None:
    """An accepted invitation and its membership for an existing demo SLT, EP or parent.

    No link is made (its token is thrown away): the demo account is put on the case as if it had
    accepted. An `ends_at` in the past gives a membership that has already ended, as an expired
    invitation leaves behind. Skips a learner the account is already on.
    """
    require(senco, Action.MANAGE_TEAM, learner)
    if _has_membership(learner, user):
        return
    now = utcnow()
    starts_at = min(now - timedelta(days=14), ends_at - timedelta(days=120))
    basis6, basis9 = default_for(user.role)  # the role's default, as the invitation form preselects it
    outside = user.role is not Role.PARENT
    db.session.add(Invitation(
        lawful_basis=basis6,
        special_category_condition=basis9,
        learner_id=learner.id,
        email=user.email,
        display_name=user.display_name,
        role=user.role,
        agency_id=user.agency_id,
        access_ends_at=ends_at,
        token_hash=hash_token(secrets.token_urlsafe(32)),
        expires_at=starts_at + INVITATION_LIFETIME,
        invited_by_id=senco.id,
        created_at=starts_at - timedelta(days=2),
        accepted_at=starts_at,
        accepted_by_id=user.id,
    ))
    db.session.add(TeamMembership(
        learner_id=learner.id, user_id=user.id, role=user.role, starts_at=starts_at, ends_at=ends_at,
        added_by_id=senco.id, created_at=starts_at,
        lawful_basis=basis6 if outside else None, special_category_condition=basis9 if outside else None,
    ))
    db.session.flush()
    forget_memberships()
    refresh_access(user, now)


def open_demo_invitation(senco: User, learner: Learner, *, email: str, display_name: str, agency_id: int,
                         role: Role, sent_days_ago: int) -> None:
    """An invitation sent `sent_days_ago` and not yet accepted, for someone with no account: the team page lists it
    with "Revoke". As with the accepted ones, no link is made (its token is thrown away)."""
    require(senco, Action.MANAGE_TEAM, learner)
    sent = utcnow() - timedelta(days=sent_days_ago)
    basis6, basis9 = default_for(role)
    db.session.add(Invitation(
        lawful_basis=basis6, special_category_condition=basis9, learner_id=learner.id, email=email,
        display_name=display_name, role=role, agency_id=agency_id, access_ends_at=sent + timedelta(days=180),
        token_hash=hash_token(secrets.token_urlsafe(32)), expires_at=sent + INVITATION_LIFETIME,
        invited_by_id=senco.id, created_at=sent,
    ))
    db.session.flush()


def demo_leaver(senco: User, learner: Learner, member: User, *, joined_days_ago: int, left_days_ago: int) -> None:
    """A member of staff who was on `learner`'s team for a while and whose access the SENCo ended early."""
    if _has_membership(learner, member):
        return
    membership = add_staff_member(senco, learner, staff_public_id=member.public_id)
    end_membership(senco, membership)
    now = utcnow()
    membership.starts_at = membership.created_at = now - timedelta(days=joined_days_ago)
    membership.ended_at = now - timedelta(days=left_days_ago)
    db.session.flush()
