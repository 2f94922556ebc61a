"""Automatic checkpoints and the heads file: a tail rewritten past the newest signed head is reported.

Each test's app appends its signed heads to a file of its own (BRAID_AUDIT_HEAD_FILE under tmp_path).
Tampering is done as in test_chain: an attacker with the database owner's rights drops the trail's
triggers on this test's own database and rewrites rows, checkpoint rows included; the heads file is
what they cannot reach.
"""
from __future__ import annotations

import json
import stat
import subprocess
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app import create_app
from app.agencies.accounts.models import AgencyKind
from app.audit import chain, events, heads
from app.audit.events import record
from app.audit.models import AuditAction, AuditCheckpoint, AuditEvent, AuditOutcome, AuditSeal
from app.core.jobs.models import JobRun, JobStatus
from app.core.jobs.services import run_now
from app.extensions import db
from app.types import utcnow
from config import build_settings
from tests.fixtures.application import sign_in

# Behaviour that can differ between the engines: run on PostgreSQL as well as SQLite.
pytestmark = pytest.mark.both_backends

EVERY = 4  # seals between automatic checkpoints in these tests
LINE_FIELDS = {"checkpoint", "seal", "events", "hash", "at", "mac"}


@pytest.fixture
def heads_file(tmp_path):
    return tmp_path / "audit-heads" / "heads.jsonl"


@pytest.fixture
def app(database_url, heads_file):
    """The testing app, with a heads file and a checkpoint every EVERY seals (or five minutes)."""
    app = create_app("testing", {
        "SQLALCHEMY_DATABASE_URI": database_url, "BRAID_AUDIT_HEAD_FILE": heads_file,
        "AUDIT_CHECKPOINT_EVERY_SEALS": EVERY, "AUDIT_CHECKPOINT_INTERVAL": timedelta(minutes=5),
    })
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _write(count: int, prefix: str = "e", refused_every: int | None = None) -> None:
    """`count` events, each committed as a request's would be (inside an app context)."""
    for n in range(count):
        refused = refused_every is not None and n % refused_every == 0
        record(None, AuditAction.VIEW, object_type="learner", object_public_id=f"{prefix}-{n}",
               outcome=AuditOutcome.REFUSED if refused else AuditOutcome.ALLOWED)
        db.session.commit()


def _seal(**options) -> chain.SealRun:
    db.session.remove()  # our own session must hold no transaction: the sealer takes the chain's lock
    return chain.seal_run(lock_timeout_ms=5000, **options)


def _seal_pending(max_batch: int) -> int:
    """As a worker's sealer does after requests (the scenarios use only what the app always had)."""
    db.session.remove()
    return chain.seal_pending(max_batch=max_batch, lock_timeout_ms=5000)


def _checkpoints() -> list[tuple[int, int]]:
    """(checkpoint id, seal id) of every checkpoint row, oldest first."""
    return [tuple(row) for row in db.session.execute(
        select(AuditCheckpoint.id, AuditCheckpoint.seal_id).order_by(AuditCheckpoint.id))]


def _lines(heads_file) -> list[dict]:
    return [json.loads(line) for line in heads_file.read_bytes().splitlines()] if heads_file.exists() else []


def _refused(result, *phrases: str) -> None:
    assert result.exit_code == 1, result.output
    assert "TAMPERING DETECTED" in result.output, result.output
    for phrase in phrases:
        assert phrase in result.output, result.output


# --- the two rewrites of the assessment ------------------------------------------------------------


