"""Misfiled work put right: a contribution withdrawn by its author or the SENCo leaves the case and every list (kept
sealed for the DSL's withdrawn page), or is moved by the SENCo to the right learner (audited on both learners, the
author told by email with no learner's name in it). Bad input and races change nothing.

The world is the authorization matrix's (tests/test_authorization_matrix.py): Alpha's team, Bravo with nobody on
its team, a learner of another school; every role signed in, one client per column. It is built once per process
and backend, and each test gets a copy (tests/fixtures/worlds.py).
"""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from app.agencies.accounts.models import User
from app.audit.models import AuditAction, AuditEvent, AuditEventLearner
from app.cases.contributions import misfiled
from app.cases.contributions import services as contributions
from app.cases.contributions.models import Contribution, ContributionMove
from app.cases.contributions.services import ContributionError
from app.cases.learners.models import Learner
from app.core.mail.models import OutboxMessage
from app.cpd.entries import services as cpd
from app.extensions import db
from app.types import utcnow
from tests.fixtures.application import sign_in, text_of
from tests.fixtures.worlds import saved_or_built, world_app
from tests.test_authorization_matrix import COLUMNS, ROWS, build_world, database_checksum, sign_in_columns

TITLE = "MISFILED-TITLE-3d0a"
BODY = "MISFILED-BODY-a61f"
REASON = "MISFILED-REASON-Written-about-another-child-7b22"
MOVE_REASON = "MOVE-REASON-Two-learners-share-a-first-name-c5e1"


WORLD = "the authorization matrix's, every column signed in"
# The author's email about the move (the world's notifications email them too: an action of theirs, say).
MOVED_SUBJECT = "A contribution of yours has been moved on Braid"


@pytest.fixture
def app(backend, database_servers, saved_worlds, database_url):
    yield from world_app(WORLD, backend, database_servers, saved_worlds, database_url)


@pytest.fixture
def world(app, backend, saved_worlds, create_agency, create_user, create_case, add_to_team):
    """Built and signed in by the first test of a process (per backend), a copy of it for every other."""

    def build():
        built = build_world(app, create_agency, create_user, create_case, add_to_team)
        return built, sign_in_columns(app, built["accounts"])

    built, clients = saved_or_built(WORLD, backend, app, saved_worlds, build)
    built["clients"] = clients
    return built


def _user(column_or_account) -> User:
    return db.session.scalars(select(User).where(User.public_id == column_or_account.public_id)).one()


def _learner(public_id: str) -> Learner:
    return db.session.scalars(select(Learner).where(Learner.public_id == public_id)).one()


def _contribution(public_id: str) -> Contribution:
    return db.session.scalars(select(Contribution).where(Contribution.public_id == public_id)).one()


def _misfiled_by_teacher(app, world, *, reflect=False) -> str:
    """The teacher's team contribution on Alpha with recognisable text (and their CPD entry on it, if asked)."""
    with app.app_context():
        teacher = _user(world["accounts"]["teacher"])
        contribution = contributions.add_contribution(
            teacher, _learner(world["world"]["alpha"]), kind="classroom_view", visibility="team",
            title=TITLE, body=f"<p>{BODY}</p>")
        if reflect:
            today = utcnow().date()
            cpd.record_entry(teacher, cpd.EntryDraft(
                activity_on=today, hours="0.5", activity_type="case_work", participation="individual",
                reflective_model="driscoll", title="Reflecting on my classroom view", content="What I saw.",
                reflection={"what": "A view.", "so_what": "It helps.", "now_what": "Keep going."},
                action_what="Share it", action_how="At the review", action_by=today + timedelta(days=14)),
                work=contribution)
        db.session.commit()
        return contribution.public_id


def _version(client, url: str) -> str:
    """The version the form at `url` was loaded at (its hidden field)."""
    hidden = re.search(r'<input[^>]*name="version"[^>]*>', client.get(url).get_data(as_text=True)).group(0)
    return re.search(r'value="(\d+)"', hidden).group(1)


