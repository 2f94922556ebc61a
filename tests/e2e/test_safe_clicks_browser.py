"""Safe clicks in a browser, without JavaScript help: ending access and moving a stage go through a confirmation
page, the team page keeps its history, and today's stage move is moved back with a reason. axe-clean throughout."""
import pytest
from sqlalchemy import select

from app.cases.learners.models import Learner
from app.extensions import db
from config import DEMO_TOTP_SECRET
from tests.fixtures.browser import assert_accessible, sign_in_with_browser, submit

pytestmark = pytest.mark.e2e


def _demo_learners(app, *names: str) -> list[str]:
    with app.app_context():
        ids = {learner.name: learner.public_id for learner in db.session.scalars(select(Learner))}
        db.session.remove()
    return [ids[name] for name in names]


def test_the_senco_confirms_ending_access_and_moves_a_stage_back(app, page):
    assert app.test_cli_runner().invoke(args=["demo", "load"]).exit_code == 0
    mo, noah = _demo_learners(app, "Mohammed Hussain", "Noah Williams")
    sign_in_with_browser(page, "senco@oakfield.example", "braid-demo-2026", totp_secret=DEMO_TOTP_SECRET)
    page.wait_for_url("**/")

    page.goto(f"/learners/{mo}/team")
    assert "David Mensah" in page.locator("#team-history").inner_text()
    assert_accessible(page, "team with history")
    page.get_by_role("link", name="End now for Hannah Okafor").click()
    assert "Everything they contributed stays on the record" in page.locator("main").inner_text()
    assert_accessible(page, "end access confirmation")
    page.get_by_role("link", name="No, cancel").click()
    assert "Hannah Okafor" in page.locator("#team-live").inner_text()  # cancel changed nothing
    page.get_by_role("link", name="End now for Hannah Okafor").click()
    submit(page, "Yes, end Hannah Okafor's access")
    assert "Hannah Okafor is no longer on the team" in page.locator("main").inner_text()
    assert "Hannah Okafor" not in page.locator("#team-live").inner_text()
    assert "Ended early by Priya Shah" in page.locator("#team-history").inner_text()

    page.goto(f"/learners/{noah}/plan")
    assert_accessible(page, "plan with stage history")
    page.get_by_role("link", name="Move to the do stage").click()
    assert "The plan becomes the working plan" in page.locator("main").inner_text()
    assert_accessible(page, "move stage confirmation")
    submit(page, "Yes, move to the do stage")
    assert page.locator("#cycle-stage").inner_text() == "Do"
    page.locator("#move-back").click()
    assert_accessible(page, "move stage back")
    submit(page, "Move the stage back")
    assert page.locator(".govuk-error-summary").is_visible()
    assert_accessible(page, "move stage back with errors")
    page.get_by_label("Why are you moving the stage back?").fill("Pressed before the family had seen the plan")
    submit(page, "Move the stage back")
    assert page.locator("#cycle-stage").inner_text() == "Plan"
    assert "Pressed before the family had seen the plan" in page.locator("#stage-history").inner_text()
