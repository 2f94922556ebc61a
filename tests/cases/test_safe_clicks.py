"""Safe clicks: ending someone's access and moving a stage go through a page that says what will happen; the team
page keeps who has been on the case; a stage moved by mistake can be moved back by the SENCo the same day."""
from __future__ import annotations

from datetime import datetime, time, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select, text, update

from app.agencies.accounts.models import Role, User
from app.audit.models import AuditEvent
from app.cases.plans.models import CycleStage, CycleStageChange, PlanCycle
from app.cases.team.models import Invitation, TeamMembership
from app.core.dates import school_zone
from app.core.dates import today as school_today
from app.extensions import db
from app.types import utcnow
from tests.fixtures.application import confirm_through_page, hidden_fields_from, text_of

REASON = "Pressed before the assessment was finished, SEALED-REASON-71c2"


@pytest.fixture
def case(app, client_as, create_case, create_user, add_to_team):
    senco = client_as("senco", name="Sam Senco")
    school = senco.account.agency_name
    learner = create_case(school=school, name="Maya Testcase")
    teacher = client_as("teacher", agency=school, name="Tess Teacher")
    add_to_team(learner, teacher.account)
    leaver = create_user("lsp", agency=school, name="Lee Leaver")
    leaving = add_to_team(learner, leaver)
    slt = create_user("slt", name="Sian Therapist")
    expired = add_to_team(learner, slt, days=-30, started_days_ago=60)  # its end date went by a month ago
    return SimpleNamespace(app=app, senco=senco, teacher=teacher, learner=learner, leaving=leaving, expired=expired)


def _membership(app, public_id: str) -> TeamMembership:
    with app.app_context():
        membership = db.session.scalars(select(TeamMembership).where(TeamMembership.public_id == public_id)).one()
        db.session.expunge(membership)
        return membership


def _cycle(app, learner: str) -> PlanCycle:
    with app.app_context():
        cycle = db.session.scalars(select(PlanCycle).order_by(PlanCycle.id.desc())).first()
        db.session.expunge(cycle)
        return cycle


def _user_id(app, client) -> int:
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.public_id == client.account.public_id))


def _changes(app, cycle_id: int) -> list[tuple]:
    with app.app_context():
        return [tuple(row) for row in db.session.execute(text(
            "SELECT from_stage, to_stage, changed_by_id, reverses_id, reason_sealed FROM cycle_stage_change "
            "WHERE cycle_id = :cycle ORDER BY id"), {"cycle": cycle_id})]


def _events(app, object_type: str, public_id: str) -> list[AuditEvent]:
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).where(
            AuditEvent.object_type == object_type, AuditEvent.object_public_id == public_id,
            AuditEvent.action != "view").order_by(AuditEvent.id)).all()
        return [SimpleNamespace(action=e.action.value, outcome=e.outcome.value, fields=e.fields_changed)
                for e in events]


# --- ending someone's access ---------------------------------------------------------------------


