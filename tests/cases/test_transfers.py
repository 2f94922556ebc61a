"""Transfers to the next school: the SENCo's sealed transfer bundle and the DSL's child-protection transfer records.

The bundle is opened with its passphrase (pypdf) to check what it holds and what it must never hold; its bytes,
the passphrase and the receiving school are looked for in the raw database and the audit trail.
"""
from __future__ import annotations

import base64
import io
import logging
import re
from datetime import time, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select, text

from app.agencies.accounts.models import User
from app.audit.models import AuditEvent
from app.cases.concerns import services as concerns
from app.cases.contributions import services as contributions
from app.cases.contributions.misfiled import withdraw_contribution
from app.cases.learners.models import Learner
from app.cases.meetings import services as meetings
from app.cases.meetings.models import Attendance, MeetingKind
from app.cases.meetings.services import MeetingDetails
from app.cases.plans import services as plans
from app.cases.transfers.models import ChildProtectionTransfer, TransferBundle
from app.core import dates
from app.extensions import db
from tests.fixtures.application import text_of

SCHOOL = "Hollins Park Primary"
NEXT_SCHOOL = "Kingsmead Academy CANARY-NEXT-SCHOOL"
SECRET = {
    "outcome": "CANARY-OUTCOME-reads-aloud-4e1a", "provision": "CANARY-PROVISION-phonics-77b0",
    "team": "CANARY-TEAM-CONTRIBUTION-0c3d", "family": "CANARY-FAMILY-VIEW-91aa",
    "restricted": "CANARY-RESTRICTED-CONTRIBUTION-5f2e", "minutes": "CANARY-SIGNED-MINUTES-2b48",
    "draft": "CANARY-DRAFT-MINUTES-d610", "concern": "CANARY-CONCERN-8a7c", "views": "CANARY-VIEWS-13f9",
    "withdrawn": "CANARY-WITHDRAWN-CONTRIBUTION-c81d",
}


@pytest.fixture
def case(app, create_agency, create_user, create_case, client_as, add_to_team):
    """A learner with a plan, contributions of each visibility, a signed and a draft meeting, and a concern."""
    create_agency(name=SCHOOL)
    learner_id = create_case(school=SCHOOL, name="Zoë Transferring", year_group=6)
    senco, dsl = client_as("senco", agency=SCHOOL), client_as("dsl", agency=SCHOOL)
    teacher, parent = create_user("teacher", agency=SCHOOL), create_user("parent")
    add_to_team(learner_id, teacher)
    add_to_team(learner_id, parent)
    with app.app_context():
        today = dates.today()
        def user(account) -> User:
            return db.session.scalars(select(User).where(User.public_id == account.public_id)).one()

        learner = db.session.scalars(select(Learner).where(Learner.public_id == learner_id)).one()
        lead, author, family = user(senco.account), user(teacher), user(parent)
        cycle = plans.start_plan(lead, learner)
        plans.update_cycle(lead, cycle, version=cycle.version, assess_on=today, review_on=today + timedelta(days=30),
                           learner_views=f"<p>{SECRET['views']}</p>")
        plans.add_outcome(lead, cycle, description=f"{SECRET['outcome']} a page", measure="Reading record",
                          target_on=today + timedelta(days=60), owner_public_id=author.public_id, progress=None)
        plans.add_provision(lead, cycle, description=SECRET["provision"], delivered_by="Learning support",
                            frequency="Daily", starts_on=today, ends_on=None)
        contributions.add_contribution(author, learner, kind="classroom_view", visibility="team", title="In class",
                                       body=f"<p>{SECRET['team']}</p>")
        contributions.add_contribution(family, learner, kind="family_view", visibility="team_and_family",
                                       title="At home", body=f"<ul><li>{SECRET['family']}</li></ul>")
        contributions.add_contribution(author, learner, kind="classroom_view", visibility="restricted",
                                       title="Private", body=f"<p>{SECRET['restricted']}</p>")
        misfiled = contributions.add_contribution(author, learner, kind="classroom_view", visibility="team",
                                                  title="Misfiled", body=f"<p>{SECRET['withdrawn']}</p>")
        withdraw_contribution(author, misfiled, version=misfiled.version, reason="Written about another child")

        def details(minutes):
            return MeetingDetails(kind=MeetingKind.REVIEW, held_on=today, starts_at=time(9, 30), duration_minutes=30,
                                  chair=lead.public_id, agenda="<p>Progress</p>", minutes=f"<p>{minutes}</p>",
                                  attendance={lead.public_id: Attendance.PRESENT}, actions=[],
                                  shared_with_family=False)

        signed = meetings.record_meeting(lead, learner, details(SECRET["minutes"]))
        meetings.sign_off_meeting(lead, signed, version=signed.version)
        meetings.record_meeting(lead, learner, details(SECRET["draft"]))
        concerns.record_concern(author, learner, concern=SECRET["concern"])
        db.session.commit()
    return {"learner": learner_id, "senco": senco, "dsl": dsl, "teacher": teacher}


