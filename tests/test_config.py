"""Configuration: environments, production refusals, password-hashing cost, SQLite settings."""
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import text

from app.extensions import db
from config import (
    OWASP_ARGON2_MINIMUM,
    PRODUCTION_ARGON2,
    ConfigError,
    ProductionConfig,
    load_config,
    normalise_database_url,
)


def test_production_argon2_parameters_meet_owasp_minimum():
    for name, minimum in OWASP_ARGON2_MINIMUM.items():
        assert PRODUCTION_ARGON2[name] >= minimum, name
    assert ProductionConfig.ARGON2 is PRODUCTION_ARGON2
    # The parameters are really the ones a production hash carries.
    encoded = PasswordHasher(**PRODUCTION_ARGON2).hash("correct horse battery staple")
    assert encoded.startswith("$argon2id$")
    assert f"m={PRODUCTION_ARGON2['memory_cost']},t={PRODUCTION_ARGON2['time_cost']},p={PRODUCTION_ARGON2['parallelism']}" in encoded


@pytest.mark.parametrize(
    "environ, message",
    [
        ({}, "DATABASE_URL"),
        ({"DATABASE_URL": "postgresql://db/braid"}, "SECRET_KEY must be set"),
        ({"DATABASE_URL": "postgresql://db/braid", "SECRET_KEY": "short"}, "too short"),
    ],
)
def test_production_refuses_to_start_without_safe_settings(tmp_path, environ, message):
    with pytest.raises(ConfigError, match=message):
        load_config("production", environ, tmp_path)


def test_production_refuses_to_start_without_an_audit_key(tmp_path):
    from app.security.keys import Keyring

    environ = {"DATABASE_URL": "postgres://db/braid", "SECRET_KEY": "x" * 40, "BRAID_FIELD_KEYS": Keyring.generate().to_json()}
    with pytest.raises(ConfigError, match="BRAID_AUDIT_KEY"):
        load_config("production", environ, tmp_path)
    with pytest.raises(ConfigError, match="BRAID_AUDIT_KEY"):
        load_config("production", dict(environ, BRAID_AUDIT_KEY="short"), tmp_path)
    assert not (tmp_path / "audit_key").exists()  # production never makes one


def test_production_settings_are_strict(tmp_path):
    from app.security.keys import Keyring

    settings = load_config(
        "production",
        {"DATABASE_URL": "postgres://db/braid", "SECRET_KEY": "x" * 40, "BRAID_FIELD_KEYS": Keyring.generate().to_json(),
         "BRAID_AUDIT_KEY": "a" * 40},
        tmp_path,
    )
    assert settings["SESSION_COOKIE_SECURE"] is True
    assert settings["SESSION_COOKIE_NAME"].startswith("__Host-")
    assert settings["DEBUG"] is False
    assert settings["DEMO_DATA_ALLOWED"] is False
    assert settings["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://db/braid"


def test_unknown_configuration_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="Unknown configuration"):
        load_config("staging", {}, tmp_path)


def test_development_defaults_to_sqlite_under_instance_and_keeps_a_private_secret(tmp_path):
    settings = load_config("development", {}, tmp_path)
    assert settings["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'braid.sqlite3'}"
    key_file = Path(tmp_path / "secret_key")
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert len(settings["SECRET_KEY"]) >= 32
    assert load_config("development", {}, tmp_path)["SECRET_KEY"] == settings["SECRET_KEY"]


def test_sessions_have_no_long_default_lifetime(tmp_path):
    settings = load_config("development", {}, tmp_path)
    assert settings["PERMANENT_SESSION_LIFETIME"].total_seconds() == 30 * 60
    assert settings["SESSION_ABSOLUTE_TIMEOUT"].total_seconds() == 12 * 3600
    assert settings["SESSION_COOKIE_HTTPONLY"] is True
    assert settings["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_database_url_selects_the_database(tmp_path):
    settings = load_config("development", {"DATABASE_URL": "postgresql://u@h/braid"}, tmp_path)
    assert settings["SQLALCHEMY_DATABASE_URI"] == normalise_database_url("postgresql://u@h/braid")
    assert settings["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://")


@pytest.mark.parametrize("backend", ["sqlite"])
def test_sqlite_connections_enforce_foreign_keys_and_use_wal(app):
    with app.app_context():
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
