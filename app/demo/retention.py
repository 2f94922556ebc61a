"""Retention and erasure in the demo: Grace Liu (the school business manager) is Oakfield's data protection officer;
she changed one rule of the schedule, placed a legal hold on Leo Nowak's records for his parents' appeal to the SEND
tribunal, and recorded a request to erase Aisha Rahman's records, refused because the SEND file's retention period
has not passed. A fictional learner who left in 2008, Callum Reeves (born 1990), is past his 31st birthday: the
retention sweep erases him while the demo loads, so the destruction register shows a real row. All fictional."""
from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select

from app.agencies.accounts.models import Agency, User
from app.cases.learners.models import Learner
from app.cases.learners.services import find_by_upn
from app.core.dates import today as school_today
from app.data_protection.retention import services
from app.data_protection.retention.models import (
    DestructionEntry,
    ErasureRequest,
    LegalHold,
    RetentionAction,
    RetentionRule,
)
from app.data_protection.retention.schedule import RecordClass
from app.extensions import db

LEO_UPN = "F801200002020"
AISHA_UPN = "M801200003025"
HOLD_REASON = ("Mr and Mrs Nowak have appealed to the First-tier Tribunal (SEND) against the content of Leo's EHC "
               "plan. The school's records of his support may be needed as evidence: keep everything until the "
               "appeal and any further appeal are decided.")
TRIBUNAL_REFERENCE = "SE/26/00417 (fictional)"
LEAVER = ("Callum Reeves", date(1990, 3, 14), date(2008, 7, 18))


def load_demo_retention() -> dict[str, int]:
    """Once each, by the school's DPO (designated with the register of subject access requests): the school's edit of
    a rule, the hold, the refused request, and the sweep's erasure of a long-gone leaver. Returns what was done."""
    dpo = db.session.scalars(select(User).where(User.email.matches("dpo@oakfield.example"))).one()
    senco = db.session.scalars(select(User).where(User.email.matches("senco@oakfield.example"))).one()
    school = db.session.get(Agency, dpo.agency_id)
    done = {"edited": 0, "held": 0, "refused": 0, "erased": 0}
    if db.session.scalar(select(RetentionRule.id).where(RetentionRule.school_id == school.id).limit(1)) is None:
        # The school keeps subject access request files a year longer than the toolkit, for complaints to the ICO.
        services.edit_rule(dpo, RecordClass.SUBJECT_ACCESS, 2, RetentionAction.DESTROY)
        done["edited"] = 1
    leo = find_by_upn(senco, LEO_UPN, include_archived=True)
    if leo is not None and db.session.scalar(select(LegalHold.id).where(LegalHold.learner_id == leo.id)) is None:
        services.place_legal_hold(dpo, leo, HOLD_REASON, TRIBUNAL_REFERENCE)
        done["held"] = 1
    aisha = find_by_upn(senco, AISHA_UPN, include_archived=True)
    if aisha is not None and db.session.scalar(select(ErasureRequest.id).where(
            ErasureRequest.learner_id == aisha.id)) is None:
        services.request_erasure(dpo, aisha, requested_by="Mr Imran Rahman, Aisha's father, with parental "
                                 "responsibility (letter of 3 November)", received_on=date(2026, 11, 4),
                                 today=school_today(), confirmed=False)
        done["refused"] = 1
    if db.session.scalar(select(DestructionEntry.id).where(DestructionEntry.school_id == school.id).limit(1)) is None:
        name, born, left = LEAVER
        leaver = Learner(school_id=school.id, year_group=11, leaving_on=left,
                         archived_at=datetime(left.year, left.month, left.day, 16, tzinfo=UTC))
        leaver.set_name_and_birth(name, born)
        leaver.notes = "Dyslexia support in Years 9 to 11; extra time in examinations."
        db.session.add(leaver)
        db.session.flush()
        result = services.sweep(school.id, school_today(), dry_run=False)
        done["erased"] = len(result.destroyed)
    return done