def _make(senco, learner_id, school=NEXT_SCHOOL):
    response = senco.post(f"/learners/{learner_id}/transfers/bundle", data={"receiving_school": school})
    assert response.status_code == 200, text_of(response)[:1500]
    page = text_of(response)
    passphrase = re.search(r'id="bundle-passphrase"><strong><code>([a-z0-9-]+)</code>', page).group(1)
    bundle = re.search(r'/transfer-bundles/([A-Za-z0-9_-]+)/download', page).group(1)
    return passphrase, bundle


def _all_rows(app) -> str:
    with app.app_context():
        rows = [repr(tuple(row)) for table in db.metadata.sorted_tables
                for row in db.session.execute(select(table))]
        db.session.remove()
    return "\n".join(rows)


def test_the_bundle_opens_with_its_passphrase_and_holds_the_record_without_concerns(app, case):
    passphrase, bundle = _make(case["senco"], case["learner"])
    assert re.fullmatch(r"([a-z0-9]{5}-){4}[a-z0-9]{5}", passphrase)
    response = case["senco"].post(f"/transfer-bundles/{bundle}/download", data={})
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "Zo" not in response.headers["Content-Disposition"]  # the file's name names no child
    assert response.headers["Content-Security-Policy"].startswith("sandbox")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    content = response.get_data()
    assert content.startswith(b"%PDF-2.0")
    reader = PdfReader(io.BytesIO(content))
    assert reader.is_encrypted
    encryption = reader.trailer["/Encrypt"]
    assert (encryption["/V"], encryption["/R"]) == (5, 6)  # AES-256, PDF 2.0
    assert not reader.decrypt("not-the-passphrase")
    assert SECRET["outcome"].encode() not in content and b"Transferring" not in content
    reader = PdfReader(io.BytesIO(content))
    assert reader.decrypt(passphrase)
    pdf = "\n".join(page.extract_text() for page in reader.pages)
    flat = " ".join(pdf.split())
    for kept in ("outcome", "provision", "team", "family", "minutes", "views"):
        assert SECRET[kept] in flat, kept
    assert "Zoë Transferring" in flat and "Kingsmead Academy" in flat and "Year 6" in flat
    for left_out in ("restricted", "draft", "concern", "withdrawn"):
        assert SECRET[left_out] not in flat, left_out
    assert "Child-protection records are not included" in flat


