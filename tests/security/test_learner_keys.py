"""Crypto-shredding: each learner's sealed values under a data key of their own, kept wrapped in a key store apart
from the database. Destroying the key makes every copy of those values unreadable, a restored backup included."""
from __future__ import annotations

import shutil
import subprocess
import time
from datetime import date

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.engine import make_url

from app import create_app
from app.agencies.accounts.models import Role, User
from app.audit.chain import seal_pending, verify_chain
from app.audit.events import record
from app.audit.models import AuditAction
from app.cases.contributions.misfiled import move_contribution
from app.cases.contributions.models import Contribution, ContributionKind, ContributionRevision, Visibility
from app.cases.learners.models import Learner
from app.data_protection.retention.services import erase_learner
from app.extensions import db
from app.security import adoption, rotation
from app.security.crypto import DecryptionError, Sealed, SensitiveField, associated_data, open_sealed, seal
from app.security.keys import KeyringError, current_keyring
from app.security.learner_keys import (
    LEARNER_OF,
    NOT_A_LEARNERS,
    destroy_learner_key,
    key_store,
    learner_data_key,
    unwrap,
    wrap,
)
from app.types import utcnow
from tests.fixtures.databases import unavailable
from tests.fixtures.learners import make_learner, school_id

pytestmark = pytest.mark.both_backends


# --- which values are a learner's -----------------------------------------------------------------------------

def test_every_sensitive_field_is_classified_as_a_learners_or_not(app):  # the app: every model imported
    fields = {f"{model.__tablename__}.{field.name}" for model, field in SensitiveField.registry}
    assert fields - set(LEARNER_OF) == set(), "classify these in app/security/learner_keys.LEARNER_OF"
    assert set(LEARNER_OF) - fields == set(), "LEARNER_OF names fields that no longer exist"
    # Accounts' and agencies' names are nobody's learner data; a contribution, a concern and a learner are.
    assert LEARNER_OF["user_account.display_name"] is NOT_A_LEARNERS and LEARNER_OF["agency.name"] is NOT_A_LEARNERS
    for learners in ("learner.name", "contribution.body", "safeguarding_concern.concern", "attachment.content"):
        assert LEARNER_OF[learners] is not NOT_A_LEARNERS
    # The field itself carries what the table says.
    for model, field in SensitiveField.registry:
        assert field.learner_paths == LEARNER_OF[f"{model.__tablename__}.{field.name}"]


# --- wrapping -------------------------------------------------------------------------------------------------

def test_a_wrapped_key_unwraps_only_for_its_own_id_and_learner(app):
    with app.app_context():
        keyring = current_keyring()
        key = b"k" * 32
        wrapped, wrapping = wrap(keyring, "l00000001", "learner-a", key)
        assert wrapping == keyring.primary and key not in wrapped
        assert unwrap(keyring, "l00000001", "learner-a", wrapped, wrapping) == key
        with pytest.raises(KeyringError):
            unwrap(keyring, "l00000001", "learner-b", wrapped, wrapping)  # copied to another learner
        with pytest.raises(KeyringError):
            unwrap(keyring, "l00000002", "learner-a", wrapped, wrapping)  # under another key id


def _two_learners():
    school = school_id()
    first, second = make_learner(school, 1), make_learner(school, 2)
    db.session.commit()
    return first.public_id, second.public_id


def _learner(public_id: str) -> Learner:
    return db.session.scalars(select(Learner).where(Learner.public_id == public_id)).one()


def test_a_learners_wrapped_key_copied_onto_another_learner_does_not_open(app):
    with app.app_context():
        first, second = _two_learners()
        store = key_store()
        with store.engine.begin() as connection:
            rows = {row.learner_public_id: row for row in connection.execute(select(learner_data_key))}
            # The second learner's row now holds the first learner's wrapped key (a tampered key store).
            connection.execute(update(learner_data_key).where(learner_data_key.c.learner_public_id == second)
                               .values(wrapped_key=rows[first].wrapped_key))
        store.evict(rows[second].key_id)
        db.session.expunge_all()
        assert _learner(first).name == "Learner Number1"
        with pytest.raises(DecryptionError):
            _learner(second).name  # noqa: B018


