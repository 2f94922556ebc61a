"""A corrected learner: Oakfield's SENCo added Aisha Rahman's missing registration group, with the reason kept."""
from __future__ import annotations

from sqlalchemy import select

from app.agencies.accounts.models import User
from app.cases.learners.corrections import correct_learner
from app.cases.learners.models import Learner, LearnerRevision
from app.cases.learners.services import find_by_upn
from app.extensions import db

AISHA_UPN = "M801200003025"


def load_demo_corrections() -> int:
    """Correct the learner once through the real service; returns how many corrections were made."""
    senco = db.session.scalars(select(User).where(User.email.matches("senco@oakfield.example"))).one()
    aisha: Learner | None = find_by_upn(senco, AISHA_UPN)
    if aisha is None:
        return 0
    if db.session.scalars(select(LearnerRevision).where(LearnerRevision.learner_id == aisha.id)).first():
        return 0
    correct_learner(senco, aisha, version=aisha.version, reason="Registration group left blank when she was "
                    "registered: added from the class list.", name=aisha.name, date_of_birth=aisha.date_of_birth,
                    year_group=aisha.year_group, areas_of_need=aisha.areas_of_need, preferred_name=aisha.preferred_name,
                    upn=aisha.upn, registration_group="2W",
                    sen_status=aisha.sen_status.value if aisha.sen_status else None, notes=aisha.notes)
    return 1
