"""The team around the child: adding school staff, inviting externals and parents, accepting, ending.

Services take the acting user, change data, record the event and flush; the view commits once.
"""
from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from app.agencies.accounts.models import (
    ROLES_BY_AGENCY_KIND,
    Agency,
    AgencyKind,
    Role,
    User,
    agencies_by_name,
    people_by_name,
)
from app.agencies.accounts.services import EXTERNAL_ROLES, AccountError, create_account
from app.audit.events import record
from app.audit.models import AuditAction
from app.cases import notifications
from app.cases.consents.models import Consent, ConsentPurpose
from app.cases.lawful_basis.bases import (
    ROLE_DEFAULT,
    Article6,
    Article9,
    LawfulBasisError,
    chosen_or_default,
    default_for,
    rests_on_consent,
)
from app.cases.learners.models import Learner
from app.cases.team.models import Invitation, TeamMembership
from app.core import dates
from app.core.conflicts import EditConflict
from app.core.dates import today as school_today
from app.core.mail import services as outbox
from app.core.mail.addresses import normalise_email
from app.core.mail.models import OutboxMessage
from app.core.wording import in_a_sentence, sentence, with_article
from app.extensions import db
from app.policy import (
    Action,
    closed_invitations,
    forget_memberships,
    invitable_agencies,
    open_invitations,
    require,
    school_staff,
    team_memberships,
)
from app.problems import Refusal
from app.types import utcnow

INVITATION_LIFETIME = timedelta(days=7)
LONGEST_ACCESS = timedelta(days=365)
# Roles a SENCo invites from outside the school, and the kinds of agency each may belong to.
INVITABLE_ROLES = (Role.SLT, Role.EP, Role.PARENT)
AGENCY_KINDS_BY_ROLE = {
    role: tuple(kind for kind, roles in ROLES_BY_AGENCY_KIND.items() if role in roles) for role in INVITABLE_ROLES
}
NEW_AGENCY = "new"


class TeamError(Refusal):
    """A change to the team that cannot be made as asked."""


class InvitationUnusable(Refusal):
    """The invitation link cannot be used: unknown (404) or used, revoked or expired (410)."""

    def __init__(self, message: str, status: int, invitation: Invitation | None = None):
        super().__init__(message)
        self.status = status
        self.invitation = invitation  # the invitation behind a used, revoked or expired link


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --- reading the team --------------------------------------------------------------------------


@dataclass(frozen=True)
class Team:
    live: list[TeamMembership]
    ended: list[TeamMembership]  # who has been on the case: newest end first
    invitations: list[Invitation]
    closed_invitations: list[Invitation]  # revoked, or expired unused: for the SENCo who manages the team


def ended_on(membership: TeamMembership):
    """When a past membership ended: early (by the SENCo), or at its end date."""
    return membership.ended_at or membership.ends_at


def team_of(actor: User, learner: Learner) -> Team:
    """Who is on the case now, who was, and (for the SENCo) who has been invited."""
    require(actor, Action.VIEW_CASE, learner)
    now = utcnow()
    memberships = db.session.scalars(team_memberships(actor, learner).options(
        selectinload(TeamMembership.user), selectinload(TeamMembership.ended_by))).all()
    live = [membership for membership in memberships if membership.is_live(now)]
    # Not started yet counts as live for the list: it will be.
    upcoming = [m for m in memberships if m.ended_at is None and m.starts_at > now]
    ended = sorted((m for m in memberships if m not in live and m not in upcoming),
                   key=lambda m: (ended_on(m), m.id), reverse=True)
    invitations = db.session.scalars(open_invitations(actor, learner).options(selectinload(Invitation.agency))).all()
    closed = db.session.scalars(closed_invitations(actor, learner).options(selectinload(Invitation.agency))).all()
    return Team(live=live + upcoming, ended=ended, invitations=list(invitations),
                closed_invitations=sorted(closed, key=lambda i: (i.revoked_at or i.expires_at, i.id), reverse=True))


