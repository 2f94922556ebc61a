"""The CPD progress review as the subject of a notification: its two signatories read it (the page's check)."""
from __future__ import annotations

from app.cpd.reviews.models import ProgressReview
from app.notifications.models import NotificationKind
from app.notifications.services import notify, path_for
from app.notifications.subjects import register_subject
from app.policy import Action


def register() -> None:
    register_subject("cpd_progress_review", model=ProgressReview, action=Action.VIEW_PROGRESS_REVIEW)


def review_awaits_signature(manager, review: ProgressReview) -> None:
    """The practitioner, when a review of them is written or changed and waits for their signature: once per
    version of the review (a change clears both signatures, so it is theirs to sign again). Nothing here names a
    learner: a progress review is about the practitioner."""
    if review.practitioner_signed_at is not None:
        return
    notify(NotificationKind.PROGRESS_REVIEW_TO_SIGN, subject=review, action=Action.VIEW_PROGRESS_REVIEW,
           recipients=[review.practitioner], actor=manager,
           summary=f"{manager.display_name} wrote a progress review of your CPD for you to read and sign",
           path=path_for("cpd.review_detail", public_id=review.public_id),
           dedupe=f"progress_review_to_sign:{review.public_id}:{review.version}")


register()