def test_each_learner_has_a_key_of_their_own_and_their_rows_are_sealed_under_it(app, create_user):
    author = create_user(Role.SENCO)
    with app.app_context():
        first, second = _two_learners()
        learner = _learner(first)
        user = db.session.scalars(select(User).where(User.public_id == author.public_id)).one()
        contribution = Contribution(learner=learner, author_id=user.id, kind=ContributionKind.CLASSROOM_VIEW,
                                    visibility=Visibility.TEAM, created_at=utcnow(), updated_at=utcnow())
        contribution.title, contribution.body, contribution.body_html = "Sentinel title", "Body", "<p>Body</p>"
        db.session.add(contribution)
        db.session.flush()
        # A revision given only its contribution's id: its learner is found at flush, two steps away.
        revision = ContributionRevision(contribution_id=contribution.id, version=1, written_by_id=user.id,
                                        written_at=utcnow(), visibility=Visibility.TEAM)
        revision.title, revision.body, revision.body_html = "Earlier title", "Earlier", "<p>Earlier</p>"
        db.session.add(revision)
        db.session.commit()
        kids = {row.learner_public_id: row.key_id
                for row in key_store().engine.connect().execute(select(learner_data_key))}
        assert set(kids) == {first, second} and kids[first] != kids[second]
        for table in ("learner", "contribution", "contribution_revision"):
            stored = db.session.execute(text(f"SELECT title_sealed FROM {table}")).scalars().all() \
                if table != "learner" else \
                db.session.execute(text("SELECT name_sealed FROM learner WHERE public_id = :p"), {"p": first}).scalars()
            assert {Sealed(value).key_id for value in stored} == {kids[first]}, table
        # The account's name is nobody's learner data: on the keyring.
        names = db.session.execute(text("SELECT display_name_sealed FROM user_account")).scalars().all()
        assert names and {Sealed(value).key_id for value in names} <= set(current_keyring().encryption)


# --- destroying, and the cache --------------------------------------------------------------------------------

def test_destroying_a_key_makes_that_learners_values_unreadable_at_once_and_no_one_elses(app):
    with app.app_context():
        first, second = _two_learners()
        assert _learner(first).name == "Learner Number1"  # opened: its key is in this process's cache
        assert destroy_learner_key(first) is True
        assert destroy_learner_key(first) is False  # nothing left to destroy
        db.session.expunge_all()
        with pytest.raises(DecryptionError):
            _learner(first).name  # noqa: B018
        assert _learner(second).name == "Learner Number2"
        # The key's bytes are gone from the store's file too (secure_delete, then VACUUM).
        with key_store().engine.connect() as connection:
            assert connection.execute(select(learner_data_key.c.learner_public_id)).scalars().all() == [second]


def test_a_key_destroyed_by_another_worker_stops_opening_once_the_cache_expires(database_url):
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url, "BRAID_KEY_CACHE_SECONDS": 0.3})
    try:
        with app.app_context():
            first, _ = _two_learners()
            sealed = db.session.execute(text("SELECT name_sealed FROM learner WHERE public_id = :p"),
                                        {"p": first}).scalar_one()
            aad = associated_data("learner", "name_sealed", first)
            assert open_sealed(sealed, aad) == "Learner Number1"
            # Another worker's erasure: the row goes from the store, this process is not told.
            with key_store().engine.begin() as connection:
                connection.execute(delete(learner_data_key).where(learner_data_key.c.learner_public_id == first))
            assert open_sealed(sealed, aad) == "Learner Number1"  # still held, within the window
            time.sleep(0.4)
            with pytest.raises(DecryptionError):
                open_sealed(sealed, aad)
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        app.extensions["braid_learner_keys"].remove_test_store()


# --- moving what was sealed on the keyring, and rotation --------------------------------------------------------