def test_ending_access_asks_first_says_what_happens_and_the_team_keeps_its_history(case):
    app, senco, path = case.app, case.senco, f"/memberships/{case.leaving}/end"
    team = text_of(senco.get(f"/learners/{case.learner}/team"))
    assert f'href="{path}"' in senco.get(f"/learners/{case.learner}/team").get_data(as_text=True)  # a link now
    assert "Who has been on the case" in team and "Sian Therapist" in team and "Access ended on its end date" in team

    page = senco.get(path)
    shown = text_of(page)
    assert page.status_code == 200
    for expected in ("End Lee Leaver's access to this case", "leaves the team around Maya", "cannot open Maya",
                     "Everything they contributed stays on the record", "CPD log keeps its entries",
                     "This cannot be undone", "Yes, end Lee Leaver's access", "No, cancel"):
        assert expected in shown, expected

    # The old one-click POST (no confirmation) and a stale confirmation change nothing.
    fields = hidden_fields_from(page.get_data(as_text=True), path)
    refused = senco.post(path, data={"csrf_token": fields.get("csrf_token", "")})
    assert refused.status_code == 400 and "Yes, end Lee Leaver's access" in text_of(refused)
    stale = senco.post(path, data={**fields, "version": "2020-01-01T00:00:00+00:00|-"})
    assert stale.status_code == 409 and "Someone changed Lee Leaver's place on the team" in text_of(stale)
    assert _membership(app, case.leaving).ended_at is None
    assert _events(app, "team_membership", case.leaving) == []

    assert senco.post(path, data=fields).status_code == 302
    ended = _membership(app, case.leaving)
    assert ended.ended_at is not None
    assert _events(app, "team_membership", case.leaving) == [
        SimpleNamespace(action="update", outcome="allowed", fields="ended_at,ended_by")]
    history = text_of(senco.get(f"/learners/{case.learner}/team"))
    section = history[history.index("Who has been on the case"):]
    assert "Lee Leaver" in section and "Ended early by Sam Senco" in section
    assert "Sian Therapist" in section and "Access ended on its end date" in section
    # Those on the case see the same history (the policy's team page); the SENCo's page asks before acting again.
    teacher_view = text_of(case.teacher.get(f"/learners/{case.learner}/team"))
    assert "Ended early by Sam Senco" in teacher_view and "End now" not in teacher_view
    again = senco.get(path)
    assert "has already ended" in text_of(again) and "Yes, end" not in text_of(again)


def test_the_history_lists_revoked_invitations_to_the_senco_only(case):
    with case.app.app_context():
        membership = db.session.scalars(select(TeamMembership).where(TeamMembership.public_id == case.leaving)).one()
        db.session.add(Invitation(
            learner_id=membership.learner_id, email="gone@example.org", display_name="Rhiannon Revoked",
            role=Role.EP, agency_id=membership.user.agency_id,
            access_ends_at=utcnow() + timedelta(days=30), token_hash="0" * 64, expires_at=utcnow() + timedelta(days=7),
            invited_by_id=membership.user_id, revoked_at=utcnow()))
        db.session.commit()
    assert "Rhiannon Revoked" in text_of(case.senco.get(f"/learners/{case.learner}/team"))
    assert "Invitation revoked before it was used" in text_of(case.senco.get(f"/learners/{case.learner}/team"))
    assert "Rhiannon Revoked" not in text_of(case.teacher.get(f"/learners/{case.learner}/team"))


def test_only_the_senco_may_end_access(case):
    path = f"/memberships/{case.leaving}/end"
    assert case.teacher.get(path).status_code in (403, 404)
    assert case.teacher.post(path, data={"confirm": "yes", "version": "-|-"}).status_code in (403, 404)
    assert _membership(case.app, case.leaving).ended_at is None


# --- moving a stage, and moving it back the same day ------------------------------------------------


def _started(case) -> PlanCycle:
    assert case.senco.post(f"/learners/{case.learner}/plan").status_code == 302
    return _cycle(case.app, case.learner)


def test_moving_a_stage_asks_first_and_every_move_is_kept(case):
    app, senco = case.app, case.senco
    cycle = _started(case)
    path = f"/cycles/{cycle.public_id}/stage"
    assert f'href="{path}"' in senco.get(f"/learners/{case.learner}/plan").get_data(as_text=True)
    page = senco.get(path)
    shown = text_of(page)
    assert page.status_code == 200
    for expected in ("Move cycle 1 to the plan stage", "moves from the assess stage to the plan stage",
                     "agrees the outcomes", "move it back today", "Yes, move to the plan stage", "No, cancel"):
        assert expected in shown, expected

    fields = hidden_fields_from(page.get_data(as_text=True), path)
    assert senco.post(path, data={"version": fields["version"]}).status_code == 400  # the one-click POST
    assert senco.post(path, data={**fields, "version": "0"}).status_code == 409
    assert _cycle(app, case.learner).stage is CycleStage.ASSESS and _changes(app, cycle.id) == []

    assert senco.post(path, data=fields).status_code == 302
    assert confirm_through_page(senco, path).status_code == 302
    assert _cycle(app, case.learner).stage is CycleStage.DO
    senco_id = _user_id(app, senco)
    assert _changes(app, cycle.id) == [("assess", "plan", senco_id, None, None), ("plan", "do", senco_id, None, None)]
    assert "The review opens" in text_of(senco.get(path))  # at do, the next move opens the review
    plan = text_of(senco.get(f"/learners/{case.learner}/plan"))
    assert "moved from assess to plan by Sam Senco" in plan and "moved from plan to do by Sam Senco" in plan