def test_a_tail_cut_back_past_the_newest_external_head_with_its_checkpoints_is_reported(app, heads_file, attacker):
    with app.app_context():
        _write(4 * 5)
        assert _seal_pending(max_batch=5) == 20
        assert _checkpoints() == [(1, 4)]  # the fourth seal brings a checkpoint, unasked
        _write(4 * 5, prefix="more")
        _seal_pending(max_batch=5)  # seals 5-8 and the second checkpoint
        _write(3, prefix="window")
        _seal_pending(max_batch=5)  # seal 9: not yet due
        assert _checkpoints() == [(1, 4), (2, 8)]
        assert [line["seal"] for line in _lines(heads_file)] == [4, 8]
        assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == AuditAction.CHECKPOINT_AUDIT)) == 0  # automatic checkpoints write no event
        cut = db.session.scalar(select(AuditSeal.last_event_id).where(AuditSeal.id == 2))
        assert chain.verify_chain().intact

    # Everything after seal 2 goes, with every checkpoint row: what is left is a consistent, shorter chain.
    attacker("DELETE FROM audit_seal WHERE id > 2")
    attacker("DELETE FROM audit_checkpoint")
    attacker("DELETE FROM audit_event_learner WHERE event_id > :cut", cut=cut)
    attacker("DELETE FROM audit_event WHERE id > :cut", cut=cut)

    with app.app_context():
        result = chain.verify_chain()
    assert not result.intact and result.event_count == 10, result
    assert result.problem.startswith("the chain was truncated after the newest external head, checkpoint 2 ("), result
    assert "it covered 40 events, the chain now holds 10" in result.problem
    runner = app.test_cli_runner()
    _refused(runner.invoke(args=["audit", "verify"]), "truncated after the newest external head, checkpoint 2")
    # Nothing signs the cut chain as it grows again (not the sealer, not verify, not the command): it stays reported.
    with app.app_context():
        _write(2 * EVERY, prefix="after")
        assert _seal_pending(max_batch=1) == 2 * EVERY + 1  # and the verification's own event
        assert _checkpoints() == []
    checkpoint = runner.invoke(args=["audit", "checkpoint"])
    assert checkpoint.exit_code == 1 and "Not signed: the chain no longer holds" in checkpoint.output, checkpoint.output
    _refused(runner.invoke(args=["audit", "verify"]), "re-sealed/altered up to the newest external head, checkpoint 2")
    with app.app_context():
        assert _checkpoints() == []
    assert [line["seal"] for line in _lines(heads_file)] == [4, 8]


def test_refused_events_turned_allowed_and_re_sealed_by_the_seal_command_are_reported(app, heads_file, attacker):
    with app.app_context():
        _write(24, refused_every=3)
        _seal_pending(max_batch=6)  # seals 1-4 and a checkpoint of the fourth
        assert [line["seal"] for line in _lines(heads_file)] == [4]
        refused = db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.outcome == AuditOutcome.REFUSED))
        assert refused == 8

    attacker("UPDATE audit_event SET outcome = 'allowed' WHERE outcome = 'refused'")
    attacker("DELETE FROM audit_seal")
    attacker("DELETE FROM audit_checkpoint")
    runner = app.test_cli_runner()
    sealed = runner.invoke(args=["audit", "seal"])
    assert sealed.exit_code == 0 and "Sealed 24 events." in sealed.output, sealed.output

    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.outcome == AuditOutcome.REFUSED)) == 0
        result = chain.verify_chain()
    assert not result.intact, result
    assert result.problem.startswith(
        "the chain was re-sealed/altered up to the newest external head, checkpoint 1 ("), result
    assert "seal 4 no longer holds the signed hash and count" in result.problem
    _refused(runner.invoke(args=["audit", "verify"]), "re-sealed/altered up to the newest external head")


def test_a_re_sealed_chain_with_the_same_seal_ids_is_reported(app, heads_file, attacker):
    with app.app_context():
        _write(20, refused_every=5)
        _seal_pending(max_batch=5)
        assert [line["seal"] for line in _lines(heads_file)] == [4]
    attacker("UPDATE audit_event SET outcome = 'allowed' WHERE outcome = 'refused'")
    attacker("DELETE FROM audit_seal")
    attacker("DELETE FROM audit_checkpoint")
    with app.app_context():
        assert _seal_pending(max_batch=5) == 20  # the same four seals, each with its new hash
        result = chain.verify_chain()
    assert not result.intact and "seal 4 no longer holds the signed hash" in result.problem, result


# --- when checkpoints are made ------------------------------------------------------------------


def test_a_checkpoint_every_n_seals_without_an_audit_event_each(app, heads_file):
    app.config["AUDIT_CHECKPOINT_INTERVAL"] = None
    with app.app_context():
        signed = []
        for n in range(2 * EVERY + 1):
            _write(1, prefix=f"n{n}")
            run = _seal()
            signed.append(run.signed.seal_id if run.signed else None)
        assert signed == [None, None, None, 4, None, None, None, 8, None]
        assert _checkpoints() == [(1, 4), (2, 8)]
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 2 * EVERY + 1
    assert [(line["checkpoint"], line["seal"]) for line in _lines(heads_file)] == [(1, 4), (2, 8)]