def test_adopting_learner_keys_is_resumable_and_moves_only_learners_values(app):
    runner = app.test_cli_runner()
    with app.app_context():
        key_store().enabled = False  # the data as it was sealed before crypto-shredding
        school = school_id()
        learners = [make_learner(school, n).public_id for n in range(6)]
        db.session.commit()
        key_store().enabled = True
        assert sum(adoption.on_keyring_by_column().values()) == 6 * 5
        primary = current_keyring().primary
    # Killed midway: a batch limit stops it as a kill would, each batch committed.
    result = runner.invoke(args=["keys", "adopt-learner-keys", "--batch-size", "4", "--max-batches", "2"])
    assert result.exit_code == 0 and "Stopped early" in result.output, result.output
    with app.app_context():
        left = sum(adoption.on_keyring_by_column().values())
        assert 0 < left < 6 * 5
        assert "still on the keyring: " + str(left) in runner.invoke(args=["keys", "status"]).output
    result = runner.invoke(args=["keys", "adopt-learner-keys", "--batch-size", "4"])
    assert result.exit_code == 0 and "Done" in result.output, result.output
    with app.app_context():
        assert sum(adoption.on_keyring_by_column().values()) == 0
        assert rotation.values_by_key().get(primary) == 1  # the school's name stays on the keyring
        for n, public_id in enumerate(learners):
            learner = _learner(public_id)
            assert (learner.name, learner.notes) == (f"Learner Number{n}", f"Private note number {n}")
            assert {Sealed(value).key_id[0] for value in db.session.execute(text(
                "SELECT name_sealed, upn_sealed, notes_sealed FROM learner WHERE public_id = :p"),
                {"p": public_id}).one()} == {"l"}
        assert runner.invoke(args=["keys", "adopt-learner-keys"]).output.startswith("Done: 0 values moved")


def test_rotation_rewraps_learner_keys_without_touching_their_values(keyed_app, key_file):
    with keyed_app.app_context():
        first, second = _two_learners()
        old_primary = current_keyring().primary
        before = dict(db.session.execute(text("SELECT public_id, name_sealed || notes_sealed FROM learner")).all())
    result = keyed_app.test_cli_runner().invoke(args=["keys", "rotate"])
    assert result.exit_code == 0 and "2 learner keys re-wrapped" in result.output, result.output
    with keyed_app.app_context():
        new_primary = current_keyring().primary
        assert new_primary != old_primary
        assert key_store().count_by_wrapping_key() == {new_primary: 2}
        after = dict(db.session.execute(text("SELECT public_id, name_sealed || notes_sealed FROM learner")).all())
        assert after == before  # not one learner value re-sealed
        key_store().by_learner.clear()
        for kid in list(key_store().by_kid):
            key_store().evict(kid)
        assert (_learner(first).name, _learner(second).name) == ("Learner Number1", "Learner Number2")
        rotation.retire(old_primary)  # nothing is wrapped or sealed under it any more
        db.session.expunge_all()
        assert _learner(first).date_of_birth == date(2015, 2, 2)


# --- the backup test the issue asks for ---------------------------------------------------------------------

def _erase(learner_public_id: str) -> None:
    """Erase a learner as the DPO's erasure does: every row of theirs, their blind indexes and their key."""
    erase_learner(_learner(learner_public_id), by=None, reason="Erasure request (Article 17)")
    db.session.commit()


def _backup(app) -> bytes | str:
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    with app.app_context():
        db.session.remove()
        db.engine.dispose()  # the last connection folds SQLite's WAL into the file: a plain copy is whole
    if url.get_backend_name() == "sqlite":
        return shutil.copyfile(url.database, f"{url.database}.backup")
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        unavailable("pg_dump is not installed")
    conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
    return subprocess.run([pg_dump, "--no-owner", conninfo], check=True, capture_output=True).stdout


def _restore(backup, backend: str, database_servers) -> str:
    """The backup in a fresh database: its URL."""
    if backend == "sqlite":
        url = database_servers(backend).empty()
        shutil.copyfile(backup, make_url(url).database)
        return url
    url = database_servers(backend).empty()
    conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", conninfo], input=backup, check=True, capture_output=True)
    return url


