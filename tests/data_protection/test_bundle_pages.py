"""The bundle's pages: only the school's DPO builds, reviews, redacts, finalises and downloads; only the DSL of the
learner's school releases concerns; the build runs as a job whose progress the page polls; the download asks why,
is audited with that purpose, and is served as a no-store attachment."""
from __future__ import annotations

import io
import zipfile
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.agencies.accounts.models import Role, User
from app.audit.models import AuditAction, AuditEvent, AuditOutcome
from app.cases.concerns.models import SafeguardingConcern
from app.cases.learners.models import Learner
from app.core.jobs import services as job_services
from app.data_protection.bundles import services
from app.data_protection.bundles.models import BundleRedaction, BundleStatus, ConcernRelease, SubjectAccessBundle
from app.data_protection.bundles.purposes import CHECK
from app.data_protection.requests.models import (
    ClockStart,
    RequesterRelationship,
    RequestKind,
    RequestStatus,
    SubjectAccessRequest,
)
from app.extensions import db
from app.types import utcnow
from tests.fixtures.application import sign_in


@pytest.fixture
def school(app, create_agency, create_user, create_case):
    """A school with a DPO (a teacher designated), its SENCo, DSL and a plain teacher; a learner with a concern and
    a request about them; and another school's DSL and DPO."""
    name = create_agency(name="Bundle School")
    other = create_agency(name="Elsewhere School")
    accounts = {
        "dpo": create_user(Role.TEACHER, agency=name, two_step=True, dpo_designated_at=utcnow()),
        "senco": create_user(Role.SENCO, agency=name),
        "dsl": create_user(Role.DSL, agency=name),
        "teacher": create_user(Role.TEACHER, agency=name),
        "other_dsl": create_user(Role.DSL, agency=other),
        "other_dpo": create_user(Role.TEACHER, agency=other, two_step=True, dpo_designated_at=utcnow()),
    }
    learner_id = create_case(school=name)
    with app.app_context():
        learner = db.session.scalars(select(Learner).where(Learner.public_id == learner_id)).one()
        dpo = db.session.scalars(select(User).where(User.public_id == accounts["dpo"].public_id)).one()
        concern = SafeguardingConcern(learner_id=learner.id, author_id=dpo.id)
        concern.concern = "PAGECONCERNSENTINEL"
        today = date.today()
        request = SubjectAccessRequest(
            agency_id=learner.school_id, learner_id=learner.id, kind=RequestKind.ARTICLE_15,
            requester_relationship=RequesterRelationship.PARENT, received_on=today, registered_by_id=dpo.id,
            clock_start=ClockStart.RECEIVED, clock_starts_on=today, due_on=today + timedelta(days=30))
        request.requester_name = "A parent"
        db.session.add_all([concern, request])
        db.session.commit()
        return {"accounts": accounts, "request": request.public_id, "concern": concern.public_id,
                "learner": learner.public_id}


def client_for(app, account):
    client = app.test_client()
    assert sign_in(client, account.email, account.password).status_code == 302
    return client


def test_only_the_dpo_of_the_school_prepares_and_downloads_the_bundle(app, school):
    request = school["request"]
    base = f"/data-protection/requests/{request}/bundle"
    for who in ("senco", "dsl", "teacher", "other_dpo", "other_dsl"):
        client = client_for(app, school["accounts"][who])
        for path in (base, f"{base}/review", f"{base}/progress", f"{base}/download"):
            assert client.get(path).status_code in (403, 404), (who, path)
        assert client.post(f"{base}/build").status_code in (403, 404), who
        assert client.post(f"{base}/finalise").status_code in (403, 404), who
    with app.app_context():
        assert db.session.scalar(select(SubjectAccessBundle)) is None
    dpo = client_for(app, school["accounts"]["dpo"])
    assert dpo.get(base).status_code == 200
    assert dpo.get(f"{base}/review").status_code == 200


def test_only_the_learners_dsl_releases_concerns(app, school):
    request, concern = school["request"], school["concern"]
    page = f"/data-protection/requests/{request}/concerns"
    for who in ("dpo", "senco", "teacher", "other_dsl"):
        client = client_for(app, school["accounts"][who])
        assert client.get(page).status_code in (403, 404), who
        assert client.post(f"{page}/{concern}", data={"decision": "release"}).status_code in (403, 404), who
    dsl = client_for(app, school["accounts"]["dsl"])
    listing = dsl.get("/data-protection/concern-releases")
    assert listing.status_code == 200 and page in listing.get_data(as_text=True)
    shown = dsl.get(page)
    assert shown.status_code == 200 and "PAGECONCERNSENTINEL" in shown.get_data(as_text=True)
    refused = dsl.post(f"{page}/{concern}", data={"decision": "keep_out"})
    assert refused.status_code == 400 and "Say why this concern is kept out" in refused.get_data(as_text=True)
    assert dsl.post(f"{page}/{concern}", data={"decision": "release"}).status_code == 302
    with app.app_context():
        decision = db.session.scalars(select(ConcernRelease)).one()
        assert decision.released
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "concern_release",
                                                            AuditEvent.outcome == AuditOutcome.ALLOWED)).one()
        assert event.action is AuditAction.CREATE and event.learner_public_ids == school["learner"]


