"""The CPD log's privacy promise: a line manager reading a case-work entry on screen, and an external quality
assurer reading the exported record, never receive the learner's name, UPN or contribution text.

Two line managers read two practitioners' logs: the SENCo (who could open the case itself, through the
case's own pages) manages the LSP; the DSL (who is not on the case) manages the class teacher. Both
practitioners reflect on their own contribution and on a meeting whose every part carries a sentinel.
The rendered pages and both export formats are searched for every sentinel, with case and spacing
ignored; the learner reference and the kind and date of the work must be there.
"""
from __future__ import annotations

import csv
import html
import io
import re
from dataclasses import dataclass
from datetime import date, time, timedelta
from decimal import Decimal

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from app.agencies.accounts.models import AgencyKind, User
from app.cases.contributions.models import ContributionKind, Visibility
from app.cases.contributions.services import add_contribution
from app.cases.learners.models import Learner
from app.cases.meetings.models import Attendance, MeetingKind
from app.cases.meetings.services import ActionDraft, MeetingDetails, record_meeting
from app.cpd.entries.models import ReflectiveEntry
from app.cpd.entries.services import EntryDraft, record_entry
from app.cpd.goals.services import GoalDraft, record_goal
from app.extensions import db
from tests.fixtures.application import sign_in

LEARNER_NAME = "Persephone Quillfeather"
PREFERRED_NAME = "Sephykins"
UPN = "Q801299887766"
# Everything that would identify the learner or repeat the case: none may reach a CPD reader.
SENTINELS = {
    "learner first name": "Persephone",
    "learner surname": "Quillfeather",
    "preferred name": PREFERRED_NAME,
    "UPN": UPN,
    "LSP contribution title": "Ottersprocket phonics record",
    "LSP contribution body": "Brambleworth chose the red counters",
    "teacher contribution title": "Figgleston classroom view",
    "teacher contribution body": "Dunmorrow sat by the window",
    "meeting agenda": "Wimbrelstone agenda item",
    "meeting minutes": "Thackerbury minuted that",
    "meeting decisions": "Pontefrayne decision agreed",
    "meeting action": "Gorsewayne action to send",
    "other attendee": "Auntie Velmarina",
}


def compact(text: str) -> str:
    """Lower case with every space, line break and hyphen gone: "Q 8012-99887766" still matches."""
    return re.sub(r"[\s\-\u00ad]+", "", text.lower())


def leaked(text: str) -> list[str]:
    haystack = compact(html.unescape(text))
    return [label for label, sentinel in SENTINELS.items() if compact(sentinel) in haystack]


@dataclass
class World:
    learner: str
    accounts: dict
    entries: dict  # owner key -> [entry public ids]
    goals: dict  # owner key -> [goal public ids]
    references: dict  # owner key -> the learner reference in that owner's log
    today: date
    meeting: str  # public ids of the case work reflected on
    contributions: dict  # author key -> public id


def _reflection(model: str) -> dict[str, str]:
    # The practitioner's own writing, free of the learner's identity as the form asks.
    return {
        "gibbs": {"description": "I ran the session as planned with the agreed resources.",
                  "feelings": "Unsure at first, then encouraged by the response.",
                  "evaluation": "Modelling first worked; the plenary ran short.",
                  "analysis": "Chunking reduced load on working memory, as the training suggested.",
                  "conclusion": "Model before asking; keep plenaries short and visual."},
        "driscoll": {"what": "I recorded the planning meeting and took notes on the agreed provision.",
                     "so_what": "Writing actions with owners made the plan concrete for everyone.",
                     "now_what": "I will circulate the actions the same day."},
        "schon": {"in_action": "I slowed down when the discussion moved quickly and asked for a summary.",
                  "on_action": "Asking for summaries kept the record accurate; I will keep doing it."},
        "kolb": {"experience": "I watched a webinar on vocabulary teaching.",
                 "reflection": "Much of it matched what we already do.",
                 "conceptualisation": "Tier 2 words need more explicit teaching than tier 3.",
                 "experimentation": "Pre-teach two tier 2 words each week and check use."},
    }[model]


