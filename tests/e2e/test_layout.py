"""Every page fits a phone: at 320 px and at 1,280 px the page never scrolls sideways (a wide table scrolls inside
its own region), and axe finds nothing on it. Reproduced first: a meeting with actions was 834 px wide at 320 px
(its visually hidden legends stretched it), and the home, plan and CPD pages' tables overflowed."""
import pytest
from sqlalchemy import select

from app.cases.meetings.models import Meeting, MeetingAction
from app.extensions import db
from config import DEMO_TOTP_SECRET
from tests.fixtures.browser import assert_accessible, sign_in_with_browser

pytestmark = pytest.mark.e2e
DEMO_PASSWORD = "braid-demo-2026"
WIDTHS = (320, 1280)

# The pages each demo person opens, by path: {learner} is the demo's learner whose meeting has actions and
# {meeting} that meeting. Add a page here and it is checked at every width.
PAGES = {
    "senco@oakfield.example": ["/", "/learners/{learner}/plan", "/meetings/{meeting}", "/learners/{learner}/team",
                               "/learners/{learner}/chronology", "/cpd", "/cpd/coverage"],
    "teacher@oakfield.example": ["/", "/cpd"],
    "parent@family.example": ["/"],
}


@pytest.fixture
def app(demo_app):
    """The demo, loaded once per session and copied for this test."""
    return demo_app


def _meeting_with_actions(app) -> dict[str, str]:
    with app.app_context():
        meeting = db.session.scalars(select(Meeting).join(MeetingAction).order_by(Meeting.id)).first()
        ids = {"learner": meeting.learner.public_id, "meeting": meeting.public_id}
        db.session.remove()
    return ids


def test_pages_fit_320_and_1280_pixels_without_sideways_scrolling_and_are_accessible(app, chromium, live_server):
    ids = _meeting_with_actions(app)
    too_wide = []
    for email, paths in PAGES.items():
        context = chromium.new_context(base_url=live_server.url, locale="en-GB")
        page = context.new_page()
        page.set_default_timeout(15_000)
        sign_in_with_browser(page, email, DEMO_PASSWORD, totp_secret=DEMO_TOTP_SECRET)
        page.wait_for_url("**/")
        for path in (path.format(**ids) for path in paths):
            for width in WIDTHS:
                page.set_viewport_size({"width": width, "height": 900})
                response = page.goto(path)
                assert response.status == 200, f"{email} {path}: {response.status}"
                page_width = page.evaluate("document.documentElement.scrollWidth")
                if page_width > page.evaluate("window.innerWidth"):
                    too_wide.append(f"{email} {path} at {width} px: {page_width} px wide")
                if width == WIDTHS[0]:
                    # The markup is the same at every width; at the narrowest the tables' regions do scroll.
                    assert_accessible(page, f"{email} {path} at {width} px")
        context.close()
    assert not too_wide, "\n".join(too_wide)
