"""axe-core in Debian's chromium finds no WCAG 2.2 A/AA violation on the support plan pages."""
import pytest
from sqlalchemy import select

from app.agencies.accounts.models import User
from app.cases.learners.models import Learner
from app.cases.plans.models import CycleStage
from app.demo.plans import build_demo_plan
from app.extensions import db
from tests.fixtures.browser import assert_accessible, sign_in_with_browser, submit

pytestmark = pytest.mark.e2e


def test_support_plan_pages(page, app, create_user, create_case, create_agency, add_to_team):
    school = create_agency(name="Oakfield Primary School")
    senco = create_user("senco", agency=school, name="Priya Shah")
    teacher = create_user("teacher", agency=school, name="Hannah Okafor")
    learner = create_case(school=school, name="Maya Carter")
    empty = create_case(school=school, name="Leo Nowak")
    add_to_team(learner, teacher)
    with app.app_context():
        senco_row = db.session.scalars(select(User).where(User.public_id == senco.public_id)).one()
        teacher_row = db.session.scalars(select(User).where(User.public_id == teacher.public_id)).one()
        learner_row = db.session.scalars(select(Learner).where(Learner.public_id == learner)).one()
        build_demo_plan(senco_row, learner_row, stage=CycleStage.REVIEW, closed_cycles=1, owner=teacher_row)
        db.session.commit()
        cycles = [c.public_id for c in learner_row.plan.cycles]
        outcome = learner_row.plan.cycles[-1].outcomes[0].public_id
        provision = learner_row.plan.cycles[-1].provisions[0].public_id

    sign_in_with_browser(page, senco.email, senco.password)
    page.wait_for_url("**/")
    page.goto(f"/learners/{empty}/plan")
    assert_accessible(page, "no plan yet")
    page.goto(f"/learners/{learner}/plan")
    assert_accessible(page, "plan page")
    page.goto(f"/cycles/{cycles[0]}")
    assert page.locator("#cycle-closed").is_visible()
    assert_accessible(page, "closed cycle")
    page.goto(f"/cycles/{cycles[1]}/edit")
    assert_accessible(page, "edit cycle")
    page.locator("#review_on-day").fill("31")
    page.locator("#review_on-month").fill("2")
    page.locator("#review_on-year").fill("2025")
    submit(page, "Save cycle")
    assert page.locator(".govuk-error-summary").is_visible()
    assert_accessible(page, "edit cycle with errors")
    page.goto(f"/cycles/{cycles[1]}/outcomes/new")
    assert_accessible(page, "new outcome")
    submit(page, "Save outcome")
    assert page.locator(".govuk-error-summary").is_visible()
    assert_accessible(page, "new outcome with errors")
    page.goto(f"/outcomes/{outcome}/edit")
    assert_accessible(page, "edit outcome")
    page.goto(f"/cycles/{cycles[1]}/provision/new")
    submit(page, "Save provision")
    assert_accessible(page, "new provision with errors")
    page.goto(f"/provision/{provision}/edit")
    assert_accessible(page, "edit provision")
    page.goto(f"/cycles/{cycles[1]}/close")
    assert_accessible(page, "review")
    submit(page, "Close this cycle and open the next")
    assert page.locator(".govuk-error-summary").is_visible()
    assert_accessible(page, "review with errors")

    # A conflict: the page is loaded, someone else saves, then this editor saves.
    page.goto(f"/cycles/{cycles[1]}/edit")
    with app.app_context():
        from app.cases.plans.models import PlanCycle

        cycle = db.session.scalars(select(PlanCycle).where(PlanCycle.public_id == cycles[1])).one()
        cycle.aspirations = "Someone else's words"
        db.session.commit()
    page.locator("#aspirations").fill("My own words")
    submit(page, "Save cycle")
    assert "Someone else" in page.locator("h1").inner_text()
    assert_accessible(page, "conflict")
