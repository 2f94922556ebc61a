"""An XSS corpus through every plain-text field and through the rich-text sanitiser runs no script in a real browser.

CSP is bypassed in this browser on purpose: escaping and sanitising must hold on their own, with the
Content-Security-Policy as a second wall behind them.
"""
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.agencies.accounts.models import User
from app.cases.learners import services
from app.cases.learners.models import AreaOfNeed
from app.extensions import db
from tests.fixtures.browser import sign_in_with_browser

pytestmark = pytest.mark.e2e
CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "xss_payloads.txt"
PAYLOADS = [line for line in CORPUS.read_text(encoding="utf-8").splitlines() if line and not line.startswith("# ")]
TRAP = "window.__xss = []; window.braidXss = () => window.__xss.push(location.pathname);"


def test_the_corpus_is_large_and_armed():
    assert len(PAYLOADS) >= 100
    armed = [payload for payload in PAYLOADS if "braidXss" in payload or "alert" in payload]
    assert len(armed) >= 100


@pytest.fixture
def poisoned(app, create_user, create_agency):
    """A school whose learners' names, preferred names and notes, and staff names, are the corpus."""
    school = create_agency(name="Poisoned Primary")
    senco = create_user("senco", agency=school)
    admin = create_user("admin", agency=school)
    with app.app_context():
        actor = db.session.scalars(select(User).where(User.public_id == senco.public_id)).one()
        learners = []
        for number, payload in enumerate(PAYLOADS):
            learner = services.register_learner(
                actor, name=f"L{number} {payload}", preferred_name=payload, notes=payload,
                date_of_birth=date(2016, 3, 1), year_group=4, areas_of_need=[AreaOfNeed.SEMH],
            )
            learners.append(learner.public_id)
        db.session.commit()
    for number, payload in enumerate(PAYLOADS[:60]):
        create_user("teacher", agency=school, name=payload, email=f"xss{number}@poisoned.example")
    return senco, admin, learners


@pytest.fixture
def trapped_page(chromium, live_server):
    context = chromium.new_context(base_url=live_server.url, bypass_csp=True)
    context.add_init_script(TRAP)
    page = context.new_page()
    page.dialogs = []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    yield page
    context.close()


def _assert_nothing_ran(page, where: str):
    page.mouse.move(5, 5)
    page.mouse.move(400, 300)  # give hover handlers their chance
    page.wait_for_timeout(50)
    fired = page.evaluate("window.__xss")
    assert fired == [] and page.dialogs == [], f"script ran on {where}: {fired} {page.dialogs}"


def test_no_payload_runs_anywhere_it_is_shown(poisoned, trapped_page):
    senco, admin, learners = poisoned
    page = trapped_page
    sign_in_with_browser(page, senco.email, senco.password)
    page.goto("/learners")
    _assert_nothing_ran(page, "learner list")
    # Plain text is shown exactly as typed, not interpreted.
    table = page.locator("table").inner_text()
    assert "<script>braidXss()</script>" in table and "<img src=x onerror=braidXss()>" in table
    page.goto("/")
    _assert_nothing_ran(page, "SENCo home")
    # Typed through the form as writing: every payload as a list item, a bold run and a Markdown link.
    typed = "\n".join(f"- **{n}** {payload} [link {n}]({payload})" for n, payload in enumerate(PAYLOADS))
    typed += "\n\n[run](javascript:braidXss())\n<https://example.org/a?b=<script>braidXss()</script>>"
    page.goto(f"/learners/{learners[0]}/edit")
    page.get_by_label("Notes (optional)").fill(typed)
    page.get_by_label("Why are these details being changed?").fill("Typed through the writing path")
    with page.expect_navigation():  # the save redirects to the learner's page: read that page, not the form
        page.get_by_role("button", name="Save changes").click()
    page.wait_for_load_state()
    notes = page.locator("#learner-notes")
    expect(notes.locator("li")).to_have_count(len(PAYLOADS), timeout=30_000)  # the shape came through
    assert "<script>braidXss()</script>" in notes.inner_text()  # typed HTML shown as text
    assert notes.locator("a[href^='javascript'], script, img, svg, iframe").count() == 0
    _assert_nothing_ran(page, "notes typed as writing")
    page.goto(f"/learners/{learners[0]}/edit")
    assert page.get_by_label("Notes (optional)").input_value() == typed  # editing shows the source
    _assert_nothing_ran(page, "editing the notes")
    for public_id in learners:
        page.goto(f"/learners/{public_id}")
        _assert_nothing_ran(page, f"learner {public_id}")
    page.get_by_role("button", name="Sign out").click()

    sign_in_with_browser(page, admin.email, admin.password)
    page.goto("/accounts")
    _assert_nothing_ran(page, "account list")
    assert "<svg onload=braidXss()>" in page.locator("table").inner_text()
