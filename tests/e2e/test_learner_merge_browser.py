"""The SENCo merges a second record of a learner in the browser: pick (likely duplicates first), compare, choose,
merge; every page and its errors axe clean."""
from datetime import date

import pytest
from sqlalchemy import select

from app.agencies.accounts.models import User
from app.cases.learners.models import Learner
from app.cases.learners.services import register_learner
from app.extensions import db
from config import DEMO_TOTP_SECRET
from tests.fixtures.browser import assert_accessible, sign_in_with_browser, submit

pytestmark = pytest.mark.e2e


def test_the_senco_merges_two_records_of_one_learner(app, page):
    assert app.test_cli_runner().invoke(args=["demo", "load"]).exit_code == 0
    with app.app_context():
        senco = db.session.scalars(select(User).where(User.email == "senco@oakfield.example")).one()
        maya = next(learner for learner in db.session.scalars(select(Learner)) if learner.name == "Maya Carter")
        # Registered again by the office with a mistyped date of birth and the registration group filled in.
        register_learner(senco, name="Maya Carter", date_of_birth=date(2018, 5, 15), year_group=3,
                         registration_group="3C", areas_of_need=["communication_interaction"])
        db.session.commit()
        maya_id = maya.public_id
        db.session.remove()
    sign_in_with_browser(page, "senco@oakfield.example", "braid-demo-2026", totp_secret=DEMO_TOTP_SECRET)
    page.goto(f"/learners/{maya_id}")
    page.get_by_role("link", name="Merge with another record of this learner").click()
    assert_accessible(page, "merge: pick the other record")
    submit(page, "Continue")
    assert "Choose the other record of this learner" in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page, "merge: pick, with errors")
    page.get_by_label("likely the same learner").check()
    submit(page, "Continue")
    assert page.get_by_role("heading", level=1).inner_text() == "Compare the two records"
    assert_accessible(page, "merge: compare")
    submit(page, "Merge these records")
    assert "Enter why these records are being merged" in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page, "merge: compare, with errors")
    page.get_by_role("group", name="Registration group").get_by_label("The other record's").check()
    page.get_by_label("Why are these records being merged?").fill("Registered twice by the office")
    submit(page, "Merge these records")
    assert page.get_by_role("heading", level=1).inner_text() == "Maya Carter"
    main = page.locator("main").inner_text()
    assert "The two records are now one" in main and "3C" in main and "14 May 2018" in main
    assert_accessible(page, "learner after a merge")
    page.get_by_role("link", name="History of these details").click()
    assert "replaced by those of another record" in page.locator("main").inner_text()
