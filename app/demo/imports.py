"""A past import from Oakfield's MIS: the SIMS sample, uploaded by the SENCo a fortnight ago and carried out."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from app.agencies.accounts.models import User
from app.cases.mis_import.models import LearnerImport
from app.cases.mis_import.services import confirm_import, start_import
from app.core.jobs import runner
from app.extensions import db
from app.types import utcnow

SAMPLE = Path(__file__).resolve().parent / "mis" / "sims.csv"


def load_demo_import() -> int:
    """Import the SIMS sample through the real services and job, once; returns how many learners it created."""
    senco = db.session.scalars(select(User).where(User.email.matches("senco@oakfield.example"))).one()
    if db.session.scalars(select(LearnerImport).where(LearnerImport.school_id == senco.agency_id)).first():
        return 0
    learner_import = start_import(senco, SAMPLE.read_bytes())
    run = confirm_import(senco, learner_import)
    db.session.commit()
    runner.execute(run.public_id)  # here rather than by the worker, which will find it done
    done = db.session.get(LearnerImport, learner_import.id)
    # Shown as the fortnight-old import it stands for (its audit events keep their real time).
    weeks_ago = utcnow() - timedelta(days=14)
    done.created_at, done.confirmed_at, done.finished_at = weeks_ago, weeks_ago, weeks_ago + timedelta(seconds=4)
    db.session.commit()
    return done.created_count
