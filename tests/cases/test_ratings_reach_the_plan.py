"""Ratings given at a signed-off meeting become the outcomes' progress on the plan, with a link and the history."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import select, update

from app.agencies.accounts.models import AgencyKind, User
from app.audit.models import AuditEvent
from app.cases.learners.models import Learner
from app.cases.meetings import services as meetings
from app.cases.meetings.models import Meeting
from app.cases.plans import services as plans
from app.cases.plans.models import CycleStage, Outcome, PlanCycle, ProgressRating, SupportPlan
from app.core.conflicts import EditConflict
from app.extensions import db
from tests.fixtures.application import sign_in, text_of


@dataclass
class Case:
    learner: str
    cycle: str
    outcomes: list
    clients: dict
    accounts: dict


@pytest.fixture
def case(app, create_agency, create_user, create_case, add_to_team):
    """A learner with a plan of one open cycle and two outcomes; the SENCo, an LSP and a parent on the case."""
    school = create_agency(AgencyKind.SCHOOL, name="Oakfield Primary School")
    family = create_agency(AgencyKind.FAMILY, name="The Example family")
    learner = create_case(school=school, name="Ruby Example")
    accounts = {
        "senco": create_user("senco", agency=school, name="Priya Senco"),
        "lsp": create_user("lsp", agency=school, name="Tom Lsp"),
        "parent": create_user("parent", agency=family, name="Jo Parent"),
    }
    for key in ("lsp", "parent"):
        add_to_team(learner, accounts[key])
    with app.app_context():
        row = db.session.scalars(select(Learner).where(Learner.public_id == learner)).one()
        plan = SupportPlan(learner_id=row.id)
        db.session.add(plan)
        db.session.flush()
        cycle = PlanCycle(plan_id=plan.id, number=1, stage=CycleStage.DO)
        db.session.add(cycle)
        db.session.flush()
        outcomes = []
        for text in ("Ruby follows a two-part instruction in class", "Ruby names three feelings"):
            outcome = Outcome(cycle_id=cycle.id, target_on=date(2026, 7, 17))
            outcome.description = text
            outcome.measure = "Observed weekly"
            db.session.add(outcome)
            db.session.flush()
            outcomes.append(outcome.public_id)
        cycle_id = cycle.public_id
        db.session.commit()
    clients = {}
    for key, account in accounts.items():
        client = app.test_client()
        assert sign_in(client, account.email, account.password).status_code == 302
        clients[key] = client
    return Case(learner, cycle_id, outcomes, clients, accounts)


def record(case: Case, *, held_on: date, ratings: dict, shared: bool = True, starts_at: str = "09:30") -> str:
    """The LSP records a review meeting chaired by the SENCo, rating outcomes (index → rating value)."""
    data = {
        "kind": "review",
        "held_on": [str(held_on.day), str(held_on.month), str(held_on.year)],
        "starts_at": starts_at,
        "duration_minutes": "45",
        "chair": case.accounts["senco"].public_id,
        "agenda": "<p>Review of Ruby's outcomes</p>",
    }
    if shared:
        data["shared_with_family"] = "y"
    for index, rating in ratings.items():
        data[f"rating-{case.outcomes[index]}"] = rating
        data[f"comment-{case.outcomes[index]}"] = "Seen in class"
    response = case.clients["lsp"].post(f"/learners/{case.learner}/meetings/new", data=data)
    assert response.status_code == 302, text_of(response)[:2000]
    return re.fullmatch(r"/meetings/([^/]+)", response.headers["Location"]).group(1)


def meeting_version(app, public_id: str) -> int:
    with app.app_context():
        return db.session.scalars(select(Meeting.version).where(Meeting.public_id == public_id)).one()


def sign_off(app, case: Case, meeting: str) -> None:
    response = case.clients["senco"].post(f"/meetings/{meeting}/sign-off",
                                          data={"version": str(meeting_version(app, meeting))})
    assert response.status_code == 302
    case.clients["senco"].get(response.headers["Location"])  # the flash is shown there


def outcome_row(app, public_id: str) -> tuple[ProgressRating, int]:
    with app.app_context():
        outcome = db.session.scalars(select(Outcome).where(Outcome.public_id == public_id)).one()
        return outcome.progress, outcome.version


def progress_cell(case: Case, client: str, index: int) -> str:
    """The progress cell of outcome `index` on the plan page, as HTML."""
    page = case.clients[client].get(f"/learners/{case.learner}/plan")
    assert page.status_code == 200
    cells = re.findall(r'<td class="govuk-table__cell braid-progress">(.*?)</td>', page.get_data(as_text=True), re.S)
    return cells[index]


def earlier_ratings(cell: str) -> str:
    match = re.search(r'<details class="govuk-details[^"]*".*?</details>', cell, re.S)
    return match.group(0) if match else ""


def test_a_signed_off_rating_reaches_the_plan_with_a_link_to_the_meeting(app, case):
    meeting = record(case, held_on=date(2026, 3, 3), ratings={0: "met"})
    # A draft is not a rating yet.
    assert "Not yet reviewed" in progress_cell(case, "senco", 0)
    assert outcome_row(app, case.outcomes[0])[0] is ProgressRating.NOT_YET_REVIEWED

    sign_off(app, case, meeting)
    cell = progress_cell(case, "senco", 0)
    assert "Met" in cell and "Not yet reviewed" not in cell
    assert f'href="/meetings/{meeting}"' in cell and "Review meeting, 3 March 2026" in cell
    assert earlier_ratings(cell) == ""
    assert "Not yet reviewed" in progress_cell(case, "senco", 1)  # not rated: unchanged
    assert outcome_row(app, case.outcomes[0]) == (ProgressRating.MET, 2)
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.object_public_id == case.outcomes[0])).all()
        assert [(e.action.value, e.object_type, e.fields_changed) for e in events] == [
            ("update", "outcome", "progress")]
        assert events[0].actor_id == db.session.scalars(
            select(User.id).where(User.public_id == case.accounts["senco"].public_id)).one()


def test_a_later_meeting_supersedes_and_an_older_one_signed_late_does_not(app, case):
    first = record(case, held_on=date(2026, 3, 3), ratings={0: "partly_met"})
    sign_off(app, case, first)
    second = record(case, held_on=date(2026, 4, 21), ratings={0: "met"})
    sign_off(app, case, second)
    assert outcome_row(app, case.outcomes[0])[0] is ProgressRating.MET
    cell = progress_cell(case, "senco", 0)
    assert f'from <a class="govuk-link" href="/meetings/{second}"' in cell
    history = earlier_ratings(cell)
    assert "Earlier ratings" in history and "Partly met" in history and f'href="/meetings/{first}"' in history

    # A meeting held before both, signed off only now: its rating joins the history, the newer one stands.
    late = record(case, held_on=date(2026, 2, 10), ratings={0: "not_met"})
    sign_off(app, case, late)
    assert outcome_row(app, case.outcomes[0])[0] is ProgressRating.MET
    cell = progress_cell(case, "senco", 0)
    assert f'from <a class="govuk-link" href="/meetings/{second}"' in cell
    history = earlier_ratings(cell)
    assert history.index(first) < history.index(late)  # newest first
    assert "Not met" in history

    # Same day: the later meeting of the day wins.
    morning = record(case, held_on=date(2026, 4, 21), ratings={0: "exceeded"}, starts_at="08:30")
    sign_off(app, case, morning)
    assert outcome_row(app, case.outcomes[0])[0] is ProgressRating.MET


def test_an_amendment_supersedes_its_own_earlier_version(app, case):
    meeting = record(case, held_on=date(2026, 3, 3), ratings={0: "partly_met"})
    sign_off(app, case, meeting)
    lsp = case.clients["lsp"]
    form = lsp.get(f"/meetings/{meeting}/edit").get_data(as_text=True)
    assert "Partly met" in form
    data = {
        "kind": "review", "held_on": ["3", "3", "2026"], "starts_at": "09:30", "duration_minutes": "45",
        "chair": case.accounts["senco"].public_id, "agenda": "<p>Review of Ruby's outcomes</p>",
        "shared_with_family": "y", f"rating-{case.outcomes[0]}": "met",
        "version": str(meeting_version(app, meeting)),
    }
    assert lsp.post(f"/meetings/{meeting}/edit", data=data).status_code == 302
    # The amendment is a draft: the plan keeps the signed-off rating until the chair signs version 2 off.
    assert outcome_row(app, case.outcomes[0])[0] is ProgressRating.PARTLY_MET
    sign_off(app, case, meeting)
    assert outcome_row(app, case.outcomes[0])[0] is ProgressRating.MET
    cell = progress_cell(case, "senco", 0)
    assert f'href="/meetings/{meeting}"' in cell and earlier_ratings(cell) == ""
    # Version 1 keeps its own rating in its frozen record.
    assert "Partly met" in text_of(case.clients["senco"].get(f"/meetings/{meeting}/records/1"))


def test_outcomes_of_a_closed_cycle_never_change(app, case):
    meeting = record(case, held_on=date(2026, 3, 3), ratings={0: "exceeded"})
    with app.app_context():
        senco = db.session.scalars(select(User).where(User.public_id == case.accounts["senco"].public_id)).one()
        cycle = db.session.scalars(select(PlanCycle).where(PlanCycle.public_id == case.cycle)).one()
        plans.advance_stage(senco, cycle, version=cycle.version)
        plans.close_cycle(senco, cycle, version=cycle.version, review_summary="<p>Reviewed</p>",
                          ratings={case.outcomes[0]: "partly_met", case.outcomes[1]: "met"})
        db.session.commit()
    before = outcome_row(app, case.outcomes[0])
    sign_off(app, case, meeting)
    assert outcome_row(app, case.outcomes[0]) == before == (ProgressRating.PARTLY_MET, before[1])
    with app.app_context():
        assert not db.session.scalars(select(AuditEvent).where(
            AuditEvent.object_public_id == case.outcomes[0], AuditEvent.fields_changed == "progress")).all()


def test_a_parent_gets_no_link_to_a_meeting_not_shared_with_families(app, case):
    unshared = record(case, held_on=date(2026, 3, 3), ratings={0: "partly_met"}, shared=False)
    sign_off(app, case, unshared)
    cell = progress_cell(case, "parent", 0)
    assert "Partly met" in cell and unshared not in cell and "from" not in cell
    assert unshared in progress_cell(case, "senco", 0)

    shared = record(case, held_on=date(2026, 4, 21), ratings={0: "met"})
    sign_off(app, case, shared)
    cell = progress_cell(case, "parent", 0)
    assert f'href="/meetings/{shared}"' in cell
    assert unshared not in cell and "Earlier ratings" not in cell  # the unshared meeting's rating stays unseen
    senco_cell = progress_cell(case, "senco", 0)
    assert unshared in earlier_ratings(senco_cell)


@pytest.mark.both_backends
def test_a_senco_editing_the_outcome_during_sign_off_gets_the_conflict_page(app, case):
    meeting = record(case, held_on=date(2026, 3, 3), ratings={0: "met"})
    senco = case.clients["senco"]
    page = senco.get(f"/outcomes/{case.outcomes[0]}/edit").get_data(as_text=True)
    version = re.search(r'name="version"[^>]*value="(\d+)"', page).group(1)
    sign_off(app, case, meeting)
    edit = {"description": "Ruby follows a three-part instruction", "measure": "Observed weekly",
            "target_on": ["17", "7", "2026"], "owner": case.accounts["senco"].public_id,
            "progress": "partly_met", "version": version}
    response = senco.post(f"/outcomes/{case.outcomes[0]}/edit", data=edit)
    assert response.status_code == 409
    assert "Met" in text_of(response) and "Ruby follows a three-part instruction" in text_of(response)
    assert outcome_row(app, case.outcomes[0]) == (ProgressRating.MET, 2)  # the meeting's rating is not lost
    # Saving again from the conflict page is the editor's informed choice.
    edit["version"] = re.search(r'name="version"[^>]*value="(\d+)"', response.get_data(as_text=True)).group(1)
    assert senco.post(f"/outcomes/{case.outcomes[0]}/edit", data=edit).status_code == 302
    progress, version = outcome_row(app, case.outcomes[0])
    assert progress is ProgressRating.PARTLY_MET and version > 2


@pytest.mark.both_backends
def test_a_sign_off_racing_an_outcome_edit_is_a_conflict_and_signs_nothing(app, case):
    meeting = record(case, held_on=date(2026, 3, 3), ratings={0: "met"})
    with app.app_context():
        chair = db.session.scalars(select(User).where(User.public_id == case.accounts["senco"].public_id)).one()
        row = db.session.scalars(select(Meeting).where(Meeting.public_id == meeting)).one()
        assert row.outcome_reviews[0].outcome.version == 1  # loaded, as the sign-off would have it
        # Someone else's edit commits in between: the outcome moves on under the loaded row.
        db.session.execute(update(Outcome.__table__).where(Outcome.__table__.c.public_id == case.outcomes[0])
                           .values(version=2))
        with pytest.raises(EditConflict):
            meetings.sign_off_meeting(chair, row, version=row.version)
        db.session.rollback()
    assert outcome_row(app, case.outcomes[0]) == (ProgressRating.NOT_YET_REVIEWED, 1)
    with app.app_context():
        assert db.session.scalars(select(Meeting.signed_off_at).where(Meeting.public_id == meeting)).one() is None


def test_the_demo_plan_shows_a_review_rating_with_an_earlier_one(demo_app):
    """Leo's end-of-cycle review is signed off: his outcome reads its rating, the mid-cycle review's below."""
    client = demo_app.test_client()
    assert sign_in(client, "senco@oakfield.example", "braid-demo-2026").status_code == 302
    with demo_app.app_context():
        leo = next(learner for learner in db.session.scalars(select(Learner)) if learner.name == "Leo Nowak").public_id
    page = client.get(f"/learners/{leo}/plan").get_data(as_text=True)
    cells = re.findall(r'<td class="govuk-table__cell braid-progress">(.*?)</td>', page, re.S)
    rated = [cell for cell in cells if "Review meeting" in cell and "Earlier ratings" in earlier_ratings(cell)]
    assert rated, cells
    assert "Not yet reviewed" not in rated[0] and re.search(r'from <a class="govuk-link" href="/meetings/', rated[0])
