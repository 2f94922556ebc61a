"""Registering and finding learners. Services take the acting user, record the event and flush; views commit."""
from __future__ import annotations

import re
from datetime import date

from app.agencies.accounts.models import User
from app.audit.changes import fields_given
from app.audit.events import record
from app.audit.models import AuditAction
from app.cases.learners.models import YEAR_GROUPS, AreaOfNeed, Learner, normalise_name, normalise_upn
from app.core.dates import today as school_today
from app.extensions import db
from app.policy import Action, require, visible_learners
from app.problems import Refusal
from app.security.crypto import blind_index
from app.security.sanitize import clean_rich_text

# A UPN is a letter, eleven digits, then a digit or letter (DfE format).
# ASCII: `\d` would let other scripts' digits past the blind index
UPN_PATTERN = re.compile(r"^[A-Z][0-9]{11}[0-9A-Z]$")


class LearnerError(Refusal):
    """A learner that cannot be registered as given."""


LEARNER_FIELDS = ("name", "preferred_name", "date_of_birth", "year_group", "upn", "notes", "areas_of_need")


def register_learner(
    actor: User,
    *,
    name: str,
    date_of_birth: date,
    year_group: int,
    preferred_name: str | None = None,
    upn: str | None = None,
    notes: str | None = None,
    areas_of_need: list[AreaOfNeed] | None = None,
) -> Learner:
    require(actor, Action.REGISTER_LEARNER)
    name = (name or "").strip()
    if not normalise_name(name):
        raise LearnerError("Enter the learner's full name", "name")
    if year_group not in YEAR_GROUPS:
        raise LearnerError("Choose a year group", "year_group")
    if date_of_birth >= school_today():
        raise LearnerError("Date of birth must be in the past", "date_of_birth")
    areas_of_need = [AreaOfNeed(area) for area in areas_of_need or []]
    if not areas_of_need:
        raise LearnerError("Select at least one area of need", "areas_of_need")
    upn = normalise_upn(upn) or None
    if upn is not None:
        if not UPN_PATTERN.match(upn):
            raise LearnerError("Enter a UPN in the correct format: a letter, 11 numbers, then a number or letter",
                               "upn")
        if find_by_upn(actor, upn) is not None:
            raise LearnerError("A learner with this UPN is already registered at your school", "upn")
    learner = Learner(school_id=actor.agency_id, year_group=year_group)
    learner.name = name
    learner.preferred_name = (preferred_name or "").strip() or None
    learner.date_of_birth = date_of_birth
    learner.upn = upn
    learner.notes = clean_rich_text(notes) or None
    learner.areas_of_need = list(dict.fromkeys(areas_of_need))
    db.session.add(learner)
    db.session.flush()
    record(actor, AuditAction.CREATE, learner, fields=fields_given(learner, LEARNER_FIELDS))
    return learner


def find_by_upn(actor: User, upn: str) -> Learner | None:
    require(actor, Action.FIND_LEARNER)
    index = blind_index("upn", normalise_upn(upn))
    return db.session.scalars(visible_learners(actor).where(Learner.upn_index == index)).first()


def find_by_name(actor: User, name: str) -> list[Learner]:
    require(actor, Action.FIND_LEARNER)
    index = blind_index("name", normalise_name(name))
    return db.session.scalars(visible_learners(actor).where(Learner.name_index == index)).all()


def school_learners(actor: User) -> list[Learner]:
    require(actor, Action.LIST_LEARNERS)
    return db.session.scalars(visible_learners(actor)).all()

