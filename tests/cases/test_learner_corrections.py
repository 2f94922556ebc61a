"""Rectification: the SENCo corrects a learner's details with a reason; the earlier values stay, sealed, in a history
the SENCo and the DSL read; the audit event names the fields, never the values; stale edits get the conflict page."""
from __future__ import annotations

import re

from sqlalchemy import func, select, text

from app.audit.models import AuditAction, AuditEvent
from app.cases.learners.models import Learner, LearnerRevision, name_and_birth_index
from app.extensions import db
from tests.fixtures.application import text_of

REGISTER = {"name": "Tobias Fenwick", "date_of_birth": ["9", "2", "2017"], "year_group": "4",
            "areas_of_need": ["cognition_learning"], "upn": "P207000016049", "notes": "<p>Likes trains</p>"}


def _registered(senco) -> str:
    response = senco.post("/learners/new", data=REGISTER)
    assert response.status_code == 302
    return response.headers["Location"].replace("http://localhost", "")


def _edit_form(senco, detail: str, **changes) -> dict:
    page = senco.get(f"{detail}/edit").get_data(as_text=True)
    hidden = re.search(r'<input[^>]*name="version"[^>]*>', page).group(0)
    return {**REGISTER, "version": re.search(r'value="(\d+)"', hidden).group(1), **changes}


def test_the_senco_corrects_a_date_of_birth_and_the_history_keeps_the_old_one(app, client_as):
    senco = client_as("senco")
    detail = _registered(senco)
    form = _edit_form(senco, detail, name="Tobias Fenwick-Hale", date_of_birth=["19", "2", "2017"],
                      reason="Birth certificate checked: the 19th, and his double-barrelled surname")
    response = senco.post(f"{detail}/edit", data=form)
    assert response.status_code == 302, text_of(response)[:2000]
    page = text_of(senco.get(detail))
    assert "Tobias Fenwick-Hale" in page and "19 February 2017" in page
    history = text_of(senco.get(f"{detail}/history"))
    assert "9 February 2017" in history and "Tobias Fenwick</td>" in history
    assert "Birth certificate checked" in history
    with app.app_context():
        learner = db.session.scalars(select(Learner)).one()
        assert learner.name_and_birth_index == name_and_birth_index("tobias fenwick hale", learner.date_of_birth)
        stored = db.session.execute(text("SELECT reason_sealed, earlier_sealed, fields FROM learner_revision")).one()
        assert stored.reason_sealed.startswith("b1.") and stored.earlier_sealed.startswith("b1.")
        assert "Fenwick" not in stored.earlier_sealed and stored.fields == "name,date_of_birth"
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == AuditAction.UPDATE,
                                                            AuditEvent.object_type == "learner")).one()
        assert event.fields_changed == "date_of_birth,name"
        assert "Fenwick" not in repr(tuple(db.session.execute(select(AuditEvent.__table__)).all()))


def test_a_correction_without_a_reason_is_refused_and_changes_nothing(app, client_as):
    senco = client_as("senco")
    detail = _registered(senco)
    response = senco.post(f"{detail}/edit", data=_edit_form(senco, detail, name="Tobias Renamed", reason=""))
    assert response.status_code == 400
    page = text_of(response)
    assert "Enter why the details are being changed" in page and 'value="Tobias Renamed"' in page
    with app.app_context():
        assert db.session.scalars(select(Learner)).one().name == "Tobias Fenwick"
        assert db.session.scalar(select(func.count()).select_from(LearnerRevision)) == 0


def test_a_stale_correction_gets_the_conflict_page_and_loses_nothing(app, client_as):
    senco = client_as("senco")
    detail = _registered(senco)
    stale = _edit_form(senco, detail, year_group="5", reason="Moved up")
    first = senco.post(f"{detail}/edit", data=_edit_form(senco, detail, name="Toby Fenwick", reason="Known as Toby"))
    assert first.status_code == 302
    second = senco.post(f"{detail}/edit", data=stale)
    assert second.status_code == 409
    assert "Toby Fenwick" in text_of(second)
    with app.app_context():
        learner = db.session.scalars(select(Learner)).one()
        assert (learner.name, learner.year_group) == ("Toby Fenwick", 4)


def test_a_upn_belonging_to_another_learner_is_refused(app, client_as):
    senco = client_as("senco")
    detail = _registered(senco)
    other = {**REGISTER, "name": "Other Child", "upn": "B801200005001", "date_of_birth": ["1", "1", "2016"]}
    assert senco.post("/learners/new", data=other).status_code == 302
    response = senco.post(f"{detail}/edit", data=_edit_form(senco, detail, upn="B801200005001", reason="Typo"))
    assert response.status_code == 400 and "already registered" in text_of(response)


def test_nothing_changed_keeps_no_revision(app, client_as):
    senco = client_as("senco")
    detail = _registered(senco)
    assert senco.post(f"{detail}/edit", data=_edit_form(senco, detail, reason="Checked")).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LearnerRevision)) == 0


def test_the_dsl_reads_the_history_and_nobody_else_corrects(app, client_as, create_agency):
    senco = client_as("senco")
    detail = _registered(senco)
    school = senco.account.agency_name
    dsl = client_as("dsl", agency=school)
    assert dsl.get(f"{detail}/history").status_code == 200
    assert dsl.get(f"{detail}/edit").status_code == 403
    assert client_as("teacher", agency=school).get(f"{detail}/history").status_code == 404
    assert client_as("admin", agency=school).get(f"{detail}/edit").status_code == 404
    other = client_as("senco", agency=create_agency(name="Elsewhere School"))
    assert other.get(f"{detail}/edit").status_code == 404
    assert other.post(f"{detail}/edit", data={**REGISTER, "reason": "x", "version": "1"}).status_code == 404
