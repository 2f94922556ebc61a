"""`flask keys status | rotate | retire`, and where keys may come from."""
import json
import secrets
import stat

import pytest
from sqlalchemy import select

from app import create_app
from app.agencies.accounts.models import Agency, AgencyKind, Role, User
from app.cases.learners.models import Learner
from app.extensions import db
from app.security.deploy import load_config
from app.security.keys import Keyring, KeyringError, current_keyring
from config import ConfigError
from tests.fixtures.learners import make_learner, school_id

# Behaviour that can differ between the engines: run on PostgreSQL as well as SQLite.
pytestmark = pytest.mark.both_backends


def _seed(app, count=3):
    with app.app_context():
        for n in range(count):
            make_learner(school_id(), n)
        db.session.commit()


def test_status_counts_values_and_encryptions_per_key(keyed_app):
    _seed(keyed_app)
    output = keyed_app.test_cli_runner().invoke(args=["keys", "status"]).output
    with keyed_app.app_context():
        primary = current_keyring().primary
    line = next(line for line in output.splitlines() if line.startswith(primary))
    assert line.split() == [primary, "primary", "1", "1"]  # their school's name: the learners' are their own
    assert "learner keys: 3 in the key store, protecting 15 values" in output  # five per learner
    assert f"wrapped under {primary} (primary): 3" in output
    assert "a learner's values still on the keyring: 0" in output


def test_rotate_then_retire_the_old_key(keyed_app, key_file):
    _seed(keyed_app)
    runner = keyed_app.test_cli_runner()
    old = json.loads(key_file.read_text())["primary"]
    result = runner.invoke(args=["keys", "rotate"])
    assert result.exit_code == 0 and "1 values re-sealed" in result.output  # the school's name
    assert "3 learner keys re-wrapped" in result.output  # their values untouched
    new = json.loads(key_file.read_text())["primary"]
    assert new != old and old in json.loads(key_file.read_text())["encryption"]
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert runner.invoke(args=["keys", "retire", new]).exit_code != 0  # never the primary
    assert runner.invoke(args=["keys", "retire", old]).exit_code == 0
    with keyed_app.app_context():
        assert {learner.name for learner in db.session.scalars(select(Learner))} == {
            "Learner Number0", "Learner Number1", "Learner Number2"}


def test_rotation_reseals_names_and_addresses_and_they_are_still_found(keyed_app, key_file):
    """People's names and addresses and agencies' names move to the new key; their blind indexes (under the
    index key, which a rotation keeps) still find them, whatever the case typed."""
    with keyed_app.app_context():
        family = Agency(name="The Penrose family", kind=AgencyKind.FAMILY)
        db.session.add(User(email="jo.penrose@home.example", display_name="Jo Penrose", role=Role.PARENT,
                            agency=family, password_hash="x", restricted=True))
        db.session.commit()
        family_id = family.public_id
    assert keyed_app.test_cli_runner().invoke(args=["keys", "rotate"]).exit_code == 0
    new = json.loads(key_file.read_text())["primary"]
    with keyed_app.app_context():
        sealed = db.session.execute(select(User.email_sealed, User.display_name_sealed, Agency.name_sealed)
                                    .join(Agency, Agency.id == User.agency_id)).one()
        assert all(value.startswith(f"b1.{new}.") for value in sealed)
        user = db.session.scalars(select(User).where(User.email.matches(" Jo.Penrose@HOME.example"))).one()
        assert (user.display_name, user.agency.name) == ("Jo Penrose", "The Penrose family")
        assert db.session.scalars(select(Agency.public_id).where(Agency.name.matches("the  penrose FAMILY"))).one() \
            == family_id