def staff_choices(actor: User, learner: Learner) -> list[User]:
    """The school's staff the SENCo may add: not already live on the case."""
    require(actor, Action.MANAGE_TEAM, learner)
    on_team = {m.user_id for m in team_of(actor, learner).live}
    return [user for user in people_by_name(db.session.scalars(school_staff(actor, learner))) if user.id not in on_team]


def agency_choices(actor: User) -> list[Agency]:
    return agencies_by_name(db.session.scalars(invitable_agencies(actor)))


# --- access of restricted accounts -------------------------------------------------------------


def refresh_access(user: User, now: datetime | None = None) -> None:
    """A restricted account's access ends with its latest live membership (now, when none is left)."""
    if not user.restricted:
        return
    now = now or utcnow()
    latest = db.session.scalar(
        select(func.max(TeamMembership.ends_at)).where(
            TeamMembership.user_id == user.id,
            TeamMembership.ended_at.is_(None),
            TeamMembership.ends_at > now,
        )
    )
    user.access_expires_at = latest or now
    forget_memberships()


def _live_membership(learner: Learner, user: User, now: datetime) -> TeamMembership | None:
    return db.session.scalars(
        select(TeamMembership).where(
            TeamMembership.learner_id == learner.id,
            TeamMembership.user_id == user.id,
            TeamMembership.ended_at.is_(None),
            TeamMembership.starts_at <= now,
            (TeamMembership.ends_at.is_(None)) | (TeamMembership.ends_at > now),
        )
    ).first()


def _access_end(day: date | None, *, invited: bool, field: str) -> datetime | None:
    """Access ends at the end of `day`; invited people must have an end date within a year."""
    if day is None:
        if invited:
            raise TeamError("Enter the date access ends", field)
        return None
    today = school_today()
    if day <= today:
        raise TeamError("The date access ends must be in the future", field)
    if invited and day > today + LONGEST_ACCESS:
        raise TeamError("The date access ends must be within a year from today", field)
    return dates.end_of_day(day)


# --- school staff ------------------------------------------------------------------------------


def add_staff_member(
    actor: User, learner: Learner, *, staff_public_id: str, ends_on: date | None = None
) -> TeamMembership:
    """Put a member of the school's staff on the learner's team, in their own role."""
    require(actor, Action.MANAGE_TEAM, learner)
    staff = db.session.scalars(school_staff(actor, learner).where(User.public_id == (staff_public_id or ""))).first()
    if staff is None:
        # Another school's staff, an admin, an external account or a made-up id: all look alike.
        raise TeamError("Choose a member of staff from the list", "staff")
    ends_at = _access_end(ends_on, invited=False, field="ends_on")
    now = utcnow()
    if _live_membership(learner, staff, now) is not None:
        raise TeamError(f"{staff.display_name} is already on this learner's team", "staff")
    membership = TeamMembership(
        learner_id=learner.id, user_id=staff.id, role=staff.role, starts_at=now, ends_at=ends_at, added_by_id=actor.id
    )
    db.session.add(membership)
    db.session.flush()
    forget_memberships()
    record(actor, AuditAction.CREATE, membership, fields=["role", "user"] + (["ends_at"] if ends_at else []))
    return membership


def membership_stamp(membership: TeamMembership) -> str:
    """What the confirmation page saw of a membership (its end date and early end): a change to either since
    then makes the confirmation stale."""
    return "|".join(moment.isoformat() if moment else "-" for moment in (membership.ends_at, membership.ended_at))


def last_live_case(membership: TeamMembership) -> bool:
    """Is this the restricted account's only live membership, so that ending it ends their access to Braid?"""
    now = utcnow()
    others = db.session.scalar(select(func.count(TeamMembership.id)).where(
        TeamMembership.user_id == membership.user_id,
        TeamMembership.id != membership.id,
        TeamMembership.ended_at.is_(None),
        (TeamMembership.ends_at.is_(None)) | (TeamMembership.ends_at > now),
    ))
    return membership.user.restricted and not others


