"""Demo "who has seen my child's record": the demo parent's child was opened by several people over the last
weeks (the plan, a contribution, a meeting record, a download), and the DSL has withheld one of those openings
from the family, with a reason. Written after the demo trail, before it is sealed.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.agencies.accounts.models import User
from app.audit.events import is_out_of_hours
from app.audit.family.models import FamilyVisibilityDecision
from app.audit.family.services import decide_family_visibility
from app.audit.models import AuditAction, AuditEvent, AuditOutcome
from app.cases.learners.models import Learner
from app.demo.audit import DEMO_REQUEST_PREFIX, _at
from app.extensions import db
from app.policy import case_learners

FAMILY_REQUEST_PREFIX = f"{DEMO_REQUEST_PREFIX}family"
WITHHELD_REASON = ("The educational psychologist's download was for a multi-agency meeting about a concern the "
                   "family has not yet been told of; release it once social care agree.")

# (account, days ago, hour, action, object type): what the family's summary shows, oldest first.
OPENINGS = [
    ("teacher@oakfield.example", 12, 9, AuditAction.VIEW, "support_plan"),
    ("slt@riverside-slt.example", 10, 11, AuditAction.CREATE, "contribution"),
    ("lsp@oakfield.example", 8, 14, AuditAction.VIEW, "meeting_record"),
    ("ep@county-eps.example", 6, 10, AuditAction.EXPORT, "meeting_record"),  # withheld by the DSL below
    ("senco@oakfield.example", 3, 15, AuditAction.UPDATE, "support_plan"),
]
WITHHELD = 3  # the index in OPENINGS the DSL withholds


def opening_rows(people: dict, now) -> list[tuple]:
    """The openings of the demo parent's child, as the demo trail's (time, order, row, learner ids): the trail writes
    them with its own events, oldest first, so that the trail's order and its times agree."""
    parent = people.get("parent@family.example")
    child = db.session.scalars(case_learners(parent)).first() if parent is not None else None
    if child is None or any(email not in people for email, *_ in OPENINGS):
        return []
    rows = []
    for number, (email, days_ago, hour, action, object_type) in enumerate(OPENINGS, start=1):
        actor, when = people[email], _at(now - timedelta(days=days_ago), hour, 5 * number)
        rows.append((when, -number, dict(
            occurred_at=when, actor_id=actor.id, actor_role=actor.role.value, actor_agency_id=actor.agency_id,
            action=action, outcome=AuditOutcome.ALLOWED, object_type=object_type, object_public_id=None,
            learner_public_ids=child.public_id, school_id=child.school_id,
            request_id=f"{FAMILY_REQUEST_PREFIX}{number:022d}", ip_address=f"10.20.1.{10 + actor.id}",
            fields_changed=None, purpose=None, out_of_hours=is_out_of_hours(when),
        ), [child.public_id]))
    return rows


def load_demo_family_view() -> int:
    """The DSL's one decision on the openings the demo trail wrote (opening_rows), once; returns how many openings
    the trail holds. Only flushes."""
    openings = db.session.scalars(select(AuditEvent).where(
        AuditEvent.request_id.like(f"{FAMILY_REQUEST_PREFIX}%")).order_by(AuditEvent.request_id)).all()
    dsl = db.session.scalars(select(User).where(User.email.matches("dsl@oakfield.example"))).first()
    if len(openings) != len(OPENINGS) or dsl is None:
        return 0
    withheld = openings[WITHHELD]
    child = db.session.scalars(select(Learner).where(Learner.public_id == withheld.learner_public_ids)).one()
    if db.session.scalar(select(FamilyVisibilityDecision.id).where(
            FamilyVisibilityDecision.event_id == withheld.id).limit(1)) is None:
        decide_family_visibility(dsl, child, withheld, withheld=True, reason=WITHHELD_REASON)
    return len(OPENINGS)
