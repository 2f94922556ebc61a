"""Demo learners: the three Oakfield learners the demo has always had, registered through the SENCo."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from app.agencies.accounts.models import User
from app.cases.learners.models import AreaOfNeed
from app.cases.learners.services import find_by_upn, register_learner
from app.extensions import db


@dataclass(frozen=True)
class DemoLearner:
    name: str
    preferred_name: str | None
    date_of_birth: date
    year_group: int
    upn: str
    notes: str
    areas_of_need: tuple[AreaOfNeed, ...]


LEARNERS = (
    DemoLearner(
        "Maya Carter", None, date(2018, 5, 14), 3, "C801200001015",
        "Maya is a cheerful, sociable learner who loves drawing and animals.\n\n"
        "- Speech sounds: fronting of /k/ and /g/ noted by class teacher\n"
        "- Finds it hard to follow instructions with more than two parts",
        (AreaOfNeed.COMMUNICATION_INTERACTION,),
    ),
    DemoLearner(
        "Leo Nowak", "Leo", date(2016, 11, 2), 5, "F801200002020",
        "Leo reads fluently but finds written recording and organising his work difficult.\n\n"
        "Works best with a visual timetable and short, chunked tasks.",
        (AreaOfNeed.COGNITION_LEARNING, AreaOfNeed.SENSORY_PHYSICAL),
    ),
    DemoLearner(
        "Aisha Rahman", "Ash", date(2019, 9, 23), 2, "M801200003025",
        "Aisha can become anxious at transitions, especially after lunch.\n"
        "A calm corner and a named adult at the classroom door help her settle.",
        (AreaOfNeed.SEMH,),
    ),
)


def load_demo_learners() -> int:
    """Register the demo learners at Oakfield through the SENCo, skipping any already there."""
    senco = db.session.scalars(select(User).where(User.email.matches("senco@oakfield.example"))).one()
    made = 0
    for learner in LEARNERS:
        if find_by_upn(senco, learner.upn) is not None:
            continue
        register_learner(
            senco,
            name=learner.name,
            preferred_name=learner.preferred_name,
            date_of_birth=learner.date_of_birth,
            year_group=learner.year_group,
            upn=learner.upn,
            notes=learner.notes,
            areas_of_need=list(learner.areas_of_need),
        )
        made += 1
    return made
