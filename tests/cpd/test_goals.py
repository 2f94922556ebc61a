"""SMART development goals: setting, reading and changing one; what a goal must say; which goals are due."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.agencies.accounts.models import AgencyKind, User
from app.cpd.entries.services import EntryDraft, record_entry
from app.cpd.goals.models import DevelopmentGoal, GoalStatus, RelevantTo
from app.cpd.goals.services import GoalDraft, goals_due, record_goal
from app.extensions import db
from tests.fixtures.application import sign_in, text_of

SPECIFIC = "Use a now-and-next board with the three learners I support in maths"
MEASURE = "SENCo observes it used consistently in 3 of 4 sessions"


def parts(day: date) -> list[str]:
    """A date as a GOV.UK date input sends it: day, month, year."""
    return [str(day.day), str(day.month), str(day.year)]


def entry_draft(on: date, title: str, standards=("AP 12",)) -> EntryDraft:
    return EntryDraft(
        activity_on=on, hours="1.5", activity_type="webinar", participation="individual", reflective_model="driscoll",
        title=title, content="What the webinar covered.",
        reflection={"what": "I watched it.", "so_what": "It matters for my learners.", "now_what": "Try it."},
        action_what="Use visual supports", action_how="Make a board", action_by=on + timedelta(days=14),
        standard_codes=list(standards),
    )


def user_row(account) -> User:
    return db.session.scalars(select(User).where(User.public_id == account.public_id)).one()


def signed_in(app, account):
    client = app.test_client()
    assert sign_in(client, account.email, account.password).status_code == 302
    return client


@dataclass
class World:
    accounts: dict
    entries: list  # public ids of the LSP's two entries, oldest first
    other_entry: str  # an entry in another practitioner's log
    today: date

    def client(self, app, key: str):
        return signed_in(app, self.accounts[key])


@pytest.fixture
def world(app, create_agency, create_user) -> World:
    school = create_agency(AgencyKind.SCHOOL, name="Goal Primary School")
    accounts = {"senco": create_user("senco", agency=school, name="Priya Senco")}
    accounts["lsp"] = create_user("lsp", agency=school, name="Tom Lsp", line_manager=accounts["senco"].email)
    accounts["other_lsp"] = create_user("lsp", agency=school, name="Nia Lsp", line_manager=accounts["senco"].email)
    today = date.today()
    with app.app_context():
        lsp, other = user_row(accounts["lsp"]), user_row(accounts["other_lsp"])
        first = record_entry(lsp, entry_draft(today - timedelta(days=20), "Webinar on visual timetables"))
        second = record_entry(lsp, entry_draft(today - timedelta(days=3), "Reading on Zones of Regulation"))
        theirs = record_entry(other, entry_draft(today - timedelta(days=5), "Nia's own webinar"))
        db.session.commit()
        ids = [first.public_id, second.public_id], theirs.public_id
    return World(accounts, ids[0], ids[1], today)


def goal_form(today: date, **changes) -> dict:
    data = {
        "specific": SPECIFIC,
        "measure": MEASURE,
        "relevant_to": "standard",
        "standard_code": "AP 12",
        "job_description_part": "",
        "feedback": "",
        "target_on": parts(today + timedelta(days=60)),
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def goals(app) -> list[dict]:
    with app.app_context():
        rows = db.session.scalars(select(DevelopmentGoal).order_by(DevelopmentGoal.id)).all()
        return [{"public_id": goal.public_id, "owner": goal.owner.public_id, "specific": goal.specific,
                 "measure": goal.measure, "relevant_to": goal.relevant_to,
                 "standard": goal.standard.code if goal.standard else None, "relevance": goal.relevance,
                 "target_on": goal.target_on, "status": goal.status, "version": goal.version,
                 "entries": [entry.public_id for entry in goal.entries]} for goal in rows]


def set_goal(app, world: World, **changes) -> str:
    response = world.client(app, "lsp").post("/cpd/goals/new", data=goal_form(world.today, **changes))
    assert response.status_code == 302, text_of(response)[:3000]
    match = re.fullmatch(r"/cpd/goals/([^/]+)", response.headers["Location"])
    assert match
    return match.group(1)


# --- setting a goal ---------------------------------------------------------------------------------------------


def test_the_owner_sets_a_goal_relevant_to_a_standard_with_its_evidence(app, world):
    public_id = set_goal(app, world, entries=[world.entries[1]])
    [goal] = goals(app)
    assert goal == {
        "public_id": public_id, "owner": world.accounts["lsp"].public_id, "specific": SPECIFIC, "measure": MEASURE,
        "relevant_to": RelevantTo.STANDARD, "standard": "AP 12", "relevance": None,
        "target_on": world.today + timedelta(days=60), "status": GoalStatus.NOT_STARTED, "version": 1,
        "entries": [world.entries[1]],
    }
    page = text_of(world.client(app, "lsp").get(f"/cpd/goals/{public_id}"))
    assert SPECIFIC in page and MEASURE in page
    assert "AP 12" in page and "Collaborate with and respect the contribution of colleagues and others" in page
    assert "Reading on Zones of Regulation" in page and "Webinar on visual timetables" not in page
    assert "Not started" in page
    assert f'href="/cpd/goals/{public_id}/edit"' in page


def test_a_goal_relevant_to_the_job_description_keeps_only_that_box(app, world):
    set_goal(app, world, relevant_to="job_description", standard_code="AP 12",
             job_description_part="Deliver small-group interventions",
             feedback="This box belongs to another answer and is not read")
    [goal] = goals(app)
    assert (goal["relevant_to"], goal["standard"], goal["relevance"]) == (
        RelevantTo.JOB_DESCRIPTION, None, "Deliver small-group interventions")


def test_a_goal_relevant_to_feedback_says_what_feedback(app, world):
    set_goal(app, world, relevant_to="feedback", feedback="Observation feedback from the SENCo, March")
    [goal] = goals(app)
    assert (goal["relevant_to"], goal["standard"], goal["relevance"]) == (
        RelevantTo.FEEDBACK, None, "Observation feedback from the SENCo, March")


def test_the_new_goal_form_offers_only_the_owners_entries(app, world):
    page = text_of(world.client(app, "lsp").get("/cpd/goals/new"))
    assert f'value="{world.entries[0]}"' in page and f'value="{world.entries[1]}"' in page
    assert "Webinar on visual timetables (" in page
    assert world.other_entry not in page and "Nia's own webinar" not in page


def test_a_standard_with_no_evidence_can_start_a_goal(app, world):
    page = text_of(world.client(app, "lsp").get("/cpd/goals/new?standard=AP%2012"))
    assert re.search(r'<input[^>]*name="relevant_to"[^>]*value="standard"[^>]*checked', page)
    assert re.search(r'<option value="AP 12" selected', page)
    # An unknown code chooses nothing: the form does not guess.
    page = text_of(world.client(app, "lsp").get("/cpd/goals/new?standard=ZZ%2099"))
    assert not re.search(r'name="relevant_to"[^>]*checked', page)
    assert not re.search(r"<option[^>]*selected", page)


# Each bad goal: (changes to a good form, message, the field it is shown beside).
BAD_GOALS = [
    ({"measure": ""}, "Say how you will measure it", "measure"),
    ({"measure": "   "}, "Say how you will measure it", "measure"),
    ({"specific": ""}, "Say specifically what you will be able to do", "specific"),
    ({"target_on": "past"}, "A new goal's date must be in the future", "target_on"),
    ({"target_on": "today"}, "A new goal's date must be in the future", "target_on"),
    ({"target_on": ["31", "2", "2030"]}, "The date must be a real date", "target_on"),
    ({"target_on": ["", "", ""]}, "Enter the date you will achieve the goal by", "target_on"),
    ({"standard_code": ""}, "Choose the standard the goal is relevant to", "standard_code"),
    ({"standard_code": "ZZ 99"}, "Choose the standard the goal is relevant to", "standard_code"),
    ({"relevant_to": None}, "Say what the goal is relevant to", "relevant_to"),
    ({"relevant_to": "horoscope"}, "Say what the goal is relevant to", "relevant_to"),
    ({"relevant_to": "job_description"}, "Say which part of your job description, or what feedback, the goal answers",
     "job_description_part"),
    ({"relevant_to": "feedback", "job_description_part": "Typed in the other box"},
     "Say which part of your job description, or what feedback, the goal answers", "feedback"),
    ({"entries": "other"}, "Choose entries from your own log", "entries"),
    ({"measure": "x" * 2001}, "The measure must be 2,000 characters or fewer", "measure"),
]


@pytest.mark.parametrize("changes, message, field", BAD_GOALS,
                         ids=[f"{field}-{n}" for n, (_, _, field) in enumerate(BAD_GOALS)])
def test_a_goal_that_is_not_smart_is_refused_with_what_was_typed(app, world, changes, message, field):
    changes = dict(changes)
    if changes.get("target_on") == "past":
        changes["target_on"] = parts(world.today - timedelta(days=1))
    if changes.get("target_on") == "today":
        changes["target_on"] = parts(world.today)
    if changes.get("entries") == "other":
        changes["entries"] = [world.entries[0], world.other_entry]
    response = world.client(app, "lsp").post("/cpd/goals/new", data=goal_form(world.today, **changes))
    assert response.status_code == 400
    page = text_of(response)
    assert "There is a problem" in page
    assert page.count(message) == 2  # in the summary, and beside its field
    assert f'href="#{field}"' in page
    typed_specific = changes.get("specific", SPECIFIC)
    if typed_specific:
        assert f">{typed_specific}</textarea>" in page  # what was typed is kept
    assert goals(app) == []


# --- reading and changing a goal --------------------------------------------------------------------------------


def test_the_line_manager_reads_the_goal_but_cannot_change_it(app, world):
    public_id = set_goal(app, world)
    manager = world.client(app, "senco")
    page = manager.get(f"/cpd/goals/{public_id}")
    assert page.status_code == 200
    assert SPECIFIC in text_of(page)
    assert "/edit" not in text_of(page) and "Edit goal" not in text_of(page)
    assert manager.get(f"/cpd/goals/{public_id}/edit").status_code == 403
    response = manager.post(f"/cpd/goals/{public_id}/edit",
                            data=goal_form(world.today, specific="Manager's words", status="achieved", version="1"))
    assert response.status_code == 403
    assert goals(app)[0]["specific"] == SPECIFIC and goals(app)[0]["version"] == 1
    # Another practitioner of the same school does not see it at all.
    assert world.client(app, "other_lsp").get(f"/cpd/goals/{public_id}").status_code == 404


def test_the_owner_changes_the_goal_and_a_past_date_is_kept(app, world):
    public_id = set_goal(app, world, entries=[world.entries[0]])
    client = world.client(app, "lsp")
    edit = text_of(client.get(f"/cpd/goals/{public_id}/edit"))
    assert f">{SPECIFIC}</textarea>" in edit and 'name="version" type="hidden" value="1"' in edit
    assert re.search(rf'<input[^>]*value="{world.entries[0]}" checked', edit)
    earlier = world.today - timedelta(days=2)  # an existing goal may be dated in the past (it is overdue)
    response = client.post(f"/cpd/goals/{public_id}/edit", data=goal_form(
        world.today, measure="Observed in 4 of 4 sessions", target_on=parts(earlier), status="in_progress",
        entries=world.entries, version="1"))
    assert response.status_code == 302 and response.headers["Location"] == f"/cpd/goals/{public_id}"
    [goal] = goals(app)
    assert (goal["measure"], goal["target_on"], goal["status"], goal["version"]) == (
        "Observed in 4 of 4 sessions", earlier, GoalStatus.IN_PROGRESS, 2)
    assert sorted(goal["entries"]) == sorted(world.entries)


def test_the_edit_form_keeps_bad_input_and_says_why(app, world):
    public_id = set_goal(app, world)
    response = world.client(app, "lsp").post(f"/cpd/goals/{public_id}/edit", data=goal_form(
        world.today, specific="My changed words", measure="", status="in_progress", version="1"))
    assert response.status_code == 400
    page = text_of(response)
    assert "Say how you will measure it" in page and ">My changed words</textarea>" in page
    assert goals(app)[0]["specific"] == SPECIFIC


def test_a_stale_edit_is_a_conflict_and_saves_nothing(app, world):
    public_id = set_goal(app, world)
    client = world.client(app, "lsp")
    first = client.post(f"/cpd/goals/{public_id}/edit",
                        data=goal_form(world.today, measure="First save", status="in_progress", version="1"))
    assert first.status_code == 302
    stale = client.post(f"/cpd/goals/{public_id}/edit",
                        data=goal_form(world.today, measure="Second, from an old page", status="achieved",
                                       version="1"))
    assert stale.status_code == 409
    page = text_of(stale)
    assert "First save" in page and "Second, from an old page" in page
    assert 'name="version" type="hidden" value="2"' in page  # saving again is now a deliberate choice
    [goal] = goals(app)
    assert (goal["measure"], goal["status"], goal["version"]) == ("First save", GoalStatus.IN_PROGRESS, 2)


@pytest.mark.parametrize("role", ["parent", "admin"])
def test_people_who_keep_no_log_cannot_set_goals(app, world, create_user, role):
    account = create_user(role, name=f"No Log {role}")
    client = signed_in(app, account)
    assert client.get("/cpd/goals/new").status_code == 403
    assert client.post("/cpd/goals/new", data=goal_form(world.today)).status_code == 403
    assert goals(app) == []


# --- goals due --------------------------------------------------------------------------------------------------


def test_goals_due_are_the_open_ones_past_or_within_30_days(app, world):
    today = world.today
    long_ago = today - timedelta(days=365)  # set a year ago, so past dates were then in the future
    with app.app_context():
        lsp, other = user_row(world.accounts["lsp"]), user_row(world.accounts["other_lsp"])

        def goal(owner, days: int, status: GoalStatus, what: str) -> None:
            draft = GoalDraft(specific=what, measure="m", relevant_to="feedback", standard_code=None,
                              relevance="From my review", target_on=today + timedelta(days=days), status=status)
            record_goal(owner, draft, today=long_ago)

        goal(lsp, 31, GoalStatus.NOT_STARTED, "in 31 days: not yet due")
        goal(lsp, 30, GoalStatus.IN_PROGRESS, "in 30 days: due")
        goal(lsp, 10, GoalStatus.NOT_STARTED, "in 10 days: due")
        goal(lsp, 0, GoalStatus.NOT_STARTED, "today: due")
        goal(lsp, -5, GoalStatus.IN_PROGRESS, "5 days ago: overdue")
        goal(lsp, -2, GoalStatus.ACHIEVED, "achieved: not prompted")
        goal(lsp, 3, GoalStatus.WITHDRAWN, "withdrawn: not prompted")
        goal(lsp, 4, GoalStatus.PARTLY_ACHIEVED, "partly achieved: closed, not prompted")
        goal(other, 1, GoalStatus.NOT_STARTED, "someone else's")
        db.session.commit()
        due = [goal.specific for goal in goals_due(lsp, today)]
        assert db.session.scalar(select(func.count()).select_from(DevelopmentGoal)) == 9
    # Soonest first: the overdue one leads.
    assert due == ["5 days ago: overdue", "today: due", "in 10 days: due", "in 30 days: due"]