@pytest.mark.long_running
def test_withdrawn_work_is_on_no_page_for_any_role_but_the_dsls_withdrawn_page(app, world):
    c_misfiled = _misfiled_by_teacher(app, world, reflect=True)
    values = dict(world["world"], c_misfiled=c_misfiled)
    clients = world["clients"]
    teacher = clients["teacher"]
    # Before: the contribution is on the case's pages (so the checks below could fail).
    assert TITLE in text_of(teacher.get(f"/learners/{values['alpha']}/contributions"))
    assert BODY in text_of(clients["senco"].get(f"/learners/{values['alpha']}/plan"))

    url = f"/contributions/{c_misfiled}/withdraw"
    response = teacher.post(url, data={"reason": REASON, "version": _version(teacher, url)})
    assert response.status_code == 302

    pages = sorted({url for _, method, url, _, _ in ROWS if method == "GET"} | {"/contributions/{c_misfiled}"})
    for url_template in pages:
        url = url_template.format(**values)
        for column in COLUMNS:
            if column in ("anonymous", "expired"):
                continue  # sent to sign in on every page (the matrix's last columns)
            body = text_of(clients[column].get(url))
            if url_template == "/learners/{alpha}/contributions/withdrawn" and column == "dsl":
                assert TITLE in body and BODY in body and REASON in body, "the DSL's page shows it, with the reason"
                assert "Matrix TEACHER" in body
                continue
            for value in (TITLE, BODY, REASON):
                assert value not in body, f"{url_template} as {column} shows the withdrawn contribution"
    # The teacher's CPD entry on it stays, without a link into the case.
    entry_page = text_of(teacher.get("/cpd"))
    assert "Reflecting on my classroom view" in entry_page and f"/contributions/{c_misfiled}" not in entry_page


def test_the_senco_withdraws_it_the_reason_sealed_and_the_event_naming_fields_only(app, world):
    c_misfiled = _misfiled_by_teacher(app, world)
    senco = world["clients"]["senco"]
    url = f"/contributions/{c_misfiled}/withdraw"
    assert "Withdraw it from this learner" in text_of(senco.get(f"/contributions/{c_misfiled}"))
    assert senco.post(url, data={"reason": REASON, "version": _version(senco, url)}).status_code == 302
    with app.app_context():
        contribution = _contribution(c_misfiled)
        assert contribution.withdrawn and contribution.withdrawn_by.display_name == "Matrix SENCO"
        assert contribution.withdrawn_reason == REASON
        stored = db.session.execute(text("SELECT withdrawn_reason_sealed FROM contribution WHERE public_id = :p"),
                                    {"p": c_misfiled}).scalar_one()
        assert stored.startswith("b1.") and "MISFILED" not in stored
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.object_public_id == c_misfiled,
                                                            AuditEvent.action == AuditAction.UPDATE)).one()
        assert event.fields_changed == "withdrawn_at,withdrawn_by,withdrawn_reason"
        assert event.learner_public_ids == world["world"]["alpha"]
        assert REASON not in repr(tuple(db.session.execute(select(AuditEvent.__table__)).all()))


