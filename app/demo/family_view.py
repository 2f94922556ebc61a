"""Demo "who has seen my child's record": the demo parent's child was opened by several people over the last
weeks (the plan, a contribution, a meeting record, a download), and the DSL has withheld one of those openings
from the family, with a reason. Written after the demo trail, before it is sealed.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.agencies.accounts.models import User
from app.audit.events import is_out_of_hours, write_row
from app.audit.family.models import FamilyVisibilityDecision
from app.audit.family.services import decide_family_visibility
from app.audit.models import AuditAction, AuditEvent, AuditOutcome
from app.demo.audit import DEMO_REQUEST_PREFIX, _at
from app.extensions import db
from app.policy import case_learners
from app.types import utcnow

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


def load_demo_family_view() -> int:
    """Write the openings and the DSL's one decision, once; returns how many openings were written. Only flushes."""
    done = db.session.scalar(select(AuditEvent.id).where(
        AuditEvent.request_id.like(f"{FAMILY_REQUEST_PREFIX}%")).limit(1))
    if done is not None:
        return 0
    people = {user.email: user for user in db.session.scalars(select(User))}
    parent, dsl = people.get("parent@family.example"), people.get("dsl@oakfield.example")
    if parent is None or dsl is None:
        return 0
    child = db.session.scalars(case_learners(parent)).first()
    if child is None:
        return 0
    now = utcnow()
    for number, (email, days_ago, hour, action, object_type) in enumerate(OPENINGS, start=1):
        actor, when = people[email], _at(now - timedelta(days=days_ago), hour, 5 * number)
        write_row(dict(
            occurred_at=when, actor_id=actor.id, actor_role=actor.role.value, actor_agency_id=actor.agency_id,
            action=action, outcome=AuditOutcome.ALLOWED, object_type=object_type, object_public_id=None,
            learner_public_ids=child.public_id, school_id=child.school_id,
            request_id=f"{FAMILY_REQUEST_PREFIX}{number:022d}", ip_address=f"10.20.1.{10 + actor.id}",
            fields_changed=None, purpose=None, out_of_hours=is_out_of_hours(when),
        ), [child.public_id])
    db.session.flush()
    withheld = db.session.scalars(select(AuditEvent).where(
        AuditEvent.request_id == f"{FAMILY_REQUEST_PREFIX}{WITHHELD + 1:022d}")).one()
    if db.session.scalar(select(FamilyVisibilityDecision.id).where(
            FamilyVisibilityDecision.event_id == withheld.id).limit(1)) is None:
        decide_family_visibility(dsl, child, withheld, withheld=True, reason=WITHHELD_REASON)
    return len(OPENINGS)
