"""Meeting actions' reminders: the owner of an open action is told the day before it is due, and once when it is
overdue (once per due date: moving the date re-arms both; no daily nagging, the action list shows what is late)."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.agencies.accounts.models import Role
from app.cases.learners.models import Learner
from app.cases.meetings.models import ActionStatus, Meeting, MeetingAction
from app.core.dates import day
from app.extensions import db
from app.notifications.models import NotificationKind
from app.notifications.reminders import Today, reminder
from app.notifications.services import notify, path_for
from app.policy import Action

# An action overdue for longer than this when reminders first run (a new install, a restored backup) is not
# announced: the reminder is about something just missed, not the history of the case.
OVERDUE_WITHIN = timedelta(days=28)


def _open_actions(*conditions):
    return db.session.scalars(
        select(MeetingAction).join(Meeting, Meeting.id == MeetingAction.meeting_id)
        .join(Learner, Learner.id == Meeting.learner_id)
        .where(MeetingAction.status == ActionStatus.OPEN, Learner.archived_at.is_(None),
               Learner.merged_into_id.is_(None), *conditions)
        .order_by(MeetingAction.id)).all()


def _tell_owner(action: MeetingAction, kind: NotificationKind, summary: str) -> int:
    meeting = action.meeting
    # A parent reads their actions on the shared, signed-off record (they never update one): the meeting decides.
    subject, check = (meeting, Action.VIEW_MEETING) if action.owner.role is Role.PARENT else (
        action, Action.UPDATE_ACTION)
    return len(notify(kind, subject=subject, action=check, recipients=[action.owner], learner=meeting.learner,
                      summary=summary, path=path_for("cases.meeting_detail", public_id=meeting.public_id),
                      dedupe=f"{kind.value}:{action.public_id}:{action.due_on.isoformat()}"))


@reminder("cases.meeting_actions")
def remind_action_owners(today: Today) -> int:
    told = 0
    for action in _open_actions(MeetingAction.due_on == today.day + timedelta(days=1)):
        meeting = action.meeting
        told += _tell_owner(action, NotificationKind.ACTION_DUE_TOMORROW,
                            f"Your action from the {meeting.kind.label.lower()} about {meeting.learner.known_as} on "
                            f"{day(meeting.held_on)} is due tomorrow")
    for action in _open_actions(MeetingAction.due_on < today.day, MeetingAction.due_on >= today.day - OVERDUE_WITHIN):
        meeting = action.meeting
        told += _tell_owner(action, NotificationKind.ACTION_OVERDUE,
                            f"Your action from the {meeting.kind.label.lower()} about {meeting.learner.known_as} was "
                            f"due on {day(action.due_on)}")
    return told