@pytest.mark.both_backends  # races and the move's two-learner event
def test_the_senco_moves_it_audited_on_both_learners_and_the_author_is_emailed(app, world):
    c_misfiled = _misfiled_by_teacher(app, world)
    alpha, bravo = world["world"]["alpha"], world["world"]["bravo"]
    senco, teacher, dsl = (world["clients"][c] for c in ("senco", "teacher", "dsl"))
    url = f"/contributions/{c_misfiled}/move"
    form = text_of(senco.get(url))
    assert "Bravo Learner" in form and "Beta Learner" not in form  # another school's learner is never offered
    response = senco.post(url, data={"learner": bravo, "reason": MOVE_REASON, "version": _version(senco, url)})
    assert response.status_code == 302

    with app.app_context():
        contribution = _contribution(c_misfiled)
        assert contribution.learner.public_id == bravo
        move = db.session.scalars(select(ContributionMove)).one()
        assert (move.from_learner.public_id, move.to_learner.public_id) == (alpha, bravo)
        assert move.moved_by.display_name == "Matrix SENCO" and move.reason == MOVE_REASON
        assert db.session.execute(text("SELECT reason_sealed FROM contribution_move")).scalar_one().startswith("b1.")
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.object_public_id == c_misfiled,
                                                            AuditEvent.action == AuditAction.UPDATE)).one()
        assert event.fields_changed == "learner"
        assert sorted(event.learner_public_ids.split()) == sorted([alpha, bravo])
        indexed = db.session.scalars(select(AuditEventLearner.learner_public_id)
                                     .where(AuditEventLearner.event_id == event.id)).all()
        assert sorted(indexed) == sorted([alpha, bravo])  # each learner's history holds it
        [message] = [message for message in db.session.scalars(select(OutboxMessage)
                                                               .where(OutboxMessage.subject == MOVED_SUBJECT))
                     if message.recipient == world["accounts"]["teacher"].email]
        # The teacher is not on Bravo's team: told that it moved, with no link they could not open.
        assert "not on that learner's team" in message.body and "/contributions/" not in message.body
        for secret in ("Alpha Learner", "Bravo Learner", MOVE_REASON, TITLE, BODY):
            assert secret not in message.body and secret not in message.subject

    # Gone from Alpha's case; on Bravo's for the SENCo, with where it came from and why.
    assert TITLE not in text_of(senco.get(f"/learners/{alpha}/contributions"))
    assert TITLE in text_of(senco.get(f"/learners/{bravo}/contributions"))
    page = text_of(senco.get(f"/contributions/{c_misfiled}"))
    assert "from Alpha Learner to Bravo Learner" in page and MOVE_REASON in page
    # The author is not on Bravo's team: it has left their sight with Alpha's case.
    assert teacher.get(f"/contributions/{c_misfiled}").status_code == 404
    assert dsl.get(f"/contributions/{c_misfiled}").status_code == 404  # a team contribution: not the DSL's


def test_a_reader_who_cannot_see_the_other_learner_sees_that_it_moved_but_not_from_whom(app, world, create_user,
                                                                                       add_to_team):
    c_misfiled = _misfiled_by_teacher(app, world)
    bravo = world["world"]["bravo"]
    add_to_team(bravo, world["accounts"]["teacher"])  # the author works with Bravo too: the email links to it
    with app.app_context():
        senco = _user(world["accounts"]["senco"])
        contribution = _contribution(c_misfiled)
        misfiled.move_contribution(senco, contribution, version=contribution.version, to_learner_public_id=bravo,
                                   reason=MOVE_REASON)
        db.session.commit()
        [message] = [message for message in db.session.scalars(select(OutboxMessage)
                                                               .where(OutboxMessage.subject == MOVED_SUBJECT))
                     if message.recipient == world["accounts"]["teacher"].email]
        base = app.config["BRAID_BASE_URL"].rstrip("/")
        assert f"{base}/contributions/{c_misfiled}" in message.body
        assert "Alpha Learner" not in message.body and "Bravo Learner" not in message.body
    bravo_teacher = create_user("teacher", agency="Alpha School", name="Bravo Teacher")
    add_to_team(bravo, bravo_teacher)
    client = app.test_client()
    assert sign_in(client, bravo_teacher.email, bravo_teacher.password).status_code == 302
    page = text_of(client.get(f"/contributions/{c_misfiled}"))
    assert BODY in page and "Moved from another learner" in page
    assert "Alpha Learner" not in page and MOVE_REASON not in page


@pytest.mark.parametrize("case", ["same learner", "another school's learner", "no such learner", "no learner",
                                  "no reason", "an archived leaver"])
def test_a_bad_move_is_refused_clearly_and_changes_nothing(app, world, case):
    c_misfiled = _misfiled_by_teacher(app, world)
    values = world["world"]
    senco = world["clients"]["senco"]
    url = f"/contributions/{c_misfiled}/move"
    learner, reason, message = {
        "same learner": (values["alpha"], "Misfiled", "already on this learner"),
        "another school's learner": (values["elsewhere"], "Misfiled", "Choose a learner from the list"),
        "no such learner": ("NoSuchLearner0000", "Misfiled", "Choose a learner from the list"),
        "no learner": ("", "Misfiled", "Choose a learner from the list"),
        "no reason": (values["bravo"], "  ", "Enter why the contribution is being moved"),
        "an archived leaver": (values["archived"], "Misfiled", "Choose a learner from the list"),
    }[case]
    data = {"learner": learner, "reason": reason, "version": _version(senco, url)}
    before = database_checksum(app)
    response = senco.post(url, data=data)
    assert response.status_code == 400
    assert message in text_of(response)
    assert database_checksum(app) == before  # the outbox too: nobody is told of a move that did not happen


