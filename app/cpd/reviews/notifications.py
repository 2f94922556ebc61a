"""The CPD progress review as the subject of a notification: its two signatories read it (the page's check)."""
from __future__ import annotations

from sqlalchemy import select

from app.cpd.reviews.models import ProgressReview
from app.extensions import db
from app.notifications.subjects import register_subject
from app.policy import Action


def register() -> None:
    register_subject(
        "cpd_progress_review",
        load=lambda public_id: db.session.scalar(select(ProgressReview).where(ProgressReview.public_id == public_id)),
        action=Action.VIEW_PROGRESS_REVIEW)


register()
