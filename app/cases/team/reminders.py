"""Invitations' reminders: the SENCo who sent an invitation is told once when it lapsed unaccepted (not revoked),
so they can send a new one or find another way to reach the family or professional."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.cases.learners.models import Learner
from app.cases.team.models import Invitation
from app.core.dates import day
from app.extensions import db
from app.notifications.models import NotificationKind
from app.notifications.reminders import Today, reminder
from app.notifications.services import notify, path_for
from app.policy import Action

# As for overdue actions: an invitation that lapsed long before reminders first ran is not news.
LAPSED_WITHIN = timedelta(days=28)


@reminder("cases.invitations")
def remind_lapsed_invitations(today: Today) -> int:
    lapsed = db.session.scalars(
        select(Invitation).join(Learner, Learner.id == Invitation.learner_id)
        .where(Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None), Invitation.expires_at <= today.now,
               Invitation.expires_at > today.now - LAPSED_WITHIN, Learner.archived_at.is_(None),
               Learner.merged_into_id.is_(None))
        .order_by(Invitation.id)).all()
    told = 0
    for invitation in lapsed:
        learner = invitation.learner
        told += len(notify(
            NotificationKind.INVITATION_LAPSED, subject=invitation, action=Action.MANAGE_TEAM,
            recipients=[invitation.invited_by], learner=learner,
            summary=f"Your invitation to {invitation.display_name} to join {learner.known_as}’s case as "
                    f"{invitation.role.with_article} lapsed unaccepted on {day(invitation.expires_at)}",
            path=path_for("cases.team", public_id=learner.public_id),
            dedupe=f"invitation_lapsed:{invitation.public_id}"))
    return told