def test_the_senco_moves_todays_stage_back_with_a_reason_and_it_is_audited(case):
    app, senco = case.app, case.senco
    cycle = _started(case)
    assert confirm_through_page(senco, f"/cycles/{cycle.public_id}/stage").status_code == 302
    back = f"/cycles/{cycle.public_id}/stage/back"
    assert "Move it back to assess" in text_of(senco.get(f"/learners/{case.learner}/plan"))

    # Not the SENCo: refused, nothing changed.
    assert case.teacher.get(back).status_code == 403
    assert case.teacher.post(back, data={"version": "3", "reason": REASON}).status_code == 403
    page = senco.get(back)
    assert page.status_code == 200 and "Move cycle 1 back to the assess stage" in text_of(page)
    fields = hidden_fields_from(page.get_data(as_text=True), back)
    no_reason = senco.post(back, data=fields)
    assert no_reason.status_code == 400 and "Enter why the stage is being moved back" in text_of(no_reason)
    assert senco.post(back, data={**fields, "version": "0", "reason": REASON}).status_code == 409
    assert _cycle(app, case.learner).stage is CycleStage.PLAN and len(_changes(app, cycle.id)) == 1

    before = _events(app, "plan_cycle", cycle.public_id)
    assert senco.post(back, data={**fields, "reason": REASON}).status_code == 302
    assert _cycle(app, case.learner).stage is CycleStage.ASSESS
    forward, backward = _changes(app, cycle.id)
    assert backward[:2] == ("plan", "assess") and backward[3] is not None
    assert backward[4] and "SEALED-REASON" not in backward[4]  # sealed at rest
    with app.app_context():
        kept = db.session.scalars(select(CycleStageChange).where(CycleStageChange.reverses_id.is_not(None))).one()
        assert kept.reason == REASON
    added = _events(app, "plan_cycle", cycle.public_id)[len(before):]
    assert added == [SimpleNamespace(action="update", outcome="allowed", fields="stage,stage_change_reason")]
    with app.app_context():
        trail = " ".join(repr(tuple(row)) for row in db.session.execute(text("SELECT * FROM audit_event")))
        assert "SEALED-REASON" not in trail

    plan = text_of(senco.get(f"/learners/{case.learner}/plan"))
    assert "moved back from plan to assess by Sam Senco" in plan and REASON in plan
    # A move back is not itself moved back: the SENCo moves on again with the ordinary button.
    again = senco.get(back)
    assert "already moved this cycle back" in text_of(again)
    assert senco.post(back, data={**hidden_fields_from(page.get_data(as_text=True), back), "reason": REASON,
                                  "version": str(_cycle(app, case.learner).version)}).status_code == 400
    assert _cycle(app, case.learner).stage is CycleStage.ASSESS


def test_after_the_schools_day_the_move_stands_with_an_explanation(case):
    app, senco = case.app, case.senco
    cycle = _started(case)
    assert confirm_through_page(senco, f"/cycles/{cycle.public_id}/stage").status_code == 302
    with app.app_context():
        # One minute before midnight at the school: yesterday there, whatever UTC says.
        midnight = datetime.combine(school_today(), time(0), tzinfo=school_zone())
        db.session.execute(update(CycleStageChange).values(changed_at=midnight - timedelta(minutes=1)))
        db.session.commit()
    back = f"/cycles/{cycle.public_id}/stage/back"
    page = text_of(senco.get(back))
    assert "only on the day it was moved" in page and "Move the stage back" not in page
    assert "only on the day it was moved" in text_of(senco.get(f"/learners/{case.learner}/plan"))
    version = str(_cycle(app, case.learner).version)
    refused = senco.post(back, data={"version": version, "reason": REASON})
    assert refused.status_code == 400 and "only on the day it was moved" in text_of(refused)
    assert _cycle(app, case.learner).stage is CycleStage.PLAN and len(_changes(app, cycle.id)) == 1
