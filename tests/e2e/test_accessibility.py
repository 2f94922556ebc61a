"""axe-core in Debian's chromium finds no WCAG 2.2 A/AA violation on any page Braid has."""
import re

import pytest
from sqlalchemy import select, text

from app.agencies.accounts.models import AgencyKind
from app.cases.learners.models import Learner
from app.extensions import db
from config import DEMO_TOTP_SECRET
from tests.fixtures.browser import LiveServer, assert_accessible, sign_in_with_browser, submit

pytestmark = pytest.mark.e2e

ROLE_HOMES = ["senco", "lsp", "teacher", "dsl", "parent", "slt", "ep", "admin"]


def test_signed_out_pages(page):
    page.goto("/sign-in")
    assert_accessible(page, "sign-in")
    submit(page, "Sign in")
    assert page.locator(".govuk-error-summary").is_visible()
    assert_accessible(page, "sign-in with errors")
    sign_in_with_browser(page, "nobody@example.org", "wrong-password-here")
    assert_accessible(page, "sign-in refused")


def test_each_role_home_and_password_pages(page, create_user):
    # One server and browser context for every role: each signs in, is checked, and is signed out by clearing
    # the cookies (the sign-out button is another test's).
    for role in ROLE_HOMES:
        account = create_user(role)
        sign_in_with_browser(page, account.email, account.password)
        page.wait_for_url("**/")
        assert_accessible(page, f"{role} home")
        page.goto("/account/password")
        assert_accessible(page, f"change password ({role})")
        submit(page, "Change password")
        assert page.locator(".govuk-error-summary").is_visible(), role
        assert_accessible(page, f"change password with errors ({role})")
        page.goto("/no-such-page")
        assert_accessible(page, f"404 ({role})")
        page.context.clear_cookies()


def test_administrator_pages(page, create_user, create_agency):
    agency = create_agency(AgencyKind.SCHOOL, name="Oakfield Primary School")
    admin = create_user("admin", agency=agency)
    teacher = create_user("teacher", agency=agency, name="Hannah Okafor")
    sign_in_with_browser(page, admin.email, admin.password)
    page.wait_for_url("**/")
    page.goto("/accounts")
    assert_accessible(page, "account list")
    page.goto("/accounts/new")
    assert_accessible(page, "new account")
    page.get_by_label("Full name").fill("Sam Patel")
    page.get_by_label("Email address").fill("not-an-email")
    submit(page, "Create account")
    assert page.locator(".govuk-error-summary").is_visible()
    assert page.get_by_label("Full name").input_value() == "Sam Patel"
    assert_accessible(page, "new account with errors")
    page.get_by_label("Email address").fill("sam.patel@oakfield.example")
    page.get_by_label("Role").select_option("lsp")
    submit(page, "Create account")
    assert re.search(r"\S{5}-\S{5}-\S{5}-\S{5}", page.locator("#temporary-password").inner_text())
    assert_accessible(page, "temporary password")
    page.goto(f"/accounts/{teacher.public_id}")
    assert_accessible(page, "account detail")
    with page.expect_navigation():
        page.get_by_role("link", name="Deactivate account").click()
    assert_accessible(page, "confirm deactivation")
    submit(page, "Deactivate account")
    assert "deactivated" in page.locator(".govuk-notification-banner").inner_text()
    assert_accessible(page, "account detail after change")
    page.goto(f"/accounts/{teacher.public_id}/reset-password")
    assert_accessible(page, "confirm reset")


def test_account_edit_and_outside_accounts_pages(page, create_agency, create_user, create_case, add_to_team):
    agency = create_agency(AgencyKind.SCHOOL, name="Oakfield Primary School")
    admin = create_user("admin", agency=agency)
    teacher = create_user("teacher", agency=agency, name="Hannah Okafor")
    add_to_team(create_case(school=agency), create_user("slt", name="Megan Hughes"))
    sign_in_with_browser(page, admin.email, admin.password)
    page.wait_for_url("**/")
    page.goto(f"/accounts/{teacher.public_id}")
    with page.expect_navigation():
        page.get_by_role("link", name="Change details").click()
    assert_accessible(page, "edit account")
    page.get_by_label("Email address").fill("not-an-email")
    submit(page, "Save changes")
    assert page.locator(".govuk-error-summary").is_visible()
    assert_accessible(page, "edit account with errors")
    page.get_by_label("Email address").fill("hannah.okafor@oakfield.example")
    page.get_by_label("Full-time equivalent (FTE)").fill("0.8")
    submit(page, "Save changes")
    assert "signed out" in page.locator(".govuk-notification-banner").inner_text()
    page.goto("/accounts/outside")
    assert "Megan Hughes" in page.locator("table").inner_text()
    assert_accessible(page, "outside accounts")


