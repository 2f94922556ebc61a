"""In a real browser: the LSP reflects on one of their own meetings with Gibbs, maps it to AP 12 and BP 4,
and sees the hours chart and standards coverage take it in. Every page passes axe."""
import re
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.agencies.accounts.models import AgencyKind, User
from app.cases.learners.models import Learner
from app.cases.meetings.models import Attendance, MeetingKind
from app.cases.meetings.services import MeetingDetails, record_meeting
from app.core.dates import DEFAULT_ZONE
from app.cpd.hours import month_label
from app.extensions import db
from tests.fixtures.browser import assert_accessible, sign_in_with_browser, submit

pytestmark = pytest.mark.e2e


def _record_meeting(app, recorder, learner: str, chair, teacher) -> None:
    """A 90-minute planning meeting today, recorded by the LSP, who was there with the teacher."""
    with app.app_context():
        users = {u.public_id: u for u in db.session.scalars(
            select(User).where(User.public_id.in_([recorder.public_id, chair.public_id, teacher.public_id])))}
        details = MeetingDetails(
            kind=MeetingKind.PLANNING, held_on=date.today(), starts_at=time(15, 30), duration_minutes=90,
            chair=chair.public_id, agenda="Maya's speech sounds", minutes="Maya uses her timetable.",
            attendance={recorder.public_id: Attendance.PRESENT, teacher.public_id: Attendance.PRESENT},
        )
        row = db.session.scalars(select(Learner).where(Learner.public_id == learner)).one()
        record_meeting(users[recorder.public_id], row, details)
        db.session.commit()


def _coverage_cells(page, code: str) -> list[str]:
    row = page.locator(f"#coverage-{code.replace(' ', '-')}")
    return [" ".join(cell.split()) for cell in row.locator("td").all_inner_texts()]


def _month_row(page) -> list[str]:
    row = page.locator("table.app-hours-chart__table tr", has=page.get_by_role("rowheader",
                                                                              name=month_label(date.today())))
    return row.locator("td").all_inner_texts()


def test_lsp_reflects_on_a_meeting_with_gibbs_and_sees_hours_and_coverage_update(
        app, page, create_agency, create_user, create_case, add_to_team):
    school = create_agency(AgencyKind.SCHOOL, name="Oakfield Primary School")
    senco = create_user("senco", agency=school, name="Priya Shah")
    lsp = create_user("lsp", agency=school, name="Tom Fletcher", line_manager=senco.email)
    teacher = create_user("teacher", agency=school, name="Hannah Okafor")
    learner = create_case(school=school, name="Maya Carter")
    add_to_team(learner, lsp)
    add_to_team(learner, teacher)
    _record_meeting(app, lsp, learner, senco, teacher)

    sign_in_with_browser(page, lsp.email, lsp.password)
    page.wait_for_url("**/")

    # Before: no hours this month, and AP 12 and BP 4 have no evidence.
    with page.expect_navigation():
        page.get_by_role("link", name="CPD log", exact=True).click()
    assert page.get_by_role("heading", level=1).inner_text() == "Your CPD log"
    assert _month_row(page)[:3] == ["0.0", "0.0", "0.0"]
    assert page.locator("#hours-statement").inner_text().strip().startswith("Behind")
    assert_accessible(page, "CPD log, empty")
    with page.expect_navigation():
        page.get_by_role("link", name="Standards coverage").click()
    for code in ("AP 12", "BP 4"):
        cells = _coverage_cells(page, code)
        assert cells[:2] == ["0", "0"], code
        assert "No evidence yet" in cells[2] and "Set a goal for this standard" in cells[2], code
    assert_accessible(page, "coverage, empty")

    # The LSP opens their own meeting record and starts a reflection from it.
    page.goto("/learners")
    with page.expect_navigation():
        page.get_by_role("link", name="Maya Carter").click()
    with page.expect_navigation():
        page.locator("#case-sections").get_by_role("link", name="Meetings").click()
    with page.expect_navigation():
        page.get_by_role("link", name="Planning meeting").click()
    with page.expect_navigation():
        page.get_by_role("link", name="Reflect on this in my CPD log").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Reflect on your case work"
    assert "Maya Carter" not in page.locator("main").inner_text()  # the CPD form names no learner
    assert_accessible(page, "choose a reflective model")
    page.get_by_label("Gibbs' reflective cycle").check()
    submit(page, "Continue")

    assert page.locator("#reflection-heading").inner_text() == "Your reflection: Gibbs' reflective cycle"
    assert page.get_by_label("Length in hours").input_value() == "1.5"  # the meeting's 90 minutes
    assert page.get_by_label("Participatory (with others)").is_checked()
    assert_accessible(page, "Gibbs entry form")
    page.get_by_label("Content and learning").fill("We set Maya's next outcomes together with her teacher.")
    page.get_by_label("Description", exact=True).fill("I recorded the meeting and shared the intervention data.")
    page.get_by_label("Feelings", exact=True).fill("Nervous presenting, then confident.")
    page.get_by_label("Evaluation", exact=True).fill("The data helped; we ran out of time for the actions.")
    page.get_by_label("Analysis", exact=True).fill("Bringing a summary let the teacher plan pre-teaching.")
    page.get_by_label("Conclusion", exact=True).fill("Prepare a one-page summary beforehand.")
    page.get_by_label("What will you do differently?").fill("Bring a one-page data summary")
    page.get_by_label("How will you do it?").fill("Write it from the tracker the day before")
    page.locator("#action_by-day").fill("31")
    page.locator("#action_by-month").fill("12")
    page.locator("#action_by-year").fill(str(date.today().year + 1))
    page.locator('input[name="standard_codes"][value="AP 12"]').check()
    page.locator('input[name="standard_codes"][value="BP 4"]').check()
    submit(page, "Save entry")

    assert re.search(r"/cpd/entries/[^/]+$", page.url), page.url
    assert page.get_by_role("heading", level=1).inner_text() == "Reflection on a planning meeting"
    assert page.locator("#entry-hours").inner_text() == "1.5 hours"
    standards = page.locator("#entry-standards").inner_text()
    assert "AP 12: Collaborate with and respect the contribution of colleagues and others" in standards
    assert "BP 4: Evaluate learner response to specialist learning support" in standards
    assert page.locator("#evidence-kind").inner_text() == "Planning meeting"
    assert_accessible(page, "entry page")

    # After: the chart's table has the meeting's 1.5 participatory hours; AP 12 and BP 4 have evidence.
    with page.expect_navigation():
        page.get_by_role("link", name="CPD log", exact=True).click()
    assert _month_row(page)[:3] == ["1.5", "0.0", "1.5"]
    chart = page.locator("svg.app-hours-chart__svg")
    assert chart.locator("rect.app-hours-chart__bar--participatory").count() == 1
    assert "Participatory (with others) 1.5 hours" in " ".join(page.locator("#hours-totals").inner_text().split())
    assert page.locator("#entries").get_by_role("link", name="Reflection on a planning meeting").is_visible()
    assert page.locator("#unreflected").inner_text().startswith("Every contribution and meeting")
    assert_accessible(page, "CPD log with an entry")
    with page.expect_navigation():
        page.get_by_role("link", name="Standards coverage").click()
    for code in ("AP 12", "BP 4"):
        cells = _coverage_cells(page, code)
        assert cells[:2] == ["1", "1"], code
        assert cells[2] == datetime.now(ZoneInfo(DEFAULT_ZONE)).strftime("%-d %B %Y"), code  # the school's today
    assert "No evidence yet" in _coverage_cells(page, "AP 1")[2]
    assert_accessible(page, "coverage with evidence")
