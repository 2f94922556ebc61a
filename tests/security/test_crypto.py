"""Sealed fields: AES-GCM bound to table, column and row; tamper and transplant fail loudly; bulk plaintext refused."""
import base64
import logging
from datetime import date

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import StatementError

from app.agencies.accounts.models import User
from app.cases.learners.models import Learner
from app.extensions import db
from app.security import crypto
from app.security.crypto import DecryptionError, Sealed, associated_data, open_sealed, seal
from app.security.keys import Keyring, KeyringError, current_keyring
from app.security.learner_keys import key_store
from app.security.models import FieldKeyUsage
from tests.fixtures.learners import make_learner, school_id

# Behaviour that can differ between the engines: run on PostgreSQL as well as SQLite.
pytestmark = pytest.mark.both_backends


def _stored(column: str, public_id: str) -> str:
    return db.session.execute(
        text(f"SELECT {column} FROM learner WHERE public_id = :p"), {"p": public_id}
    ).scalar_one()


def test_values_round_trip_and_none_stays_null(app):
    with app.app_context():
        learner = make_learner(school_id(), 1, preferred_name=None, notes=None)
        db.session.commit()
        public_id = learner.public_id
    with app.app_context():
        learner = db.session.scalars(select(Learner).where(Learner.public_id == public_id)).one()
        assert learner.name == "Learner Number1"
        assert learner.date_of_birth == date(2015, 2, 2)
        assert learner.preferred_name is None and learner.notes is None
        assert _stored("preferred_name_sealed", public_id) is None
        stored = _stored("name_sealed", public_id)
        # A learner's value: under that learner's own key (crypto-shredding), never the keyring's.
        kid = Sealed(stored).key_id
        assert kid.startswith("l") and kid not in current_keyring().encryption and "Learner" not in stored
        assert key_store().learner_public_id_of(kid) == public_id


def test_every_encryption_uses_a_fresh_nonce(app):
    with app.app_context():
        aad = associated_data("learner", "name_sealed", "row")
        first, second = seal("same text", aad), seal("same text", aad)
        assert first != second
        assert open_sealed(first, aad) == open_sealed(second, aad) == "same text"