def test_background_jobs_page(demo_page):
    # The demo's job runs: done ones, a failed send, and the periodic jobs' latest runs.
    page = demo_page
    sign_in_with_browser(page, "admin@oakfield.example", "braid-demo-2026", totp_secret=DEMO_TOTP_SECRET)
    page.wait_for_url("**/")
    page.goto("/admin/jobs")
    assert "SMTPServerDisconnected" in page.locator("#failed-runs").inner_text()
    assert_accessible(page, "background jobs")


def test_unsent_mail_and_development_outbox_pages(demo_page, demo_app):
    # The demo's mail, kept in the outbox (no mail server): listed without bodies, and read on the outbox page.
    demo_app.config["MAIL_OUTBOX_PAGE"] = True  # as `make run` (the development settings) has it
    page = demo_page
    sign_in_with_browser(page, "admin@oakfield.example", "braid-demo-2026", totp_secret=DEMO_TOTP_SECRET)
    page.wait_for_url("**/")
    page.goto("/admin/mail")
    assert "Your daily summary from Braid" in page.locator("#unsent-mail").inner_text()
    assert_accessible(page, "unsent mail")
    page.goto("/dev/outbox")
    assert page.locator(".braid-outbox-message").count() > 0
    assert_accessible(page, "development outbox")


def test_forbidden_page(page, create_user):
    account = create_user("teacher")
    sign_in_with_browser(page, account.email, account.password)
    page.wait_for_url("**/")
    response = page.goto("/accounts")
    assert response.status == 403
    assert_accessible(page, "403")


def test_learner_pages(demo_page):
    page = demo_page
    sign_in_with_browser(page, "senco@oakfield.example", "braid-demo-2026", totp_secret=DEMO_TOTP_SECRET)
    page.goto("/learners")
    assert_accessible(page, "learner list")
    page.goto("/learners/new")
    assert_accessible(page, "register learner")
    page.get_by_label("Full name").fill("Sam Okoro")
    submit(page, "Register learner")
    assert page.get_by_label("Full name").input_value() == "Sam Okoro"
    assert_accessible(page, "register learner with errors")
    page.get_by_label("Day").fill("4")
    page.get_by_label("Month").fill("6")
    page.get_by_label("Year", exact=True).fill("2017")
    page.get_by_label("Notes (optional)").fill("Enjoys **Lego** club.\n\n- Builds every lunchtime")
    page.get_by_label("Cognition and learning").check()
    submit(page, "Register learner")
    assert page.get_by_role("heading", level=1).inner_text() == "Sam Okoro"
    assert page.locator("#learner-notes strong").inner_text() == "Lego"
    assert page.locator("#areas-of-need").inner_text() == "Cognition and learning"
    assert_accessible(page, "learner detail")
    # Correcting the date of birth: the form, its errors, then the history with the earlier value.
    page.get_by_role("link", name="Correct these details").click()
    assert_accessible(page, "correct learner")
    page.get_by_label("Day").fill("14")
    submit(page, "Save changes")
    assert page.get_by_label("Day").input_value() == "14"  # kept, with the missing reason shown
    assert_accessible(page, "correct learner with errors")
    page.get_by_label("Why are these details being changed?").fill("Mistyped: the 14th, from his birth certificate")
    submit(page, "Save changes")
    assert "14 June 2017" in page.locator("main").inner_text()
    page.get_by_role("link", name="History of these details").click()
    history = page.locator("main").inner_text()
    assert "4 June 2017" in history and "from his birth certificate" in history
    assert_accessible(page, "learner history")
    page.goto("/learners/find")
    assert_accessible(page, "find learner")
    page.get_by_label("Full name or UPN").fill("maya   CARTER")
    submit(page, "Find learner")
    assert "Maya Carter" in page.locator("table").inner_text()
    assert_accessible(page, "find learner results")
    page.get_by_label("Full name or UPN").fill("Nobody Here")
    submit(page, "Find learner")
    assert page.get_by_role("heading", name="No learner matches").is_visible()
    assert_accessible(page, "find learner without results")


def _demo_learner(app, name: str) -> str:
    with app.app_context():
        public_id = next(learner.public_id for learner in db.session.scalars(select(Learner)) if learner.name == name)
        db.session.remove()
    return public_id


