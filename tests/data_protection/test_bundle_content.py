"""A subject access bundle for the demo's richest learner holds every sentinel planted in each kind of their records
and none planted in another learner's; a redacted passage and a withheld item are absent from both the PDF and the
JSON; an opening the DSL withheld from the family and a concern the DSL did not release are absent too."""
from __future__ import annotations

import io
import json
import zipfile
from datetime import date, timedelta
from decimal import Decimal

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from app.agencies.accounts.models import Role, User
from app.audit.events import record
from app.audit.family.models import FamilyVisibilityDecision
from app.audit.models import AuditAction, AuditEvent
from app.cases.attachments.files import FileKind
from app.cases.attachments.models import Attachment
from app.cases.concerns.models import SafeguardingConcern
from app.cases.contributions.models import Contribution, ContributionRevision
from app.cases.family_profile.models import FamilyProfile
from app.cases.learners.models import Learner, LearnerRevision
from app.cases.meetings.models import Meeting, MeetingAction
from app.cases.plans.models import Outcome, PlanCycle, SupportPlan
from app.cases.restrictions.models import ProcessingRestriction
from app.cpd.entries.models import ActivityType, CaseEvidence, EvidenceKind, ReflectiveEntry, ReflectiveModel
from app.cpd.hours import Participation
from app.data_protection.bundles import jobs, services
from app.data_protection.bundles.gather import gather
from app.data_protection.bundles.models import BundleStatus, ConcernRelease, RedactionReason
from app.data_protection.requests.models import (
    ClockStart,
    RequesterRelationship,
    RequestKind,
    RequestStatus,
    SubjectAccessRequest,
)
from app.demo.access_bundles import load_demo_bundle
from app.extensions import db
from app.types import utcnow

OTHER_CHILD = "Jamie Fletcher"


def richest_learner() -> Learner:
    """The demo learner with the most kinds of record, then the most items."""
    learners = db.session.scalars(select(Learner).where(Learner.merged_into_id.is_(None))).all()

    def richness(learner):
        items = gather(learner).items
        return len({item.kind for item in items}), len(items)

    return max(learners, key=richness)


def first(model, *where):
    return db.session.scalars(select(model).where(*where).order_by(model.id)).first()


def staff(school_id: int, role: Role) -> User:
    return db.session.scalars(select(User).where(User.agency_id == school_id, User.role == role)
                              .order_by(User.id)).first()


def plant(learner: Learner, tag: str, author: User) -> dict[str, str]:
    """A sentinel in one record of every kind of `learner`'s, `tag` telling learners apart: {kind: sentinel}."""
    sentinels = {}

    def mark(kind: str) -> str:
        sentinels[kind] = f"{tag}{kind.upper()}SENTINEL"
        return sentinels[kind]

    learner.notes = f"Notes {mark('details')}"
    revision = LearnerRevision(learner_id=learner.id, changed_by_id=author.id, fields="notes")
    revision.reason, revision.earlier = mark("history"), {"notes": "before"}
    db.session.add(revision)
    cycle = first(PlanCycle, PlanCycle.plan_id.in_(select(SupportPlan.id).where(SupportPlan.learner_id == learner.id)))
    cycle.learner_views = f"Views {mark('plan')}"
    first(Outcome, Outcome.cycle_id == cycle.id).description = f"Target {mark('target')}"
    contribution = first(Contribution, Contribution.learner_id == learner.id, Contribution.withdrawn_at.is_(None))
    contribution.body = f"Played with {OTHER_CHILD} today. {mark('contribution')}"
    earlier = first(ContributionRevision, ContributionRevision.contribution_id == contribution.id)
    if earlier is None:
        earlier = ContributionRevision(contribution_id=contribution.id, version=0, visibility=contribution.visibility,
                                       written_by_id=contribution.author_id, written_at=utcnow(), title="Before")
        db.session.add(earlier)
    earlier.body = f"Earlier {mark('revision')}"
    attached = Attachment(contribution_id=contribution.id, uploaded_by_id=author.id, kind=FileKind.PDF,
                          size_bytes=40)
    attached.name, attached.content = "notes.pdf", f"%PDF-1.4 {mark('attachment')}".encode()
    db.session.add(attached)
    meeting = first(Meeting, Meeting.learner_id == learner.id)
    meeting.minutes = f"Minutes {mark('meeting')}"
    first(MeetingAction, MeetingAction.meeting_id == meeting.id).description = f"Action {mark('action')}"
    restriction = ProcessingRestriction(learner_id=learner.id, restricted_by_id=author.id, lifted_at=utcnow(),
                                        lifted_by_id=author.id)
    restriction.reason = mark("restriction")
    db.session.add(restriction)
    concern = SafeguardingConcern(learner_id=learner.id, author_id=author.id)
    concern.concern = mark("concern")
    db.session.add(concern)
    profile = first(FamilyProfile, FamilyProfile.learner_id == learner.id)
    if profile is not None:
        profile.good_at = mark("profile")
    entry = ReflectiveEntry(owner_id=contribution.author_id, activity_on=date(2026, 10, 1), hours=Decimal("1.0"),
                            activity_type=ActivityType.CASE_WORK, participation=Participation.INDIVIDUAL,
                            reflective_model=ReflectiveModel.GIBBS)
    entry.title, entry.content = f"{tag}CPDTITLE", f"{tag}CPDCONTENT"
    entry.reflection = {"description": f"{tag}REFLECTIONTEXT"}
    db.session.add(entry)
    db.session.flush()
    db.session.add(CaseEvidence(entry_id=entry.id, owner_id=contribution.author_id, kind=EvidenceKind.CONTRIBUTION,
                                contribution_id=contribution.id, work_label="Classroom view", work_on=date(2026, 9, 30),
                                role_label="Author", learner_reference="ref"))
    sentinels["cpd_link"] = f"linked to contribution {contribution.public_id}"
    db.session.flush()
    return sentinels | {"_concern": concern, "_contribution": contribution}


