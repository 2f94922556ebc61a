"""In a real browser: the DPO selects words in an item of the bundle and the redaction form fills itself, redacts
them, builds the bundle and watches the progress bar until the page reloads itself, built."""
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.agencies.accounts.models import AgencyKind, User
from app.cases.learners.models import Learner
from app.core.jobs.services import run_pending
from app.data_protection.bundles.models import BundleRedaction
from app.data_protection.requests.models import ClockStart, RequesterRelationship, RequestKind, SubjectAccessRequest
from app.extensions import db
from app.types import utcnow
from tests.fixtures.browser import assert_accessible, sign_in_with_browser, submit

pytestmark = pytest.mark.e2e
BUILT_WITHIN_MS = 90_000


@pytest.fixture
def request_and_dpo(app, create_agency, create_user, create_case):
    school = create_agency(AgencyKind.SCHOOL, name="Bundle Browser School")
    dpo = create_user("teacher", agency=school, name="Helen Browser", two_step=True, dpo_designated_at=utcnow())
    learner_id = create_case(school=school)
    with app.app_context():
        learner = db.session.scalars(select(Learner).where(Learner.public_id == learner_id)).one()
        learner.notes = "Reads with Jamie Fletcher every morning."
        user = db.session.scalars(select(User).where(User.public_id == dpo.public_id)).one()
        today = date.today()
        request = SubjectAccessRequest(
            agency_id=learner.school_id, learner_id=learner.id, kind=RequestKind.ARTICLE_15,
            requester_relationship=RequesterRelationship.PARENT, received_on=today, registered_by_id=user.id,
            clock_start=ClockStart.RECEIVED, clock_starts_on=today, due_on=today + timedelta(days=30))
        request.requester_name = "A parent"
        db.session.add(request)
        db.session.commit()
        return request.public_id, learner_id, dpo


def run_jobs(app) -> int:
    with app.app_context():
        return run_pending()


def test_selecting_words_fills_the_redaction_and_the_build_reports_its_progress(page, app, request_and_dpo):
    request, learner, dpo = request_and_dpo
    sign_in_with_browser(page, dpo.email, dpo.password)
    page.goto(f"/data-protection/requests/{request}/bundle/items/details:{learner}")
    notes = page.locator('[data-field="notes"]')
    # Select "Jamie Fletcher" in the notes as a mouse would, then let go: the form fills itself.
    notes.evaluate("""node => {
        const text = node.firstChild, start = text.data.indexOf('Jamie Fletcher')
        const range = document.createRange()
        range.setStart(text, start)
        range.setEnd(text, start + 'Jamie Fletcher'.length)
        const selection = window.getSelection()
        selection.removeAllRanges()
        selection.addRange(range)
        node.closest('[data-redactable]').dispatchEvent(new MouseEvent('mouseup', {bubbles: true}))
    }""")
    assert page.locator('[name="passage"]').input_value() == "Jamie Fletcher"
    assert page.locator('select[name="field"]').input_value() == "notes"
    assert_accessible(page, "redaction form")
    page.locator("[data-redaction-form]").get_by_label("Another child").check()
    submit(page, "Redact")
    assert "/bundle/review" in page.url
    with app.app_context():
        assert db.session.scalars(select(BundleRedaction)).one().passage == "Jamie Fletcher"

    page.goto(f"/data-protection/requests/{request}/bundle")
    submit(page, "Build the bundle")
    progress = page.get_by_role("progressbar", name="Items and files written")
    assert progress.is_visible()
    assert_accessible(page, "bundle building")
    with ThreadPoolExecutor(max_workers=1) as worker:
        job = worker.submit(run_jobs, app)
        # The page's script polls the progress and reloads itself once the build has ended.
        page.wait_for_selector("text=Finalise: ready to send", timeout=BUILT_WITHIN_MS)
        assert job.result() == 1
