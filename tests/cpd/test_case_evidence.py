"""Evidence from real cases: the pseudonymous learner reference, and what a reader outside the case sees of a
case-work entry (the kind, date and role of the work and the reference; never the learner or the case)."""
from __future__ import annotations

import hashlib
import hmac
import re
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from app.agencies.accounts.models import User
from app.cases.contributions.models import ContributionKind
from app.cases.learners.models import Learner
from app.cases.meetings.models import Attendance
from app.cpd.entries.models import ActivityType, CaseEvidence
from app.cpd.entries.services import learner_reference
from app.extensions import db
from app.security.keys import Keyring, current_keyring
from tests.cpd import test_entries
from tests.cpd.test_entries import (
    AGENDA,
    CONTRIBUTION_BODY,
    CONTRIBUTION_TITLE,
    DECISIONS,
    LEARNER_NAME,
    LEARNER_UPN,
    MINUTES,
    _contribution,
    _meeting,
    created_id,
    dmy,
    driscoll_form,
    load_entry,
)
from tests.fixtures.application import sign_in, text_of

# The entries tests' world, shared: pytest finds a fixture by its name in the test module.
world = test_entries.world

REFERENCE = re.compile(r"^[0-9A-F]{4}-[0-9A-F]{4}$")
CASE_SECRETS = (LEARNER_NAME, "Zebedee", "Quartermaine", LEARNER_UPN, MINUTES, "MINUTES-SENTINEL", AGENDA, DECISIONS,
                CONTRIBUTION_TITLE, CONTRIBUTION_BODY, "CONTRIB-BODY-SENTINEL")


def _keyed_reference(key: bytes, owner: str, learner: str) -> str:
    """The reference worked out independently: HMAC-SHA256 of the purpose, the owner and the learner."""
    digest = hmac.new(key, f"cpd_learner_reference\x00{owner}|{learner}".encode(), hashlib.sha256).hexdigest()
    return f"{digest[:4]}-{digest[4:8]}".upper()


def _reflect(world, who: str, kind: str, work: str) -> str:
    return created_id(world.clients[who].post(f"/cpd/entries/new/from-{kind}/{work}", data=driscoll_form()))


def test_the_reference_is_stable_in_one_log_different_between_logs_and_needs_the_key(app, world, create_case,
                                                                                      add_to_team):
    lsp_pid, teacher_pid = world.accounts["lsp"].public_id, world.accounts["teacher"].public_id
    from_meeting = load_entry(app, _reflect(world, "lsp", "meeting", world.meeting))["evidence"]["reference"]
    from_contribution = load_entry(app, _reflect(world, "lsp", "contribution", world.contribution))["evidence"][
        "reference"]
    # The teacher was at the meeting the LSP missed: the same learner, in another practitioner's log.
    teachers = load_entry(app, _reflect(world, "teacher", "meeting", world.missed_meeting))["evidence"]["reference"]

    assert REFERENCE.match(from_meeting)
    assert from_meeting == from_contribution  # one learner, one reference, throughout one log
    assert teachers != from_meeting  # meaningless outside the log: another log names the learner differently
    assert world.learner not in (from_meeting, teachers)
    assert from_meeting.replace("-", "").lower() not in world.learner.lower()

    # Another learner in the same log gets another reference.
    second = create_case(school="Oakfield Primary School", name="Second Learner")
    add_to_team(second, world.accounts["lsp"])
    other = load_entry(app, _reflect(world, "lsp", "contribution",
                                     _contribution(app, world.accounts["lsp"], second,
                                                   ContributionKind.INTERVENTION_RECORD)))["evidence"]["reference"]
    assert other != from_meeting

    with app.app_context():
        key = current_keyring().index_key
        assert from_meeting == _keyed_reference(key, lsp_pid, world.learner)
        assert teachers == _keyed_reference(key, teacher_pid, world.learner)
        # Without the key nobody can work it out from the public ids: neither an unkeyed hash nor another key gives it.
        unkeyed = hashlib.sha256(f"cpd_learner_reference\x00{lsp_pid}|{world.learner}".encode()).hexdigest()
        assert from_meeting != f"{unkeyed[:4]}-{unkeyed[4:8]}".upper()
        assert from_meeting != _keyed_reference(Keyring.generate().index_key, lsp_pid, world.learner)
        # The service gives the same answer as the stored link.
        owner = db.session.scalars(select(User).where(User.public_id == lsp_pid)).one()
        learner = db.session.scalars(select(Learner).where(Learner.public_id == world.learner)).one()
        assert learner_reference(owner, learner) == from_meeting
        assert set(db.session.scalars(select(CaseEvidence.learner_reference).where(
            CaseEvidence.owner_id == owner.id))) == {from_meeting, other}