def test_a_checkpoint_once_the_interval_has_passed_and_something_waits(app, monkeypatch):
    app.config["AUDIT_CHECKPOINT_EVERY_SEALS"] = None
    clock = [utcnow()]
    monkeypatch.setattr(chain, "utcnow", lambda: clock[0])
    with app.app_context():
        _write(1)
        run = _seal()
        assert run.signed is None and run.checkpoint_due == 300  # the first seal starts the clock

        clock[0] += timedelta(minutes=4)
        _write(1, prefix="later")
        run = _seal()
        assert run.signed is None and run.checkpoint_due == 60

        clock[0] += timedelta(minutes=1)
        run = _seal()  # nothing new to seal, but two seals wait: the timer's call signs them
        assert run.sealed == 0 and run.signed.seal_id == 2 and run.checkpoint_due is None

        clock[0] += timedelta(minutes=10)
        assert _seal().signed is None  # every seal is signed: nothing falls due
        _write(1, prefix="after-a-quiet-while")
        assert _seal().signed.seal_id == 3  # long past the interval: signed with its seal
        _write(1, prefix="soon-after")
        run = _seal()
        assert run.signed is None and run.checkpoint_due == 300
        assert _checkpoints() == [(1, 2), (2, 3)]


def test_the_periodic_job_signs_a_checkpoint_that_falls_due_in_a_quiet_moment(app, heads_file, monkeypatch):
    # A request's sealer leaves no timer waiting for the checkpoint: the jobs worker's periodic `audit.seal`
    # (app.audit.jobs) signs it within a tick of falling due, with no request and no command.
    app.config["AUDIT_CHECKPOINT_EVERY_SEALS"] = None
    clock = [utcnow()]
    monkeypatch.setattr(chain, "utcnow", lambda: clock[0])
    later = []
    monkeypatch.setattr(events, "_seal_later", lambda app, wait: later.append(wait))
    with app.app_context():
        _write(1)
        db.session.remove()
    events._seal(app)
    assert later == []
    with app.app_context():
        clock[0] += timedelta(minutes=4)
        assert run_now("audit.seal").ran and _checkpoints() == []  # not due yet: nothing signed
        clock[0] += timedelta(minutes=1)
        assert run_now("audit.seal").ran and _checkpoints() == [(1, 1)]
        runs = db.session.scalars(select(JobRun).where(JobRun.name == "audit.seal")).all()
        assert [run.status for run in runs] == [JobStatus.DONE, JobStatus.DONE]
    assert [line["seal"] for line in _lines(heads_file)] == [1]