def test_transfer_pages(demo_app, demo_page):
    # The demo's leaver: the SENCo's transfers page, a bundle refused then made (its passphrase shown once).
    page = demo_page
    mo = _demo_learner(demo_app, "Mohammed Hussain")
    sign_in_with_browser(page, "senco@oakfield.example", "braid-demo-2026", totp_secret=DEMO_TOTP_SECRET)
    page.wait_for_url("**/")
    page.goto(f"/learners/{mo}")
    page.get_by_role("link", name="Transfer to another school").click()
    assert "Northgate Academy" in page.locator("#transfer-bundles").inner_text()
    assert "Child-protection file" not in page.locator("main").inner_text()
    assert_accessible(page, "transfers (SENCo)")
    page.get_by_role("link", name="Make a transfer bundle").click()
    assert_accessible(page, "make transfer bundle")
    submit(page, "Make the transfer bundle")
    assert page.locator(".govuk-error-summary").is_visible()
    assert_accessible(page, "make transfer bundle with errors")
    page.get_by_label("Receiving school").fill("Riverside High School")
    submit(page, "Make the transfer bundle")
    assert re.fullmatch(r"([a-z0-9]{5}-){4}[a-z0-9]{5}", page.locator("#bundle-passphrase").inner_text().strip())
    assert_accessible(page, "transfer bundle made")


def test_child_protection_transfer_pages(demo_app, demo_page):
    page = demo_page
    mo = _demo_learner(demo_app, "Mohammed Hussain")
    sign_in_with_browser(page, "dsl@oakfield.example", "braid-demo-2026", totp_secret=DEMO_TOTP_SECRET)
    page.wait_for_url("**/")
    page.goto(f"/learners/{mo}/transfers")
    assert "Okoro" in page.locator("#cp-transfers").inner_text()
    assert_accessible(page, "transfers (DSL)")
    page.get_by_role("link", name="Record a child-protection file transfer").click()
    submit(page, "Record the transfer")
    assert page.locator(".govuk-error-summary").is_visible()
    assert_accessible(page, "record child-protection transfer with errors")
    page.get_by_label("Receiving school").fill("Riverside High School")
    page.get_by_label("By hand, signed for by the receiving DSL").check()
    page.get_by_label("Day").fill("1")
    page.get_by_label("Month").fill("9")
    page.get_by_label("Year", exact=True).fill("2026")
    submit(page, "Record the transfer")
    page.get_by_role("link", name=re.compile("Record receipt")).click()
    assert_accessible(page, "record receipt")
    submit(page, "Record receipt")
    assert page.locator(".govuk-error-summary").is_visible()
    assert_accessible(page, "record receipt with errors")


def test_server_error_page(demo_app, demo_page):
    """The 500 page, here from a tampered value, in the design and accessible."""
    app, page = demo_app, demo_page
    with app.app_context():
        learner = db.session.scalars(select(Learner)).first()
        sealed = learner.name_sealed
        db.session.execute(text("UPDATE learner SET name_sealed = :v WHERE id = :i"),
                           {"v": sealed[:-6] + ("A" if sealed[-6] != "A" else "B") + sealed[-5:], "i": learner.id})
        db.session.commit()
        public_id = learner.public_id
    sign_in_with_browser(page, "senco@oakfield.example", "braid-demo-2026", totp_secret=DEMO_TOTP_SECRET)
    response = page.goto(f"/learners/{public_id}")
    assert response.status == 500
    assert page.get_by_role("heading", level=1).inner_text() == "Sorry, there is a problem with Braid"
    assert_accessible(page, "500")


def test_bad_request_page(database_url, chromium):
    """With CSRF on (as in production), a form without its token gets the designed 400 page."""
    from app import create_app

    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url, "WTF_CSRF_ENABLED": True})
    with LiveServer(app) as server:
        context = chromium.new_context(base_url=server.url)
        page = context.new_page()
        page.goto("/sign-in")
        page.evaluate("document.querySelector('input[name=csrf_token]').remove()")
        page.get_by_label("Email address").fill("someone@example.org")
        page.get_by_label("Password", exact=True).fill("whatever-password")
        submit(page, "Sign in")
        assert page.get_by_role("heading", level=1).inner_text() == "Sorry, there is a problem with that request"
        assert_accessible(page, "400")
        context.close()
    with app.app_context():
        db.engine.dispose()
