"""Every malformed file of the reading table, uploaded through the page: refused with its message on the upload
form, and not one row written anywhere (no import, no waiting rows, no learner, no audit event of an import)."""
from __future__ import annotations

import html

from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.cases.learners.models import Learner
from app.cases.mis_import.models import ImportRow, LearnerImport
from app.extensions import db
from tests.cases.mis_import.test_import import upload
from tests.cases.mis_import.test_reading import MALFORMED
from tests.fixtures.application import text_of


def _written(app) -> tuple[int, int, int, int]:
    with app.app_context():
        counts = tuple(db.session.scalar(select(func.count()).select_from(model))
                       for model in (LearnerImport, ImportRow, Learner))
        events = db.session.scalar(select(func.count()).select_from(AuditEvent)
                                   .where(AuditEvent.object_type == "learner_import"))
        return (*counts, events)


def test_the_table_is_large_enough():
    assert len(MALFORMED) >= 20


def test_every_malformed_file_is_refused_on_the_page_and_nothing_is_written(app, client_as):
    senco = client_as("senco")  # one session for the whole table: signing in is the slow part
    failures = []
    for name, data, fragments in MALFORMED:
        response = upload(senco, data, filename="learners.csv")
        page = html.unescape(text_of(response))
        shown = response.status_code == 400 and "There is a problem" in page and 'name="file"' in page
        missing = [fragment for fragment in fragments if fragment not in page]
        if not shown or missing or _written(app) != (0, 0, 0, 0):
            failures.append(f"{name}: {response.status_code}, missing {missing}, written {_written(app)}")
    assert not failures, "\n".join(failures)