def test_building_is_a_job_whose_progress_the_page_polls(app, school, monkeypatch):
    request = school["request"]
    base = f"/data-protection/requests/{request}/bundle"
    dpo = client_for(app, school["accounts"]["dpo"])
    assert dpo.get(f"{base}/progress").get_json()["status"] == "none"
    monkeypatch.setattr(job_services.queue, "hand_over", lambda *args, **kwargs: None)  # run below, by hand
    assert dpo.post(f"{base}/build").status_code == 302
    queued = dpo.get(base)
    assert queued.status_code == 200
    page = queued.get_data(as_text=True)
    assert "<progress" in page and 'http-equiv="refresh"' in page and "bundle-progress.js" in page
    assert dpo.get(f"{base}/progress").get_json()["status"] == "queued"
    written = []
    monkeypatch.setattr(services, "PROGRESS_EVERY", 1)
    real_save = services._save_progress

    def watch(commit):
        written.append(commit)
        real_save(commit)

    monkeypatch.setattr(services, "_save_progress", watch)
    with app.app_context():
        assert job_services.run_pending() == 1
        bundle = db.session.scalars(select(SubjectAccessBundle)).one()
        assert bundle.status is BundleStatus.BUILT
        assert bundle.progress_done == bundle.progress_total > 1
        assert len(written) >= bundle.progress_total  # a write per item and file (PROGRESS_EVERY = 1), committed
        assert all(written)
        assert db.session.get(SubjectAccessRequest, bundle.request_id).status is RequestStatus.IN_REVIEW
    progress = dpo.get(f"{base}/progress").get_json()
    assert progress["status"] == "built" and progress["done"] == progress["total"] and progress["percent"] == 100
    built = dpo.get(base).get_data(as_text=True)
    assert 'http-equiv="refresh"' not in built and "Finalise" in built


def test_redacting_a_passage_then_finalising_and_the_audited_download(app, school, monkeypatch):
    request = school["request"]
    base = f"/data-protection/requests/{request}/bundle"
    dpo = client_for(app, school["accounts"]["dpo"])
    monkeypatch.setattr(job_services.queue, "hand_over", lambda *args, **kwargs: None)
    item = f"details:{school['learner']}"
    form = dpo.get(f"{base}/items/{item}")
    assert form.status_code == 200 and "Sentinel notes for case" in form.get_data(as_text=True)
    missing = dpo.post(f"{base}/items/{item}", data={"item_key": item, "field": "notes", "passage": "not there",
                                                      "reason": "another_child"})
    assert missing.status_code == 400 and "does not appear" in missing.get_data(as_text=True)
    other = dpo.post(f"{base}/items/{item}", data={"item_key": item, "field": "notes", "passage": "Sentinel notes",
                                                    "reason": "other"})
    assert other.status_code == 400 and "Say why" in other.get_data(as_text=True)
    made = dpo.post(f"{base}/items/{item}", data={"item_key": item, "field": "notes", "passage": "Sentinel notes",
                                                   "reason": "another_child"})
    assert made.status_code == 302
    assert "Sentinel notes" in dpo.get(f"{base}/review").get_data(as_text=True)  # the review shows what is held
    assert dpo.post(f"{base}/finalise").status_code == 400  # nothing built yet
    assert dpo.post(f"{base}/build").status_code == 302
    with app.app_context():
        job_services.run_pending()
    assert dpo.post(f"{base}/finalise").status_code == 302
    with app.app_context():
        redaction = db.session.scalars(select(BundleRedaction)).one()
        assert redaction.passage == "Sentinel notes" and redaction.passage_sealed != "Sentinel notes"
        assert db.session.scalars(select(SubjectAccessBundle)).one().status is BundleStatus.FINAL
        assert db.session.scalars(select(SubjectAccessRequest)).one().status is RequestStatus.READY
        assert db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "bundle_redaction")).all()
    # Final: no more redactions or rebuilds.
    assert dpo.post(f"{base}/items/{item}", data={"item_key": item, "field": "notes", "passage": "notes",
                                                   "reason": "another_child"}).status_code == 400

    asked = dpo.get(f"{base}/download")
    assert asked.status_code == 200 and "Why are you downloading" in asked.get_data(as_text=True)
    assert dpo.post(f"{base}/download", data={}).status_code == 400
    with app.app_context():
        assert not db.session.scalars(select(AuditEvent).where(AuditEvent.action == AuditAction.EXPORT)).all()
    response = dpo.post(f"{base}/download", data={"purpose": CHECK})
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response.headers["Cache-Control"]
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert {"bundle.pdf", "bundle.json"} <= set(archive.namelist())
    content = archive.read("bundle.json").decode()
    assert "Sentinel notes" not in content and "[Redacted: another child]" in content
    with app.app_context():
        export = db.session.scalars(select(AuditEvent).where(AuditEvent.action == AuditAction.EXPORT)).one()
        assert export.purpose == CHECK and export.object_type == "subject_access_bundle"
        assert export.learner_public_ids == school["learner"]
