"""The plan on a page and the meeting record as PDFs: what they hold (read back with pypdf), who may download them,
how they are sent (an attachment, never cached, named without the child) and that each download is audited."""
from __future__ import annotations

import io
from datetime import time, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from app.agencies.accounts.models import Role, User
from app.audit.models import AuditEvent
from app.cases.learners.models import Learner
from app.cases.meetings import services as meetings
from app.cases.meetings.models import Attendance, MeetingKind
from app.cases.meetings.services import ActionDraft, MeetingDetails
from app.cases.plans import services as plans
from app.cases.plans.models import PlanCycle
from app.cases.team import services as team
from app.cases.team.models import TeamMembership
from app.core import dates
from app.extensions import db
from tests.fixtures.application import text_of

SCHOOL = "Ysgol y Bryn"
NAME = "Siân Ŵyn Llŷr"  # Welsh letters the old latin-1 core font could not draw


@pytest.fixture
def case(app, create_agency, create_user, create_case, client_as, add_to_team):
    """Siân's case: a plan at its do stage with an outcome and provision, a signed-off meeting and a draft."""
    create_agency(name=SCHOOL)
    learner_id = create_case(school=SCHOOL, name=NAME, year_group=4)
    senco = client_as("senco", agency=SCHOOL)
    lsp = create_user("lsp", agency=SCHOOL, name="Gwenllïan Prŷs")
    parent = client_as("parent")
    add_to_team(learner_id, lsp)
    add_to_team(learner_id, parent.account)
    with app.app_context():
        today = dates.today()
        learner = db.session.scalars(select(Learner).where(Learner.public_id == learner_id)).one()
        lead = db.session.scalars(select(User).where(User.public_id == senco.account.public_id)).one()
        cycle = plans.start_plan(lead, learner)
        plans.update_cycle(lead, cycle, version=cycle.version, assess_on=today, review_on=today + timedelta(days=30))
        plans.add_outcome(lead, cycle, description="Siân reads a short passage aloud to a partner",
                          measure="Weekly reading record", target_on=today + timedelta(days=60),
                          owner_public_id=lsp.public_id, progress=None)
        plans.add_provision(lead, cycle, description="Precision teaching of high-frequency words",
                            delivered_by="Learning support", frequency="Three times a week", starts_on=today,
                            ends_on=today + timedelta(days=90))

        def details(minutes, shared):
            return MeetingDetails(kind=MeetingKind.REVIEW, held_on=today, starts_at=time(9, 30), duration_minutes=30,
                                  chair=lead.public_id, agenda="1. Reading\n2. Next steps",
                                  minutes=minutes, attendance={lead.public_id: Attendance.PRESENT},
                                  actions=[ActionDraft(description="Send home the word cards", owner=lsp.public_id,
                                                       due_on=today + timedelta(days=7))],
                                  shared_with_family=shared)

        signed = meetings.record_meeting(lead, learner, details("Siân read twelve words at home.", True))
        meetings.sign_off_meeting(lead, signed, version=signed.version)
        draft = meetings.record_meeting(lead, learner, details("Still being written.", True))
        db.session.commit()
        ids = {"learner": learner_id, "cycle": cycle.public_id, "signed": signed.public_id, "draft": draft.public_id}
    return {**ids, "senco": senco, "parent": parent}


def _pdf_text(response) -> str:
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "application/pdf"
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(response.data)).pages)


def _exports(app, object_type: str) -> list[AuditEvent]:
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == object_type,
                                                             AuditEvent.action == "export",
                                                             AuditEvent.outcome == "allowed")).all()
        db.session.remove()
    return events


def test_the_plan_on_a_page_holds_the_outcomes_provision_and_team_and_draws_welsh_names(app, case):
    plan_page = case["senco"].get(f"/learners/{case['learner']}/plan").get_data(as_text=True)
    assert f"/cycles/{case['cycle']}/plan-on-a-page.pdf" in plan_page  # linked from the plan page
    response = case["senco"].get(f"/cycles/{case['cycle']}/plan-on-a-page.pdf")
    text = _pdf_text(response)
    for expected in (f"Plan on a page: {NAME}", "Year 4", "Cycle 1, at the assess stage",
                     "Siân reads a short passage aloud to a partner", "Weekly reading record",
                     "Latest rating: Not yet reviewed", "Precision teaching of high-frequency words",
                     "Who: Learning support", "How often: Three times a week",
                     "Gwenllïan Prŷs, Learning support practitioner"):
        assert expected in text, expected
    # An attachment never cached, its name free of the child's name; the export audited as the learner's record.
    assert response.headers["Cache-Control"] == "no-store"
    disposition = response.headers["Content-Disposition"]
    assert disposition == f"attachment; filename=plan-on-a-page-cycle-1-{case['cycle']}.pdf"
    events = _exports(app, "plan_cycle")
    assert len(events) == 1 and events[0].learner_public_ids == case["learner"]
    assert events[0].fields_changed == "outcomes,provisions,team"


