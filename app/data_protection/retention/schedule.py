"""The record classes of a learner's records, their IRMS defaults, the school's own rules, and when each falls due.

Defaults: the IRMS Information Management Toolkit for Schools (retention guidelines for schools): the SEND file is
kept until the child's 31st birthday (date of birth + 31 years); the child-protection file until the 25th birthday,
then reviewed (not destroyed automatically); a subject access request file until its closure + 1 year. The audit
trail is kept: it is append-only and hash-chained, and holds only event metadata and public ids, never content.

Birthdays on 29 February: in a common year the birthday falls on 1 March. An age is attained at the start of the
anniversary of the date of birth (Family Law Reform Act 1969 s.9), and for someone born on 29 February UK practice
takes the anniversary in a common year to be 1 March, so no record is destroyed a day early.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from app.cases.learners.models import Learner
from app.data_protection.retention.models import RetentionAction, RetentionRule
from app.extensions import db


class RecordClass(enum.Enum):
    SEND_FILE = "send_file"
    CHILD_PROTECTION = "child_protection"
    SUBJECT_ACCESS = "subject_access"
    AUDIT_TRAIL = "audit_trail"

    @property
    def label(self) -> str:
        return DEFAULTS[self].label


class Anchor(enum.Enum):
    DATE_OF_BIRTH = "date of birth"
    CLOSURE = "closure of the request"
    NONE = "none"


@dataclass(frozen=True)
class ClassDefault:
    record_class: RecordClass
    label: str
    holds: str  # what the class covers, in a DPO's words
    anchor: Anchor
    years: int | None  # None: kept for good
    action: RetentionAction
    actions: tuple[RetentionAction, ...]  # what a school may choose instead
    irms: str  # the IRMS default, as the toolkit says it


DEFAULTS: dict[RecordClass, ClassDefault] = {
    RecordClass.SEND_FILE: ClassDefault(
        RecordClass.SEND_FILE, "SEND file",
        "The learner's details and their corrections, the support plan and every cycle (outcomes, provision, stage "
        "changes), contributions with their revisions and moves, meetings (records, attendees, actions, outcome "
        "reviews), attached files, the family one-page profile, the team around the child and invitations, "
        "break-glass grants, restrictions of processing, transfer bundles, notifications and import rows about "
        "the learner, and CPD evidence links to this work (the practitioner's reflection stays)",
        Anchor.DATE_OF_BIRTH, 31, RetentionAction.DESTROY, (RetentionAction.DESTROY, RetentionAction.REVIEW),
        "Date of birth of the child + 31 years, then secure disposal"),
    RecordClass.CHILD_PROTECTION: ClassDefault(
        RecordClass.CHILD_PROTECTION, "Child protection file",
        "Safeguarding concerns with their actions and attached files, and records of child-protection files sent "
        "to another school",
        Anchor.DATE_OF_BIRTH, 25, RetentionAction.REVIEW, (RetentionAction.REVIEW, RetentionAction.DESTROY),
        "Date of birth of the child + 25 years, then review"),
    RecordClass.SUBJECT_ACCESS: ClassDefault(
        RecordClass.SUBJECT_ACCESS, "Subject access request file",
        "A subject access request, its correspondence and the bundle sent",
        Anchor.CLOSURE, 1, RetentionAction.DESTROY, (RetentionAction.DESTROY, RetentionAction.REVIEW),
        "Date of closure of the request + 1 year, then secure disposal"),
    RecordClass.AUDIT_TRAIL: ClassDefault(
        RecordClass.AUDIT_TRAIL, "Audit trail",
        "Who did what to which record and when: event metadata and public ids only, never content. Kept: the "
        "trail is append-only and hash-chained, and an erased learner stays in it as a public id",
        Anchor.NONE, None, RetentionAction.KEEP, (RetentionAction.KEEP,),
        "Not in the toolkit: kept as the school's evidence of accountability (Article 5(2))"),
}
EDITABLE = (RecordClass.SEND_FILE, RecordClass.CHILD_PROTECTION, RecordClass.SUBJECT_ACCESS)


@dataclass(frozen=True)
class Rule:
    """The rule in force for one class at one school: the school's own, or the IRMS default."""

    record_class: RecordClass
    years: int | None
    action: RetentionAction
    edited: RetentionRule | None  # the school's row, None while the default applies

    @property
    def default(self) -> ClassDefault:
        return DEFAULTS[self.record_class]

    @property
    def label(self) -> str:
        """What the destruction register says was applied, e.g. "SEND file: date of birth + 31 years"."""
        if self.years is None:
            return f"{self.default.label}: kept"
        return f"{self.default.label}: {self.default.anchor.value} + {self.years} years"


def rules_of(school_id: int) -> dict[RecordClass, Rule]:
    """Every class's rule at the school: its edits over the IRMS defaults."""
    edited = {row.record_class: row for row in db.session.scalars(
        select(RetentionRule).where(RetentionRule.school_id == school_id))}
    rules = {}
    for record_class, default in DEFAULTS.items():
        row = edited.get(record_class.value)
        rules[record_class] = Rule(record_class, row.years if row else default.years,
                                   row.action if row else default.action, row)
    return rules


def anniversary(day: date, years: int) -> date:
    """`day` moved on `years` years; 29 February becomes 1 March in a common year (see the module's docstring)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return date(day.year + years, 3, 1)


# A learner whose date of birth cannot be read: leaving date + this many years (see `date_of_birth_due`).
FALLBACK_YEARS_AFTER_LEAVING = 25


def readable_date_of_birth(learner: Learner) -> date | None:
    try:
        return learner.date_of_birth
    except Exception:  # noqa: BLE001 (an unreadable sealed value, e.g. its key destroyed: treated as missing)
        return None


def date_of_birth_due(learner: Learner, years: int) -> tuple[date | None, str]:
    """When a class anchored on the date of birth falls due for `learner`, and from what.

    Without a readable date of birth (the column is required, so only an unreadable value), the fallback is the
    leaving date + 25 years: a child leaves school at 18 at the latest and usually earlier, so 25 years after
    leaving is never before the 31st birthday of a school-age leaver older than 6. A destruction cannot be
    undone, and keeping a little longer is the lesser harm. Without a leaving date either, nothing falls due:
    the sweep lists the learner as one the DPO must look at by hand.
    """
    born = readable_date_of_birth(learner)
    if born is not None:
        return anniversary(born, years), "date of birth"
    left = learner.leaving_on or (learner.archived_at.date() if learner.archived_at else None)
    if left is not None:
        return anniversary(left, FALLBACK_YEARS_AFTER_LEAVING), "leaving date + 25 years (no date of birth)"
    return None, "no date of birth and no leaving date"
