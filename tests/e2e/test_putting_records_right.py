"""Putting a record right, as the SENCo does it in the browser on the demo: correct a date of birth and read the
history, merge the learner's duplicate record (pick, likely duplicates first; compare; choose), withdraw a
contribution filed against the wrong child. Every page on
the way, its error states included, is axe clean; each step is checked in the database as well as on the page."""
from datetime import date

import pytest
from sqlalchemy import select

from app.agencies.accounts.models import User
from app.cases.contributions.models import Contribution, Visibility
from app.cases.learners.models import Learner
from app.cases.learners.services import register_learner
from app.extensions import db
from config import DEMO_TOTP_SECRET
from tests.fixtures.browser import assert_accessible, sign_in_with_browser, submit

pytestmark = pytest.mark.e2e


def _demo_with_a_duplicate(app) -> dict:
    """The demo, with Maya Carter registered a second time by the office (another date of birth, a form group)."""
    with app.app_context():
        senco = db.session.scalars(select(User).where(User.email.matches("senco@oakfield.example"))).one()
        maya = next(learner for learner in db.session.scalars(select(Learner)) if learner.name == "Maya Carter")
        duplicate = register_learner(senco, name="Maya Carter", date_of_birth=date(2018, 5, 15), year_group=3,
                                     registration_group="3C", areas_of_need=["communication_interaction"])
        misfiled = db.session.scalars(select(Contribution).where(
            Contribution.learner_id == maya.id, Contribution.withdrawn_at.is_(None),
            Contribution.visibility == Visibility.TEAM).order_by(Contribution.id)).first()
        db.session.commit()
        found = {"maya": maya.public_id, "born": maya.date_of_birth, "duplicate": duplicate.public_id,
                 "misfiled": misfiled.public_id}
        db.session.remove()
    return found


def test_the_senco_corrects_merges_and_withdraws(demo_app, demo_page):
    app, page = demo_app, demo_page
    demo = _demo_with_a_duplicate(app)
    sign_in_with_browser(page, "senco@oakfield.example", "braid-demo-2026", totp_secret=DEMO_TOTP_SECRET)

    # 1. The date of birth was mistyped at registration: corrected with a reason, the earlier value in the history.
    page.goto(f"/learners/{demo['maya']}")
    page.get_by_role("link", name="Correct these details").click()
    corrected = date(demo["born"].year, demo["born"].month, 3 if demo["born"].day != 3 else 4)
    page.get_by_label("Day").fill(str(corrected.day))
    submit(page, "Save changes")
    assert page.locator(".govuk-error-summary").is_visible()  # no reason: nothing saved, the day kept
    assert page.get_by_label("Day").input_value() == str(corrected.day)
    assert_accessible(page, "correct: without a reason")
    page.get_by_label("Why are these details being changed?").fill("Mistyped at registration: birth certificate")
    submit(page, "Save changes")
    assert f"{corrected.day} {corrected:%B %Y}" in page.locator("main").inner_text()
    page.get_by_role("link", name="History of these details").click()
    history = page.locator("main").inner_text()
    assert f"{demo['born'].day} {demo['born']:%B %Y}" in history and "birth certificate" in history
    assert_accessible(page, "history after a correction")

    # 2. The office registered her twice: the SENCo merges the second record into this one.
    page.goto(f"/learners/{demo['maya']}")
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
    main = page.locator("main").inner_text()
    assert "The two records are now one" in main and "3C" in main
    assert f"{corrected.day} {corrected:%B %Y}" in main  # this record's corrected date of birth survived
    assert_accessible(page, "learner after a merge")
    page.get_by_role("link", name="History of these details").click()
    assert "replaced by those of another record" in page.locator("main").inner_text()
    page.goto(f"/learners/{demo['duplicate']}")  # the merged-away address resolves to the survivor
    assert page.get_by_role("heading", level=1).inner_text() == "Maya Carter"
    assert f"{corrected.day} {corrected:%B %Y}" in page.locator("main").inner_text()

    # 3. A contribution was filed against the wrong child: withdrawn with a reason, it leaves her case.
    page.goto(f"/contributions/{demo['misfiled']}")
    page.get_by_role("link", name="Withdraw it from this learner's case").click()
    submit(page, "Withdraw this contribution")
    assert page.locator(".govuk-error-summary").is_visible()
    assert_accessible(page, "withdraw: without a reason")
    page.get_by_label("Why are you withdrawing this contribution?").fill("Written about another child")
    submit(page, "Withdraw this contribution")
    assert "has been withdrawn" in page.locator("main").inner_text()
    assert_accessible(page, "contributions after a withdrawal")
    page.goto(f"/learners/{demo['maya']}/contributions")
    assert page.locator(f"main a[href$='/contributions/{demo['misfiled']}']").count() == 0

    with app.app_context():
        maya, duplicate = (db.session.scalars(select(Learner).where(Learner.public_id == public_id)).one()
                           for public_id in (demo["maya"], demo["duplicate"]))
        assert maya.date_of_birth == corrected and maya.registration_group == "3C"
        assert duplicate.merged_into_id == maya.id
        misfiled = db.session.scalars(select(Contribution).where(Contribution.public_id == demo["misfiled"])).one()
        assert misfiled.withdrawn_at is not None and misfiled.withdrawn_reason == "Written about another child"
        db.session.remove()