def test_two_sealers_racing_make_exactly_one_checkpoint(app, heads_file, monkeypatch):
    app.config["AUDIT_CHECKPOINT_EVERY_SEALS"] = 1
    decide = chain._due_in

    def slow_decision(*args):
        due = decide(*args)
        time.sleep(0.3)  # wide open, if the decision were not made under the chain's lock
        return due

    monkeypatch.setattr(chain, "_due_in", slow_decision)
    with app.app_context():
        _write(3)
        db.session.remove()
    start, runs, errors = threading.Barrier(2), [], []

    def sealer():
        try:
            with app.app_context():
                start.wait(timeout=10)
                runs.append(chain.seal_run(lock_timeout_ms=10_000))
        except Exception as error:  # noqa: BLE001 - reported below, not lost in the thread
            errors.append(error)

    threads = [threading.Thread(target=sealer) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert sorted(run.sealed for run in runs) == [0, 3]
    assert [run.signed is not None for run in runs].count(True) == 1
    with app.app_context():
        assert _checkpoints() == [(1, 1)]
    assert len(_lines(heads_file)) == 1


# --- the heads file --------------------------------------------------------------------------------


def test_each_checkpoint_appends_one_signed_line_to_a_private_file(app, heads_file):
    runner = app.test_cli_runner()
    with app.app_context():
        _write(5)
    first = runner.invoke(args=["audit", "checkpoint"])
    assert first.exit_code == 0 and f"Appended to {heads_file}." in first.output, first.output
    assert stat.S_IMODE(heads_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(heads_file.parent.stat().st_mode) == 0o700
    before = heads_file.read_bytes()
    [line] = _lines(heads_file)
    assert set(line) == LINE_FIELDS
    with app.app_context():
        row = db.session.get(AuditCheckpoint, line["checkpoint"])
        seal = db.session.get(AuditSeal, line["seal"])
        assert (line["seal"], line["events"], line["hash"], line["mac"]) == (row.seal_id, 5, seal.seal_hash, row.mac)
        assert line["mac"] == chain.checkpoint_mac(seal.id, 5, seal.seal_hash)
    at = datetime.fromisoformat(line["at"].replace("Z", "+00:00"))
    assert line["at"].endswith("Z") and abs(at - datetime.now(UTC)) < timedelta(minutes=1)

    verified = runner.invoke(args=["audit", "verify"])  # signs the head it verified: the command's event is sealed
    assert verified.exit_code == 0, verified.output
    assert f"It matches the external head of checkpoint 1 ({line['at']}) in {heads_file}." in verified.output
    assert "Signed the verified head as checkpoint 2." in verified.output
    after = heads_file.read_bytes()
    assert after.startswith(before) and after.count(b"\n") == 2  # appended, never rewritten
    with app.app_context():
        assert chain.verify_chain().external_head.checkpoint == 2


def test_an_append_only_heads_file_keeps_taking_heads_and_refuses_a_rewrite(app, heads_file):
    with app.app_context():
        _write(2)
        chain.record_checkpoint()
        if subprocess.run(["chattr", "+a", str(heads_file)], capture_output=True).returncode != 0:
            pytest.skip("chattr +a is not allowed on this file system")
        try:
            _write(2, prefix="more")
            assert chain.record_checkpoint().published is True  # O_APPEND: the kernel allows it
            with pytest.raises(PermissionError):
                heads_file.write_text("")
            assert chain.verify_chain().external_head.checkpoint == 2
        finally:
            subprocess.run(["chattr", "-a", str(heads_file)], check=True)
    assert len(_lines(heads_file)) == 2


def _edit_last_line(heads_file, change) -> None:
    lines = heads_file.read_bytes().splitlines(keepends=True)
    heads_file.write_bytes(b"".join(lines[:-1]) + change(lines[-1]))


def _with(line: bytes, **values) -> bytes:
    return (json.dumps({**json.loads(line), **values}, separators=(",", ":")) + "\n").encode()


@pytest.mark.parametrize("edit, problem", [
    (lambda line: _with(line, events=json.loads(line)["events"] - 1), "is not signed with the audit key"),
    (lambda line: _with(line, hash="0" * 64), "is not signed with the audit key"),
    (lambda line: _with(line, mac="f" * 64), "is not signed with the audit key"),
    (lambda line: _with(line, mac="ｆ" * 64), "its newest line is not a signed head"),  # not a TypeError
    (lambda line: _with(line, seal=1), "is not signed with the audit key"),
    (lambda line: b'{"checkpoint": 1}\n', "its newest line is not a signed head"),
    (lambda line: b"not json\n", "its newest line is not a signed head"),
    (lambda line: line[:-20], "its newest line is incomplete"),
])
def test_an_edited_or_forged_newest_head_is_reported_as_tampering_with_the_heads_file(app, heads_file, edit, problem):
    with app.app_context():
        _write(4 * EVERY)
        _seal(max_batch=4)
    _edit_last_line(heads_file, edit)
    with app.app_context():
        result = chain.verify_chain()
        assert not result.intact and result.problem.startswith("the heads file was tampered with: "), result
        assert problem in result.problem
        _write(EVERY)
        assert _seal(max_batch=1).signed is None  # and nothing signs past it
    _refused(app.test_cli_runner().invoke(args=["audit", "verify"]), problem)


def test_a_line_signed_with_another_key_is_reported(app, heads_file):
    with app.app_context():
        _write(EVERY)
        _seal(max_batch=1)
        seal = db.session.get(AuditSeal, EVERY)
        key = app.config["BRAID_AUDIT_KEY"]
        app.config["BRAID_AUDIT_KEY"] = "another-key-held-by-whoever-forged-this-line-0123456789"
        mac = chain.checkpoint_mac(seal.id, seal.total_count, seal.seal_hash)
        app.config["BRAID_AUDIT_KEY"] = key
        forged = chain.SignedHead(99, seal.id, seal.total_count, seal.seal_hash, mac, utcnow())
        heads.append(heads_file, forged.as_line())
        result = chain.verify_chain()
    assert not result.intact
    assert "(checkpoint 99 (" in result.problem and "not signed with the audit key" in result.problem


def test_a_checkpoint_mac_edited_into_other_characters_is_tampering_not_a_crash(app, heads_file, attacker):
    with app.app_context():
        _write(EVERY)
        _seal(max_batch=1)
        assert _checkpoints()
    attacker("UPDATE audit_checkpoint SET mac = :mac", mac="ｆ" * 64)
    with app.app_context():
        result = chain.verify_chain()
    assert not result.intact and "is not signed with the audit key" in result.problem


def test_the_newest_head_is_read_from_the_end_of_a_long_file(app, heads_file):
    with app.app_context():
        _write(EVERY)
        _seal(max_batch=1)
    written = heads_file.read_bytes()
    # Years of earlier lines (here: a megabyte that is not even JSON) are never read.
    heads_file.write_bytes(b"x" * 200 + b"\n" + (b"y" * 99 + b"\n") * 10_000 + written)
    with app.app_context():
        result = chain.verify_chain()
    assert result.intact and result.external_head.checkpoint == 1, result


def test_no_heads_file_yet_is_fine_and_said(app, heads_file):
    runner = app.test_cli_runner()
    with app.app_context():
        _write(2)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert f"No external head compared: none written yet to {heads_file}." in result.output
    assert heads_file.exists()  # the verified head is signed, and written, now

    app.config["BRAID_AUDIT_HEAD_FILE"] = None
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "BRAID_AUDIT_HEAD_FILE is not set" in result.output, result.output


def test_a_heads_file_that_cannot_be_written_is_logged_without_values_and_fails_only_the_command(app, tmp_path,
                                                                                                  caplog):
    blocker = tmp_path / "a-file-not-a-directory"
    blocker.write_text("")
    app.config["BRAID_AUDIT_HEAD_FILE"] = blocker / "heads.jsonl"
    app.config["AUDIT_CHECKPOINT_EVERY_SEALS"] = 1
    with app.app_context():
        _write(2)
        run = _seal()  # as a worker's sealer after a request: no exception, the checkpoint row stands
        assert run.signed is not None and run.signed.published is False
        assert _checkpoints() == [(1, 1)]
    failures = [r for r in caplog.records if "could not be appended to the heads file" in r.getMessage()]
    assert failures and all(r.levelname == "ERROR" for r in failures)
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert run.signed.chain_hash not in logged and run.signed.mac not in logged

    result = app.test_cli_runner().invoke(args=["audit", "checkpoint"])
    assert result.exit_code == 1, result.output
    assert "Checkpoint 2: " in result.output and "could not be appended" in result.output


# --- the DSL's button ----------------------------------------------------------------------------


def test_the_dsl_verify_button_signs_the_head_it_verified(app, heads_file, create_agency, create_user):
    school = create_agency(AgencyKind.SCHOOL, name="Checkpoint School")
    dsl = create_user("dsl", agency=school)
    with app.app_context():
        _write(3)
    client = app.test_client()
    assert sign_in(client, dsl.email, dsl.password).status_code == 302
    assert client.post("/audit/verify").status_code == 302
    with app.app_context():
        verification = chain.latest_verification()
        assert verification.intact
        [checkpoint] = db.session.scalars(select(AuditCheckpoint)).all()
        assert checkpoint.event_count == verification.event_count
        assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == AuditAction.CHECKPOINT_AUDIT)) == 0  # the verification's own event says it
    [line] = _lines(heads_file)
    assert (line["checkpoint"], line["events"], line["hash"]) == (checkpoint.id, checkpoint.event_count,
                                                                 checkpoint.chain_hash)


