"""Demo reminders: what the periodic reminders find on a demo day, written once, then the reminders run.

A follow-up meeting about Maya (signed off and shared) leaves the teacher's action and the parent's due tomorrow and
the LSP's three days overdue; an invitation the SENCo sent to a speech and language therapist lapsed unaccepted two
days ago; Dr Nia Evans's access (an educational psychologist on Maya's case) ends in five days. Plan reviews due
within 14 days are there already (app/demo/plans.py). Then the reminders and the daily summary run once, so
notifications wait for several accounts and their emails sit in the development outbox.
"""
from __future__ import annotations

import secrets
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select

from app.agencies.accounts.models import Agency, Role, User
from app.cases.learners.models import Learner
from app.cases.meetings.models import Attendance, MeetingKind
from app.cases.team.models import Invitation, TeamMembership
from app.cases.team.services import hash_token
from app.core import dates
from app.demo.meetings import record_demo_meeting
from app.demo.team import invite_demo_external
from app.extensions import db
from app.notifications.reminders import send_reminders
from app.notifications.summary import send_daily_summaries
from app.types import utcnow

LAPSED_INVITEE = ("r.price@riverside-slt.example", "Rhiannon Price")
ENDING_EP = "n.evans@county-eps.example"  # a demo person (app/demo/accounts.py)


def _account(email: str) -> User:
    return db.session.scalars(select(User).where(User.email.matches(email))).one()


def load_demo_reminders() -> int:
    """Write the demo's due, overdue, lapsed and ending things once; returns how many were written. Flushes only."""
    if db.session.scalar(select(Invitation.id).where(Invitation.email.matches(LAPSED_INVITEE[0]))) is not None:
        return 0
    senco, lsp, teacher = (_account(f"{role}@oakfield.example") for role in ("senco", "lsp", "teacher"))
    parent, ep = _account("parent@family.example"), _account(ENDING_EP)
    maya = db.session.scalars(select(Learner).join(TeamMembership, TeamMembership.learner_id == Learner.id)
                              .where(TeamMembership.user_id == parent.id).order_by(Learner.id)).first()
    now, today = utcnow(), dates.today()
    invite_demo_external(senco, maya, ep, now + timedelta(days=5))
    record_demo_meeting(
        lsp, maya, kind=MeetingKind.PLANNING, held_on=today - timedelta(days=10), chair=senco,
        attendees={senco: Attendance.PRESENT, lsp: Attendance.PRESENT, teacher: Attendance.PRESENT,
                   parent: Attendance.PRESENT},
        others=[], agenda="1. Reading at home\n2. The visual timetable",
        minutes="We agreed how home and school will share Maya's reading.\n\n"
                "The new PE day needs adding to the visual timetable.",
        decisions="- A reading record goes between home and school each week",
        actions=[("Check the reading record with home", teacher, today + timedelta(days=1)),
                 ("Bring Maya's reading diary to school on Friday", parent, today + timedelta(days=1)),
                 ("Add the new PE day to the visual timetable", lsp, today - timedelta(days=3))],
        shared_with_family=True, sign_off=True,
    )
    slt_service = db.session.scalars(select(Agency).where(
        Agency.name.matches("Riverside Children's Speech and Language Therapy"))).one()
    db.session.add(Invitation(
        learner_id=maya.id, email=LAPSED_INVITEE[0], display_name=LAPSED_INVITEE[1], role=Role.SLT,
        agency_id=slt_service.id, access_ends_at=now + timedelta(days=90),
        token_hash=hash_token(secrets.token_urlsafe(32)), expires_at=now - timedelta(days=2),
        invited_by_id=senco.id, created_at=now - timedelta(days=9)))
    db.session.flush()
    return 3


def remind_demo() -> tuple[int, int]:
    """Run the reminders once (each finder commits), then the daily summary as at 07:00 today at the latest, so
    the outbox shows one; returns (told, summaries)."""
    told = sum(send_reminders().values())
    seven = datetime.combine(dates.today(), time(7, 5), tzinfo=dates.school_zone()).astimezone(UTC)
    return told, send_daily_summaries(max(utcnow(), seven))
