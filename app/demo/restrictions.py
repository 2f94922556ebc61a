"""A restricted record (UK GDPR Article 18): Evie Grant's mother contests the accuracy of the notes about Evie's
worries, so the DSL restricted processing of the record while the school checks them with her."""
from __future__ import annotations

from sqlalchemy import select

from app.agencies.accounts.models import User
from app.cases.learners.services import find_by_upn
from app.cases.restrictions.models import ProcessingRestriction
from app.cases.restrictions.services import restrict_processing
from app.extensions import db

EVIE_UPN = "U801200023125"
REASON = ("Mrs Grant contests the accuracy of the learning mentor's notes about Evie's worries before tests "
          "(her email of Monday to the SENCo). Restricted while the SENCo checks the notes with her and the "
          "learning mentor; to be lifted, or the notes corrected, once they have met.")


def load_demo_restriction() -> int:
    """Restrict Evie's record through the real service, once; returns how many records were restricted."""
    dsl = db.session.scalars(select(User).where(User.email.matches("dsl@oakfield.example"))).one()
    senco = db.session.scalars(select(User).where(User.email.matches("senco@oakfield.example"))).one()
    evie = find_by_upn(senco, EVIE_UPN)
    if evie is None or db.session.scalar(select(ProcessingRestriction.id).where(
            ProcessingRestriction.learner_id == evie.id).limit(1)) is not None:
        return 0
    restrict_processing(dsl, evie, REASON)
    return 1