def read_zip(data: bytes) -> tuple[str, str, dict, dict[str, bytes]]:
    archive = zipfile.ZipFile(io.BytesIO(data))
    files = {name: archive.read(name) for name in archive.namelist()}
    pdf = PdfReader(io.BytesIO(files["bundle.pdf"]))
    pdf_text = " ".join(" ".join(page.extract_text().split()) for page in pdf.pages)
    json_text = files["bundle.json"].decode("utf-8")
    return pdf_text, json_text, json.loads(json_text), files


@pytest.mark.both_backends
def test_the_bundle_holds_every_kind_of_record_and_nothing_of_another_learner(demo_app):
    with demo_app.app_context():
        learner = richest_learner()
        other = db.session.scalars(select(Learner).where(
            Learner.school_id == learner.school_id, Learner.id != learner.id, Learner.merged_into_id.is_(None),
            Learner.id.in_(select(Meeting.learner_id)))).first()
        senco, dsl, teacher = (staff(learner.school_id, role) for role in (Role.SENCO, Role.DSL, Role.TEACHER))
        senco.dpo_designated_at = utcnow()
        mine = plant(learner, "MINE", senco)
        theirs = plant(other, "THEIRS", senco)
        kept_out = SafeguardingConcern(learner_id=learner.id, author_id=teacher.id)
        kept_out.concern = "UNRELEASEDCONCERNSENTINEL"
        db.session.add(kept_out)
        today = date.today()
        request = SubjectAccessRequest(
            agency_id=learner.school_id, learner_id=learner.id, kind=RequestKind.ARTICLE_15,
            requester_relationship=RequesterRelationship.PARENT, received_on=today, registered_by_id=senco.id,
            clock_start=ClockStart.RECEIVED, clock_starts_on=today, due_on=today + timedelta(days=30))
        request.requester_name = "A parent"
        db.session.add(request)
        db.session.flush()
        # An opening the family sees, and one the DSL withholds from them.
        contribution = mine["_contribution"]
        record(teacher, AuditAction.VIEW, contribution)
        record(teacher, AuditAction.UPDATE, contribution, fields=("body",))
        db.session.flush()
        seen, withheld = db.session.scalars(select(AuditEvent.id).where(
            AuditEvent.object_public_id == contribution.public_id).order_by(AuditEvent.id.desc()).limit(2)).all()[::-1]
        decision = FamilyVisibilityDecision(event_id=withheld, learner_public_id=learner.public_id, withheld=True,
                                            decided_by_id=dsl.id)
        decision.reason = "Would identify a foster placement"
        db.session.add(decision)
        services.decide_concern(dsl, request, mine["_concern"], released=True, reason=None)
        services.decide_concern(dsl, request, kept_out, released=False, reason="Likely to cause serious harm")
        # A release naming another learner's concern (never written by the service): still never gathered.
        db.session.add(ConcernRelease(request_id=request.id, concern_id=theirs["_concern"].id, released=True,
                                      decided_by_id=dsl.id))
        db.session.flush()
        # An action whose text appears nowhere else (a signed record froze the others): withheld whole below.
        last_action = db.session.scalars(select(MeetingAction).join(Meeting).where(Meeting.learner_id == learner.id)
                                         .order_by(MeetingAction.id.desc())).first()
        last_action.description = "WITHHELDACTIONSENTINEL"
        db.session.flush()
        review = services.review(senco, request)
        contribution_item = review.gathered.item(f"contribution:{contribution.public_id}")
        services.redact_passage(senco, request, item_key=contribution_item.key, field="body", passage=OTHER_CHILD,
                                reason=RedactionReason.ANOTHER_CHILD)
        withheld_action = review.gathered.item(f"meeting_action:{last_action.public_id}")
        withheld_text = withheld_action.text_of("description")
        assert withheld_text == "WITHHELDACTIONSENTINEL"
        services.withhold_item(senco, request, item_key=withheld_action.key, reason=RedactionReason.STAFF)
        bundle = services.request_build(senco, request)
        services.build(bundle, commit_progress=False)

        assert bundle.status is BundleStatus.BUILT and bundle.progress_done == bundle.progress_total > 0
        pdf_text, json_text, document, files = read_zip(bundle.content)
        attachment_bytes = b"".join(data for name, data in files.items() if name.startswith("attachments/"))
        assert document["schema_version"] == 1 and document["learner"] == learner.public_id
        for kind, sentinel in mine.items():
            if kind.startswith("_"):
                continue
            if kind == "attachment":
                assert sentinel.encode() in attachment_bytes
                continue
            assert sentinel in json_text, kind
            assert sentinel in pdf_text, kind
        for kind, sentinel in theirs.items():
            if kind.startswith("_"):
                continue
            assert sentinel not in json_text and sentinel not in pdf_text, kind
            assert sentinel.encode() not in attachment_bytes
        assert "THEIRS" not in json_text and "THEIRS" not in pdf_text
        assert other.public_id not in json_text
        # The practitioner's own reflection stays theirs: pseudonymous link only.
        assert "MINEREFLECTIONTEXT" not in json_text and "MINECPDTITLE" not in json_text
        assert "MINEREFLECTIONTEXT" not in pdf_text and "MINECPDTITLE" not in pdf_text
        assert "Practitioner A, entry reference" in json_text
        # Redacted and withheld.
        assert OTHER_CHILD not in json_text and OTHER_CHILD not in pdf_text
        assert "[Redacted: another child]" in json_text and "[Redacted: another child]" in pdf_text
        assert withheld_text not in json_text and withheld_text not in pdf_text
        assert withheld_action.key not in json_text
        # The DSL's decisions: the unreleased concern and the withheld opening are out; the seen opening is in.
        assert "UNRELEASEDCONCERNSENTINEL" not in json_text and "UNRELEASEDCONCERNSENTINEL" not in pdf_text
        access = {item["key"] for section in document["sections"] if section["kind"] == "access"
                  for item in section["items"]}
        assert f"access:{seen}" in access
        assert f"access:{withheld}" not in access

        # Removing the redaction makes the bundle stale; rebuilt, the passage is back.
        redaction = services.redactions_of(request)[0]
        services.remove_redaction(senco, redaction)
        assert services.is_stale(request, bundle)
        db.session.commit()
        bundle = services.request_build(senco, request)
        db.session.commit()
        jobs.build_bundle(bundle.public_id)
        bundle = services.bundle_of(db.session.get(SubjectAccessRequest, request.id))
        assert bundle.status is BundleStatus.BUILT and not services.is_stale(bundle.request, bundle)
        pdf_text, json_text, _, _ = read_zip(bundle.content)
        assert OTHER_CHILD in json_text and OTHER_CHILD in pdf_text
        assert withheld_text not in json_text


