"""Misfiled work in the browser: the SENCo moves a contribution and withdraws another (forms, errors, results), the
DSL reads the withdrawn page; axe-core finds no WCAG 2.2 A/AA violation on any of them."""
import pytest
from sqlalchemy import select

from app.cases.contributions.models import Contribution, ContributionMove
from app.extensions import db
from config import DEMO_TOTP_SECRET
from tests.fixtures.browser import assert_accessible, sign_in_with_browser, submit

pytestmark = pytest.mark.e2e


def _demo(app) -> tuple[str, str, str]:
    """The demo's moved contribution, one of Grace's still on her case, and Noah's public id."""
    assert app.test_cli_runner().invoke(args=["demo", "load"]).exit_code == 0
    with app.app_context():
        move = db.session.scalars(select(ContributionMove)).one()
        other = db.session.scalars(select(Contribution).where(
            Contribution.learner_id == move.to_learner_id, Contribution.id != move.contribution_id,
            Contribution.withdrawn_at.is_(None)).order_by(Contribution.id)).first()
        noah = db.session.scalars(select(Contribution).where(Contribution.withdrawn_at.is_not(None))).one().learner
        found = move.contribution.public_id, other.public_id, noah.public_id
        db.session.remove()
    return found


def test_the_senco_moves_and_withdraws_and_the_dsl_reads_what_was_withdrawn(app, page):
    moved, other, noah = _demo(app)
    sign_in_with_browser(page, "senco@oakfield.example", "braid-demo-2026", totp_secret=DEMO_TOTP_SECRET)
    page.goto(f"/contributions/{moved}")
    assert "from Isla Robertson to Grace O'Connor" in page.locator("#contribution-moves").inner_text()
    assert_accessible(page, "moved contribution")

    page.get_by_role("link", name="Move it to the right learner").click()
    assert_accessible(page, "move contribution")
    page.get_by_label("Move it to").select_option(label="Maya Carter")
    submit(page, "Move this contribution")
    assert page.locator(".govuk-error-summary").is_visible()  # no reason: nothing moved
    assert page.get_by_label("Move it to").input_value() != ""
    assert_accessible(page, "move contribution with errors")

    page.goto(f"/contributions/{other}")
    page.get_by_role("link", name="Withdraw it from this learner's case").click()
    assert_accessible(page, "withdraw contribution")
    submit(page, "Withdraw this contribution")
    assert page.locator(".govuk-error-summary").is_visible()
    assert_accessible(page, "withdraw contribution with errors")
    page.get_by_label("Why are you withdrawing this contribution?").fill("Written about another child")
    submit(page, "Withdraw this contribution")
    assert "has been withdrawn" in page.locator("main").inner_text()
    assert_accessible(page, "contributions after a withdrawal")
    submit(page, "Sign out")

    sign_in_with_browser(page, "dsl@oakfield.example", "braid-demo-2026", totp_secret=DEMO_TOTP_SECRET)
    page.goto(f"/learners/{noah}")
    page.get_by_role("link", name="Withdrawn contributions").click()
    main = page.locator("main").inner_text()
    assert "settling after lunch" in main and "about Jacob" in main
    assert_accessible(page, "withdrawn contributions")
