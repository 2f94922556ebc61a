"""Correcting a learner's details (UK GDPR Article 16): every change with a reason, its earlier values kept sealed.

Services flush; the view commits (through app.core.conflicts, so two corrections racing never lose one).
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app.agencies.accounts.models import User
from app.audit.events import record
from app.audit.models import AuditAction
from app.cases.learners.models import YEAR_GROUPS, Learner, LearnerRevision, SenStatus, YearGroupSource
from app.cases.learners.services import LEARNER_WRITING, LearnerError, checked_details
from app.core import dates, writing
from app.core.conflicts import check_version
from app.extensions import db
from app.policy import Action, require
from app.security.sanitize import writing_source

REASON_MAX = 1000
# What a correction may change, in the order the history names them, with the words it uses.
CORRECTABLE = {
    "name": "Full name", "preferred_name": "Preferred name", "date_of_birth": "Date of birth",
    "year_group": "Year group", "upn": "UPN", "registration_group": "Registration group", "sen_status": "SEN status",
    "areas_of_need": "Areas of need", "notes": "Notes",
}


def shown(field: str, value) -> str:
    """A value as the history shows it (and keeps it, sealed)."""
    if value is None or value == []:
        return "Not recorded"
    if field == "date_of_birth":
        return dates.day(value)
    if field == "year_group":
        return YEAR_GROUPS[value]
    if field == "sen_status":
        return value.label
    if field == "areas_of_need":
        return ", ".join(area.label for area in value)
    return str(value)


def correct_learner(actor: User, learner: Learner, *, version, reason: str, name: str, date_of_birth: date,
                    year_group: int, areas_of_need: list, preferred_name: str | None = None, upn: str | None = None,
                    registration_group: str | None = None, sen_status: str | None = None,
                    notes: str | None = None) -> LearnerRevision | None:
    """Change the learner's details; returns the revision kept, or None when nothing changed.

    :raise LearnerError: naming the field (the reason too). :raise EditConflict: when someone else corrected
        the learner since `version` was loaded.
    """
    require(actor, Action.CORRECT_LEARNER, learner)
    check_version(learner, version)
    reason = (reason or "").strip()
    if not reason:
        raise LearnerError("Enter why the details are being changed", "reason")
    if len(reason) > REASON_MAX:
        raise LearnerError(f"The reason must be {REASON_MAX} characters or fewer", "reason")
    name, upn, areas = checked_details(actor, name=name, date_of_birth=date_of_birth, year_group=year_group,
                                       upn=upn, areas_of_need=areas_of_need, learner=learner)
    wanted = {
        "name": name, "preferred_name": (preferred_name or "").strip() or None, "date_of_birth": date_of_birth,
        "year_group": year_group, "upn": upn, "registration_group": (registration_group or "").strip() or None,
        "sen_status": SenStatus(sen_status) if sen_status else None, "areas_of_need": areas,
        "notes": writing_source(notes),
    }
    changed = [field for field in CORRECTABLE if getattr(learner, field) != wanted[field]]
    if not changed:
        return None
    earlier = {field: shown(field, getattr(learner, field)) for field in changed}
    for field in changed:
        if field == "notes":
            writing.write(learner, LEARNER_WRITING, notes=wanted[field])
        elif field not in ("name", "date_of_birth", "year_group"):
            setattr(learner, field, wanted[field])
    if "year_group" in changed:
        learner.set_year_group(year_group, YearGroupSource.CORRECTED, dates.today())
    if "name" in changed or "date_of_birth" in changed:
        learner.set_name_and_birth(wanted["name"], wanted["date_of_birth"])
    revision = LearnerRevision(learner=learner, changed_by=actor, fields=",".join(changed))
    revision.reason = reason
    revision.earlier = earlier
    db.session.add(revision)
    db.session.flush()
    record(actor, AuditAction.UPDATE, learner, fields=changed)
    return revision


def learner_history(actor: User, learner: Learner) -> list[LearnerRevision]:
    """Every correction of the learner, newest first. :raise 403: for anyone but the SENCo and the DSL."""
    require(actor, Action.VIEW_LEARNER_HISTORY, learner)
    # The corrections of records merged into this one are part of its history too.
    merged = select(Learner.id).where(Learner.merged_into_id == learner.id)
    return db.session.scalars(select(LearnerRevision).where(
        (LearnerRevision.learner_id == learner.id) | LearnerRevision.learner_id.in_(merged))
        .order_by(LearnerRevision.id.desc())).all()
