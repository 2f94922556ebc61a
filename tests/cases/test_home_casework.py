"""The home page's case work: my open actions, reviews due in 30 days, my cases — in a constant number of queries."""
from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from sqlalchemy import select

from app.agencies.accounts.models import User
from app.cases.concerns.models import SafeguardingConcern
from app.cases.learners.models import Learner
from app.cases.meetings.models import ActionStatus, Meeting, MeetingAction, MeetingKind
from app.cases.plans.models import CycleStage, PlanCycle, SupportPlan
from app.extensions import db
from app.home.views import HOME_LEARNERS
from app.types import utcnow
from tests.fixtures.application import sign_in, statements_of, text_of

SCHOOL = "Brookside Primary"


def _user(public_id: str) -> User:
    return db.session.scalars(select(User).where(User.public_id == public_id)).one()


def _learner(public_id: str) -> Learner:
    return db.session.scalars(select(Learner).where(Learner.public_id == public_id)).one()


def add_action(app, learner: str, owner, what: str, due_in_days: int, status=ActionStatus.OPEN,
               recorder=None) -> str:
    """A meeting on `learner`'s case with one action owned by `owner`; returns the meeting's public id."""
    with app.app_context():
        owner_row = _user(owner.public_id)
        recorder_row = _user((recorder or owner).public_id)
        meeting = Meeting(learner_id=_learner(learner).id, kind=MeetingKind.PLANNING, held_on=date.today(),
                          starts_at=time(15, 30), duration_minutes=45, chair_id=recorder_row.id,
                          recorded_by_id=recorder_row.id)
        db.session.add(meeting)
        db.session.flush()
        action = MeetingAction(meeting_id=meeting.id, owner_id=owner_row.id,
                               due_on=utcnow().date() + timedelta(days=due_in_days), status=status)
        action.description = what
        db.session.add(action)
        db.session.commit()
        return meeting.public_id


def add_cycles(app, learner: str, *review_in_days: int, closed: tuple[int, ...] = ()) -> list[str]:
    """A plan for `learner` with one cycle per review date; cycles numbered in `closed` are closed."""
    with app.app_context():
        plan = SupportPlan(learner_id=_learner(learner).id)
        db.session.add(plan)
        db.session.flush()
        ids = []
        for number, days in enumerate(review_in_days, start=1):
            cycle = PlanCycle(plan_id=plan.id, number=number, review_on=utcnow().date() + timedelta(days=days),
                              stage=CycleStage.CLOSED if number in closed else CycleStage.DO,
                              closed_at=utcnow() if number in closed else None)
            db.session.add(cycle)
            db.session.flush()
            ids.append(cycle.public_id)
        db.session.commit()
        return ids


def _client(app, account):
    client = app.test_client()
    assert sign_in(client, account.email, account.password).status_code == 302
    return client


@pytest.fixture
def school(create_agency):
    return create_agency(name=SCHOOL)