def end_membership(actor: User, membership: TeamMembership, *, stamp: str | None = None,
                   reason: str | None = None) -> None:
    """End a membership early, with the reason if one is given (sealed); a restricted account loses access with
    its last live membership. Effective at once: the policy asks for a live membership on every request.

    :raise EditConflict: when `stamp` is given and the membership changed since the confirmation page showed it.
    """
    require(actor, Action.MANAGE_TEAM, membership)
    if stamp is not None and stamp != membership_stamp(membership):
        raise EditConflict()
    now = utcnow()
    if not membership.is_live(now) and not (membership.ended_at is None and membership.starts_at > now):
        raise TeamError(f"{membership.user.display_name}'s membership has already ended")
    membership.ended_at = now
    membership.ended_by_id = actor.id
    if reason:
        membership.end_reason = reason
    db.session.flush()
    refresh_access(membership.user, now)
    forget_memberships()  # this request's cached answers knew the membership live
    record(actor, AuditAction.UPDATE, membership,
           fields=["ended_at", "ended_by"] + (["end_reason"] if reason else []))


# --- invitations -------------------------------------------------------------------------------


def _invited_agency(actor: User, role: Role, agency_public_id: str, new_name: str, new_kind: str) -> Agency:
    kinds = AGENCY_KINDS_BY_ROLE[role]
    if agency_public_id == NEW_AGENCY:
        name = " ".join((new_name or "").split())
        if not name:
            raise TeamError("Enter the name of the new agency", "new_agency_name")
        try:
            kind = AgencyKind(new_kind)
        except ValueError:
            raise TeamError("Choose what kind of agency the new one is", "new_agency_kind") from None
        if kind not in kinds:
            raise TeamError(f"{sentence(role.with_article)} cannot work for {with_article(in_a_sentence(kind.label))}",
                            "new_agency_kind")
        existing = db.session.scalars(select(Agency).where(Agency.name.matches(name))).first()
        if existing is not None:
            raise TeamError("An agency with this name already exists: choose it from the list", "new_agency_name")
        agency = Agency(name=name, kind=kind)
        db.session.add(agency)
        db.session.flush()
        record(actor, AuditAction.CREATE, agency, fields=["kind", "name"])
        return agency
    agency = db.session.scalars(invitable_agencies(actor).where(Agency.public_id == (agency_public_id or ""))).first()
    if agency is None:
        raise TeamError("Choose the person's agency, or add a new one", "agency")
    if agency.kind not in kinds:
        raise TeamError(f"{sentence(role.with_article)} cannot work for {agency.name}: choose another agency", "agency")
    return agency


