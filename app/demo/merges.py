"""A merged duplicate: Oakfield's office registered Leo Nowak a second time; the SENCo merged the two records."""
from __future__ import annotations

from sqlalchemy import select

from app.agencies.accounts.models import User
from app.cases.learners.models import Learner
from app.cases.learners.services import find_by_upn, register_learner
from app.cases.merges.services import differing_fields, merge_learners
from app.extensions import db

LEO_UPN = "F801200002020"
REASON = ("Leo was registered a second time when his family moved house and the first record was missed: "
          "the same child (birth certificate and address checked with his mother).")

MOVED = "The family moved to Elm Road in the spring: Leo now walks to school with his older sister."


def load_demo_merges() -> int:
    """Register the duplicate and merge it into Leo through the real services; returns how many merges were made."""
    senco = db.session.scalars(select(User).where(User.email.matches("senco@oakfield.example"))).one()
    leo: Learner | None = find_by_upn(senco, LEO_UPN)
    if leo is None or db.session.scalars(select(Learner.id).where(Learner.merged_into_id == leo.id)).first():
        return 0
    duplicate = register_learner(
        senco, name=leo.name, date_of_birth=leo.date_of_birth, year_group=leo.year_group,
        registration_group=leo.registration_group, areas_of_need=leo.areas_of_need, not_a_duplicate=True,
        notes=f"{leo.notes}{MOVED}")
    # Leo's own details stand, but for the notes: the second record's say where the family lives now.
    keep = {field: "other" if field == "notes" else "survivor" for field in differing_fields(leo, duplicate)}
    merge_learners(senco, leo, duplicate, survivor_version=leo.version, other_version=duplicate.version, keep=keep,
                   continuing_cycle=None, reason=REASON)
    return 1
