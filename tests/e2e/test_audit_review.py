"""In a real browser: the DSL opens the audit review, filters by a learner, reads the access history with a
break-glass row, and every page passes axe."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.agencies.accounts.models import User
from app.audit.events import record
from app.audit.models import AuditAction, PurposeCategory
from app.cases.break_glass.models import BreakGlassAccess
from app.cases.learners.models import Learner
from app.extensions import db
from app.policy import case_learners
from app.types import utcnow
from config import DEMO_TOTP_SECRET
from tests.fixtures.browser import assert_accessible, sign_in_with_browser, submit

pytestmark = pytest.mark.e2e

REASON = "Maya's teacher is off sick and her mum rang about a bruise seen at the weekend"


def open_case_with_break_glass(app) -> tuple[str, str]:
    """The DSL opens a case they are not on, as the break-glass page does; returns the learner's label and name."""
    with app.app_context():
        opener = db.session.scalars(select(User).where(User.email.matches("dsl@oakfield.example"))).one()
        mine = {learner.id for learner in db.session.scalars(case_learners(opener))}
        school = db.session.scalars(select(Learner).where(Learner.school_id == opener.agency_id).order_by(Learner.id))
        learner = next(learner for learner in school if learner.id not in mine)
        now = utcnow()
        grant = BreakGlassAccess(user_id=opener.id, learner_id=learner.id, purpose=PurposeCategory.SAFEGUARDING,
                                 started_at=now, expires_at=now + timedelta(hours=1))
        grant.reason = REASON
        grant.learner = learner
        db.session.add(grant)
        db.session.flush()
        record(opener, AuditAction.BREAK_GLASS, grant, purpose=PurposeCategory.SAFEGUARDING.value)
        db.session.commit()
        return f"{learner.name}, {learner.year_group_label}", learner.name


def test_dsl_reviews_who_has_seen_a_learners_record(app, page):
    assert app.test_cli_runner().invoke(args=["demo", "load"]).exit_code == 0
    label, name = open_case_with_break_glass(app)

    sign_in_with_browser(page, "dsl@oakfield.example", "braid-demo-2026", totp_secret=DEMO_TOTP_SECRET)
    page.wait_for_url("**/")
    with page.expect_navigation():
        page.get_by_role("link", name="Review the audit trail").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Audit trail"
    assert page.locator("#chain-status").is_visible()
    assert page.locator("#events tbody tr").count() == 50
    assert_accessible(page, "audit review")

    # A school has thousands of learners: the DSL types the one's name rather than choosing from all of them.
    page.get_by_label("Learner’s full name or UPN").fill(name.upper())
    submit(page, "Apply filters")
    assert page.get_by_label("Learner", exact=True).input_value() != ""  # the one learner of that name, chosen
    rows = page.locator("#events tbody tr")
    assert rows.count() >= 1
    assert "Break-glass" in page.locator("#events").inner_text()
    assert_accessible(page, "audit review filtered by a learner")

    with page.expect_navigation():
        page.locator("#history-link").click()
    assert page.get_by_role("heading", level=1).inner_text() == name
    openings = page.locator("#break-glass")
    assert "David Mensah" in openings.inner_text() and REASON in openings.inner_text()
    assert "A safeguarding concern needs action" in openings.inner_text()
    assert "Listed (name shown in a list)" not in page.locator("#events").inner_text()  # openings by default
    assert_accessible(page, "access history")

    # The SENCo's home page lists every case each morning: those appearances are one click away.
    with page.expect_navigation():
        page.locator("#list-appearances").click()
    assert "Listed (name shown in a list)" in page.locator("#events").inner_text()
    assert page.locator("#list-appearances").inner_text() == "Show openings only"
    assert_accessible(page, "access history with list appearances")
    page.go_back()

    with page.expect_navigation():
        page.locator("#break-glass").get_by_role("link", name="David Mensah").first.click()
    assert page.get_by_role("heading", level=1).inner_text() == "David Mensah"
    assert_accessible(page, "user activity")

    page.goto("/audit/flags")
    assert page.locator("#break-glass").is_visible() and page.locator("#refused").is_visible()
    assert_accessible(page, "flags")

    page.goto("/audit?date_from=31&date_from=2&date_from=2025")
    assert "Date from must be a real date" in page.locator(".govuk-error-summary").inner_text()
    assert page.locator("#date_from-day").input_value() == "31"
    assert_accessible(page, "audit review with errors")

    page.goto("/audit/export")
    submit(page, "Export to CSV")
    assert page.locator(".govuk-error-summary").is_visible()
    assert_accessible(page, "export with errors")
    page.get_by_label("An inspection or audit").check()
    page.get_by_label("Details").fill("Local authority audit of access to SEND records")
    with page.expect_download() as download:
        page.get_by_role("button", name="Export to CSV").click()
    assert download.value.suggested_filename.startswith("braid-audit-trail-")

    page.goto("/audit")
    submit(page, "Verify the chain now")
    assert "The audit trail is intact" in page.locator(".govuk-notification-banner").inner_text()
    assert_accessible(page, "audit review after verifying")