def test_an_erased_learner_stays_unreadable_in_a_restored_backup(app, backend, database_servers, create_user):
    author = create_user(Role.SENCO)
    with app.app_context():
        erased, kept = _two_learners()
        user = db.session.scalars(select(User).where(User.public_id == author.public_id)).one()
        for public_id in (erased, kept):
            contribution = Contribution(learner=_learner(public_id), author_id=user.id,
                                        kind=ContributionKind.CLASSROOM_VIEW, visibility=Visibility.TEAM,
                                        created_at=utcnow(), updated_at=utcnow())
            contribution.title, contribution.body = f"Sentinel {public_id}", "Said in the meeting"
            contribution.body_html = "<p>Said in the meeting</p>"
            db.session.add(contribution)
            db.session.flush()
            record(user, AuditAction.CREATE, contribution, fields=["title"])
        db.session.commit()
        seal_pending()
        assert verify_chain().intact

    backup = _backup(app)  # the data only: the key store is kept (and backed up) apart
    with app.app_context():
        _erase(erased)
        assert verify_chain().intact

    restored_url = _restore(backup, backend, database_servers)
    restored = create_app("testing", {"SQLALCHEMY_DATABASE_URI": restored_url,
                                      "BRAID_FIELD_KEYS": app.config["BRAID_FIELD_KEYS"],
                                      "BRAID_KEY_STORE_URL": app.config["BRAID_KEY_STORE_URL"]})  # the CURRENT store
    try:
        with restored.app_context():
            # The backup still holds the erased learner's rows, sealed: none of them opens.
            gone = _learner(erased)
            for name in ("name", "date_of_birth", "notes", "upn"):
                with pytest.raises(DecryptionError):
                    getattr(gone, name)
            gone_contribution = db.session.scalars(select(Contribution).where(Contribution.learner_id == gone.id)).one()
            with pytest.raises(DecryptionError):
                gone_contribution.title  # noqa: B018
            # Every other learner's values open, and the trail still verifies.
            other = _learner(kept)
            assert other.name == "Learner Number2" and other.date_of_birth == date(2015, 3, 3)
            other_contribution = db.session.scalars(
                select(Contribution).where(Contribution.learner_id == other.id)).one()
            assert other_contribution.title == f"Sentinel {kept}"
            assert verify_chain().intact
    finally:
        with restored.app_context():
            db.session.remove()
            db.engine.dispose()
        database_servers(backend).drop(restored_url)


def test_a_value_sealed_under_a_learner_key_opens_without_a_row_lookup(app, monkeypatch):
    """The envelope names the learner key: opening reads the store only on a cache miss."""
    with app.app_context():
        aad = associated_data("learner", "notes_sealed", "row")
        sealed = seal("text", aad, "some-learner")
        assert sealed.key_id.startswith("l")
        reads = []
        monkeypatch.setattr(key_store(), "_row_by_kid", lambda kid: reads.append(kid))
        assert [open_sealed(sealed, aad) for _ in range(3)] == ["text"] * 3
        assert reads == []
        key_store().evict(sealed.key_id)
        with pytest.raises(DecryptionError):
            open_sealed(sealed, aad)  # a miss reads the store (here: finds nothing)
        assert reads == [sealed.key_id]


def test_a_misfiled_contribution_moved_to_another_learner_goes_under_that_learners_key(app, create_user):
    with app.app_context():
        first, second = _two_learners()
    senco = create_user(Role.SENCO, agency="Test School")
    with app.app_context():
        user = db.session.scalars(select(User).where(User.public_id == senco.public_id)).one()
        contribution = Contribution(learner=_learner(first), author_id=user.id, kind=ContributionKind.CLASSROOM_VIEW,
                                    visibility=Visibility.TEAM, created_at=utcnow(), updated_at=utcnow())
        contribution.title, contribution.body, contribution.body_html = "Filed wrongly", "About the other", "<p>x</p>"
        db.session.add(contribution)
        db.session.commit()
        move_contribution(user, contribution, version=contribution.version, to_learner_public_id=second,
                          reason="Wrong child")
        db.session.commit()
        public_id = contribution.public_id
        assert destroy_learner_key(first)  # the child it was wrongly filed against is erased
        db.session.expunge_all()
        moved = db.session.scalars(select(Contribution).where(Contribution.public_id == public_id)).one()
        assert (moved.title, moved.body) == ("Filed wrongly", "About the other")