def _flip_a_byte(sealed: str) -> str:
    version, kid, payload = sealed.split(".")
    raw = bytearray(base64.b64decode(payload))
    raw[len(raw) // 2] ^= 0x01
    return f"{version}.{kid}.{base64.b64encode(bytes(raw)).decode()}"


def test_a_flipped_byte_fails_authentication(app):
    with app.app_context():
        learner = make_learner(school_id(), 2)
        db.session.commit()
        tampered = _flip_a_byte(_stored("name_sealed", learner.public_id))
        db.session.execute(text("UPDATE learner SET name_sealed = :v WHERE id = :i"), {"v": tampered, "i": learner.id})
        db.session.commit()
        db.session.expire_all()
        with pytest.raises(DecryptionError, match="failed authentication"):
            _ = learner.name


def test_a_ciphertext_moved_to_another_row_or_column_does_not_open(app):
    with app.app_context():
        first, second = make_learner(school_id(), 3), make_learner(school_id(), 4)
        db.session.commit()
        stolen = _stored("name_sealed", first.public_id)
        db.session.execute(text("UPDATE learner SET name_sealed = :v WHERE id = :i"), {"v": stolen, "i": second.id})
        db.session.execute(text("UPDATE learner SET notes_sealed = :v WHERE id = :i"), {"v": stolen, "i": first.id})
        db.session.commit()
        db.session.expire_all()
        with pytest.raises(DecryptionError):
            _ = second.name  # another child's name must never appear under this child
        with pytest.raises(DecryptionError):
            _ = first.notes
        assert first.name == "Learner Number3"


def test_a_broken_value_gives_a_clear_500_and_a_log_line_without_the_value(app, client_as, caplog):
    senco = client_as("senco")
    with app.app_context():
        agency_id = db.session.scalars(select(User.agency_id).where(User.public_id == senco.account.public_id)).one()
        learner = make_learner(agency_id, 5, name="Zebedee Quartermaine")
        db.session.commit()
        tampered = _flip_a_byte(_stored("name_sealed", learner.public_id))
        db.session.execute(text("UPDATE learner SET name_sealed = :v WHERE id = :i"), {"v": tampered, "i": learner.id})
        db.session.commit()
        public_id = learner.public_id
    with caplog.at_level(logging.ERROR, logger="braid.web"):
        response = senco.get(f"/learners/{public_id}")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Sorry, there is a problem with Braid" in page and "Traceback" not in page
    lines = [record.getMessage() for record in caplog.records if record.name == "braid.web"]
    assert any("decryption failed" in line and public_id in line for line in lines), lines
    assert not any("Zebedee" in line or tampered in line for line in lines)
    assert all(record.exc_info is None for record in caplog.records if record.name == "braid.web")


@pytest.mark.parametrize(
    "statement",
    [
        lambda: update(Learner).values(name_sealed="Plain Name"),
        lambda: update(Learner.__table__).values(notes_sealed="plain notes"),
        lambda: Learner.__table__.insert().values(
            public_id="x", school_id=1, year_group=1, name_sealed="Plain", name_index="0", date_of_birth_sealed="d"
        ),
    ],
    ids=["orm-bulk-update", "core-update", "core-insert"],
)
def test_bulk_statements_cannot_write_plaintext_into_sealed_columns(app, statement):
    with app.app_context():
        make_learner(school_id(), 6)
        db.session.commit()
        with pytest.raises(StatementError, match="sensitive columns accept only sealed values"):
            db.session.execute(statement())
        db.session.rollback()
        assert db.session.scalars(select(Learner)).one().name == "Learner Number6"


def test_keys_and_values_stay_out_of_reprs(app):
    with app.app_context():
        keyring = current_keyring()
        key = keyring.encryption_key(keyring.primary)
        learner = make_learner(school_id(), 7, name="Imogen Whitlock")
        for shown in (repr(keyring), str(keyring), repr(learner), repr(learner.name_sealed)):
            assert base64.urlsafe_b64encode(key).decode() not in shown
            assert "Imogen" not in shown
        db.session.rollback()


def test_encryption_and_blind_index_keys_must_differ():
    keyring = Keyring.generate()
    with pytest.raises(KeyringError, match="different keys"):
        Keyring(encryption=keyring.encryption, primary=keyring.primary,
                index={"i00000000": keyring.encryption_key(keyring.primary)}, index_primary="i00000000")


@pytest.mark.parametrize("backend", ["sqlite"])  # pure computation: one backend is enough
def test_a_million_encryptions_never_repeat_a_nonce(app):
    with app.app_context():
        aad = associated_data("learner", "notes_sealed", "row")
        nonces = set()
        for _ in range(1_000_000):
            payload = seal("x", aad).split(".", 2)[2]
            nonces.add(base64.b64decode(payload[:16])[:12])
        db.session.rollback()
    assert len(nonces) == 1_000_000


def test_encryption_counts_are_kept_in_the_database_across_workers(app, database_url):
    from app import create_app

    with app.app_context():
        kid = current_keyring().primary
        keys_json = current_keyring().to_json()
        for n in range(3):
            school_id(f"School {10 + n}")  # an agency's name is on the keyring (a learner's has a key of its own)
        db.session.commit()
        assert db.session.get(FieldKeyUsage, kid).encryptions == 3
    # A second worker (a separate app and engine, same keys) adds to the same count.
    worker = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url, "BRAID_FIELD_KEYS": keys_json})
    with worker.app_context():
        school_id("School 20")
        db.session.commit()
        school_id("School 21")
        db.session.rollback()  # a rolled-back value was never stored: it is not counted
        assert db.session.get(FieldKeyUsage, kid).encryptions == 4
        db.engine.dispose()


def test_the_keyring_warns_well_before_the_limit_and_refuses_past_it(app, caplog):
    with app.app_context():
        kid = current_keyring().primary
        db.session.add(FieldKeyUsage(key_id=kid, encryptions=crypto.WARN_ENCRYPTIONS - 1))
        db.session.commit()
        crypto.usage.known.pop(kid, None)
        with caplog.at_level(logging.WARNING, logger="braid.crypto"):
            school_id("Warned school")
            db.session.commit()
        assert any("rotate it soon" in record.getMessage() for record in caplog.records)
        db.session.execute(update(FieldKeyUsage).values(encryptions=crypto.MAX_ENCRYPTIONS))
        db.session.commit()
        crypto.usage.known.pop(kid, None)
        with pytest.raises(KeyringError, match="flask keys rotate"):
            school_id("Refused school")
        db.session.rollback()


def test_sealed_values_are_only_made_by_seal():
    assert not isinstance("b1.k00000000.xxxx", Sealed)
    with pytest.raises(DecryptionError):
        _ = Sealed("not an envelope").key_id
