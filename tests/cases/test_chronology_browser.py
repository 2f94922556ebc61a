"""In a real browser: the DSL reads a learner's chronology, filters it and mistypes a date; every page passes axe."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.agencies.accounts.models import User
from app.cases.concerns import services as concerns
from app.cases.contributions import services as contributions
from app.cases.learners.models import Learner
from app.extensions import db
from tests.fixtures.browser import assert_accessible, sign_in_with_browser, submit

pytestmark = pytest.mark.e2e

SCHOOL = "Brookside Primary"


def test_the_dsl_reads_filters_and_mistypes_a_date(app, page, create_agency, create_user, create_case, add_to_team):
    create_agency(name=SCHOOL)
    learner_id = create_case(school=SCHOOL, name="Ruby Lawson")
    teacher = create_user("teacher", agency=SCHOOL)
    dsl = create_user("dsl", agency=SCHOOL)
    add_to_team(learner_id, teacher)
    add_to_team(learner_id, dsl)
    with app.app_context():
        author = db.session.scalars(select(User).where(User.public_id == teacher.public_id)).one()
        learner = db.session.scalars(select(Learner).where(Learner.public_id == learner_id)).one()
        contributions.add_contribution(author, learner, kind="classroom_view", visibility="team",
                                       title="Settling in class", body="<p>Calmer after lunch this week.</p>")
        concerns.record_concern(author, learner, concern="Came in hungry twice this week.")
        db.session.commit()

    sign_in_with_browser(page, dsl.email, dsl.password)
    page.goto(f"/learners/{learner_id}")
    page.get_by_role("link", name="Chronology").click()
    page.wait_for_url(f"**/learners/{learner_id}/chronology")
    entries = page.locator("#entries")
    assert "Settling in class" in entries.inner_text()
    assert "Safeguarding concern recorded" in entries.inner_text()
    assert "Came in hungry" not in page.content()  # the concern's text stays on its own page
    assert_accessible(page, "chronology")

    page.get_by_label("Safeguarding concerns").check()
    submit(page, "Apply filters")
    assert page.locator("#entries tbody tr").count() == 1
    assert "kind=concerns" in page.url

    page.locator("#date_from-day").fill("31")
    page.locator("#date_from-month").fill("2")
    page.locator("#date_from-year").fill("2026")
    submit(page, "Apply filters")
    assert "Date from must be a real date" in page.locator(".govuk-error-summary").inner_text()
    assert page.locator("#date_from-day").input_value() == "31"  # what was typed is kept
    assert page.get_by_label("Safeguarding concerns").is_checked()
    assert_accessible(page, "chronology with an error")