def invite_to_case(
    actor: User,
    learner: Learner,
    *,
    email: str,
    display_name: str,
    role: Role,
    agency_public_id: str,
    access_ends_on: date | None,
    link_for: Callable[[str], str],
    new_agency_name: str = "",
    new_agency_kind: str = "",
    article6: Article6 | str | None = None,
    article9: Article9 | str | None = None,
) -> tuple[Invitation, str, OutboxMessage]:
    """Invite an SLT, EP or parent onto one case, the case shared under the lawful basis given (the invited role's
    default when none is). Returns the invitation, its link (shown once) and the message.

    :raise TeamError: also when the basis is consent and no live consent to share with the agency is recorded."""
    require(actor, Action.MANAGE_TEAM, learner)
    email = normalise_email(email)
    display_name = " ".join((display_name or "").split())
    if "@" not in email:
        raise TeamError("Enter an email address in the correct format, like name@example.org", "email")
    if not display_name:
        raise TeamError("Enter the person's full name", "display_name")
    if role not in INVITABLE_ROLES:
        raise TeamError("Choose a role: speech and language therapist, educational psychologist or parent", "role")
    access_ends_at = _access_end(access_ends_on, invited=True, field="access_ends_on")
    now = utcnow()
    if db.session.scalars(open_invitations(actor, learner).where(Invitation.email.matches(email))).first() is not None:
        raise TeamError("This person already has an open invitation to this learner's case: revoke it first "
                        "if you need to send a new one", "email")
    account = db.session.scalars(select(User).where(User.email.matches(email))).first()
    if account is not None and _live_membership(learner, account, now) is not None:
        raise TeamError("This person is already on this learner's team", "email")
    basis6, basis9 = _sharing_basis(role, article6, article9)
    agency = _invited_agency(actor, role, agency_public_id, new_agency_name, new_agency_kind)
    consent = None
    if rests_on_consent(basis6, basis9):
        consent = live_sharing_consent(learner, agency)
        if consent is None:
            raise TeamError(f"There is no consent recorded to share this case with {agency.name}: record the "
                            "consent first (Consent and sharing), or choose another lawful basis", "article6")

    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        learner_id=learner.id,
        email=email,
        display_name=display_name,
        role=role,
        agency_id=agency.id,
        access_ends_at=access_ends_at,
        token_hash=hash_token(token),
        expires_at=now + INVITATION_LIFETIME,
        invited_by_id=actor.id,
        created_at=now,
        lawful_basis=basis6,
        special_category_condition=basis9,
        consent_id=consent.id if consent is not None else None,
    )
    db.session.add(invitation)
    link = link_for(token)
    message = outbox.queue_message(
        email,
        "You have been invited to a learner's team on Braid",
        f"Dear {display_name},\n\n"
        f"{actor.display_name} ({actor.agency.name}) has invited you to join the team around a learner "
        f"on Braid as {role.with_article}.\n\n"
        f"Open this link to accept. It works once and expires on {dates.day(invitation.expires_at)}:\n\n"
        f"{link}\n\n"
        f"Your access to the learner's case will end on {dates.day(access_ends_at)}.\n\n"
        "If you were not expecting this invitation, you can ignore this email.\n",
        agency_id=actor.agency_id,  # the invitee has no account yet: the inviting school looks after it
    )
    db.session.flush()
    # The message (its link, the address) is part of the invitation: one event, and no value in it.
    record(actor, AuditAction.INVITE, invitation,
           fields=["access_ends_at", "agency", "display_name", "email", "lawful_basis", "role",
                   "special_category_condition"] + (["consent"] if consent is not None else []))
    return invitation, link, message


def _sharing_basis(role: Role, article6, article9) -> tuple[Article6, Article9]:
    if article9 == ROLE_DEFAULT:
        article9 = None
    try:
        return chosen_or_default(article6, article9, default_for(role))
    except LawfulBasisError as refusal:
        raise TeamError(str(refusal), refusal.field) from None


def live_sharing_consent(learner: Learner, agency: Agency) -> Consent | None:
    """The newest consent, not withdrawn, to share `learner`'s case with `agency`."""
    return db.session.scalars(select(Consent).where(
        Consent.learner_id == learner.id, Consent.agency_id == agency.id, Consent.purpose == ConsentPurpose.SHARING,
        Consent.withdrawn_at.is_(None)).order_by(Consent.id.desc()).limit(1)).first()


def revoke_invitation(actor: User, invitation: Invitation) -> None:
    """Withdraw an open invitation: its link stops working. Nobody's access changes (none was given)."""
    require(actor, Action.MANAGE_TEAM, invitation)
    if not invitation.is_open():
        raise TeamError("This invitation can no longer be revoked: it has been used, revoked or has expired")
    invitation.revoked_at = utcnow()
    db.session.flush()
    record(actor, AuditAction.UPDATE, invitation, fields=["revoked_at"])


# --- accepting ---------------------------------------------------------------------------------

MAX_TOKEN_LENGTH = 100


