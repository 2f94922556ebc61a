"""The completed subject access request's bundle: built and finalised before the request was closed, with one
redaction, another child's name in a meeting note (the learner's friend joined one of the sessions the meeting
reviewed). Written directly, as the past it shows (the request is closed, so no service may change it now), with
the audit events the DPO's work left."""
from __future__ import annotations

from sqlalchemy import select

from app.audit.events import record
from app.audit.models import AuditAction
from app.cases.learners.models import Learner
from app.cases.meetings.models import Meeting
from app.cases.meetings.services import MEETING_WRITING
from app.core import writing
from app.data_protection.bundles.models import BundleRedaction, BundleStatus, RedactionReason, SubjectAccessBundle
from app.data_protection.bundles.services import write_bundle
from app.data_protection.requests.models import RequestStatus, SubjectAccessRequest
from app.extensions import db
from app.types import utcnow


def _other_child(learner: Learner) -> str:
    """A classmate's first name: another learner of the school, never this one."""
    names = [other.known_as.split()[0] for other in db.session.scalars(
        select(Learner).where(Learner.school_id == learner.school_id, Learner.id != learner.id,
                              Learner.merged_into_id.is_(None)).order_by(Learner.id))]
    own = learner.known_as.split()[0]
    return next((name for name in names if name != own), "Sam")


def load_demo_bundle() -> int:
    """Give the demo's completed request its finalised bundle, once; returns how many bundles were written."""
    request = db.session.scalars(select(SubjectAccessRequest).where(
        SubjectAccessRequest.status == RequestStatus.COMPLETED).order_by(SubjectAccessRequest.id)).first()
    if request is None or db.session.scalar(select(SubjectAccessBundle.id).where(
            SubjectAccessBundle.request_id == request.id)) is not None:
        return 0
    learner, dpo = request.learner, request.registered_by
    meeting = db.session.scalars(select(Meeting).where(Meeting.learner_id == learner.id)
                                 .order_by(Meeting.held_on.desc(), Meeting.id.desc())).first()
    if meeting is not None:
        friend = _other_child(learner)
        passage = f"{friend} (from the same class)"
        if passage not in (meeting.minutes or ""):
            minutes = (meeting.minutes or "").rstrip() + (
                f"\n\n{learner.known_as} has been doing the paired reading sessions with {passage}; both enjoy them.")
            writing.write(meeting, MEETING_WRITING, agenda=meeting.agenda, minutes=minutes,
                          decisions=meeting.decisions)
        redaction = BundleRedaction(request_id=request.id, item_key=f"meeting:{meeting.public_id}", field="minutes",
                                    reason=RedactionReason.ANOTHER_CHILD, made_by_id=dpo.id)
        redaction.passage = passage
        db.session.add(redaction)
        db.session.flush()
        record(dpo, AuditAction.CREATE, redaction, learners=[learner], fields=("item_key", "field", "passage",
                                                                               "reason"))
    bundle = SubjectAccessBundle(request_id=request.id, requested_by_id=dpo.id)
    db.session.add(bundle)
    db.session.flush()
    write_bundle(bundle)
    bundle.status, bundle.finalised_at, bundle.finalised_by_id = BundleStatus.FINAL, utcnow(), dpo.id
    db.session.flush()
    record(dpo, AuditAction.UPDATE, bundle, learners=[learner], fields=("content", "sha256", "size_bytes", "status"))
    record(dpo, AuditAction.UPDATE, bundle, learners=[learner], fields=("status", "finalised_at"))
    return 1