def _draft(today: date, model: str, activity_type: str, title: str, hours: str, codes: list[str],
           participation: str = "individual") -> EntryDraft:
    return EntryDraft(
        activity_on=today, hours=hours, activity_type=activity_type, participation=participation,
        reflective_model=model, title=title, content=f"What I learned from: {title.lower()}.",
        reflection=_reflection(model), action_what="Share the approach with the class team",
        action_how="A five-minute slot in the next team briefing", action_by=today + timedelta(days=14),
        standard_codes=codes,
    )


@pytest.fixture
def world(app, create_agency, create_user, create_case, add_to_team) -> World:
    school = create_agency(AgencyKind.SCHOOL, name="Privacy Primary School")
    accounts = {
        "senco": create_user("senco", agency=school, name="Priya Senco"),
        "dsl": create_user("dsl", agency=school, name="David Dsl"),
    }
    accounts["lsp"] = create_user("lsp", agency=school, name="Tom Lsp", fte=Decimal("0.60"),
                                  line_manager=accounts["senco"].email)
    accounts["teacher"] = create_user("teacher", agency=school, name="Hannah Teacher",
                                      line_manager=accounts["dsl"].email)
    learner_id = create_case(school=school, name=LEARNER_NAME)
    add_to_team(learner_id, accounts["lsp"])
    add_to_team(learner_id, accounts["teacher"])
    today = date.today()
    with app.app_context():
        users = {key: db.session.scalars(select(User).where(User.public_id == account.public_id)).one()
                 for key, account in accounts.items()}
        learner = db.session.scalars(select(Learner).where(Learner.public_id == learner_id)).one()
        learner.preferred_name = PREFERRED_NAME
        learner.upn = UPN
        lsp, teacher, senco = users["lsp"], users["teacher"], users["senco"]
        own = add_contribution(
            lsp, learner, kind=ContributionKind.INTERVENTION_RECORD.value, visibility=Visibility.TEAM.value,
            title=f"{SENTINELS['LSP contribution title']} for {LEARNER_NAME}",
            body=f"<p>{PREFERRED_NAME}: {SENTINELS['LSP contribution body']}. UPN {UPN}.</p>")
        view = add_contribution(
            teacher, learner, kind=ContributionKind.CLASSROOM_VIEW.value, visibility=Visibility.TEAM.value,
            title=SENTINELS["teacher contribution title"],
            body=f"<p>{LEARNER_NAME}: {SENTINELS['teacher contribution body']}.</p>")
        meeting = record_meeting(lsp, learner, MeetingDetails(
            kind=MeetingKind.PLANNING, held_on=today, starts_at=time(9, 0), duration_minutes=50,
            chair=senco.public_id,
            agenda=f"<p>{SENTINELS['meeting agenda']} for {PREFERRED_NAME}</p>",
            minutes=f"<p>{SENTINELS['meeting minutes']} {LEARNER_NAME} is settled.</p>",
            decisions=f"<p>{SENTINELS['meeting decisions']}</p>",
            other_attendees=[SENTINELS["other attendee"]],
            attendance={lsp.public_id: Attendance.PRESENT, teacher.public_id: Attendance.PRESENT},
            actions=[ActionDraft(description=f"{SENTINELS['meeting action']} home a timetable",
                                 owner=teacher.public_id, due_on=today + timedelta(days=7))],
        ))
        entries = {
            "lsp": [
                record_entry(lsp, _draft(today, "gibbs", "case_work", "Reflection on my intervention record", "1.5",
                                         ["AP 14", "BP 4"]), work=own),
                record_entry(lsp, _draft(today, "driscoll", "case_work", "Reflection on a planning meeting", "0.83",
                                         ["AP 12"], "participatory"), work=meeting),
                record_entry(lsp, _draft(today, "kolb", "webinar", "Webinar: teaching vocabulary", "1", ["ETF 9"])),
            ],
            "teacher": [
                record_entry(teacher, _draft(today, "schon", "case_work", "Reflection on a planning meeting", "0.83",
                                             ["ETF 6"], "participatory"), work=meeting),
                record_entry(teacher, _draft(today, "gibbs", "case_work", "Reflection on my classroom view", "1",
                                             ["ETF 11"]), work=view),
            ],
        }
        goals = {
            key: [record_goal(users[key], GoalDraft(
                specific="Reflect in writing after every planning meeting this term",
                measure="One case-work entry per meeting, checked at my progress review",
                relevant_to="job_description", standard_code=None,
                relevance="Job description: contribute to planning and review",
                target_on=today + timedelta(days=60),
                entry_public_ids=[entry.public_id for entry in owned if entry.evidence is not None]))]
            for key, owned in entries.items()
        }
        references = {key: owned[0].evidence.learner_reference for key, owned in entries.items()}
        db.session.commit()
        world = World(learner_id, accounts, {k: [e.public_id for e in v] for k, v in entries.items()},
                      {k: [g.public_id for g in v] for k, v in goals.items()}, references, today,
                      meeting.public_id, {"lsp": own.public_id, "teacher": view.public_id})
    return world


