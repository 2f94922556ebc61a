"""A subject access request's bundle: the DPO's review and redactions, the DSL's release of concerns, building the
ZIP (a background job reporting its progress), finalising, and the audited download. Services flush; views commit.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import func, select

from app.agencies.accounts.models import User
from app.audit.events import record
from app.audit.models import AuditAction
from app.cases.attachments.models import Attachment
from app.cases.concerns.models import SafeguardingConcern
from app.core.jobs.services import enqueue
from app.data_protection.bundles.gather import Gathered, Item, concerns_of, gather
from app.data_protection.bundles.models import (
    BundleRedaction,
    BundleStatus,
    ConcernRelease,
    RedactionReason,
    SubjectAccessBundle,
)
from app.data_protection.bundles.output import Cut, as_zip, redacted
from app.data_protection.bundles.purposes import DOWNLOAD_PURPOSES
from app.data_protection.requests.models import RequestStatus, SubjectAccessRequest
from app.extensions import db
from app.policy import Action, require
from app.problems import Refusal
from app.types import utcnow

BUILD_JOB = "data_protection.build_bundle"
PROGRESS_EVERY = 10  # items between progress writes: a bar that moves without a commit per item


class BundleError(Refusal):
    """What the DPO asked cannot be done as asked (the message says why; `field` names the form's field)."""


# --- reading ---------------------------------------------------------------------------------------------------


def bundle_of(request: SubjectAccessRequest) -> SubjectAccessBundle | None:
    return db.session.scalars(select(SubjectAccessBundle).where(SubjectAccessBundle.request_id == request.id)).first()


def redactions_of(request: SubjectAccessRequest, *, active_only: bool = True) -> list[BundleRedaction]:
    query = select(BundleRedaction).where(BundleRedaction.request_id == request.id)
    if active_only:
        query = query.where(BundleRedaction.removed_at.is_(None))
    return list(db.session.scalars(query.order_by(BundleRedaction.id)))


def concern_decisions(request: SubjectAccessRequest) -> dict[int, ConcernRelease]:
    """The DSL's latest decision per concern for this request (a later decision overrides an earlier one)."""
    found = db.session.scalars(select(ConcernRelease).where(ConcernRelease.request_id == request.id)
                               .order_by(ConcernRelease.id))
    return {decision.concern_id: decision for decision in found}


def released_concern_ids(request: SubjectAccessRequest) -> set[int]:
    return {concern_id for concern_id, decision in concern_decisions(request).items() if decision.released}


def revision_of(request: SubjectAccessRequest) -> int:
    """Grows with every redaction made or removed and every DSL decision: a bundle built at another is stale."""
    made = db.session.scalar(select(func.count()).select_from(BundleRedaction)
                             .where(BundleRedaction.request_id == request.id)) or 0
    removed = db.session.scalar(select(func.count()).select_from(BundleRedaction)
                                .where(BundleRedaction.request_id == request.id,
                                       BundleRedaction.removed_at.is_not(None))) or 0
    decided = db.session.scalar(select(func.count()).select_from(ConcernRelease)
                                .where(ConcernRelease.request_id == request.id)) or 0
    return made + removed + decided


def is_stale(request: SubjectAccessRequest, bundle: SubjectAccessBundle | None) -> bool:
    return bundle is not None and bundle.status in (BundleStatus.BUILT, BundleStatus.FAILED) \
        and bundle.redactions_seen != revision_of(request)


def gathered_for(request: SubjectAccessRequest) -> Gathered:
    """What the bundle holds before redaction: the learner's records, concerns only where the DSL released them."""
    return gather(request.learner, released_concern_ids=released_concern_ids(request))


def cuts_of(request: SubjectAccessRequest) -> list[Cut]:
    return [Cut(one.item_key, one.field, one.passage, one.occurrence, one.reason_words)
            for one in redactions_of(request)]


def final_content(request: SubjectAccessRequest) -> Gathered:
    """The bundle's content as the requester will receive it: gathered, then cut."""
    return redacted(gathered_for(request), cuts_of(request))


@dataclass
class Review:
    gathered: Gathered
    redactions: dict[str, list[BundleRedaction]]  # by item key
    bundle: SubjectAccessBundle | None
    stale: bool


def review(actor: User, request: SubjectAccessRequest) -> Review:
    """Every item of the gathered bundle, with the redactions made on each. :raise 403: for anyone but the DPO."""
    require(actor, Action.PREPARE_SUBJECT_ACCESS_BUNDLE, request)
    by_item: dict[str, list[BundleRedaction]] = {}
    for one in redactions_of(request):
        by_item.setdefault(one.item_key, []).append(one)
    bundle = bundle_of(request)
    return Review(gathered_for(request), by_item, bundle, is_stale(request, bundle))


# --- the DPO's redactions ------------------------------------------------------------------------------------


def _reason(reason, details: str | None) -> tuple[RedactionReason, str | None]:
    try:
        reason = reason if isinstance(reason, RedactionReason) else RedactionReason(reason)
    except ValueError:
        raise BundleError("Choose why this is being redacted", "reason") from None
    details = (details or "").strip() or None
    if reason is RedactionReason.OTHER and not details:
        raise BundleError("Say why this is being redacted", "details")
    return reason, details


def _item(request: SubjectAccessRequest, item_key: str) -> Item:
    item = gathered_for(request).item(item_key or "")
    if item is None:
        raise BundleError("That item is no longer in the bundle", "item_key")
    return item


def _open_for_review(request: SubjectAccessRequest) -> None:
    bundle = bundle_of(request)
    if bundle is not None and bundle.status is BundleStatus.FINAL:
        raise BundleError("The bundle has been finalised: nothing in it can change now")


def redact_passage(actor: User, request: SubjectAccessRequest, *, item_key: str, field: str, passage: str,
                   reason, details: str | None = None, occurrence: int | None = None) -> BundleRedaction:
    """Cut `passage` (its exact text) from one field of one item, with the reason; audited (never the passage).

    :raise BundleError: an item, field or passage that is not there, or no reason. :raise 403: not the DPO."""
    require(actor, Action.PREPARE_SUBJECT_ACCESS_BUNDLE, request)
    _open_for_review(request)
    item = _item(request, item_key)
    text = item.text_of(field)
    if text is None:
        raise BundleError("Choose a part of this item", "field")
    if not passage or not passage.strip():
        raise BundleError("Enter the passage to redact, exactly as it appears", "passage")
    count = text.count(passage)
    if count == 0:
        raise BundleError("That passage does not appear in this part of the item: copy it exactly", "passage")
    if occurrence is not None and not 1 <= occurrence <= count:
        raise BundleError(f"The passage appears {count} time{'s' if count != 1 else ''} here", "occurrence")
    reason, details = _reason(reason, details)
    return _made(actor, request, item_key, field, passage, occurrence, reason, details)


def withhold_item(actor: User, request: SubjectAccessRequest, *, item_key: str, reason,
                  details: str | None = None) -> BundleRedaction:
    """Leave a whole item out of the bundle, with the reason; audited. :raise BundleError, 403: as above."""
    require(actor, Action.PREPARE_SUBJECT_ACCESS_BUNDLE, request)
    _open_for_review(request)
    _item(request, item_key)
    reason, details = _reason(reason, details)
    return _made(actor, request, item_key, None, None, None, reason, details)


def _made(actor, request, item_key, field, passage, occurrence, reason, details) -> BundleRedaction:
    redaction = BundleRedaction(request_id=request.id, item_key=item_key, field=field, occurrence=occurrence,
                                reason=reason, made_by_id=actor.id)
    redaction.passage = passage
    redaction.details = details
    db.session.add(redaction)
    db.session.flush()
    record(actor, AuditAction.CREATE, redaction, learners=[request.learner],
           fields=[name for name, value in (("item_key", item_key), ("field", field), ("passage", passage),
                                            ("occurrence", occurrence), ("reason", reason), ("details", details))
                   if value is not None])
    return redaction


def remove_redaction(actor: User, redaction: BundleRedaction) -> None:
    """Put a redacted passage or withheld item back, before finalising; audited."""
    require(actor, Action.PREPARE_SUBJECT_ACCESS_BUNDLE, redaction.request)
    _open_for_review(redaction.request)
    if redaction.removed_at is not None:
        return
    redaction.removed_at, redaction.removed_by_id = utcnow(), actor.id
    db.session.flush()
    record(actor, AuditAction.UPDATE, redaction, learners=[redaction.request.learner],
           fields=("removed_at",))


# --- the DSL's release of concerns -----------------------------------------------------------------------------


def concerns_for_release(actor: User, request: SubjectAccessRequest) -> list[tuple[SafeguardingConcern,
                                                                                    ConcernRelease | None]]:
    """Each concern about the request's learner with the DSL's latest decision for this request. :raise 403."""
    require(actor, Action.RELEASE_CONCERNS_FOR_REQUEST, request)
    decisions = concern_decisions(request)
    return [(concern, decisions.get(concern.id)) for concern in concerns_of(request.learner)]


def decide_concern(actor: User, request: SubjectAccessRequest, concern: SafeguardingConcern, *, released: bool,
                   reason: str | None) -> ConcernRelease:
    """Release a concern into the request's bundle, or keep it out (a reason required); audited, never the reason.

    :raise 403: for anyone but the DSL of the learner's school. :raise BundleError: a concern of another learner,
    keeping out without a reason, or a finalised bundle."""
    require(actor, Action.RELEASE_CONCERNS_FOR_REQUEST, request)
    if concern.learner_id != request.learner_id:
        raise BundleError("That concern is not about this learner", "concern")
    reason = (reason or "").strip() or None
    if not released and not reason:
        raise BundleError("Say why this concern is kept out of the bundle", "reason")
    _open_for_review(request)
    decision = ConcernRelease(request_id=request.id, concern_id=concern.id, released=released,
                              decided_by_id=actor.id)
    decision.reason = reason
    db.session.add(decision)
    db.session.flush()
    record(actor, AuditAction.CREATE, decision, learners=[request.learner],
           fields=["released"] + (["reason"] if reason else []))
    return decision


# --- building ----------------------------------------------------------------------------------------------------


def request_build(actor: User, request: SubjectAccessRequest) -> SubjectAccessBundle:
    """Queue a (re)build of the request's bundle as a background job; audited. A build already running is left to
    finish (asking twice queues nothing more). :raise 403: not the DPO. :raise BundleError: finalised already."""
    require(actor, Action.PREPARE_SUBJECT_ACCESS_BUNDLE, request)
    bundle = bundle_of(request)
    if bundle is not None and bundle.status.in_progress:
        return bundle
    _open_for_review(request)
    if bundle is None:
        bundle = SubjectAccessBundle(request_id=request.id, requested_by_id=actor.id)
        db.session.add(bundle)
    bundle.status, bundle.progress_done, bundle.progress_total = BundleStatus.QUEUED, 0, 0
    bundle.requested_by_id, bundle.requested_at = actor.id, utcnow()
    request.status = RequestStatus.BUILDING
    db.session.flush()
    record(actor, AuditAction.UPDATE, bundle, learners=[request.learner], fields=("status",))
    enqueue(BUILD_JOB, bundle_id=bundle.public_id)
    return bundle


def build(bundle: SubjectAccessBundle, *, commit_progress: bool = True) -> None:
    """Gather, cut and write the ZIP, sealed onto the bundle's row, reporting progress (items and files done) as it
    goes. `commit_progress`: commit each progress write (the job: the page polls from another connection); tests
    build inside their own transaction. Audited as the DPO who asked for it."""
    request, actor = bundle.request, bundle.requested_by
    require(actor, Action.PREPARE_SUBJECT_ACCESS_BUNDLE, request)  # the DPO may have lost the designation since
    write_bundle(bundle, commit_progress=commit_progress)
    request.status = RequestStatus.IN_REVIEW
    db.session.flush()
    record(actor, AuditAction.UPDATE, bundle, learners=[request.learner],
           fields=("content", "sha256", "size_bytes", "status"))


def write_bundle(bundle: SubjectAccessBundle, *, commit_progress: bool = False) -> None:
    """The work of `build`, with no policy check and no audit event: `build` checks and records; the demo loader
    writes a past bundle of its own (and its events) the same way."""
    request = bundle.request
    revision = revision_of(request)
    content = final_content(request)
    bundle.status = BundleStatus.BUILDING
    bundle.progress_done, bundle.progress_total = 0, len(content.items) + len(content.files)
    _save_progress(commit_progress)

    def progress(done: int, total: int) -> None:
        bundle.progress_done, bundle.progress_total = done, total
        if done % PROGRESS_EVERY == 0:
            _save_progress(commit_progress)

    def load_file(attachment_id: int) -> bytes:
        return db.session.get(Attachment, attachment_id).content

    data = as_zip(content, load_file, progress=progress)
    bundle.content = data
    bundle.sha256, bundle.size_bytes = hashlib.sha256(data).hexdigest(), len(data)
    bundle.built_at, bundle.status, bundle.redactions_seen = utcnow(), BundleStatus.BUILT, revision
    bundle.progress_done = bundle.progress_total
    db.session.flush()


def _save_progress(commit: bool) -> None:
    if commit:
        db.session.commit()
    else:
        db.session.flush()


def build_failed(bundle_public_id: str) -> None:
    """Mark a build that raised as failed (after its transaction was rolled back): the page offers to try again."""
    bundle = db.session.scalars(select(SubjectAccessBundle)
                                .where(SubjectAccessBundle.public_id == bundle_public_id)).first()
    if bundle is not None and bundle.status.in_progress:
        bundle.status = BundleStatus.FAILED
        db.session.commit()


def finalise(actor: User, request: SubjectAccessRequest) -> SubjectAccessBundle:
    """Mark the built bundle final and the request ready to send; audited.

    :raise BundleError: no bundle built, or built before the latest redaction (rebuild first). :raise 403."""
    require(actor, Action.PREPARE_SUBJECT_ACCESS_BUNDLE, request)
    bundle = bundle_of(request)
    if bundle is None or bundle.status is not BundleStatus.BUILT:
        raise BundleError("Build the bundle before finalising it", "bundle")
    if is_stale(request, bundle):
        raise BundleError("The redactions have changed since the bundle was built: build it again first", "bundle")
    bundle.status, bundle.finalised_at, bundle.finalised_by_id = BundleStatus.FINAL, utcnow(), actor.id
    request.status = RequestStatus.READY
    db.session.flush()
    record(actor, AuditAction.UPDATE, bundle, learners=[request.learner], fields=("status", "finalised_at"))
    return bundle


# --- the download --------------------------------------------------------------------------------------------


def download(actor: User, bundle: SubjectAccessBundle, purpose: str | None) -> bytes:
    """The ZIP's bytes, the export recorded with its purpose (flushes; the view commits). :raise BundleError: no
    purpose, or nothing built. :raise 403: for anyone but the DPO."""
    require(actor, Action.DOWNLOAD_SUBJECT_ACCESS_BUNDLE, bundle)
    if purpose not in DOWNLOAD_PURPOSES:
        raise BundleError("Choose why you are downloading the bundle", "purpose")
    if bundle.status not in (BundleStatus.BUILT, BundleStatus.FINAL) or bundle.content_sealed is None:
        raise BundleError("The bundle has not been built yet", "purpose")
    content = bundle.content
    record(actor, AuditAction.EXPORT, bundle, learners=[bundle.request.learner], purpose=purpose)
    return content
