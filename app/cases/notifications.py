"""What the cases domain tells people about, and who it may tell: the subjects a notification can be about
(registered for the notifications page's check when it shows one) and the people around a case."""
from __future__ import annotations

from sqlalchemy import and_, or_, select

from app.agencies.accounts.models import Role, User
from app.cases.concerns.models import SafeguardingConcern
from app.cases.contributions.models import Contribution
from app.cases.learners.models import Learner
from app.cases.meetings.models import Meeting, MeetingAction
from app.cases.team.models import Invitation, TeamMembership
from app.extensions import db
from app.notifications.subjects import register_subject
from app.policy import Action
from app.types import utcnow


def _by_public_id(model):
    return lambda public_id: db.session.scalar(select(model).where(model.public_id == public_id))


def register() -> None:
    register_subject("contribution", load=_by_public_id(Contribution), action=Action.VIEW_CONTRIBUTION)
    register_subject("safeguarding_concern", load=_by_public_id(SafeguardingConcern), action=Action.VIEW_CONCERN)
    register_subject("meeting", load=_by_public_id(Meeting), action=Action.VIEW_MEETING)
    # An action is its owner's to update (a parent's own is read on the shared record): UPDATE_ACTION decides.
    register_subject("meeting_action", load=_by_public_id(MeetingAction), action=Action.UPDATE_ACTION)
    # The inviter is the SENCo who manages the team; the invitation's page is the team's.
    register_subject("invitation", load=_by_public_id(Invitation), action=Action.MANAGE_TEAM)


def people_on_case(learner: Learner) -> list[User]:
    """Everyone who may be told of something on `learner`'s case: today's team and the school's SENCos (the
    policy then decides, item by item, who may see the thing)."""
    now = utcnow()
    members = select(TeamMembership.user_id).where(
        TeamMembership.learner_id == learner.id, TeamMembership.ended_at.is_(None), TeamMembership.starts_at <= now,
        or_(TeamMembership.ends_at.is_(None), TeamMembership.ends_at > now))
    return list(db.session.scalars(select(User).where(User.active.is_(True), or_(
        User.id.in_(members),
        and_(User.role == Role.SENCO, User.agency_id == learner.school_id, User.restricted.is_(False))))
        .order_by(User.id)))


def school_dsls(learner: Learner) -> list[User]:
    """The designated safeguarding leads of `learner`'s school."""
    return list(db.session.scalars(select(User).where(
        User.role == Role.DSL, User.agency_id == learner.school_id, User.active.is_(True),
        User.restricted.is_(False)).order_by(User.id)))


register()
