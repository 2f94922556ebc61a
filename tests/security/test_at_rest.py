"""A stolen database file or backup reveals no learner's name, UPN, date of birth, notes or case content, and no
person's name or email address, nor an agency's name (a family agency is named after the child's family)."""
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from app.agencies.accounts.models import Agency, User
from app.cases.contributions.models import Contribution, ContributionKind
from app.cases.learners.models import Learner
from app.cases.meetings.models import Meeting
from app.cases.plans.models import PlanCycle
from app.cases.team.models import Invitation
from app.core.mail.models import OutboxMessage
from app.demo.accounts import AGENCIES, PEOPLE
from app.demo.cases import EP_ASSESSMENT, FAMILY_VIEW, SLT_ASSESSMENT, STORIES
from app.demo.cpd import EP_ENTRIES, LSP_CASE_WORK, LSP_ENTRIES, LSP_GOALS, SLT_ENTRIES
from app.demo.learners import LEARNERS
from app.demo.reminders import LAPSED_INVITEE
from app.extensions import db
from tests.fixtures.databases import unavailable

# Behaviour that can differ between the engines: run on PostgreSQL as well as SQLite.
pytestmark = pytest.mark.both_backends


def _secrets_of_the_demo() -> list[str]:
    values = []
    for learner in LEARNERS:
        values += [learner.name, learner.upn, learner.date_of_birth.isoformat()]
        values += [part for part in (learner.preferred_name,) if part and len(part) > 3]
        # Distinctive phrases of each learner's notes.
        values += [learner.notes[3:40]]
        values += [area.value for area in learner.areas_of_need]
    for story in STORIES:
        values += [story.name, story.upn, story.date_of_birth.isoformat()]
        values += [story.notes[3:40]] if story.notes else []
    # Case content: contributions, their history, meeting minutes and actions, safeguarding concerns.
    values += [FAMILY_VIEW[1][3:45], SLT_ASSESSMENT[1][20:60], EP_ASSESSMENT[1][25:70], "Note for the SENCo",
               "Update: the visual timetable", "has made good progress towards most outcomes",
               "visual timetable", "without a coat on three cold mornings", "taking his lunch",
               "breakfast club and the family support worker"]
    # CPD logs: titles, content, every reflection, action plans, goals and the signed review.
    for entry in (*LSP_ENTRIES, *LSP_CASE_WORK, *SLT_ENTRIES, *EP_ENTRIES):
        values += [entry.title[:40], entry.content[:40], entry.action_what[:40], entry.action_how[:40]]
        values += [answer[:40] for answer in entry.reflection.values()]
    values += [text[:40] for goal in LSP_GOALS for text in (goal.specific, goal.measure, goal.relevance) if text]
    values += ["Tom has grown into a confident practitioner"]
    # The MIS sample the demo imported: its names and UPNs.
    values += ["Ruby Ellis-Ward", "Siobhán Murphy", "Ellis-Ward", "Schäfer", "X801200024101", "F801200020087"]
    return values


def _people_of_the_demo() -> list[str]:
    """Every demo person's name and address, every agency's name (the families' name the child), and the people
    invited to a case."""
    values = [person.name for person in PEOPLE] + [person.email for person in PEOPLE] + list(AGENCIES)
    values += list(LAPSED_INVITEE)
    return values


def _people_in(app) -> set[str]:
    """What the app itself reads back: names and addresses of accounts, agencies, invitations and the outbox."""
    with app.app_context():
        values = set()
        for user in db.session.scalars(select(User)):
            values |= {user.display_name, user.email}
        values |= {agency.name for agency in db.session.scalars(select(Agency))}
        for invitation in db.session.scalars(select(Invitation)):
            values |= {invitation.display_name, invitation.email}
        values |= {message.recipient for message in db.session.scalars(select(OutboxMessage))}
        db.session.remove()
    return values


