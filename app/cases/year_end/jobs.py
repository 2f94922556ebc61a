"""The periodic job that carries out year ends and archives leavers when their day comes.

Idempotent: a year end is carried out in one transaction that also stamps it carried out, and a learner is
archived only while not archived, so a second run (or two workers) changes nothing more.
"""
from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select, update

from app.cases.year_end import services
from app.cases.year_end.models import SchoolYearEnd
from app.core.dates import today as school_today
from app.core.jobs.registry import periodic_job
from app.extensions import db

log = logging.getLogger("braid.year_end")


@periodic_job("learners.year_end", every=timedelta(hours=1))
def carry_out_due_year_ends() -> None:
    today = school_today()
    for public_id in [year_end.public_id for year_end in services.due_year_ends(today)]:
        # Claimed by a conditional update first: two workers never both carry out one year end.
        claimed = db.session.execute(update(SchoolYearEnd).where(
            SchoolYearEnd.public_id == public_id, SchoolYearEnd.carried_out_at.is_(None),
            SchoolYearEnd.year_end_on <= today).values(version=SchoolYearEnd.version + 1)).rowcount
        year_end = db.session.scalars(select(SchoolYearEnd).where(SchoolYearEnd.public_id == public_id)
                                      .execution_options(populate_existing=True)).one()
        if claimed and services.carry_out_year_end(None, year_end):
            log.info("year end %s carried out: %d moved up, %d archived", public_id, year_end.moved_count,
                     year_end.archived_count)
        db.session.commit()
    archived = services.archive_due_leavers(today)
    db.session.commit()
    if archived:
        log.info("%d leaver(s) archived on their leaving day", archived)
