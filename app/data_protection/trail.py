"""How the audit trail names data protection records, and learners erased since an event named them."""
from __future__ import annotations

from sqlalchemy import select

from app.audit import directory
from app.data_protection.retention.models import DestructionEntry
from app.extensions import db


def erased_learners(school_id: int, public_ids: list[str]) -> set[str]:
    """Which of these public ids name a learner of the school whose records were erased (the register says so)."""
    return set(db.session.scalars(select(DestructionEntry.learner_public_id).where(
        DestructionEntry.school_id == school_id, DestructionEntry.learner_public_id.in_(public_ids),
        DestructionEntry.record_class == "send_file")))


def register() -> None:
    directory.provide(erased_learners=erased_learners)
    directory.label("object_type", {
        "record_of_processing": "Record of processing (Article 30)",
        "retention_rule": "Retention rule",
        "legal_hold": "Legal hold",
        "child_protection_review": "Review of a child-protection file",
        "child_protection_file": "Child-protection file",
        "subject_access_file": "Subject access request file",
        "erasure_request": "Erasure request",
        "destruction_register": "Destruction register entry",
        # What a refused request asked to see or do (app.policy.attempts)
        "retention_schedule": "Retention schedule and destruction register",
        "retention_rule_form": "Retention rule form",
        "legal_hold_form": "Legal hold form",
        "erasure_request_form": "Erasure request form",
        "child_protection_review_form": "Review of a child-protection file form",
        "subject_access_request": "Subject access request",
        "subject_access_register": "Register of subject access requests",
        "subject_access_request_form": "Subject access request form",
    })