def test_the_meeting_record_is_the_signed_snapshot_or_a_marked_draft(app, case):
    senco = case["senco"]
    assert f"/meetings/{case['signed']}/record.pdf" in senco.get(f"/meetings/{case['signed']}").get_data(as_text=True)
    signed = _pdf_text(senco.get(f"/meetings/{case['signed']}/record.pdf"))
    assert "Version 1, signed off" in signed and "Siân read twelve words at home." in signed
    assert "1. Reading" in signed and "2. Next steps" in signed  # the rich agenda's numbered list
    assert "Send home the word cards" in signed and "Draft" not in signed
    draft = _pdf_text(senco.get(f"/meetings/{case['draft']}/record.pdf"))
    assert "Draft — not signed off" in draft and "Still being written." in draft
    assert "signed off by" not in draft.lower().replace("not signed off", "")
    assert len(_exports(app, "meeting")) == 2


def test_who_may_download_is_the_school_staff_who_may_view_the_page(app, case, client_as, create_agency):
    parent = case["parent"]
    # The family reads the plan and a shared record, and may print them, but a restricted account cannot export.
    assert parent.get(f"/learners/{case['learner']}/plan").status_code == 200
    assert "plan-on-a-page.pdf" not in text_of(parent.get(f"/learners/{case['learner']}/plan"))
    assert parent.get(f"/cycles/{case['cycle']}/plan-on-a-page.pdf").status_code == 403
    assert "record.pdf" not in text_of(parent.get(f"/meetings/{case['signed']}"))
    assert parent.get(f"/meetings/{case['signed']}/record.pdf").status_code == 403
    assert parent.get(f"/meetings/{case['draft']}/record.pdf").status_code == 404  # a draft is never the family's
    # Another school's SENCo and the parent of another child see nothing.
    other = client_as("senco", agency=create_agency(name="Elsewhere Primary"))
    stranger = client_as("parent")
    for client in (other, stranger):
        assert client.get(f"/cycles/{case['cycle']}/plan-on-a-page.pdf").status_code == 404
        assert client.get(f"/meetings/{case['signed']}/record.pdf").status_code == 404
    assert len(_exports(app, "plan_cycle")) == 0 and len(_exports(app, "meeting")) == 0
    with app.app_context():
        refused = db.session.scalars(select(AuditEvent).where(AuditEvent.outcome == "refused",
                                                              AuditEvent.object_type.in_(("plan_cycle", "meeting"))))
        assert [event.action.value for event in refused] == ["export"] * 7  # each refusal names the export
        db.session.remove()


def test_a_closed_cycle_prints_as_it_was_when_it_closed(app, case):
    """Its rating at the review, its stage, and the team of that day: someone who left since is still on it."""
    with app.app_context():
        lead = db.session.scalars(select(User).where(User.public_id == case["senco"].account.public_id)).one()
        cycle = db.session.scalars(select(PlanCycle).where(PlanCycle.public_id == case["cycle"])).one()
        for _ in range(3):  # assess → plan → do → review
            plans.advance_stage(lead, cycle, version=cycle.version)
        plans.close_cycle(lead, cycle, version=cycle.version, review_summary="Good progress.",
                          ratings={outcome.public_id: "partly_met" for outcome in cycle.outcomes})
        db.session.flush()
        leaver = db.session.scalars(select(TeamMembership).join(User, User.id == TeamMembership.user_id)
                                    .where(User.role == Role.LSP)).one()
        team.end_membership(lead, leaver)
        db.session.commit()
    closed = _pdf_text(case["senco"].get(f"/cycles/{case['cycle']}/plan-on-a-page.pdf"))
    assert "Cycle 1, closed on" in closed and "Latest rating: Partly met" in closed
    assert "Gwenllïan Prŷs, Learning support practitioner" in closed  # on the team the day it closed
    plan_page = case["senco"].get(f"/learners/{case['learner']}/plan").get_data(as_text=True)
    current = plan_page.split('id="plan-on-a-page" href="')[1].split('"')[0]
    assert current != f"/cycles/{case['cycle']}/plan-on-a-page.pdf"  # the plan links its open cycle 2
    opened = _pdf_text(case["senco"].get(current))
    assert "Cycle 2, at the assess stage" in opened and "Gwenllïan" not in opened  # who left is gone from today's