def test_retiring_a_key_that_still_protects_values_is_refused(keyed_app, key_file):
    with keyed_app.app_context():
        school_id()  # its name, sealed on the keyring (no learner: no learner key to re-wrap first)
        db.session.commit()
    old = json.loads(key_file.read_text())["primary"]
    keyring = Keyring.from_json(key_file.read_text()).with_new_primary()
    key_file.write_text(keyring.to_json())  # a new primary, but nothing re-sealed yet
    result = keyed_app.test_cli_runner().invoke(args=["keys", "retire", old])
    assert result.exit_code != 0 and "still protects 1 values" in result.output
    assert old in json.loads(key_file.read_text())["encryption"]


def test_retiring_a_key_that_still_wraps_learner_keys_is_refused(keyed_app, key_file):
    _seed(keyed_app, 1)
    old = json.loads(key_file.read_text())["primary"]
    keyring = Keyring.from_json(key_file.read_text()).with_new_primary()
    key_file.write_text(keyring.to_json())  # a new primary, but nothing re-wrapped yet
    result = keyed_app.test_cli_runner().invoke(args=["keys", "retire", old])
    assert result.exit_code != 0 and "still wraps 1 learner keys" in result.output
    assert keyed_app.test_cli_runner().invoke(args=["keys", "rotate"]).exit_code == 0  # finishes: re-wraps
    assert keyed_app.test_cli_runner().invoke(args=["keys", "retire", old]).exit_code == 0
    with keyed_app.app_context():
        assert db.session.scalars(select(Learner)).one().name == "Learner Number0"


def test_rotation_with_keys_from_the_environment_needs_the_new_key_there(app):
    _seed(app)
    result = app.test_cli_runner().invoke(args=["keys", "rotate"])
    assert result.exit_code != 0 and "BRAID_FIELD_KEYS" in result.output


def test_development_creates_a_private_key_file_on_first_start(tmp_path, monkeypatch):
    monkeypatch.setenv("BRAID_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("BRAID_FIELD_KEYS", raising=False)
    monkeypatch.delenv("BRAID_FIELD_KEY_FILE", raising=False)
    app = create_app("development", {"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    key_file = tmp_path / "field_keys.json"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    with app.app_context():
        first = current_keyring().primary
    again = create_app("development", {"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with again.app_context():
        assert current_keyring().primary == first  # kept, never regenerated


def test_production_refuses_to_start_without_field_keys(tmp_path):
    environ = {"DATABASE_URL": "postgresql://db/braid", "SECRET_KEY": secrets.token_urlsafe(40),
               "BRAID_AUDIT_KEY": secrets.token_urlsafe(40), "BRAID_BASE_URL": "https://braid.example.gov.uk"}
    with pytest.raises(ConfigError, match="Field keys are missing"):
        load_config("production", environ, tmp_path)
    settings = load_config("production", {**environ, "BRAID_FIELD_KEYS": Keyring.generate().to_json()}, tmp_path)
    assert settings["CREATE_FIELD_KEYS"] is False


@pytest.mark.parametrize(
    "text",
    ['{"primary": "k1"}', "not json", json.dumps({"primary": "kzzzzzzzz", "encryption": {"kzzzzzzzz": "AAAA"},
                                                  "index_primary": "i00000000", "index": {"i00000000": "AAAA"}})],
)
def test_malformed_keyrings_are_refused_without_echoing_them(text):
    with pytest.raises(KeyringError) as refused:
        Keyring.from_json(text)
    assert "AAAA" not in str(refused.value)


def test_only_one_rotation_runs_at_a_time(keyed_app, key_file):
    _seed(keyed_app)
    before = key_file.read_text()
    with keyed_app.app_context():
        from app.security.keys import keyring_source

        with keyring_source().exclusive():  # as if another `flask keys rotate` were running
            result = keyed_app.test_cli_runner().invoke(args=["keys", "rotate"])
    assert result.exit_code != 0 and "another key rotation" in result.output
    assert key_file.read_text() == before
    assert keyed_app.test_cli_runner().invoke(args=["keys", "rotate"]).exit_code == 0