@pytest.mark.both_backends  # bytes at rest
def test_the_bundle_is_sealed_at_rest_and_the_passphrase_is_kept_nowhere(app, case, caplog):
    caplog.set_level(logging.DEBUG)
    passphrase, bundle = _make(case["senco"], case["learner"])
    content = case["senco"].post(f"/transfer-bundles/{bundle}/download", data={}).get_data()
    with app.app_context():
        stored = db.session.execute(text("SELECT content_sealed, receiving_school_sealed, sha256, size_bytes "
                                         "FROM transfer_bundle")).one()
        assert stored.content_sealed.startswith("b1.") and stored.receiving_school_sealed.startswith("b1.")
        assert stored.size_bytes == len(content)
        db.session.remove()
    raw = _all_rows(app)
    assert base64.b64encode(content[:600]).decode()[:200] not in raw  # the PDF itself is not stored in the clear
    assert content[:600].decode("latin-1") not in raw
    assert "CANARY-NEXT-SCHOOL" not in raw and passphrase not in raw
    assert passphrase not in caplog.text and "CANARY-NEXT-SCHOOL" not in caplog.text
    # Shown once: the transfers page lists the bundle without it.
    page = text_of(case["senco"].get(f"/learners/{case['learner']}/transfers"))
    assert "CANARY-NEXT-SCHOOL" in page and passphrase not in page


def test_making_and_downloading_are_audited_naming_the_learner_never_values(app, case):
    passphrase, bundle = _make(case["senco"], case["learner"])
    case["senco"].post(f"/transfer-bundles/{bundle}/download", data={})
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "transfer_bundle")
                                    .order_by(AuditEvent.id)).all()
        assert [(e.action.value, e.outcome.value, e.object_public_id, e.learner_ids) for e in events] == [
            ("create", "allowed", bundle, [case["learner"]]), ("export", "allowed", bundle, [case["learner"]])]
        trail = repr(db.session.execute(select(AuditEvent.__table__)).all())
        assert passphrase not in trail and "Kingsmead" not in trail
        db.session.remove()


def test_a_bundle_without_a_receiving_school_is_refused_and_nothing_is_made(app, case):
    missing = "Enter the name of the receiving school"
    for school, error in (("", missing), ("   ", missing), ("x" * 201, "200 characters")):
        response = case["senco"].post(f"/learners/{case['learner']}/transfers/bundle",
                                      data={"receiving_school": school})
        assert response.status_code == 400
        assert error in text_of(response) and "There is a problem" in text_of(response)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(TransferBundle)) == 0


def test_only_the_senco_downloads_and_only_by_post(app, case, client_as, create_agency):
    _, bundle = _make(case["senco"], case["learner"])
    assert case["senco"].get(f"/transfer-bundles/{bundle}/download").status_code == 405
    assert case["dsl"].post(f"/transfer-bundles/{bundle}/download", data={}).status_code == 403
    teacher = client_as("teacher", agency=SCHOOL)
    assert teacher.post(f"/transfer-bundles/{bundle}/download", data={}).status_code == 404
    other = client_as("senco", agency=create_agency(name="Elsewhere Primary"))
    assert other.post(f"/transfer-bundles/{bundle}/download", data={}).status_code == 404
    assert other.get(f"/learners/{case['learner']}/transfers").status_code == 404
    with app.app_context():
        refused = db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "transfer_bundle",
                                                              AuditEvent.outcome == "refused")).all()
        assert {event.action.value for event in refused} == {"export"} and len(refused) == 3
        db.session.remove()


def _today(app):
    with app.app_context():
        return dates.today()


def _cp_form(today, **changes):
    return {"receiving_school": "Kingsmead Academy", "method": "secure_system",
            "sent_on": [str(today.day), str(today.month), str(today.year)], "reference": "CPOMS ref 4471", **changes}


