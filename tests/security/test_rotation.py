"""Key rotation over 10,000 values while the app writes, killed mid-way and resumed: nothing lost."""
import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import select

from app import create_app
from app.cases.learners.models import Learner
from app.extensions import db
from app.security import rotation
from app.security.keys import current_keyring
from tests.fixtures.learners import make_learner, school_id

# Behaviour that can differ between the engines: run on PostgreSQL as well as SQLite.
pytestmark = pytest.mark.both_backends

REPO = Path(__file__).resolve().parents[2]
LEARNERS = 2_000  # five sealed fields each: 10,000 values
SEALED = ("name", "preferred_name", "date_of_birth", "upn", "notes")


def _digest(learner: Learner) -> str:
    return hashlib.sha256(repr([getattr(learner, field) for field in SEALED]).encode()).hexdigest()


def _flask(env, *args, **popen):
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "keys", *args]
    return subprocess.Popen(command, cwd=REPO, env=env, text=True, **popen)


class AppWriter(threading.Thread):
    """The running app: inserts new learners and rewrites existing notes as fast as it can."""

    def __init__(self, app, existing: list[str]):
        super().__init__(daemon=True)
        self.app, self.existing = app, existing
        self.stop = threading.Event()
        self.latest: dict[str, str] = {}
        self.inserted: dict[str, str] = {}
        self.error: BaseException | None = None

    def run(self):
        rng = random.Random(20261123)
        try:
            with self.app.app_context():
                school, n = school_id(), 0
                while not self.stop.is_set():
                    n += 1
                    notes = f"<p>written by the app, write {n}</p>"
                    if n % 4 == 0:
                        learner = make_learner(school, 100_000 + n, notes=notes)
                        db.session.commit()
                        self.inserted[learner.public_id] = notes
                    else:
                        public_id = rng.choice(self.existing)
                        learner = db.session.scalars(select(Learner).where(Learner.public_id == public_id)).one()
                        learner.notes = notes
                        db.session.commit()
                        self.latest[public_id] = notes
                    db.session.expunge_all()
        except BaseException as error:  # noqa: BLE001 - surfaced by the test, not lost in the thread
            self.error = error


@pytest.fixture
def keyed_app(database_url, key_file):
    """The app reading its keys from a file, with learners' values on the keyring as before crypto-shredding:
    what these tests re-seal (a learner's own key is re-wrapped instead: tests/security/test_learner_keys.py)."""
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url, "BRAID_FIELD_KEYS": None,
                                 "BRAID_FIELD_KEY_FILE": key_file, "BRAID_LEARNER_KEYS": False})
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    app.extensions["braid_learner_keys"].remove_test_store()


@pytest.mark.long_running
def test_rotation_is_resumable_and_never_overwrites_a_newer_write(keyed_app, database_url, key_file, tmp_path):
    with keyed_app.app_context():
        school = school_id()
        for n in range(LEARNERS):
            make_learner(school, n)
        db.session.commit()
        old_primary = current_keyring().primary
        before = {learner.public_id: _digest(learner) for learner in db.session.scalars(select(Learner))}
        untouched_fields = {
            learner.public_id: [getattr(learner, field) for field in SEALED[:-1]]
            for learner in db.session.scalars(select(Learner))
        }
        assert sum(rotation.values_by_key().values()) == LEARNERS * len(SEALED) + 1  # and the school's name

    env = {
        **os.environ,
        "BRAID_CONFIG": "testing",
        "DATABASE_URL": database_url,
        "BRAID_FIELD_KEY_FILE": str(key_file),
        "BRAID_INSTANCE_PATH": str(tmp_path / "instance"),
        "BRAID_KEY_STORE_URL": keyed_app.config["BRAID_KEY_STORE_URL"],
        "BRAID_LEARNER_KEYS": "0",
        "PYTHONUNBUFFERED": "1",
    }
    writer = AppWriter(keyed_app, list(before))
    writer.start()
    try:
        # First run: killed outright once it reports progress (after ten batches of 100).
        first = _flask(env, "rotate", "--batch-size", "100", stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        progress = first.stdout.readline()
        assert "re-sealed" in progress, progress + first.stderr.read()
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
        new_primary = json.loads(key_file.read_text())["primary"]
        assert new_primary != old_primary
        with keyed_app.app_context():
            interrupted = rotation.values_by_key()
        assert interrupted[old_primary] > 0 and interrupted[new_primary] > 0, interrupted  # really mid-way

        # Second run: resumes the same rotation (no third key) and finishes while the app still writes.
        second = _flask(env, "rotate", "--batch-size", "500", stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out, err = second.communicate(timeout=240)
        assert second.returncode == 0, out + err
        assert f"Finished rotation to key {new_primary}" in out
    finally:
        writer.stop.set()
        writer.join(timeout=30)
    assert writer.error is None, repr(writer.error)
    assert writer.latest and writer.inserted, "the app did not write during the rotation"

    with keyed_app.app_context():
        assert json.loads(key_file.read_text())["primary"] == new_primary
        assert rotation.values_by_key() == {new_primary: (LEARNERS + len(writer.inserted)) * len(SEALED) + 1}
        learners = {learner.public_id: learner for learner in db.session.scalars(select(Learner))}
        assert len(learners) == LEARNERS + len(writer.inserted)
        for public_id, digest in before.items():
            learner = learners[public_id]
            if public_id in writer.latest:
                assert learner.notes == writer.latest[public_id]  # the newest write survived
                assert [getattr(learner, f) for f in SEALED[:-1]] == untouched_fields[public_id]
            else:
                assert _digest(learner) == digest
        for public_id, notes in writer.inserted.items():
            assert learners[public_id].notes == notes
        # The old key protects nothing now, so it can be retired; the new one cannot.
        rotation.retire(old_primary)
        assert old_primary not in current_keyring().encryption


def test_a_value_sealed_just_before_a_key_change_is_committed_under_the_new_key(keyed_app, key_file):
    """A worker's keyring may be a second old; what it commits after the change is under the new key."""
    with keyed_app.app_context():
        school = school_id()
        db.session.commit()  # the school (its name sealed) exists before: only the learner is sealed now
        old_primary = current_keyring().primary
        learner = make_learner(school, 1)  # sealed under the old primary, not yet flushed
        assert learner.__dict__["name_sealed"].key_id == old_primary
        # Another process (`flask keys rotate`) writes a new primary meanwhile.
        from app.security.keys import Keyring, write_key_file

        rotated = Keyring.from_json(key_file.read_text()).with_new_primary()
        write_key_file(key_file, rotated)
        db.session.commit()
        public_id = learner.public_id
    with keyed_app.app_context():
        # The school's name, committed before the change, waits for the rotation's sweep.
        assert rotation.values_by_key() == {rotated.primary: len(SEALED), old_primary: 1}
        stored = db.session.scalars(select(Learner).where(Learner.public_id == public_id)).one()
        assert stored.name == "Learner Number1"
        assert rotation.encryptions_by_key()[rotated.primary] == len(SEALED)