def test_the_owner_sees_their_open_actions_and_reviews_due_soon_and_nothing_else(
    app, school, create_user, create_case, add_to_team
):
    lsp = create_user("lsp", agency=school)
    colleague = create_user("teacher", agency=school)
    mine, far, former, elsewhere = (create_case(school=school, name=n) for n in
                                    ("Ruby Ashworth", "Oscar Pennington", "Freya Lindqvist", "Noah Quayle"))
    add_to_team(mine, lsp)
    add_to_team(mine, colleague)
    add_to_team(far, lsp)
    add_to_team(former, lsp, days=-1, started_days_ago=60)  # their time on this case has ended

    meeting = add_action(app, mine, lsp, "Make a now-and-next board for Ruby", 5)
    add_action(app, mine, lsp, "Share the phonics pack with home", -3)
    add_action(app, mine, lsp, "Finished job that must not show", 2, status=ActionStatus.DONE)
    add_action(app, mine, colleague, "Colleague's own action that must not show", 1)
    add_action(app, former, lsp, "Action on a case I have left", 4)
    add_action(app, elsewhere, lsp, "Action on a case I was never on", 4, recorder=colleague)
    closed_cycle, due_cycle = add_cycles(app, mine, 10, 20, closed=(1,))
    add_cycles(app, far, 40)
    add_cycles(app, former, 15)

    client = _client(app, lsp)
    response = client.get("/")
    page = text_of(response)
    assert response.status_code == 200

    actions = page.split("Your open actions", 1)[1].split("Reviews due in the next 30 days", 1)[0]
    assert "Make a now-and-next board for Ruby" in actions and "Ruby Ashworth" in actions
    assert f'href="/meetings/{meeting}"' in actions
    assert "Share the phonics pack with home" in actions and actions.count("Overdue") == 1
    # Ordered by due date: the overdue one first.
    assert actions.index("Share the phonics pack") < actions.index("Make a now-and-next board")
    for absent in ("Finished job", "Colleague's own action", "case I have left", "case I was never on"):
        assert absent not in page, absent

    reviews = page.split("Reviews due in the next 30 days", 1)[1].split("Your cases", 1)[0]
    assert f'href="/cycles/{due_cycle}"' in reviews and "Cycle 2" in reviews
    assert (utcnow().date() + timedelta(days=20)).strftime("%-d %B %Y") in reviews
    assert closed_cycle not in page and "Oscar Pennington" not in reviews and "Freya Lindqvist" not in reviews

    cases = page.split("Your cases", 1)[1]
    assert "Ruby Ashworth" in cases and "Oscar Pennington" in cases
    assert "Freya Lindqvist" not in cases and "Noah Quayle" not in cases
    assert f'href="/learners/{mine}"' in cases


def test_the_senco_sees_every_review_due_at_the_school_and_the_admin_sees_no_case_work(
    app, school, create_user, create_case
):
    senco = create_user("senco", agency=school)
    admin = create_user("admin", agency=school)
    soon, later = create_case(school=school, name="Isla Fernside"), create_case(school=school, name="Jacob Thorne")
    (soon_cycle,) = add_cycles(app, soon, 12)
    add_cycles(app, later, 45)
    add_action(app, soon, senco, "Book the interpreter for the review", 7)

    page = text_of(_client(app, senco).get("/"))
    assert f"/cycles/{soon_cycle}" in page and "Book the interpreter for the review" in page
    reviews = page.split("Reviews due in the next 30 days", 1)[1]
    assert "Isla Fernside" in reviews and "Jacob Thorne" not in reviews.split("Your school’s learners", 1)[0]
    assert "Your cases" not in page

    admin_page = text_of(_client(app, admin).get("/"))
    for absent in ("Your open actions", "Reviews due", "Your cases", "Isla Fernside", "Book the interpreter"):
        assert absent not in admin_page, absent


def test_the_dsl_sees_how_many_concerns_await_action(app, school, create_user, create_case, add_to_team):
    dsl = create_user("dsl", agency=school)
    teacher = create_user("teacher", agency=school)
    learner = create_case(school=school)
    add_to_team(learner, teacher)
    author = _client(app, teacher)
    for n in range(3):
        assert author.post(f"/learners/{learner}/concerns/new", data={"concern": f"Concern {n}"}).status_code == 302
    with app.app_context():
        first = db.session.scalars(select(SafeguardingConcern).order_by(SafeguardingConcern.id)).first().public_id
    dsl_client = _client(app, dsl)
    page = text_of(dsl_client.get("/"))
    assert "3 concerns are waiting for you to record the action taken" in page and 'href="/concerns"' in page
    acted = dsl_client.post(f"/concerns/{first}/action", data={"action_taken": "Logged", "version": "1"})
    assert acted.status_code == 302
    assert "2 concerns are waiting" in text_of(dsl_client.get("/"))
    assert "waiting for you to record" not in text_of(author.get("/"))


def _statements(app, client, path="/") -> int:
    count, response = statements_of(app, client, path)
    assert response.status_code == 200
    return count


