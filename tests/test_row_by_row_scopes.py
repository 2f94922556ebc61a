"""Scopes that check each row's case on its own (`row_by_row`, for statements that find their rows by author or owner)
and the learner list that checks each listed record itself answer exactly as the scopes that gather a user's cases
first: for every account of the demo, with a live break-glass grant, a restricted record and an ended membership
among them, on both engines."""
from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import select

from app.agencies.accounts.models import Role, User
from app.audit.models import PurposeCategory
from app.cases.break_glass.models import BreakGlassAccess
from app.cases.contributions.models import Contribution
from app.cases.learners.models import Learner
from app.cases.meetings.models import Attendance
from app.cases.team.models import TeamMembership
from app.core.dates import today as school_today
from app.cpd.entries.models import CaseEvidence
from app.cpd.entries.services import UNREFLECTED_SINCE, _unreflected_scopes
from app.extensions import db
from app.policy import (
    case_learners,
    on_own_case,
    visible_actions,
    visible_contributions,
    visible_learners,
    visible_meetings,
)
from app.policy.scopes import _case_learner_ids
from app.types import utcnow

pytestmark = pytest.mark.both_backends


def _edge_cases() -> None:
    """What the demo holds only in the past: a teacher's live break-glass grant on a case of their school they are
    not on, and a membership ended early (the restricted record is the demo's own)."""
    now = utcnow()
    written = select(Contribution.learner_id)
    teacher, other = next(
        (teacher, other) for teacher in db.session.scalars(select(User).where(User.role == Role.TEACHER))
        for other in db.session.scalars(select(Learner).where(
            Learner.school_id == teacher.agency_id, Learner.id.in_(written),
            Learner.id.not_in(select(TeamMembership.learner_id).where(TeamMembership.user_id == teacher.id))))
    )
    db.session.add(BreakGlassAccess(user_id=teacher.id, learner_id=other.id, purpose=PurposeCategory.SAFEGUARDING,
                                    started_at=now, expires_at=now + timedelta(hours=1), reason="A test's grant"))
    ended = db.session.scalars(select(TeamMembership).where(TeamMembership.ended_at.is_(None))
                               .order_by(TeamMembership.id.desc())).first()
    ended.ended_at = now - timedelta(minutes=1)
    db.session.commit()


def _gathered_learners(user):
    """The learners a user sees, as the list of their cases' ids says (the SENCo and DSL: their school)."""
    query = select(Learner).where(Learner.merged_into_id.is_(None))
    if user.role in (Role.SENCO, Role.DSL) and not user.restricted:
        return query.where(Learner.school_id == user.agency_id)
    ids = _case_learner_ids(user)
    return query.where(False) if ids is None else query.where(Learner.id.in_(ids))


def _gathered_own_cases(user):
    """The learners of a user's own cases (not a leaver's), as the list of their cases' ids says."""
    query = select(Learner).where(Learner.archived_at.is_(None))
    if user.role is Role.SENCO and not user.restricted:
        return query.where(Learner.school_id == user.agency_id, Learner.merged_into_id.is_(None))
    ids = _case_learner_ids(user, break_glass=False)
    return query.where(False) if ids is None else query.where(Learner.id.in_(ids))


def test_row_by_row_scopes_answer_as_the_gathered_ones_for_every_account(demo_app):
    with demo_app.app_context():
        _edge_cases()
        assert db.session.scalar(select(Learner.id).where(Learner.restricted_at.is_not(None))) is not None
        users = db.session.scalars(select(User).order_by(User.id)).all()
        assert {user.role for user in users} == set(Role) and any(user.restricted for user in users)
        rows, differing_users = 0, set()
        for user in users:
            pairs = {
                "contributions": (visible_contributions(user), visible_contributions(user, row_by_row=True)),
                "meetings": (visible_meetings(user), visible_meetings(user, row_by_row=True)),
                "actions": (visible_actions(user), visible_actions(user, row_by_row=True)),
                "own cases": (_gathered_own_cases(user), case_learners(user)),
                "own cases, row by row": (_gathered_own_cases(user),
                                          select(Learner).where(on_own_case(user, row_by_row=True))),
                "learners": (_gathered_learners(user), visible_learners(user)),
            }
            for name, (gathered, row_by_row) in pairs.items():
                expected = {row.id for row in db.session.scalars(gathered)}
                found = {row.id for row in db.session.scalars(row_by_row)}
                assert found == expected, (name, user.role, user.restricted, sorted(found ^ expected))
                rows += len(expected)
                differing_users.add((name, frozenset(expected)))
        # Not a comparison of empty lists: people see different things, and plenty of them.
        assert rows > 200 and len(differing_users) > 12


def test_the_cpd_prompt_finds_each_accounts_meetings_as_a_plain_reading_of_each_meeting_says(demo_app):
    """The meetings an account recorded, chaired or attended (present), can read, held in the prompt's window and
    not yet linked to an entry of theirs: the prompt's statement against each meeting read one by one."""
    with demo_app.app_context():
        today = school_today()
        since = today - UNREFLECTED_SINCE
        total = 0
        for user in db.session.scalars(select(User).order_by(User.id)).all():
            _, meetings = _unreflected_scopes(user, datetime.combine(since, time.min, tzinfo=UTC), since, today)
            found = {meeting.id for meeting in db.session.scalars(meetings)}
            linked = set(db.session.scalars(select(CaseEvidence.meeting_id).where(CaseEvidence.owner_id == user.id)))
            expected = {
                meeting.id for meeting in db.session.scalars(visible_meetings(user))
                if since <= meeting.held_on <= today and meeting.id not in linked
                and (user.id in (meeting.recorded_by_id, meeting.chair_id)
                     or any(attendee.user_id == user.id and attendee.attendance is Attendance.PRESENT
                            for attendee in meeting.attendees))
            }
            assert found == expected, (user.role, sorted(found ^ expected))
            total += len(expected)
        assert total > 5  # not a comparison of empty sets