@pytest.mark.both_backends  # bytes at rest
def test_the_dsl_records_a_child_protection_transfer_and_its_receipt(app, case):
    dsl, learner = case["dsl"], case["learner"]
    response = dsl.post(f"/learners/{learner}/transfers/child-protection", data=_cp_form(_today(app)))
    assert response.status_code == 302
    page = text_of(dsl.get(f"/learners/{learner}/transfers"))
    assert "Kingsmead Academy" in page and "CPOMS ref 4471" in page and "Not yet confirmed" in page
    with app.app_context():
        transfer = db.session.scalars(select(ChildProtectionTransfer)).one()
        public_id, sent_on = transfer.public_id, transfer.sent_on
        raw = db.session.execute(text("SELECT receiving_school_sealed, reference_sealed FROM "
                                      "child_protection_transfer")).one()
        assert "Kingsmead" not in repr(raw) and "4471" not in repr(raw)
        db.session.remove()
    before = sent_on - timedelta(days=1)
    early = dsl.post(f"/child-protection-transfers/{public_id}/receipt",
                     data={"confirmed_on": [str(before.day), str(before.month), str(before.year)],
                           "confirmed_by": "Ms Okafor, DSL"})
    assert early.status_code == 400 and "on or after the date the file was sent" in text_of(early)
    assert dsl.post(f"/child-protection-transfers/{public_id}/receipt",
                    data={"confirmed_on": [str(sent_on.day), str(sent_on.month), str(sent_on.year)],
                          "confirmed_by": ""}).status_code == 400
    done = dsl.post(f"/child-protection-transfers/{public_id}/receipt",
                    data={"confirmed_on": [str(sent_on.day), str(sent_on.month), str(sent_on.year)],
                          "confirmed_by": "Ms Okafor, DSL"})
    assert done.status_code == 302
    assert "by Ms Okafor, DSL" in text_of(dsl.get(f"/learners/{learner}/transfers"))
    again = dsl.post(f"/child-protection-transfers/{public_id}/receipt",
                     data={"confirmed_on": [str(sent_on.day), str(sent_on.month), str(sent_on.year)],
                           "confirmed_by": "Someone else"})
    assert again.status_code == 403  # confirmed once: kept as it was
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "child_protection_transfer",
                                                             AuditEvent.outcome == "allowed")
                                    .order_by(AuditEvent.id)).all()
        assert [(e.action.value, e.learner_ids, e.fields_changed) for e in events if e.action.value != "view"] == [
            ("create", [learner], None), ("update", [learner], "confirmed_by,receipt_confirmed_on")]
        assert db.session.scalars(select(ChildProtectionTransfer)).one().confirmed_by == "Ms Okafor, DSL"
        db.session.remove()


@pytest.mark.parametrize("changes, error", [
    ({"receiving_school": ""}, "Enter the name of the receiving school"),
    ({"method": ""}, "Select how the file was sent"),
    ({"method": "carrier_pigeon"}, "Not a valid choice"),
    ({"sent_on": ["", "", ""]}, "Enter the date the file was sent"),
    ({"sent_on": ["31", "2", "2026"]}, "Date sent"),
    ({"reference": "x" * 1001}, "1000 characters"),
])
def test_a_child_protection_transfer_with_bad_input_is_refused_and_nothing_is_recorded(app, case, changes, error):
    response = case["dsl"].post(f"/learners/{case['learner']}/transfers/child-protection",
                                data=_cp_form(_today(app), **changes))
    assert response.status_code == 400
    assert error in text_of(response)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ChildProtectionTransfer)) == 0


def test_a_child_protection_transfer_dated_in_the_future_is_refused(app, case):
    later = _today(app) + timedelta(days=2)
    response = case["dsl"].post(f"/learners/{case['learner']}/transfers/child-protection",
                                data=_cp_form(_today(app), sent_on=[str(later.day), str(later.month), str(later.year)]))
    assert response.status_code == 400 and "must be today or in the past" in text_of(response)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ChildProtectionTransfer)) == 0


def test_only_the_dsl_learns_of_child_protection_transfers(app, case):
    dsl, senco, learner = case["dsl"], case["senco"], case["learner"]
    assert dsl.post(f"/learners/{learner}/transfers/child-protection", data=_cp_form(_today(app))).status_code == 302
    with app.app_context():
        public_id = db.session.scalars(select(ChildProtectionTransfer.public_id)).one()
    page = text_of(senco.get(f"/learners/{learner}/transfers"))
    assert "Child-protection file" not in page and "Kingsmead" not in page
    assert senco.get(f"/learners/{learner}/transfers/child-protection").status_code == 403
    assert senco.get(f"/child-protection-transfers/{public_id}/receipt").status_code == 404
    assert dsl.get(f"/learners/{learner}/transfers/bundle").status_code == 403