def _client(app, account):
    client = app.test_client()
    assert sign_in(client, account.email, account.password).status_code == 302
    return client


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def year_start(today: date) -> str:
    """The owner's current CPD year, worked by hand: it starts on 1 September (the default)."""
    return date(today.year if today.month >= 9 else today.year - 1, 9, 1).isoformat()


def _export(client, owner_public_id: str, file_format: str, today: date) -> tuple[str, bytes]:
    response = client.post(f"/cpd/people/{owner_public_id}/export",
                           data={"year": year_start(today), "file_format": file_format,
                                 "purpose": "cpd_quality_assurance"})
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    assert response.headers["Content-Disposition"].startswith("attachment")
    body = response.get_data()
    text = pdf_text(body) if file_format == "pdf" else body.decode("utf-8-sig")
    return text, body


def _long(on: date) -> str:
    return f"{on.day} {on:%B} {on.year}"


# (owner, reader): the SENCo can open the case but reads the CPD log as a line manager;
# the DSL is on no part of the case.
READERS = [("lsp", "senco"), ("teacher", "dsl")]
WORK = {"lsp": ["Intervention record", "Planning meeting"], "teacher": ["Planning meeting", "Classroom view"]}


@pytest.mark.parametrize(("owner", "reader"), READERS, ids=["senco-reads-lsp", "dsl-reads-teacher"])
def test_a_line_manager_reading_case_work_on_screen_never_receives_the_learner_or_the_case(app, world, owner,
                                                                                          reader):
    client = _client(app, world.accounts[reader])
    owner_id = world.accounts[owner].public_id
    pages = {
        "reports": "/cpd/people",
        "report log": f"/cpd/people/{owner_id}",
        "export form": f"/cpd/people/{owner_id}/export",
        **{f"entry {n}": f"/cpd/entries/{public_id}" for n, public_id in enumerate(world.entries[owner])},
        **{f"goal {n}": f"/cpd/goals/{public_id}" for n, public_id in enumerate(world.goals[owner])},
    }
    reference = world.references[owner]
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, f"{name}: {url} gave {response.status_code}"
        page = response.get_data(as_text=True)
        assert leaked(page) == [], f"{name} ({url}) shows {leaked(page)}"
    # The case-work entries do show what the practitioner's link may show: kind and learner reference.
    for public_id, work_label in zip(world.entries[owner], WORK[owner], strict=False):  # case work comes first
        page = html.unescape(client.get(f"/cpd/entries/{public_id}").get_data(as_text=True))
        assert reference in page
        assert work_label in page
    log = html.unescape(client.get(f"/cpd/people/{owner_id}").get_data(as_text=True))
    assert "Reflection on a planning meeting" in log  # the practitioner's own title is theirs to show