def test_the_home_page_costs_the_same_number_of_statements_with_2_and_20_open_actions(
    app, school, create_user, create_case, add_to_team
):
    lsp = create_user("lsp", agency=school)

    def add_cases(n):
        for _ in range(n):
            learner = create_case(school=school)
            add_to_team(learner, lsp)
            add_action(app, learner, lsp, "Run the social communication group", 3)
            add_cycles(app, learner, 14)

    client = _client(app, lsp)
    add_cases(2)
    client.get("/")  # warm up: the first request after sign-in may load what later ones reuse
    with_two = _statements(app, client)
    assert text_of(client.get("/")).count("Run the social communication group") == 2
    add_cases(18)
    with_twenty = _statements(app, client)
    assert text_of(client.get("/")).count("Run the social communication group") == 20
    assert with_twenty == with_two


@pytest.mark.e2e
def test_the_home_page_with_case_work_passes_axe(app, page, school, create_user, create_case, add_to_team):
    from tests.fixtures.browser import assert_accessible, sign_in_with_browser

    lsp = create_user("lsp", agency=school)
    learner = create_case(school=school, name="Zara Whitcombe")
    add_to_team(learner, lsp)
    add_action(app, learner, lsp, "Send the sensory circuit plan home", -2)
    add_action(app, learner, lsp, "Observe Zara at lunchtime", 6)
    add_cycles(app, learner, 9)
    sign_in_with_browser(page, lsp.email, lsp.password)
    page.wait_for_url("**/")
    assert page.locator("#open-actions tbody tr").count() == 2
    assert page.locator("#reviews-due tbody tr").count() == 1
    assert_accessible(page, "LSP home with case work")


def test_the_senco_home_shows_the_first_learners_and_links_to_the_whole_list(app, school, create_user, create_case):
    """A school of 2,000 would otherwise be opened and drawn in full on every visit home: the page shows the learner
    list's first learners and says how many there are, the list pages through the rest."""
    senco = create_user("senco", agency=school)
    few = [create_case(school=school, name=f"Home Learner {n}") for n in range(2)]
    page = text_of(_client(app, senco).get("/"))
    assert all(f'href="/learners/{learner}"' in page for learner in few) and 'id="all-learners"' not in page

    many = few + [create_case(school=school, name=f"Home Learner {n}") for n in range(2, HOME_LEARNERS + 3)]
    page = text_of(_client(app, senco).get("/"))
    table = page.split("Your school’s learners", 1)[1]
    assert sum(f'href="/learners/{learner}"' in table for learner in many) == HOME_LEARNERS
    assert f"See all {HOME_LEARNERS + 3} learners" in table


def test_a_long_caseload_lists_its_first_cases_and_leads_to_the_rest_but_an_outsider_sees_all_of_theirs(
    app, school, create_user, create_case, add_to_team
):
    from app.home.views import CASES_ON_HOME

    teacher = create_user("teacher", agency=school)
    ep = create_user("ep")
    learners = [create_case(school=school, name=f"Caseload Learner {n:02d}", year_group=3) for n in range(
        CASES_ON_HOME + 2)]
    for learner in learners:
        add_to_team(learner, teacher)
        add_to_team(learner, ep)

    teacher_page = text_of(_client(app, teacher).get("/"))
    cases = teacher_page.split("Your cases", 1)[1]
    assert sum(f'href="/learners/{learner}"' in cases for learner in learners) == CASES_ON_HOME
    assert f"These are the first {CASES_ON_HOME}" in cases and 'href="/learners"' in cases
    # Only the learners shown are recorded as listed: the page showed no more than CASES_ON_HOME names.
    with app.app_context():
        from app.audit.models import AuditAction, AuditEvent

        listed = db.session.scalars(select(AuditEvent).where(AuditEvent.actor_id == _user(teacher.public_id).id,
                                                             AuditEvent.action == AuditAction.LISTED)).all()[-1]
        assert len(listed.learner_ids) == CASES_ON_HOME

    ep_page = text_of(_client(app, ep).get("/"))  # an outside professional cannot list learners: all are here
    assert all(f'href="/learners/{learner}"' in ep_page for learner in learners)
    assert "These are the first" not in ep_page
