"""What the cases domain tells people about, and who it may tell: the subjects a notification can be about
(registered for the notifications page's check when it shows one) and the people around a case."""
from __future__ import annotations

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import selectinload

from app.agencies.accounts.models import Role, User
from app.cases.concerns.models import SafeguardingConcern
from app.cases.contributions.models import Contribution
from app.cases.learners.models import Learner
from app.cases.meetings.models import ActionStatus, Meeting, MeetingAction
from app.cases.merges.signals import learners_merged
from app.cases.plans.models import PlanCycle
from app.cases.team.models import Invitation, TeamMembership
from app.core.dates import day
from app.core.wording import with_article
from app.extensions import db
from app.notifications.models import Notification, NotificationKind
from app.notifications.services import notify, path_for
from app.notifications.subjects import register_subject
from app.policy import Action
from app.types import utcnow


def register() -> None:
    register_subject("contribution", model=Contribution, action=Action.VIEW_CONTRIBUTION)
    register_subject("safeguarding_concern", model=SafeguardingConcern, action=Action.VIEW_CONCERN)
    register_subject("meeting", model=Meeting, action=Action.VIEW_MEETING)
    # An action is its owner's to update (a parent's own is read on the shared record): UPDATE_ACTION decides.
    register_subject("meeting_action", model=MeetingAction, action=Action.UPDATE_ACTION,
                     options=(selectinload(MeetingAction.meeting),))
    # The inviter is the SENCo who manages the team; the invitation's page is the team's.
    register_subject("invitation", model=Invitation, action=Action.MANAGE_TEAM)
    # A review due: whoever is on the case (the cycle's page is the case's).
    register_subject("plan_cycle", model=PlanCycle, action=Action.VIEW_CASE)


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


# --- the events: each called by the service that does the thing, after it flushed ----------------------------


def concern_recorded(actor: User, concern: SafeguardingConcern) -> None:
    """The school's DSLs, at once, whatever they chose (the kind cannot be turned off)."""
    learner = concern.learner
    notify(NotificationKind.CONCERN_RECORDED, subject=concern, action=Action.VIEW_CONCERN,
           recipients=school_dsls(learner), learner=learner, actor=actor,
           summary=f"{actor.display_name} recorded a safeguarding concern about {learner.known_as}",
           path=path_for("cases.concern_detail", public_id=concern.public_id),
           dedupe=f"concern_recorded:{concern.public_id}")


def contribution_added(actor: User, contribution: Contribution) -> None:
    """Everyone on the case who may see it: a staff-only or restricted contribution never reaches the family."""
    learner = contribution.learner
    notify(NotificationKind.CONTRIBUTION_ADDED, subject=contribution, action=Action.VIEW_CONTRIBUTION,
           recipients=people_on_case(learner), learner=learner, actor=actor,
           summary=f"{actor.display_name} added {with_article(contribution.kind.label.lower())} to "
                   f"{learner.known_as}’s case",
           path=path_for("cases.contribution_detail", public_id=contribution.public_id),
           dedupe=f"contribution_added:{contribution.public_id}")


def meeting_saved(actor: User, meeting: Meeting) -> None:
    """A meeting record written or amended: each open action's owner is told it is theirs (once per owner), and
    the chair that the record awaits their sign-off (once per version of the record), unless they saved it."""
    learner = meeting.learner
    for action in meeting.actions:
        if action.status is not ActionStatus.OPEN or action.owner is None:
            continue
        notify(NotificationKind.ACTION_ASSIGNED, subject=action, action=Action.UPDATE_ACTION,
               recipients=[action.owner], learner=learner, actor=actor,
               summary=f"{actor.display_name} gave you an action from the {meeting.kind.label.lower()} about "
                       f"{learner.known_as}, due {day(action.due_on)}",
               path=path_for("cases.meeting_detail", public_id=meeting.public_id),
               dedupe=f"action_assigned:{action.public_id}:{action.owner.public_id}")
    if meeting.signed_off_at is None:
        notify(NotificationKind.MEETING_AWAITING_SIGN_OFF, subject=meeting, action=Action.VIEW_MEETING,
               recipients=[meeting.chair], learner=learner, actor=actor,
               summary=f"The record of the {meeting.kind.label.lower()} about {learner.known_as} awaits your "
                       "sign-off as chair",
               path=path_for("cases.meeting_detail", public_id=meeting.public_id),
               dedupe=f"meeting_awaiting_sign_off:{meeting.public_id}:{meeting.record_number}")


def invitation_accepted(actor: User, invitation: Invitation) -> None:
    """The SENCo who sent it (while they still manage the team)."""
    learner = invitation.learner
    notify(NotificationKind.INVITATION_ACCEPTED, subject=invitation, action=Action.MANAGE_TEAM,
           recipients=[invitation.invited_by], learner=learner, actor=actor,
           summary=f"{actor.display_name} accepted your invitation to join {learner.known_as}’s case as "
                   f"{invitation.role.with_article}",
           path=path_for("cases.team", public_id=learner.public_id),
           dedupe=f"invitation_accepted:{invitation.public_id}")


@learners_merged.connect
def _notifications_follow_the_merge(survivor, other=None, **_) -> None:
    """Two records of one child merged: what people were told about the other record is about the survivor now
    (an erasure deletes them with the learner: the column cascades)."""
    db.session.execute(update(Notification).where(Notification.learner_id == other.id)
                       .values(learner_id=survivor.id).execution_options(synchronize_session="fetch"))


register()
