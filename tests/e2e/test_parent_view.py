"""In a real browser: a parent reads the family-shared parts of their child's plan, and nothing else."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta

import pytest
from sqlalchemy import select

from app.agencies.accounts.models import User
from app.cases.contributions.models import Contribution, ContributionKind, Visibility
from app.cases.learners.models import Learner
from app.cases.meetings.models import Meeting, MeetingKind
from app.cases.meetings.services import sign_off_meeting
from app.cases.plans.models import CycleStage, Outcome, PlanCycle, SupportPlan
from app.extensions import db
from tests.fixtures.browser import assert_accessible, sign_in_with_browser

pytestmark = pytest.mark.e2e

SCHOOL = "Larkfield Primary"
FAMILY_VIEWS = "We would like Maisie to feel confident asking for help at lunchtime."
OUTCOME = "Maisie will use her visual timetable to move between lessons without an adult prompt."
SHARED = "SHARED-CLASSROOM-VIEW: Maisie joins in well with the morning phonics group."
TEAM_ONLY = "TEAM-ONLY-VIEW: staffing cover for Maisie's group is uncertain next term."
RESTRICTED = "RESTRICTED-VIEW: notes from the SENCo's call with children's services."
SHARED_MINUTES = "SHARED-MINUTES: the family and school agreed a home-school diary."
UNSHARED_MINUTES = "UNSHARED-MINUTES: staff discussed the referral before telling the family."
OTHER_FAMILY_VIEWS = "OTHER-CHILD-FAMILY-VIEWS: must never reach this parent."


@dataclass
class Case:
    learner: str
    other: str
    shared_meeting: str
    unshared_meeting: str


def _user(public_id: str) -> User:
    return db.session.scalars(select(User).where(User.public_id == public_id)).one()


def _learner(public_id: str) -> Learner:
    return db.session.scalars(select(Learner).where(Learner.public_id == public_id)).one()


def _plan(learner: Learner, family_views: str, outcome: str | None) -> PlanCycle:
    plan = SupportPlan(learner_id=learner.id)
    db.session.add(plan)
    db.session.flush()
    cycle = PlanCycle(plan_id=plan.id, number=1, stage=CycleStage.DO, assess_on=date.today() - timedelta(days=40),
                      plan_on=date.today() - timedelta(days=30), do_from=date.today() - timedelta(days=20),
                      review_on=date.today() + timedelta(days=20))
    cycle.family_views = family_views
    db.session.add(cycle)
    db.session.flush()
    if outcome:
        row = Outcome(cycle_id=cycle.id, target_on=date.today() + timedelta(days=60))
        row.description = outcome
        row.measure = "Observed on four days out of five by the class teacher"
        db.session.add(row)
    return cycle


def _contribution(learner, cycle, author, kind, visibility, title, body):
    row = Contribution(learner_id=learner.id, cycle_id=cycle.id, author_id=author.id, kind=kind, visibility=visibility)
    row.title = title
    row.body = body
    db.session.add(row)


def _meeting(learner, chair, minutes, shared):
    meeting = Meeting(learner_id=learner.id, kind=MeetingKind.REVIEW, held_on=date.today() - timedelta(days=3),
                      starts_at=time(15, 45), duration_minutes=60, chair_id=chair.id, recorded_by_id=chair.id,
                      shared_with_family=shared)
    meeting.minutes = minutes
    db.session.add(meeting)
    db.session.flush()
    # sign_off_meeting builds its MeetingRecord before adding it to the session; no autoflush in between.
    with db.session.no_autoflush:
        sign_off_meeting(chair, meeting, version=meeting.version)
    return meeting.public_id


@pytest.fixture
def case(app, create_agency, create_user, create_case, add_to_team):
    create_agency(name=SCHOOL)
    learner_id = create_case(school=SCHOOL, name="Maisie Hollins")
    other_id = create_case(school=SCHOOL, name="Theo Barnaby")
    senco = create_user("senco", agency=SCHOOL)
    teacher = create_user("teacher", agency=SCHOOL)
    parent = create_user("parent", email="parent.hollins@example.org", name="Claire Hollins")
    for account in (teacher, parent):
        add_to_team(learner_id, account)
    with app.app_context():
        learner, other = _learner(learner_id), _learner(other_id)
        senco_row, teacher_row = _user(senco.public_id), _user(teacher.public_id)
        cycle = _plan(learner, FAMILY_VIEWS, OUTCOME)
        _plan(other, OTHER_FAMILY_VIEWS, None)
        _contribution(learner, cycle, teacher_row, ContributionKind.CLASSROOM_VIEW, Visibility.TEAM_AND_FAMILY,
                      "How Maisie is getting on in class", SHARED)
        _contribution(learner, cycle, teacher_row, ContributionKind.CLASSROOM_VIEW, Visibility.TEAM,
                      "Staffing for next term", TEAM_ONLY)
        _contribution(learner, cycle, senco_row, ContributionKind.LEARNER_VOICE, Visibility.RESTRICTED,
                      "Call with children's services", RESTRICTED)
        shared = _meeting(learner, senco_row, SHARED_MINUTES, shared=True)
        unshared = _meeting(learner, senco_row, UNSHARED_MINUTES, shared=False)
        db.session.commit()
    return Case(learner_id, other_id, shared, unshared), parent, teacher


def test_the_parent_sees_the_family_shared_plan_and_nothing_else(page, case):
    ids, parent, teacher = case
    sign_in_with_browser(page, parent.email, parent.password)
    page.wait_for_url("**/")
    assert_accessible(page, "parent home")
    home = page.locator("main").inner_text()
    assert "Your child’s plan" in home and "Maisie Hollins" in home and "Theo Barnaby" not in home

    response = page.goto(f"/learners/{ids.learner}/plan")
    assert response.status == 200
    plan = page.locator("main").inner_text()
    assert FAMILY_VIEWS in plan and OUTCOME in plan and SHARED in plan
    for hidden in (TEAM_ONLY, RESTRICTED, "Staffing for next term", "Call with children's services",
                   UNSHARED_MINUTES, OTHER_FAMILY_VIEWS):
        assert hidden not in page.content(), hidden
    assert page.get_by_role("link", name="Record a safeguarding concern").count() == 0
    assert_accessible(page, "parent plan")

    response = page.goto(f"/meetings/{ids.shared_meeting}")
    assert response.status == 200 and SHARED_MINUTES in page.locator("main").inner_text()
    response = page.goto(f"/meetings/{ids.unshared_meeting}")
    assert response.status == 404 and UNSHARED_MINUTES not in page.content()

    response = page.goto(f"/learners/{ids.other}/plan")
    assert response.status == 404
    assert OTHER_FAMILY_VIEWS not in page.content() and "Theo Barnaby" not in page.content()

    response = page.goto("/concerns")
    assert response.status == 403
    assert page.get_by_role("link", name="Concerns").count() == 0


def test_the_teacher_on_the_team_sees_what_the_parent_does_not(page, case):
    """The control: the hidden texts exist and render for the team, so their absence above means something."""
    ids, parent, teacher = case
    sign_in_with_browser(page, teacher.email, teacher.password)
    page.wait_for_url("**/")
    page.goto(f"/learners/{ids.learner}/plan")
    plan = page.locator("main").inner_text()
    assert SHARED in plan and TEAM_ONLY in plan and RESTRICTED not in plan
    assert page.goto(f"/meetings/{ids.unshared_meeting}").status == 200