def test_the_sentinels_are_on_the_case_pages_and_only_those_who_see_the_case_can_follow_the_link(app, world):
    """The control: the search above would find them (the SENCo sees them on the case's own pages), and the
    link from an entry is offered, through the policy, only to a reader who may open the case."""
    senco, dsl = _client(app, world.accounts["senco"]), _client(app, world.accounts["dsl"])
    for url, expected in ((f"/meetings/{world.meeting}", {"learner surname", "meeting agenda", "meeting minutes"}),
                          (f"/contributions/{world.contributions['lsp']}", {"LSP contribution body"})):
        response = senco.get(url)
        assert response.status_code == 200
        assert expected <= set(leaked(response.get_data(as_text=True)))
        assert dsl.get(url).status_code == 404
    lsp_meeting_entry, teacher_meeting_entry = world.entries["lsp"][1], world.entries["teacher"][0]
    assert f'href="/meetings/{world.meeting}"' in senco.get(f"/cpd/entries/{lsp_meeting_entry}").get_data(as_text=True)
    assert "/meetings/" not in dsl.get(f"/cpd/entries/{teacher_meeting_entry}").get_data(as_text=True)


@pytest.mark.parametrize(("owner", "reader"), [*READERS, ("lsp", "lsp"), ("teacher", "teacher")],
                         ids=["senco-exports-lsp", "dsl-exports-teacher", "lsp-own-export", "teacher-own-export"])
@pytest.mark.parametrize("file_format", ["pdf", "csv"])
def test_the_exported_record_holds_no_learner_identity_or_case_text(app, world, owner, reader, file_format):
    """What an external quality assurer reads: the owner's own export, or the manager's."""
    client = _client(app, world.accounts[reader])
    text, _ = _export(client, world.accounts[owner].public_id, file_format, world.today)
    assert leaked(text) == [], f"the {file_format} export shows {leaked(text)}"
    reference = world.references[owner]
    day = _long(world.today)
    if file_format == "csv":
        rows = list(csv.reader(io.StringIO(text)))
        evidence = sorted(row[6] for row in rows[1:] if row[6])
        role = {"lsp": "learning support practitioner", "teacher": "class teacher"}[owner]
        expected = {
            "lsp": [f"Case work: Intervention record on {day}, wrote it as {role}; learner ref. {reference}",
                    f"Case work: Planning meeting on {day}, recorded the meeting as {role}; learner ref. {reference}"],
            "teacher": [f"Case work: Classroom view on {day}, wrote it as {role}; learner ref. {reference}",
                        f"Case work: Planning meeting on {day}, attended the meeting as {role}; "
                        f"learner ref. {reference}"],
        }[owner]
        assert evidence == sorted(expected)
    else:
        flat = compact(text)
        assert compact(reference) in flat
        for work_label in WORK[owner]:
            assert compact(f"Case work: {work_label} on {day}") in flat


def test_one_learner_has_one_reference_in_a_log_and_different_ones_in_two_logs(app, world):
    """The reference is stable within a log and says nothing across logs (so two readers cannot match them)."""
    with app.app_context():
        by_owner = {}
        for key in ("lsp", "teacher"):
            rows = db.session.scalars(select(ReflectiveEntry).where(ReflectiveEntry.public_id.in_(world.entries[key])))
            by_owner[key] = {entry.evidence.learner_reference for entry in rows if entry.evidence is not None}
    assert by_owner["lsp"] == {world.references["lsp"]}
    assert by_owner["teacher"] == {world.references["teacher"]}
    assert world.references["lsp"] != world.references["teacher"]
    assert re.fullmatch(r"[0-9A-F]{4}-[0-9A-F]{4}", world.references["lsp"])