def test_the_demo_gives_the_completed_request_a_final_bundle_with_a_redacted_name(demo_app):
    with demo_app.app_context():
        learner = db.session.get(Learner, db.session.scalars(select(Meeting.learner_id).order_by(Meeting.id)).first())
        dpo = staff(learner.school_id, Role.SENCO)
        completed = db.session.scalars(select(SubjectAccessRequest).where(
            SubjectAccessRequest.status == RequestStatus.COMPLETED)).first()
        if completed is None:  # the demo's own completed request, else one written here
            today = date.today()
            completed = SubjectAccessRequest(
                agency_id=learner.school_id, learner_id=learner.id, kind=RequestKind.ARTICLE_15,
                requester_relationship=RequesterRelationship.PARENT, received_on=today, registered_by_id=dpo.id,
                clock_start=ClockStart.RECEIVED, clock_starts_on=today, due_on=today + timedelta(days=30),
                status=RequestStatus.COMPLETED)
            completed.requester_name = "A parent"
            db.session.add(completed)
            db.session.commit()
        bundle = services.bundle_of(completed)
        if bundle is None:
            assert load_demo_bundle() == 1
            db.session.commit()
            bundle = services.bundle_of(completed)
        assert load_demo_bundle() == 0  # once
        assert bundle.status is BundleStatus.FINAL and bundle.sha256 and bundle.size_bytes
        redaction = services.redactions_of(completed)[0]
        assert redaction.reason is RedactionReason.ANOTHER_CHILD and redaction.item_key.startswith("meeting:")
        meeting = db.session.scalars(select(Meeting).where(
            Meeting.public_id == redaction.item_key.partition(":")[2])).one()
        assert redaction.passage in meeting.minutes
        pdf_text, json_text, _, _ = read_zip(bundle.content)
        assert redaction.passage not in json_text and redaction.passage not in pdf_text
        assert "[Redacted: another child]" in json_text and "[Redacted: another child]" in pdf_text