def test_the_line_manager_reads_a_case_work_entry_without_the_learner_or_the_case(app, world):
    meeting_entry = _reflect(world, "lsp", "meeting", world.meeting)
    contribution_entry = _reflect(world, "lsp", "contribution", world.contribution)
    reference = load_entry(app, meeting_entry)["evidence"]["reference"]
    manager = world.clients["senco"]  # the SENCo line-manages the LSP

    response = manager.get(f"/cpd/entries/{meeting_entry}")
    assert response.status_code == 200
    raw, page = response.get_data(as_text=True), text_of(response)
    for secret in CASE_SECRETS:
        assert secret not in raw and secret not in page, secret
    assert world.learner not in raw  # not even the learner's public id
    # What a reader outside the case may see: the kind, date and role of the work, and the reference.
    evidence = " ".join(re.sub(r"<[^>]+>", " ", page.split('id="case-evidence"', 1)[1]).split())
    assert f"Case work Planning meeting Date of the work {date.today().strftime('%-d %B %Y')}" in evidence
    assert "Role Recorded the meeting as learning support practitioner" in evidence
    assert f"Learner reference {reference}" in evidence
    # The practitioner's own writing is theirs to show.
    assert "Sharing the data early let the teacher plan pre-teaching." in page
    # The SENCo may open the case itself: the link goes to the case's own page, which checks again. The
    # sentinels are real: that page shows them, so their absence above is the CPD page's doing.
    assert f'href="/meetings/{world.meeting}"' in raw
    case_page = text_of(manager.get(f"/meetings/{world.meeting}"))
    assert "MINUTES-SENTINEL-7Q" in case_page and LEARNER_NAME in case_page

    response = manager.get(f"/cpd/entries/{contribution_entry}")
    assert response.status_code == 200
    raw = response.get_data(as_text=True)
    for secret in CASE_SECRETS:
        assert secret not in raw and secret not in text_of(response), secret
    assert "Intervention record" in raw and reference in raw and world.learner not in raw


def test_a_manager_off_the_case_sees_no_link_and_cannot_follow_one(app, world, create_user, add_to_team):
    # A second LSP, line-managed by a teacher who is not on the learner's case.
    stranger = world.accounts["stranger"]
    lsp2 = create_user("lsp", agency="Oakfield Primary School", name="Rae Second", line_manager=stranger.email)
    add_to_team(world.learner, lsp2)
    meeting = _meeting(app, lsp2, world.learner, world.accounts["senco"], {lsp2: Attendance.PRESENT}, minutes=30)
    lsp2_client = app.test_client()
    assert sign_in(lsp2_client, lsp2.email, lsp2.password).status_code == 302
    world.clients["lsp2"] = lsp2_client

    entry = _reflect(world, "lsp2", "meeting", meeting)
    assert f'href="/meetings/{meeting}"' in lsp2_client.get(f"/cpd/entries/{entry}").get_data(as_text=True)

    manager = world.clients["stranger"]
    response = manager.get(f"/cpd/entries/{entry}")
    raw = response.get_data(as_text=True)
    assert response.status_code == 200
    assert meeting not in raw and 'id="evidence-link"' not in raw  # no way to the case from the log
    for secret in CASE_SECRETS:
        assert secret not in raw, secret
    assert manager.get(f"/meetings/{meeting}").status_code == 404  # and the case's own page refuses
    assert load_entry(app, entry)["evidence"]["minutes"] == 30


def test_people_who_are_not_the_owner_or_manager_cannot_read_a_case_work_entry(world):
    entry = _reflect(world, "lsp", "meeting", world.meeting)
    # The teacher is on the case, yet the LSP's CPD log is not theirs to read.
    for who in ("teacher", "stranger", "parent", "admin"):
        response = world.clients[who].get(f"/cpd/entries/{entry}")
        assert response.status_code == 404, who
        assert LEARNER_NAME not in text_of(response)


def test_a_case_work_entry_stays_linked_when_changed_and_keeps_its_type(app, world):
    lsp = world.clients["lsp"]
    entry = _reflect(world, "lsp", "meeting", world.meeting)
    form = text_of(lsp.get(f"/cpd/entries/{entry}/edit"))
    assert 'id="case-work-reference"' in form and LEARNER_NAME not in form
    response = lsp.post(f"/cpd/entries/{entry}/edit",
                        data=driscoll_form(version="1", activity_type="webinar", hours="2",
                                           action_by=dmy(date.today() + timedelta(days=60))))
    assert response.status_code == 302, text_of(response)[:2000]
    saved = load_entry(app, entry)
    assert saved["activity_type"] is ActivityType.CASE_WORK and saved["hours"] == Decimal("2")
    assert saved["action_by"] == date.today() + timedelta(days=60)
    assert saved["evidence"]["work"] == world.meeting and saved["version"] == 2


def test_a_log_keeps_the_reference_it_first_gave_a_learner(app, world):
    """A later link to the same learner reuses the stored reference, even if the key has changed since
    (simulated by rewriting the first link's reference as an older key would have made it)."""
    first = load_entry(app, _reflect(world, "lsp", "meeting", world.meeting))["evidence"]["reference"]
    with app.app_context():
        owner = db.session.scalars(select(User).where(User.public_id == world.accounts["lsp"].public_id)).one()
        link = db.session.scalars(select(CaseEvidence).where(CaseEvidence.owner_id == owner.id)).one()
        assert link.learner_reference == first
        link.learner_reference = "0LD0-KEY0"
        db.session.commit()
    second = _reflect(world, "lsp", "contribution", world.contribution)
    assert load_entry(app, second)["evidence"]["reference"] == "0LD0-KEY0"