def _found(raw: bytes, secrets) -> list[str]:
    """The secrets the raw bytes hold, in any case (the bytes and each secret lower-cased alike)."""
    folded = raw.lower()
    return sorted({secret for secret in secrets if secret.lower().encode() in folded})


def _raw_bytes(database_url: str) -> bytes:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        path = Path(url.database)
        files = [Path(f"{path}{suffix}") for suffix in ("", "-wal")]
        return b"".join(file.read_bytes() for file in files if file.exists())
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        unavailable("pg_dump is not installed")
    conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
    return subprocess.run([pg_dump, "--no-owner", conninfo], check=True, capture_output=True).stdout


def test_demo_learners_are_unreadable_in_the_raw_database(demo_app):
    app, database_url = demo_app, demo_app.config["SQLALCHEMY_DATABASE_URI"]
    with app.app_context():
        names = {learner.name for learner in db.session.scalars(select(Learner))}
    # The app itself reads them back: the stories, and the learners the demo's past MIS import brought in.
    assert {story.name for story in STORIES} < names
    assert {"Ruby Ellis-Ward", "Siobhán Murphy"} < names
    with app.app_context():
        # The safe HTML stored beside each typed source is sealed like it: the app reads it back, the file does not.
        html = [cycle.family_views_html for cycle in db.session.scalars(select(PlanCycle)) if cycle.family_views_html]
        html += [c.body_html for c in db.session.scalars(select(Contribution).where(
            Contribution.kind == ContributionKind.EP_ASSESSMENT))]
        html += [m.agenda_html for m in db.session.scalars(select(Meeting)) if m.agenda_html.startswith("<ol>")]
    stored_html = ["<h2>What we found</h2>", "<strong>strength</strong>", "<li>Views of the learner and family</li>",
                   "<p>At home we see a happy, creative child"]
    assert all(any(fragment in value for value in html) for fragment in stored_html)
    raw = _raw_bytes(database_url)
    with app.app_context():
        some_learner = db.session.scalars(select(Learner.public_id)).first()
    assert some_learner.encode() in raw  # the dump is real and readable
    assert _found(raw, [*_secrets_of_the_demo(), *stored_html]) == []


def test_demo_people_and_agencies_are_unreadable_in_the_raw_database(demo_app):
    """Names and addresses of accounts, agencies (a family's names its child), invitations and the outbox."""
    app, database_url = demo_app, demo_app.config["SQLALCHEMY_DATABASE_URI"]
    people = _people_in(app)
    # The app reads every one of them back, and the demo's unsent mail is among them.
    assert set(_people_of_the_demo()) <= people
    raw = _raw_bytes(database_url)
    assert _found(raw, people | set(_people_of_the_demo())) == []


def test_the_search_finds_a_planted_plaintext_in_any_case(demo_app):
    """The search above can fail: a name and an address written in the clear, in odd case, are found."""
    app, database_url = demo_app, demo_app.config["SQLALCHEMY_DATABASE_URI"]
    with app.app_context():
        db.session.execute(text("CREATE TABLE planted (note TEXT)"))
        db.session.execute(text("INSERT INTO planted (note) VALUES ('jO cArTeR wrote from PARENT@family.example')"))
        db.session.commit()
        db.session.remove()
    raw = _raw_bytes(database_url)
    assert _found(raw, ["Jo Carter", "parent@family.example", "Priya Shah"]) == ["Jo Carter", "parent@family.example"]


@pytest.mark.parametrize("backend", ["sqlite"])
def test_sealed_text_survives_a_checkpointed_file_copy(app, database_url):
    """Even after WAL is folded into the main file (as a backup tool would do), nothing leaks."""
    assert app.test_cli_runner().invoke(args=["demo", "load"]).exit_code == 0
    with app.app_context():
        db.session.remove()
        db.engine.dispose()  # the last connection to close folds the WAL into the file
    assert not Path(f"{make_url(database_url).database}-wal").exists()
    raw = Path(make_url(database_url).database).read_bytes()
    assert b"Maya Carter" not in raw and b"C801200001015" not in raw
