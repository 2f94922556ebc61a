"""Reflective entries through the pages: the log, choosing a model, writing, correcting and changing an entry,
entries from one's own case work, who may read and write them, and the hours and coverage they add up to."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, time, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.agencies.accounts.models import AgencyKind, User
from app.cases.contributions.models import ContributionKind, Visibility
from app.cases.contributions.services import add_contribution
from app.cases.learners.models import Learner
from app.cases.meetings.models import Attendance, MeetingKind
from app.cases.meetings.services import MeetingDetails, record_meeting
from app.cpd.entries.models import ActivityType, CaseEvidence, EvidenceKind, ReflectiveEntry, ReflectiveModel
from app.cpd.hours import Participation, month_label
from app.extensions import db
from tests.fixtures.application import sign_in, text_of

# Strings that appear only in the case: none may reach a CPD page read by someone outside it.
LEARNER_NAME = "Zebedee Quartermaine"
LEARNER_UPN = "K820019384756"
MINUTES = "MINUTES-SENTINEL-7Q: Zebedee chose the quiet table today"
AGENDA = "AGENDA-SENTINEL-4R"
DECISIONS = "DECISIONS-SENTINEL-9W"
CONTRIBUTION_TITLE = "CONTRIB-TITLE-SENTINEL-2K"
CONTRIBUTION_BODY = "CONTRIB-BODY-SENTINEL-3X: Zebedee read twelve words aloud"


@dataclass
class World:
    """Oakfield: the SENCo line-manages the LSP (0.6 FTE); a teacher on the case; outsiders."""

    accounts: dict
    clients: dict
    learner: str
    other_learner: str
    meeting: str  # recorded by the LSP, who was present; 90 minutes, today
    missed_meeting: str  # recorded by the SENCo; the LSP sent apologies, the teacher was there
    other_case_meeting: str  # on a case the LSP is not on
    contribution: str  # the LSP's own intervention record
    teachers_contribution: str


def _user(public_id: str) -> User:
    return db.session.scalars(select(User).where(User.public_id == public_id)).one()


def _learner(public_id: str) -> Learner:
    return db.session.scalars(select(Learner).where(Learner.public_id == public_id)).one()


def _meeting(app, recorder, learner: str, chair, attendance: dict, minutes: int = 90, held_on=None) -> str:
    with app.app_context():
        details = MeetingDetails(
            kind=MeetingKind.PLANNING, held_on=held_on or date.today(), starts_at=time(9, 30),
            duration_minutes=minutes, chair=chair.public_id, agenda=f"<p>{AGENDA}</p>", minutes=f"<p>{MINUTES}</p>",
            decisions=f"<p>{DECISIONS}</p>",
            attendance={account.public_id: status for account, status in attendance.items()},
        )
        meeting = record_meeting(_user(recorder.public_id), _learner(learner), details)
        db.session.commit()
        return meeting.public_id


def _contribution(app, author, learner: str, kind: ContributionKind) -> str:
    with app.app_context():
        contribution = add_contribution(_user(author.public_id), _learner(learner), kind=kind,
                                        visibility=Visibility.TEAM, title=CONTRIBUTION_TITLE,
                                        body=f"<p>{CONTRIBUTION_BODY}</p>")
        db.session.commit()
        return contribution.public_id


@pytest.fixture
def world(app, create_agency, create_user, create_case, add_to_team) -> World:
    school = create_agency(AgencyKind.SCHOOL, name="Oakfield Primary School")
    family = create_agency(AgencyKind.FAMILY, name="The Quartermaine family")
    senco = create_user("senco", agency=school, name="Priya Shah")
    accounts = {
        "senco": senco,
        "lsp": create_user("lsp", agency=school, name="Tom Fletcher", line_manager=senco.email, fte=Decimal("0.60")),
        "teacher": create_user("teacher", agency=school, name="Hannah Okafor"),
        "stranger": create_user("teacher", agency=school, name="Ola Stranger"),
        "parent": create_user("parent", agency=family, name="Jo Quartermaine"),
        "admin": create_user("admin", agency=school, name="Ash Admin"),
    }
    learner = create_case(school=school, name=LEARNER_NAME)
    other_learner = create_case(school=school, name="Other Learner")
    for key in ("lsp", "teacher", "parent"):
        add_to_team(learner, accounts[key])
    add_to_team(other_learner, accounts["teacher"])
    with app.app_context():
        _learner(learner).upn = LEARNER_UPN
        db.session.commit()
    a = accounts
    meeting = _meeting(app, a["lsp"], learner, a["senco"],
                       {a["lsp"]: Attendance.PRESENT, a["teacher"]: Attendance.PRESENT})
    missed = _meeting(app, a["senco"], learner, a["senco"],
                      {a["lsp"]: Attendance.APOLOGIES, a["teacher"]: Attendance.PRESENT}, minutes=45)
    other_case = _meeting(app, a["senco"], other_learner, a["senco"], {a["teacher"]: Attendance.PRESENT})
    contribution = _contribution(app, a["lsp"], learner, ContributionKind.INTERVENTION_RECORD)
    teachers = _contribution(app, a["teacher"], learner, ContributionKind.CLASSROOM_VIEW)
    clients = {}
    for key, account in accounts.items():
        client = app.test_client()
        assert sign_in(client, account.email, account.password).status_code == 302
        clients[key] = client
    return World(accounts, clients, learner, other_learner, meeting, missed, other_case, contribution, teachers)


def dmy(day: date) -> list[str]:
    return [str(day.day), str(day.month), str(day.year)]


def gibbs_form(**changes) -> dict:
    today = date.today()
    data = {
        "reflective_model": "gibbs",
        "activity_on": dmy(today),
        "hours": "2.25",
        "activity_type": "webinar",
        "participation": "individual",
        "title": "Webinar: precision teaching",
        "content": "How to run one-minute probes.\n\nKeeping a daily chart.",
        "prompt_description": "I watched a 2-hour webinar on precision teaching.",
        "prompt_feelings": "Sceptical at first, then keen.",
        "prompt_evaluation": "The worked examples were good; the charting part went too fast.",
        "prompt_analysis": "Short daily probes suit learners who tire quickly.",
        "prompt_conclusion": "I can use probes in my reading sessions.",
        "action_what": "Use one-minute reading probes",
        "action_how": "Start with two learners and chart daily",
        "action_by": dmy(today + timedelta(days=30)),
        "standard_codes": ["AP 17", "ETF 9"],
    }
    data.update(changes)
    return data


def driscoll_form(**changes) -> dict:
    today = date.today()
    data = {
        "reflective_model": "driscoll",
        "activity_on": dmy(today),
        "hours": "1.5",
        "participation": "participatory",
        "title": "Reflection on a planning meeting",
        "content": "We agreed the next cycle's outcomes together.",
        "prompt_what": "I recorded the meeting and presented the intervention data.",
        "prompt_so_what": "Sharing the data early let the teacher plan pre-teaching.",
        "prompt_now_what": "Bring a one-page summary to every planning meeting.",
        "action_what": "Write a one-page data summary",
        "action_how": "From the intervention tracker, the day before",
        "action_by": dmy(today + timedelta(days=14)),
        "standard_codes": ["AP 12", "BP 4"],
    }
    data.update(changes)
    return data


def entry_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(ReflectiveEntry))


def evidence_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(CaseEvidence))


def created_id(response) -> str:
    assert response.status_code == 302, text_of(response)[:3000]
    match = re.fullmatch(r"/cpd/entries/([^/]+)", response.headers["Location"])
    assert match, response.headers["Location"]
    return match.group(1)


def load_entry(app, public_id: str) -> dict:
    with app.app_context():
        entry = db.session.scalars(select(ReflectiveEntry).where(ReflectiveEntry.public_id == public_id)).one()
        evidence = entry.evidence
        return {
            "owner": entry.owner.public_id, "activity_on": entry.activity_on, "hours": entry.hours,
            "activity_type": entry.activity_type, "participation": entry.participation,
            "model": entry.reflective_model, "title": entry.title, "content": entry.content,
            "reflection": entry.reflection, "action_what": entry.action_what, "action_how": entry.action_how,
            "action_by": entry.action_by, "standards": [s.code for s in entry.standards], "version": entry.version,
            "evidence": None if evidence is None else {
                "kind": evidence.kind, "work_label": evidence.work_label, "work_on": evidence.work_on,
                "role_label": evidence.role_label, "reference": evidence.learner_reference,
                "minutes": evidence.participatory_minutes,
                "work": evidence.linked_work.public_id,
            },
        }


# --- writing an entry -----------------------------------------------------------------------------


def test_a_new_entry_asks_for_the_model_first_then_that_models_prompts(world):
    lsp = world.clients["lsp"]
    choice = text_of(lsp.get("/cpd/entries/new"))
    assert "Choose a reflective model" in choice
    for label in ("Gibbs' reflective cycle", "Kolb's experiential learning cycle",
                  "Schön: reflection in and on action", "Driscoll: what? so what? now what?"):
        assert label in choice
    assert 'method="get"' in choice and 'name="prompt_' not in choice  # a plain GET form: no script needed

    kolb = text_of(lsp.get("/cpd/entries/new?model=kolb"))
    names = re.findall(r'<textarea[^>]*name="(prompt_[a-z_]+)"', kolb)
    assert names == ["prompt_experience", "prompt_reflection", "prompt_conceptualisation", "prompt_experimentation"]
    assert "Abstract conceptualisation" in kolb and 'value="kolb"' in kolb
    # Case work is offered only when an entry starts from one's own work.
    assert 'value="webinar"' in kolb and 'value="case_work"' not in kolb

    bad = lsp.get("/cpd/entries/new?model=freud")
    assert bad.status_code == 400 and "Choose a reflective model" in text_of(bad)


def test_the_owner_records_an_entry_and_every_answer_is_saved(app, world):
    response = world.clients["lsp"].post("/cpd/entries/new", data=gibbs_form())
    saved = load_entry(app, created_id(response))
    today = date.today()
    assert saved["owner"] == world.accounts["lsp"].public_id
    assert saved["activity_on"] == today and saved["hours"] == Decimal("2.25")
    assert saved["activity_type"] is ActivityType.WEBINAR and saved["participation"] is Participation.INDIVIDUAL
    assert saved["model"] is ReflectiveModel.GIBBS
    assert saved["content"] == "How to run one-minute probes.\n\nKeeping a daily chart."
    assert saved["reflection"] == {
        "description": "I watched a 2-hour webinar on precision teaching.",
        "feelings": "Sceptical at first, then keen.",
        "evaluation": "The worked examples were good; the charting part went too fast.",
        "analysis": "Short daily probes suit learners who tire quickly.",
        "conclusion": "I can use probes in my reading sessions.",
    }
    assert saved["action_what"] == "Use one-minute reading probes"
    assert saved["action_by"] == today + timedelta(days=30)
    assert saved["standards"] == ["AP 17", "ETF 9"] and saved["evidence"] is None

    page = text_of(world.clients["lsp"].get(response.headers["Location"]))
    assert "Webinar: precision teaching" in page and "2.25 hours" in page
    assert "Sceptical at first, then keen." in page and "Feelings" in page
    assert "Critically review and apply your knowledge of educational research" in page  # ETF 9's title
    assert 'id="edit-entry"' in page


def test_a_participation_left_unanswered_is_the_one_usual_for_the_type(app, world):
    webinar = gibbs_form()
    del webinar["participation"]
    inset = gibbs_form(activity_type="inset_day", title="INSET day: attachment")
    del inset["participation"]
    assert load_entry(app, created_id(world.clients["lsp"].post("/cpd/entries/new", data=webinar)))[
        "participation"] is Participation.INDIVIDUAL
    assert load_entry(app, created_id(world.clients["lsp"].post("/cpd/entries/new", data=inset)))[
        "participation"] is Participation.PARTICIPATORY


@pytest.mark.parametrize("changes, field, message", [
    ({"activity_on": ["", "", ""]}, "activity_on", "Enter the date of the activity"),
    ({"activity_on": ["31", "2", "2026"]}, "activity_on", "The date of the activity must be a real date"),
    ({"activity_on": dmy(date.today() + timedelta(days=1))}, "activity_on",
     "The date of the activity must be today or in the past"),
    ({"hours": ""}, "hours", "Enter the length of the activity in hours, like 1.5"),
    ({"hours": "lots"}, "hours", "Enter the length of the activity in hours, like 1.5"),
    ({"hours": "0"}, "hours", "The length of the activity must be more than 0 hours"),
    ({"hours": "25"}, "hours", "The length of the activity must be 24 hours or fewer"),
    ({"hours": "1.255"}, "hours", "Give the length in hours to at most two decimal places"),
    ({"activity_type": ""}, "activity_type", "Choose the type of activity"),
    ({"activity_type": "case_work"}, "activity_type",
     "Start a case-work entry from one of your own contributions or meetings"),
    ({"title": "   "}, "title", "Enter the activity title"),
    ({"title": "x" * 201}, "title", "The activity title must be 200 characters or fewer"),
    ({"prompt_feelings": ""}, "prompt_feelings", "Answer ‘Feelings’"),
    ({"action_how": ""}, "action_how", "Say how you will do it"),
    ({"action_by": dmy(date.today() - timedelta(days=1))}, "action_by",
     "The action plan's date must be on or after the date of the activity"),
    ({"standard_codes": ["AP 99"]}, "standard_codes", "Choose standards from the list"),
])
def test_bad_input_is_refused_with_a_clear_error_and_keeps_what_was_typed(app, world, changes, field, message):
    response = world.clients["lsp"].post("/cpd/entries/new", data=gibbs_form(**changes))
    page = text_of(response)
    assert response.status_code == 400
    assert "There is a problem" in page and message in page
    assert f'href="#{field}"' in page  # the error summary links to the field
    # Everything typed is still there, including the answers and the ticked standards.
    assert "The worked examples were good; the charting part went too fast." in page
    assert "Use one-minute reading probes" in page and 'value="Webinar: precision teaching"' in page or field == "title"
    if field != "standard_codes":
        assert re.search(r'value="AP 17"\s+checked', page)
    assert entry_count(app) == 0


def test_the_owner_changes_an_entry_and_a_stale_save_becomes_a_conflict(app, world):
    lsp = world.clients["lsp"]
    public_id = created_id(lsp.post("/cpd/entries/new", data=gibbs_form()))
    form = text_of(lsp.get(f"/cpd/entries/{public_id}/edit"))
    assert "Webinar: precision teaching" in form and "Sceptical at first, then keen." in form
    assert re.search(r'name="version" type="hidden" value="1"', form)

    changed = lsp.post(f"/cpd/entries/{public_id}/edit",
                       data=gibbs_form(version="1", hours="3", title="Webinar: precision teaching, part 1",
                                       standard_codes=["AP 17"]))
    assert changed.status_code == 302
    saved = load_entry(app, public_id)
    assert saved["hours"] == Decimal("3") and saved["title"] == "Webinar: precision teaching, part 1"
    assert saved["standards"] == ["AP 17"] and saved["version"] == 2

    stale = lsp.post(f"/cpd/entries/{public_id}/edit", data=gibbs_form(version="1", title="My older edit"))
    page = text_of(stale)
    assert stale.status_code == 409
    assert "Your changes have not been saved yet" in page
    assert "Webinar: precision teaching, part 1" in page and "My older edit" in page
    assert re.search(r'name="version" type="hidden" value="2"', page)  # saving again now saves over version 2
    assert load_entry(app, public_id)["title"] == "Webinar: precision teaching, part 1"

    # Another model: the edit page asks for it first, then shows its prompts.
    assert "Choose a reflective model" in text_of(lsp.get(f"/cpd/entries/{public_id}/edit?choose=1"))
    schon = text_of(lsp.get(f"/cpd/entries/{public_id}/edit?model=schon"))
    assert re.findall(r'<textarea[^>]*name="(prompt_[a-z_]+)"', schon) == ["prompt_in_action", "prompt_on_action"]


# --- entries from one's own case work ---------------------------------------------------------------


def test_an_entry_from_ones_own_meeting_is_prefilled_and_linked(app, world):
    lsp = world.clients["lsp"]
    url = f"/cpd/entries/new/from-meeting/{world.meeting}"
    form = text_of(lsp.get(f"{url}?model=driscoll"))
    assert re.search(r'<input[^>]*name="hours"[^>]*value="1.5"', form)  # the 90-minute meeting's length
    assert re.search(r'value="participatory"\s+checked', form)
    assert 'value="Reflection on a planning meeting"' in form
    assert re.search(rf'id="activity_on-day"[^>]*value="0?{date.today().day}"', form)  # the meeting's date
    assert "Recorded the meeting as learning support practitioner" in form
    for secret in (LEARNER_NAME, LEARNER_UPN, "MINUTES-SENTINEL", AGENDA, DECISIONS):
        assert secret not in form  # the CPD form holds no case content, even for someone on the case

    public_id = created_id(lsp.post(url, data=driscoll_form()))
    saved = load_entry(app, public_id)
    assert saved["activity_type"] is ActivityType.CASE_WORK and saved["participation"] is Participation.PARTICIPATORY
    assert saved["hours"] == Decimal("1.5") and saved["standards"] == ["AP 12", "BP 4"]
    assert saved["evidence"]["kind"] is EvidenceKind.MEETING and saved["evidence"]["work"] == world.meeting
    assert saved["evidence"]["work_label"] == "Planning meeting" and saved["evidence"]["work_on"] == date.today()
    assert saved["evidence"]["role_label"] == "Recorded the meeting as learning support practitioner"
    assert saved["evidence"]["minutes"] == 90


def test_an_entry_from_ones_own_contribution_is_linked(app, world):
    lsp = world.clients["lsp"]
    url = f"/cpd/entries/new/from-contribution/{world.contribution}"
    form = text_of(lsp.get(f"{url}?model=driscoll"))
    assert 'value="Reflection on my intervention record"' in form
    assert re.search(r'value="individual"\s+checked', form)
    assert CONTRIBUTION_TITLE not in form and "CONTRIB-BODY-SENTINEL" not in form
    # The type is case work whatever the form sends.
    public_id = created_id(lsp.post(url, data=driscoll_form(activity_type="webinar", participation="individual",
                                                             hours="0.75")))
    saved = load_entry(app, public_id)
    assert saved["activity_type"] is ActivityType.CASE_WORK and saved["hours"] == Decimal("0.75")
    assert saved["evidence"]["kind"] is EvidenceKind.CONTRIBUTION
    assert saved["evidence"]["work"] == world.contribution
    assert saved["evidence"]["work_label"] == "Intervention record"
    assert saved["evidence"]["role_label"] == "Wrote it as learning support practitioner"
    assert saved["evidence"]["minutes"] is None


@pytest.mark.parametrize("path, status", [
    ("/cpd/entries/new/from-contribution/{teachers_contribution}", 403),  # someone else's contribution
    ("/cpd/entries/new/from-meeting/{missed_meeting}", 403),  # sent apologies: did not attend
    ("/cpd/entries/new/from-meeting/{other_case_meeting}", 404),  # a case the LSP is not on
    ("/cpd/entries/new/from-meeting/not-a-real-id", 404),
])
def test_no_entry_from_work_that_is_not_ones_own(app, world, path, status):
    url = path.format(**vars(world))
    lsp = world.clients["lsp"]
    assert lsp.get(f"{url}?model=driscoll").status_code == status
    assert lsp.post(url, data=driscoll_form()).status_code == status
    assert entry_count(app) == 0 and evidence_count(app) == 0


def test_the_reflect_button_shows_only_on_ones_own_work(world):
    lsp, teacher = world.clients["lsp"], world.clients["teacher"]
    assert "Reflect on this in my CPD log" in text_of(lsp.get(f"/meetings/{world.meeting}"))
    assert "Reflect on this in my CPD log" not in text_of(lsp.get(f"/meetings/{world.missed_meeting}"))
    assert "Reflect on this in my CPD log" in text_of(lsp.get(f"/contributions/{world.contribution}"))
    assert "Reflect on this in my CPD log" not in text_of(lsp.get(f"/contributions/{world.teachers_contribution}"))
    assert "Reflect on this in my CPD log" in text_of(teacher.get(f"/meetings/{world.missed_meeting}"))
    # Parents keep no CPD log, even for a meeting they could read.
    assert "Reflect on this in my CPD log" not in text_of(world.clients["parent"].get(f"/learners/{world.learner}"))


def test_the_unreflected_prompt_lists_work_until_an_entry_reflects_on_it(world):
    lsp = world.clients["lsp"]
    prompt = text_of(lsp.get("/cpd")).split('id="unreflected"', 1)[1].split("</table>", 1)[0]
    assert f"/cpd/entries/new/from-meeting/{world.meeting}" in prompt
    assert f"/cpd/entries/new/from-contribution/{world.contribution}" in prompt
    assert world.missed_meeting not in prompt and world.teachers_contribution not in prompt
    assert LEARNER_NAME in prompt  # the owner is on the case: their own prompt may name the learner
    home = text_of(lsp.get("/"))
    assert "2 pieces of your recent case work have no CPD entry" in home

    created_id(lsp.post(f"/cpd/entries/new/from-meeting/{world.meeting}", data=driscoll_form()))
    prompt = text_of(lsp.get("/cpd")).split('id="unreflected"', 1)[1].split("</table>", 1)[0]
    assert world.meeting not in prompt and f"from-contribution/{world.contribution}" in prompt
    assert "1 piece of your recent case work has no CPD entry" in text_of(lsp.get("/"))


# --- who reads and writes --------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["parent", "admin"])
def test_those_who_keep_no_log_are_refused(world, who):
    client = world.clients[who]
    for path in ("/cpd", "/cpd/coverage", "/cpd/entries/new", "/cpd/entries/new?model=gibbs"):
        assert client.get(path).status_code == 403, path
    assert client.post("/cpd/entries/new", data=gibbs_form()).status_code == 403
    assert 'href="/cpd"' not in text_of(client.get("/"))  # no CPD log link in their navigation


def test_the_line_manager_reads_but_never_writes_and_others_are_refused(app, world):
    public_id = created_id(world.clients["lsp"].post("/cpd/entries/new", data=gibbs_form()))
    manager = world.clients["senco"]
    page = manager.get(f"/cpd/entries/{public_id}")
    assert page.status_code == 200
    assert "Sceptical at first, then keen." in text_of(page)  # the practitioner's own writing is shown
    assert "Tom Fletcher’s CPD log (read only)" in text_of(page) and 'id="edit-entry"' not in text_of(page)
    assert manager.get(f"/cpd/entries/{public_id}/edit").status_code == 403
    assert manager.post(f"/cpd/entries/{public_id}/edit", data=gibbs_form(version="1", title="Mine")).status_code == 403
    for who in ("stranger", "teacher", "parent", "admin"):
        assert world.clients[who].get(f"/cpd/entries/{public_id}").status_code == 404, who
        assert world.clients[who].post(f"/cpd/entries/{public_id}/edit", data=gibbs_form(version="1")).status_code \
            == 404, who
    assert load_entry(app, public_id)["title"] == "Webinar: precision teaching" and load_entry(app, public_id)[
        "version"] == 1


# --- hours and coverage -----------------------------------------------------------------------------


def _cells(page: str, row_id: str) -> list[str]:
    row = re.search(rf'<tr class="govuk-table__row" id="{re.escape(row_id)}">(.*?)</tr>', page, re.S).group(1)
    return [re.sub(r"<[^>]+>", " ", cell).split() for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)]


def test_hours_and_coverage_reflect_new_entries(world):
    lsp = world.clients["lsp"]
    before = text_of(lsp.get("/cpd"))
    # 30 hours pro rata at 0.6 FTE: 18.0; nothing logged yet.
    assert "18.0 hours (30 hours a year at 0.60 full-time equivalent)" in before
    coverage = text_of(lsp.get("/cpd/coverage"))
    assert _cells(coverage, "coverage-AP-12")[1:3] == [["0"], ["0"]]
    assert "No evidence yet" in " ".join(sum(_cells(coverage, "coverage-AP-12"), []))
    assert "/cpd/goals/new?standard=AP+12" in coverage

    created_id(lsp.post("/cpd/entries/new", data=gibbs_form()))  # 2.25 individual, AP 17 and ETF 9
    created_id(lsp.post(f"/cpd/entries/new/from-meeting/{world.meeting}", data=driscoll_form()))  # 1.5 participatory

    page = text_of(lsp.get("/cpd"))
    totals = re.sub(r"<[^>]+>", " ", page.split('id="hours-totals"', 1)[1].split("</dl>", 1)[0])
    totals = " ".join(totals.split())
    # 2.25 + 1.5 = 3.75 hours; participatory 1.5, individual 2.25.
    assert "Hours so far 3.75 hours" in totals
    assert "Participatory (with others) 1.5 hours" in totals and "Individual 2.25 hours" in totals
    month = month_label(date.today())
    row = re.search(rf"<th scope=\"row\" class=\"govuk-table__header\">{month}</th>(.*?)</tr>", page, re.S).group(1)
    assert re.findall(r">([^<]+)</td>", row)[:3] == ["1.5", "2.25", "3.75"]
    assert page.count('class="govuk-summary-card braid-cpd-entry"') == 2
    assert page.count("braid-cpd-entry__case-work") == 1

    coverage = text_of(lsp.get("/cpd/coverage"))
    for code in ("AP 12", "BP 4", "AP 17", "ETF 9"):
        cells = _cells(coverage, "coverage-" + code.replace(" ", "-"))
        assert cells[1:3] == [["1"], ["1"]], code
        assert "No evidence yet" not in " ".join(sum(cells, [])), code
    assert _cells(coverage, "coverage-AP-1")[1:3] == [["0"], ["0"]]
    assert "4 of 51 standards have evidence in this CPD year" in coverage


# --- the audit trail ---------------------------------------------------------------------------------


def _last_event(app):
    from app.audit.models import AuditEvent

    with app.app_context():
        event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        return event.action.value, event.object_type, event.object_public_id, event.learner_public_ids


def test_the_log_page_records_the_learners_its_prompt_names_and_an_entry_read_names_none(app, world):
    lsp = world.clients["lsp"]
    assert lsp.get("/cpd").status_code == 200
    # One learner named by the prompt (the meeting and the contribution are both about them): listed, not opened.
    assert _last_event(app) == ("listed", "learner_list", None, world.learner)

    entry = created_id(lsp.post(f"/cpd/entries/new/from-meeting/{world.meeting}", data=driscoll_form()))
    assert _last_event(app)[:3] == ("create", "cpd_entry", entry)
    # The manager's read of the entry is about the CPD record: it names no learner, as it shows none.
    assert world.clients["senco"].get(f"/cpd/entries/{entry}").status_code == 200
    assert _last_event(app) == ("view", "cpd_entry", entry, None)
