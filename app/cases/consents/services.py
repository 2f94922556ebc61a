"""Recording consent and withdrawing it: after a withdrawal, sharing that rested on it stops and the team is told.

Services take the acting user, record the event and flush; the view commits once."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.agencies.accounts.models import Agency, AgencyKind, Role, User, agencies_by_name
from app.audit.events import record
from app.audit.models import AuditAction
from app.cases.consents import notifications
from app.cases.consents.models import Consent, ConsentMethod, ConsentPurpose
from app.cases.learners.models import Learner
from app.cases.team.models import Invitation, TeamMembership
from app.cases.team.services import refresh_access
from app.core.dates import today as school_today
from app.extensions import db
from app.policy import Action, case_role, forget_memberships, require
from app.problems import Refusal
from app.types import utcnow

NAME_MAX = 120
TEXT_MAX = 2000
CONSENT_WITHDRAWN = "Consent withdrawn"  # the end reason of a membership that rested on it


class ConsentError(Refusal):
    """A consent that cannot be recorded or withdrawn as given."""


@dataclass(frozen=True)
class Sharing:
    """The case shared with someone from outside the school: a membership (live or ended) or an open invitation."""

    who: str
    agency: str
    role_label: str
    state: str
    record: TeamMembership | Invitation


def consents_of(actor: User, learner: Learner) -> list[Consent]:
    """Every consent for `learner`, the newest first; withdrawn ones stay as history."""
    require(actor, Action.VIEW_CONSENTS, learner)
    return list(db.session.scalars(select(Consent).where(Consent.learner_id == learner.id).options(
        selectinload(Consent.agency), selectinload(Consent.given_by)).order_by(Consent.id.desc())))


def sharings_of(actor: User, learner: Learner) -> list[Sharing]:
    """Where the case is shared outside the school: the outside professionals on the team (and who were), and the
    invitations still open, each with its lawful basis. For whoever reads the consent page (the DSL, who is not on
    the case, too): names, agencies and dates, never the case itself."""
    require(actor, Action.VIEW_CONSENTS, learner)
    now = utcnow()
    outside = (Role.SLT, Role.EP)
    found = []
    memberships = db.session.scalars(select(TeamMembership).where(
        TeamMembership.learner_id == learner.id, TeamMembership.role.in_(outside))
        .options(selectinload(TeamMembership.user)).order_by(TeamMembership.starts_at, TeamMembership.id))
    for membership in memberships:
        live = membership.ended_at is None and (membership.ends_at is None or membership.ends_at > now)
        state = "On the team" if live else "Ended" + (
            ": consent withdrawn" if membership.ended_at and membership.end_reason == CONSENT_WITHDRAWN else "")
        found.append(Sharing(membership.user.display_name, membership.user.agency.name, membership.role.label,
                             state, membership))
    invitations = db.session.scalars(select(Invitation).where(
        Invitation.learner_id == learner.id, Invitation.role.in_(outside), Invitation.accepted_at.is_(None))
        .order_by(Invitation.id))
    for invitation in invitations:
        state = "Invited" if invitation.is_open(now) else "Invitation revoked" if invitation.revoked_at \
            else "Invitation expired"
        found.append(Sharing(invitation.display_name, invitation.agency.name, invitation.role.label, state,
                             invitation))
    return found


# The outside agencies a consent names: public services (never a school, never a family's own agency).
OUTSIDE_KINDS = (AgencyKind.NHS_SERVICE, AgencyKind.EP_SERVICE, AgencyKind.LOCAL_AUTHORITY)


def agency_choices() -> list[Agency]:
    """Public services by name (a parent choosing one sees nothing of any school's cases)."""
    return agencies_by_name(db.session.scalars(select(Agency).where(Agency.kind.in_(OUTSIDE_KINDS))))


def record_consent(actor: User, learner: Learner, *, purpose, agency_public_id: str | None, recipient_name: str = "",
                   given_on: date | None, method=None, given_by_name: str = "", giver_relationship: str = "",
                   ) -> Consent:
    """Record a consent. A parent on the team gives their own, through Braid; the SENCo records one given by a
    named person (with their relationship to the child), in writing or at a meeting."""
    require(actor, Action.RECORD_CONSENT, learner)
    try:
        purpose = ConsentPurpose(getattr(purpose, "value", purpose))
    except ValueError:
        raise ConsentError("Choose what the consent is for", "purpose") from None
    agency = None
    if agency_public_id:
        agency = db.session.scalars(select(Agency).where(Agency.public_id == agency_public_id,
                                                         Agency.kind.in_(OUTSIDE_KINDS))).first()
        if agency is None:
            raise ConsentError("Choose the outside agency from the list", "agency")
    recipient_name = " ".join((recipient_name or "").split())
    if agency is None and not recipient_name:
        raise ConsentError("Choose the outside agency, or name the person, the consent is for", "agency")
    if len(recipient_name) > NAME_MAX:
        raise ConsentError(f"The person's name must be {NAME_MAX} characters or fewer", "recipient_name")
    parent_giving = case_role(actor, learner) is Role.PARENT
    if parent_giving:
        # A parent gives their own consent, through Braid, today: never someone else's.
        given_by, name, relation, method, given_on = actor, "", "", ConsentMethod.THROUGH_BRAID, school_today()
    else:
        given_by = None
        name, relation = " ".join((given_by_name or "").split()), " ".join((giver_relationship or "").split())
        if not name:
            raise ConsentError("Enter the name of the person who gave consent", "given_by_name")
        if not relation:
            raise ConsentError("Enter their relationship to the child", "giver_relationship")
        if len(name) > NAME_MAX or len(relation) > NAME_MAX:
            raise ConsentError(f"Names must be {NAME_MAX} characters or fewer", "given_by_name")
        try:
            method = ConsentMethod(getattr(method, "value", method))
        except ValueError:
            raise ConsentError("Choose how consent was given", "method") from None
        if given_on is None:
            raise ConsentError("Enter the date consent was given", "given_on")
        if given_on > school_today():
            raise ConsentError("The date consent was given must be today or in the past", "given_on")
    consent = Consent(learner_id=learner.id, given_by_id=given_by.id if given_by else None, given_on=given_on,
                      purpose=purpose, agency_id=agency.id if agency else None, method=method,
                      recorded_by_id=actor.id, recorded_at=utcnow())
    if name:
        consent.given_by_name = name
        consent.giver_relationship = relation
    if recipient_name:
        consent.recipient_name = recipient_name
    db.session.add(consent)
    db.session.flush()
    record(actor, AuditAction.CREATE, consent, fields=[
        field for field, value in (("agency", agency), ("given_by", given_by), ("given_by_name", name),
                                   ("giver_relationship", relation), ("given_on", given_on), ("method", method),
                                   ("purpose", purpose), ("recipient_name", recipient_name)) if value])
    return consent


@dataclass(frozen=True)
class Withdrawal:
    consent: Consent
    ended: list[TeamMembership]
    revoked: list[Invitation]


def resting_on(consent: Consent) -> tuple[list[TeamMembership], list[Invitation]]:
    """The memberships still live (or not yet started) and the invitations still open that rest on `consent`."""
    now = utcnow()
    memberships = [m for m in db.session.scalars(select(TeamMembership).where(
        TeamMembership.consent_id == consent.id, TeamMembership.ended_at.is_(None)))
        if m.ends_at is None or m.ends_at > now]
    invitations = [i for i in db.session.scalars(select(Invitation).where(Invitation.consent_id == consent.id))
                   if i.is_open(now)]
    return memberships, invitations


def withdraw_consent(actor: User, consent: Consent, *, method=None, reason: str = "") -> Withdrawal:
    """Withdraw a consent: the memberships resting on it end ("Consent withdrawn") and the open invitations resting
    on it are revoked, at once; the SENCo, the DSL, the team and each outside professional who lost access are
    told. A parent withdraws their own, through Braid."""
    require(actor, Action.WITHDRAW_CONSENT, consent)
    if case_role(actor, consent.learner) is Role.PARENT:
        method = ConsentMethod.THROUGH_BRAID
    try:
        method = ConsentMethod(getattr(method, "value", method))
    except ValueError:
        raise ConsentError("Choose how consent was withdrawn", "method") from None
    reason = (reason or "").strip()
    if len(reason) > TEXT_MAX:
        raise ConsentError(f"The reason must be {TEXT_MAX:,} characters or fewer", "reason")
    now = utcnow()
    consent.withdrawn_at, consent.withdrawn_by_id, consent.withdrawal_method = now, actor.id, method
    if reason:
        consent.withdrawal_reason = reason
    memberships, invitations = resting_on(consent)
    notifications.access_withdrawn(actor, consent, memberships)
    for membership in memberships:
        membership.ended_at, membership.ended_by_id = now, actor.id
        membership.end_reason = CONSENT_WITHDRAWN
    for invitation in invitations:
        invitation.revoked_at = now
    db.session.flush()
    record(actor, AuditAction.UPDATE, consent, fields=["withdrawal_method", "withdrawn_at", "withdrawn_by"]
           + (["withdrawal_reason"] if reason else []))
    for membership in memberships:
        refresh_access(membership.user, now)
        record(actor, AuditAction.UPDATE, membership, fields=["end_reason", "ended_at", "ended_by"])
    for invitation in invitations:
        record(actor, AuditAction.UPDATE, invitation, fields=["revoked_at"])
    forget_memberships()
    notifications.consent_withdrawn(actor, consent)
    return Withdrawal(consent, memberships, invitations)