def test_withdrawing_without_a_reason_or_twice_changes_nothing(app, world):
    c_misfiled = _misfiled_by_teacher(app, world)
    teacher = world["clients"]["teacher"]
    url = f"/contributions/{c_misfiled}/withdraw"
    version = _version(teacher, url)
    before = database_checksum(app)
    response = teacher.post(url, data={"reason": "", "version": version})
    assert response.status_code == 400 and "Enter why the contribution is being withdrawn" in text_of(response)
    assert database_checksum(app) == before

    assert teacher.post(url, data={"reason": REASON, "version": version}).status_code == 302
    after = database_checksum(app)
    # Out of the case now: a second withdrawal through the page finds nothing to withdraw.
    assert teacher.post(url, data={"reason": "Again", "version": str(int(version) + 1)}).status_code == 404
    assert database_checksum(app) == after


@pytest.mark.both_backends  # races and the move's two-learner event
def test_a_withdrawal_racing_another_is_refused_by_the_service(app, world):
    """The service's own check: its copy still says "not withdrawn" when the other withdrawal commits."""
    c_misfiled = _misfiled_by_teacher(app, world)
    with app.app_context():
        teacher = _user(world["accounts"]["teacher"])
        stale = _contribution(c_misfiled)
        version = stale.version
        # Another request withdraws it meanwhile (plain SQL: this session's copy is left as it was).
        db.session.execute(text("UPDATE contribution SET withdrawn_at = :now, version = version + 1 "
                                "WHERE public_id = :p"), {"now": utcnow(), "p": c_misfiled})
        with pytest.raises(ContributionError, match="already been withdrawn"):
            misfiled.withdraw_contribution(teacher, stale, version=version + 1, reason="Again")
        assert stale.withdrawn_reason is None
        db.session.rollback()


@pytest.mark.both_backends  # races and the move's two-learner event
def test_a_withdrawal_and_a_move_racing_end_in_the_conflict_page(app, world):
    c_misfiled = _misfiled_by_teacher(app, world)
    senco, teacher = world["clients"]["senco"], world["clients"]["teacher"]
    move_url, withdraw_url = f"/contributions/{c_misfiled}/move", f"/contributions/{c_misfiled}/withdraw"
    stale = _version(teacher, withdraw_url)
    # The teacher edits it first (the version moves on); both forms loaded before that are stale.
    with app.app_context():
        contribution = _contribution(c_misfiled)
        contributions.edit_contribution(_user(world["accounts"]["teacher"]), contribution,
                                        version=contribution.version, visibility="team", title=TITLE,
                                        body=f"<p>{BODY} edited</p>")
        db.session.commit()
    before = database_checksum(app)
    response = teacher.post(withdraw_url, data={"reason": REASON, "version": stale})
    assert response.status_code == 409 and REASON in text_of(response)  # the reason typed is kept in the form
    response = senco.post(move_url, data={"learner": world["world"]["bravo"], "reason": MOVE_REASON,
                                          "version": stale})
    assert response.status_code == 409
    assert database_checksum(app) == before


def test_refused_roles_change_nothing(app, world):
    """The matrix covers every role; here the near misses: a colleague on the team, the DSL, the parent."""
    c_misfiled = _misfiled_by_teacher(app, world)
    clients = world["clients"]
    bravo = world["world"]["bravo"]
    before = database_checksum(app)
    expected = {"lsp": 403, "dsl": 404, "parent": 404, "slt": 403, "admin": 404, "teacher": 403}
    for column, status in expected.items():
        got = clients[column].post(f"/contributions/{c_misfiled}/move",
                                   data={"learner": bravo, "reason": "Mine to move", "version": "1"})
        assert got.status_code == status, column
    for column in ("lsp", "dsl", "parent", "slt", "ep", "admin"):
        got = clients[column].post(f"/contributions/{c_misfiled}/withdraw", data={"reason": "Not mine", "version": "1"})
        assert got.status_code in (403, 404), column
    assert database_checksum(app) == before