def test_a_verification_that_finds_tampering_signs_nothing(app, heads_file, attacker):
    with app.app_context():
        _write(3)
        _seal()
        first = db.session.scalar(select(func.min(AuditEvent.id)))
    attacker("UPDATE audit_event SET object_public_id = 'someone-else' WHERE id = :id", id=first)
    _refused(app.test_cli_runner().invoke(args=["audit", "verify"]), f"event {first} was altered")
    with app.app_context():
        assert _checkpoints() == []
    assert not heads_file.exists()


def test_the_heads_file_defaults_under_instance_and_never_in_tests(tmp_path):
    chosen = str(tmp_path / "elsewhere" / "heads.jsonl")
    default = tmp_path / "audit-heads" / "heads.jsonl"
    assert build_settings("development", {}, tmp_path)["BRAID_AUDIT_HEAD_FILE"] == default
    chosen_settings = build_settings("development", {"BRAID_AUDIT_HEAD_FILE": chosen}, tmp_path)
    assert chosen_settings["BRAID_AUDIT_HEAD_FILE"] == Path(chosen)
    assert build_settings("production", {}, tmp_path)["BRAID_AUDIT_HEAD_FILE"] == default
    # Tests never write into a developer's file, whatever their shell exports.
    assert build_settings("testing", {"BRAID_AUDIT_HEAD_FILE": chosen}, tmp_path)["BRAID_AUDIT_HEAD_FILE"] is None
    assert not (tmp_path / "audit-heads").exists() and not (tmp_path / "elsewhere").exists()
