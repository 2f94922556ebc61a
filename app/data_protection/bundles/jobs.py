"""Building a subject access bundle in the background: gathered, cut, written as a ZIP and sealed onto its row,
with its progress (items and files done) written as it goes for the request's page to poll."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.core.jobs.registry import job
from app.data_protection.bundles import services
from app.data_protection.bundles.models import SubjectAccessBundle
from app.extensions import db


@job(services.BUILD_JOB, retries=2, lease=timedelta(minutes=10))
def build_bundle(bundle_id: str) -> None:
    bundle = db.session.scalars(select(SubjectAccessBundle).where(SubjectAccessBundle.public_id == bundle_id)).first()
    if bundle is None or not bundle.status.in_progress:
        return  # built, failed or finalised already: running twice changes nothing
    try:
        services.build(bundle)
        db.session.commit()
    except Exception:
        # The page shows "The build stopped" with "Build the bundle" again; the job's retries start afresh.
        db.session.rollback()
        services.build_failed(bundle_id)
        raise
