"""Whose administrator looks after the mail Braid writes to a person: sees it while it is unsent, sends it again."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import aliased

from app.agencies.accounts.models import Role, User
from app.cases.learners.models import Learner
from app.cases.team.models import TeamMembership
from app.extensions import db
from app.policy.rules import live_membership_clause
from app.types import utcnow

_Administrator = aliased(User)


class _Person:
    """What live_membership_clause reads of a person: the id (an account row, not an ORM object, may ask)."""

    def __init__(self, person_id: int):
        self.id = person_id


def mail_keeper(person_id: int, agency_id: int) -> int:
    """The agency whose administrator looks after mail to the person: their own when it has an active administrator
    (a school); else the school of their earliest live case (a parent's family, an outside service with no
    administrator in Braid), so that a parent's stuck password reset is not left for nobody to see; else their own
    (the message is sent all the same, and shown to nobody)."""
    has_administrator = select(_Administrator.id).where(
        _Administrator.agency_id == agency_id, _Administrator.role == Role.ADMIN, _Administrator.active.is_(True)
    ).exists()
    earliest_case_school = (
        select(Learner.school_id).join(TeamMembership, TeamMembership.learner_id == Learner.id)
        .where(live_membership_clause(_Person(person_id), utcnow()))
        .order_by(TeamMembership.starts_at, TeamMembership.id).limit(1).scalar_subquery()
    )
    own_looked_after, school = db.session.execute(select(has_administrator, earliest_case_school)).one()
    return agency_id if own_looked_after or school is None else school