def find_invitation(token: str) -> Invitation:
    """The invitation behind a link, if it can still be used.

    :raise InvitationUnusable: 404 for an unknown link, 410 for a used, revoked or expired one.
    """
    invitation = None
    if token and len(token) <= MAX_TOKEN_LENGTH:
        invitation = db.session.scalars(select(Invitation).where(Invitation.token_hash == hash_token(token))).first()
    if invitation is None:
        raise InvitationUnusable("This invitation link is not valid", 404)
    if invitation.accepted_at is not None:
        raise InvitationUnusable("This invitation has already been used", 410, invitation)
    if invitation.revoked_at is not None:
        raise InvitationUnusable("This invitation has been withdrawn", 410, invitation)
    if not invitation.is_open():
        raise InvitationUnusable("This invitation has expired", 410, invitation)
    return invitation


def invited_account(invitation: Invitation) -> User | None:
    return db.session.scalars(select(User).where(User.email.matches(invitation.email))).first()


def is_for(invitation: Invitation, user: User) -> bool:
    return normalise_email(user.email) == invitation.email


def _may_join_as(user: User, role: Role) -> bool:
    """An outside account joins in its own role; a member of staff only as a parent (of their own child): the
    policy then treats them as a parent on that case alone (app.policy.rules.in_capacity)."""
    if user.role is role and role in EXTERNAL_ROLES:
        return True
    return role is Role.PARENT and not user.restricted


def accept_invitation(invitation: Invitation, user: User) -> TeamMembership:
    """Use the invitation once: `user` joins the case in the invited role until the access end date."""
    if not is_for(invitation, user):
        raise TeamError("This invitation is for another person")
    if not _may_join_as(user, invitation.role):
        raise TeamError(
            f"This invitation is for {invitation.role.with_article}, and your account is for "
            f"{user.role.with_article}. Ask the SENCo who invited you to invite the right account."
        )
    now = utcnow()
    # Claimed in one statement, so two requests with the same link cannot both use it.
    claimed = db.session.execute(
        update(Invitation)
        .where(
            Invitation.id == invitation.id,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
            Invitation.expires_at > now,
        )
        .values(accepted_at=now, accepted_by_id=user.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise InvitationUnusable("This invitation has already been used", 410)
    db.session.refresh(invitation)
    learner = invitation.learner
    membership = _live_membership(learner, user, now)
    if membership is not None and membership.role is not invitation.role:
        # A member of staff on the case who joins as its parent: one capacity at a time, the parent's.
        membership.ended_at = now
        membership.ended_by_id = user.id
        membership = None
    if membership is not None:
        if membership.ends_at is not None and membership.ends_at < invitation.access_ends_at:
            membership.ends_at = invitation.access_ends_at
    else:
        membership = TeamMembership(
            learner_id=learner.id,
            user_id=user.id,
            role=invitation.role,
            starts_at=now,
            ends_at=invitation.access_ends_at,
            added_by_id=invitation.invited_by_id,
        )
        db.session.add(membership)
    if invitation.role is not Role.PARENT:
        # The case is shared with this outside professional under the invitation's basis (and consent).
        membership.lawful_basis = invitation.lawful_basis
        membership.special_category_condition = invitation.special_category_condition
        membership.consent_id = invitation.consent_id
    db.session.flush()
    refresh_access(user, now)
    record(user, AuditAction.ACCEPT_INVITATION, invitation)
    notifications.invitation_accepted(user, invitation)
    return membership


def create_invited_account(invitation: Invitation, *, display_name: str, password: str) -> User:
    """A restricted account for the invited person, in the invited agency and role."""
    try:
        user, _ = create_account(
            None,
            agency=invitation.agency,
            email=invitation.email,
            display_name=display_name,
            role=invitation.role,
            access_expires_at=invitation.access_ends_at,
            password=password,
        )
    except AccountError as refusal:
        raise TeamError(str(refusal), refusal.field) from None
    return user
