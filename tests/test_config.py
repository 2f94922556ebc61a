"""Configuration: environments, production refusals and `flask check-deploy`, HSTS, password-hashing cost, SQLite."""
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import text

from app import create_app
from app.extensions import db
from app.security.deploy import Severity, deploy_findings, load_config
from app.security.keys import Keyring
from config import (
    BASE_DIR,
    OWASP_ARGON2_MINIMUM,
    PRODUCTION_ARGON2,
    TESTING_AUDIT_KEY,
    TESTING_SECRET_KEY,
    ConfigError,
    ProductionConfig,
    build_settings,
    normalise_database_url,
)

# Every variable the deploy checks read; a test's environment names each one, so the runner's own cannot leak in.
DEPLOY_VARIABLES = ("DATABASE_URL", "SECRET_KEY", "BRAID_AUDIT_KEY", "BRAID_FIELD_KEYS", "BRAID_FIELD_KEY_FILE",
                    "REDIS_URL", "MAIL_SERVER", "MAIL_USE_TLS", "FLASK_DEBUG", "DEBUG", "BRAID_CONFIG",
                    "BRAID_BASE_URL", "BRAID_ALLOWED_HOSTS", "BRAID_TRUSTED_PROXIES", "MAIL_PORT", "MAIL_TIMEOUT",
                    "BRAID_AUDIT_HEAD_FILE", "BRAID_KEY_STORE_URL")


def good_environ(**changes) -> dict:
    """A production environment with nothing to find; `None` removes a variable."""
    environ = {
        "DATABASE_URL": "postgres://db/braid",
        "BRAID_KEY_STORE_URL": "postgresql://keys.internal/braid_keys",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "BRAID_AUDIT_KEY": secrets.token_urlsafe(48),
        "BRAID_FIELD_KEYS": Keyring.generate().to_json(),
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "MAIL_SERVER": "smtp.example.org",
        "BRAID_BASE_URL": "https://braid.example.gov.uk",
    }
    environ.update(changes)
    return {name: value for name, value in environ.items() if value is not None}


def test_production_argon2_parameters_meet_owasp_minimum():
    for name, minimum in OWASP_ARGON2_MINIMUM.items():
        assert PRODUCTION_ARGON2[name] >= minimum, name
    assert ProductionConfig.ARGON2 is PRODUCTION_ARGON2
    # The parameters are really the ones a production hash carries.
    encoded = PasswordHasher(**PRODUCTION_ARGON2).hash("correct horse battery staple")
    assert encoded.startswith("$argon2id$")
    argon2 = PRODUCTION_ARGON2
    assert f"m={argon2['memory_cost']},t={argon2['time_cost']},p={argon2['parallelism']}" in encoded


def test_a_good_production_environment_starts_with_nothing_to_find(tmp_path):
    settings = load_config("production", good_environ(), tmp_path)
    assert deploy_findings(settings) == []
    assert settings["SESSION_COOKIE_SECURE"] is True and settings["SESSION_COOKIE_HTTPONLY"] is True
    assert settings["SESSION_COOKIE_NAME"].startswith("__Host-")
    assert settings["REMEMBER_COOKIE_SECURE"] is True and settings["REMEMBER_COOKIE_HTTPONLY"] is True
    assert settings["REMEMBER_COOKIE_NAME"].startswith("__Host-")
    assert settings["STRICT_TRANSPORT_SECURITY"] == "max-age=63072000; includeSubDomains"
    assert settings["DEBUG"] is False
    assert settings["DEMO_DATA_ALLOWED"] is False
    assert settings["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://db/braid"
    assert not any(tmp_path.iterdir())  # production makes no keys of its own


def test_an_empty_environment_is_refused_with_every_error_at_once(tmp_path):
    with pytest.raises(ConfigError) as refused:
        load_config("production", {}, tmp_path)
    message = str(refused.value)
    assert message.startswith("Braid refuses to start in production (5 errors)")
    for expected in ("braid.E001 (error): SECRET_KEY is not set.", "braid.E004 (error): BRAID_AUDIT_KEY is not set.",
                     "braid.E006 (error): Field keys are missing", "braid.E008 (error): DATABASE_URL is not set.",
                     "braid.E019 (error): BRAID_BASE_URL is not set."):
        assert expected in message
    assert "W00" not in message  # warnings never stop a start
    assert not any(tmp_path.iterdir())


def _key_file(tmp_path, text: str, mode: int = 0o600) -> str:
    path = tmp_path / "keys" / "field_keys.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text)
    path.chmod(mode)
    return str(path)


# One change to a good environment, and the refusal it must bring (finding id and words from its message).
ENVIRONMENT_REFUSALS = [
    ({"SECRET_KEY": None}, "braid.E001", "SECRET_KEY is not set"),
    ({"SECRET_KEY": "dev"}, "braid.E002", "SECRET_KEY is too short (3 characters; at least 32)"),
    ({"SECRET_KEY": "s3cr3t-but-only-31-characters!!"}, "braid.E002", "too short (31 characters"),
    ({"SECRET_KEY": TESTING_SECRET_KEY}, "braid.E003", "SECRET_KEY is a published default or a placeholder"),
    ({"SECRET_KEY": "please-change-me-before-going-live-0123456789"}, "braid.E003",
     "a published default or a placeholder"),
    ({"SECRET_KEY": "x" * 40}, "braid.E003", "SECRET_KEY is not random"),
    ({"SECRET_KEY": "ab" * 20}, "braid.E003", "not random (too few different characters)"),
    ({"BRAID_AUDIT_KEY": None}, "braid.E004", "BRAID_AUDIT_KEY is not set"),
    ({"BRAID_AUDIT_KEY": "short"}, "braid.E004", "BRAID_AUDIT_KEY is too short (5 characters"),
    ({"BRAID_AUDIT_KEY": TESTING_AUDIT_KEY}, "braid.E004", "BRAID_AUDIT_KEY is a published default"),
    ({"SECRET_KEY": "k" * 8 + "-Same-Key-For-Both-0123456789",
      "BRAID_AUDIT_KEY": "k" * 8 + "-Same-Key-For-Both-0123456789"},
     "braid.E005", "BRAID_AUDIT_KEY is the same as SECRET_KEY"),
    ({"BRAID_FIELD_KEYS": None}, "braid.E006", "Field keys are missing"),
    ({"BRAID_FIELD_KEYS": "not json"}, "braid.E007", "The field keys in BRAID_FIELD_KEYS cannot be used"),
    ({"DATABASE_URL": None}, "braid.E008", "DATABASE_URL is not set"),
    ({"FLASK_DEBUG": "1"}, "braid.E009", "Debug or testing mode is on (DEBUG)"),
    ({"DEBUG": "true"}, "braid.E009", "Debug or testing mode is on (DEBUG)"),
    ({"BRAID_BASE_URL": None}, "braid.E019", "BRAID_BASE_URL is not set"),
    ({"BRAID_BASE_URL": "braid.example.gov.uk"}, "braid.E020", "BRAID_BASE_URL must start with https://"),
    ({"BRAID_BASE_URL": "https://braid.example.gov.uk/?next=x"}, "braid.E020", "must not have a query"),
    ({"BRAID_BASE_URL": "https://admin:pw@braid.example.gov.uk"}, "braid.E020",
     "must not hold a user name or password"),
    ({"BRAID_BASE_URL": "https://braid.example.gov.uk:99999"}, "braid.E020", "its port is not a number"),
    ({"BRAID_BASE_URL": "https://bräid.example"}, "braid.E020", "must be plain ASCII"),
    ({"BRAID_BASE_URL": "http://braid.example.gov.uk"}, "braid.E021", "BRAID_BASE_URL is not an https:// address"),
    ({"BRAID_ALLOWED_HOSTS": "braid.example.gov.uk,*"}, "braid.E022", "'*' is not one"),
    ({"BRAID_ALLOWED_HOSTS": "https://other.example"}, "braid.E022", "must be host names only"),
    ({"BRAID_TRUSTED_PROXIES": "abc"}, "braid.E018", "BRAID_TRUSTED_PROXIES must be a whole number from 0 to 10"),
    ({"BRAID_TRUSTED_PROXIES": "-1"}, "braid.E018", "BRAID_TRUSTED_PROXIES must be a whole number"),
    ({"MAIL_PORT": "smtp"}, "braid.E018", "MAIL_PORT must be a whole number from 1 to 65535"),
    ({"MAIL_TIMEOUT": "soon"}, "braid.E018", "MAIL_TIMEOUT must be a number of seconds"),
    ({"MAIL_USE_TLS": "perhaps"}, "braid.E018", "MAIL_USE_TLS must be true or false"),
    ({"DATABASE_URL": "::not a url::"}, "braid.E018", "DATABASE_URL is not a database URL"),
    ({"REDIS_URL": "http://cache.example"}, "braid.E018", "REDIS_URL is not a Redis URL"),
    ({"BRAID_DEMO_TOTP_SECRET": "not base32!"}, "braid.E018", "BRAID_DEMO_TOTP_SECRET must be base32"),
]


@pytest.mark.parametrize("changes, finding, words", ENVIRONMENT_REFUSALS,
                         ids=[f"{row[1]}-{'-'.join(row[0])}" for row in ENVIRONMENT_REFUSALS])
def test_production_refuses_an_unsafe_environment(tmp_path, changes, finding, words):
    with pytest.raises(ConfigError) as refused:
        load_config("production", good_environ(**changes), tmp_path)
    message = str(refused.value)
    assert f"{finding} (error): " in message and words in message
    assert "HINT: " in message
    assert message.count("(error): ") == 1  # only this change was wrong


def test_debug_switched_off_in_words_is_not_debug(tmp_path):
    for off in ("0", "false", "no", ""):
        assert load_config("production", good_environ(FLASK_DEBUG=off, DEBUG=off), tmp_path)["DEBUG"] is False


def test_a_field_key_file_is_read_and_checked(tmp_path):
    keyring = Keyring.generate().to_json()
    environ = good_environ(BRAID_FIELD_KEYS=None, BRAID_FIELD_KEY_FILE=_key_file(tmp_path, keyring))
    settings = load_config("production", environ, tmp_path)
    assert deploy_findings(settings) == []

    broken = _key_file(tmp_path, '{"primary": "k00000000"}')
    with pytest.raises(ConfigError, match=r"braid\.E007 \(error\): The field keys in .*field_keys.json cannot be used"):
        load_config("production", good_environ(BRAID_FIELD_KEYS=None, BRAID_FIELD_KEY_FILE=broken), tmp_path)

    shared = _key_file(tmp_path, keyring, mode=0o644)
    settings = load_config("production", good_environ(BRAID_FIELD_KEYS=None, BRAID_FIELD_KEY_FILE=shared), tmp_path)
    assert [(f.id, f.severity) for f in deploy_findings(settings)] == [("braid.W004", Severity.WARNING)]


# Settings no environment variable changes: an edit to ProductionConfig that weakens one is refused all the same.
CLASS_REFUSALS = [
    ("SESSION_COOKIE_SECURE", False, "braid.E013", "The session cookie is not Secure"),
    ("SESSION_COOKIE_HTTPONLY", False, "braid.E014", "Scripts can read the session cookie"),
    ("SESSION_COOKIE_NAME", "braid_session", "braid.E015",
     "The session cookie 'braid_session' is not a __Host- cookie"),
    ("SESSION_COOKIE_DOMAIN", "braid.example.org", "braid.E015", "is not a __Host- cookie (or has a Domain or Path)"),
    ("SESSION_COOKIE_SAMESITE", None, "braid.E016", "sent with cross-site requests"),
    ("REMEMBER_COOKIE_SECURE", False, "braid.E017", "The remember-me cookie is not Secure and HttpOnly"),
    ("REMEMBER_COOKIE_HTTPONLY", False, "braid.E017", "The remember-me cookie is not Secure and HttpOnly"),
    ("WTF_CSRF_ENABLED", False, "braid.E010", "CSRF protection is off"),
    ("DEMO_DATA_ALLOWED", True, "braid.E011", "Demo data may be loaded"),
    ("MAIL_OUTBOX_PAGE", True, "braid.E023", "The development outbox page is on"),
    ("STRICT_TRANSPORT_SECURITY", None, "braid.E012", "No Strict-Transport-Security header"),
    ("TESTING", True, "braid.E009", "Debug or testing mode is on (TESTING)"),
]


@pytest.mark.parametrize("name, value, finding, words", CLASS_REFUSALS,
                         ids=[f"{row[2]}-{row[0]}" for row in CLASS_REFUSALS])
def test_production_refuses_weakened_settings(tmp_path, monkeypatch, name, value, finding, words):
    monkeypatch.setattr(ProductionConfig, name, value, raising=False)
    with pytest.raises(ConfigError) as refused:
        load_config("production", good_environ(), tmp_path)
    message = str(refused.value)
    assert f"{finding} (error): " in message and words in message
    assert message.count("(error): ") == 1


@pytest.mark.parametrize(
    "changes, expected",
    [
        ({"REDIS_URL": None}, "braid.W001"),
        ({"MAIL_SERVER": None}, "braid.W002"),
        ({"MAIL_USE_TLS": "false"}, "braid.W003"),
        ({"DATABASE_URL": "sqlite:////var/lib/braid/braid.sqlite3"}, "braid.W005"),
        ({"BRAID_KEY_STORE_URL": "sqlite:////var/lib/braid-keys/keys.sqlite"}, "braid.W031"),
    ],
)
def test_warnings_are_listed_but_production_still_starts(tmp_path, changes, expected):
    settings = load_config("production", good_environ(**changes), tmp_path)
    assert [(f.id, f.severity) for f in deploy_findings(settings)] == [(expected, Severity.WARNING)]


@pytest.mark.parametrize("store", ["postgresql://db/braid", "postgresql+psycopg://braid:secret@db:5432/braid"])
def test_a_key_store_in_the_main_database_is_refused(tmp_path, store):
    """Erasure reaches backups only if learner keys are kept apart from the data they seal."""
    with pytest.raises(ConfigError, match=r"braid\.E031 \(error\): The learner key store"):
        load_config("production", good_environ(DATABASE_URL="postgresql://db/braid", BRAID_KEY_STORE_URL=store),
                    tmp_path)


def test_the_development_settings_would_be_refused_in_production(tmp_path):
    found = {f.id for f in deploy_findings(build_settings("development", {}, tmp_path))}
    assert {"braid.E011", "braid.E012", "braid.E013", "braid.E015", "braid.E017", "braid.E023"} <= found


def _cli_environ(tmp_path, environ: dict) -> dict:
    """Exactly `environ` for the deploy variables (the rest unset), with a private instance folder."""
    return {**dict.fromkeys(DEPLOY_VARIABLES), "BRAID_INSTANCE_PATH": str(tmp_path), **environ}


@pytest.fixture
def cli():
    """The command line of an app that touches no database: check-deploy never needs one."""
    return create_app("testing").test_cli_runner()


def test_check_deploy_lists_every_finding_and_fails_on_errors(cli, tmp_path):
    result = cli.invoke(args=["check-deploy"], env=_cli_environ(tmp_path, {"FLASK_DEBUG": "1"}))
    assert result.exit_code == 1
    listed = [line.split(" ", 1)[0] for line in result.output.splitlines() if line.startswith("braid.")]
    assert listed == ["braid.E001", "braid.E004", "braid.E006", "braid.E008", "braid.E009", "braid.E019", "braid.W001",
                      "braid.W002"]
    assert result.output.count("    HINT: ") == 8
    assert result.output.rstrip().endswith("production: 6 errors, 2 warnings.")
    assert not any(tmp_path.iterdir())  # checking made no keys


def test_check_deploy_passes_a_good_environment_and_shows_its_warnings(cli, tmp_path):
    clean = cli.invoke(args=["check-deploy"], env=_cli_environ(tmp_path, good_environ()))
    assert clean.exit_code == 0, clean.output
    assert clean.output.strip() == "production: 0 errors, 0 warnings."

    one_worker = cli.invoke(args=["check-deploy"], env=_cli_environ(tmp_path, good_environ(REDIS_URL=None)))
    assert one_worker.exit_code == 0
    assert one_worker.output.startswith("braid.W001 (warning): REDIS_URL is not set")
    assert one_worker.output.rstrip().endswith("production: 0 errors, 1 warning.")


def test_check_deploy_checks_production_whatever_the_running_app_is(cli, tmp_path):
    # `cli` belongs to the testing app; the command still builds the production settings from the environment.
    assert not cli.app.config["SESSION_COOKIE_SECURE"]
    result = cli.invoke(args=["check-deploy"], env=_cli_environ(tmp_path, good_environ(BRAID_CONFIG="testing")))
    assert result.exit_code == 0, result.output
    chosen = cli.invoke(args=["check-deploy", "--config", "development"], env=_cli_environ(tmp_path, good_environ()))
    assert chosen.exit_code == 1 and "braid.E013 (error)" in chosen.output


def test_check_deploy_runs_without_the_app_when_production_refuses_to_load(tmp_path):
    environ = {name: value for name, value in os.environ.items() if name not in DEPLOY_VARIABLES}
    environ.update(BRAID_CONFIG="production", BRAID_INSTANCE_PATH=str(tmp_path), SECRET_KEY="dev")
    result = subprocess.run([sys.executable, "-m", "app.security.deploy"], cwd=BASE_DIR, env=environ,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1, result.stderr
    assert "braid.E002 (error): SECRET_KEY is too short (3 characters" in result.stdout
    assert result.stdout.rstrip().endswith("production: 5 errors, 2 warnings.")


def _production_app(monkeypatch, tmp_path, database_url):
    for name in DEPLOY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in good_environ(DATABASE_URL=database_url, REDIS_URL=None).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("BRAID_INSTANCE_PATH", str(tmp_path))
    return create_app("production")


def test_production_sends_hsts_and_host_only_secure_cookies(monkeypatch, tmp_path, database_url):
    app = _production_app(monkeypatch, tmp_path, database_url)
    try:
        client = app.test_client()
        canonical = good_environ()["BRAID_BASE_URL"]
        for path in ("/health", "/sign-in", "/static/css/braid.css", "/no-such-page"):
            response = client.get(path, base_url=canonical)
            assert response.headers["Strict-Transport-Security"] == "max-age=63072000; includeSubDomains", path
        assert client.get("/sign-in").status_code == 400  # production answers on its canonical host only
        # The form's CSRF token lives in the session.
        cookie = app.test_client().get("/sign-in", base_url=canonical).headers["Set-Cookie"]
        assert cookie.startswith("__Host-braid_session=")
        assert {"Secure", "HttpOnly", "Path=/", "SameSite=Lax"} <= {part.strip() for part in cookie.split(";")}
        assert "Domain=" not in cookie
    finally:
        with app.app_context():
            db.engine.dispose()


def test_development_sends_no_hsts(monkeypatch, tmp_path, database_url):
    monkeypatch.setenv("BRAID_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    app = create_app("development", {"SQLALCHEMY_DATABASE_URI": database_url})
    try:
        response = app.test_client().get("/health")
        assert response.status_code == 200
        assert "Strict-Transport-Security" not in response.headers
        assert response.headers["X-Content-Type-Options"] == "nosniff"  # the other headers are there
    finally:
        with app.app_context():
            db.engine.dispose()


def test_unknown_configuration_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="Unknown configuration"):
        load_config("staging", {}, tmp_path)


def test_development_defaults_to_sqlite_under_instance_and_keeps_a_private_secret(tmp_path):
    settings = load_config("development", {}, tmp_path)
    assert settings["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'data' / 'braid.sqlite3'}"
    key_file = Path(tmp_path / "secret_key")
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert len(settings["SECRET_KEY"]) >= 32
    assert load_config("development", {}, tmp_path)["SECRET_KEY"] == settings["SECRET_KEY"]


def test_workers_starting_together_all_read_the_one_secret_the_first_made(tmp_path):
    # gunicorn's workers start at once on a fresh instance folder: one used to fail with "File exists" (it lost the
    # race to create the file) or could read the file before the winner had written it.
    started = [subprocess.Popen([sys.executable, "-c", SECRET_READER, str(tmp_path)], stdout=subprocess.PIPE,
                                text=True, cwd=Path(__file__).resolve().parents[1]) for _ in range(8)]
    answers = [process.communicate(timeout=60)[0].strip() for process in started]
    assert all(process.returncode == 0 for process in started)
    assert len(set(answers)) == 1 and len(answers[0]) >= 32
    assert sorted(path.name for path in tmp_path.iterdir()) == ["audit_key", "secret_key"]  # no temporary left


SECRET_READER = """
import sys
from pathlib import Path
from config import instance_secret
folder = Path(sys.argv[1])
print(instance_secret(folder / "secret_key") + instance_secret(folder / "audit_key"))
"""


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
        assert db.session.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL: tests only (TestingConfig)


@pytest.mark.parametrize("backend", ["sqlite"])
def test_sqlite_commits_wait_for_the_disk_outside_tests(database_url, tmp_path):
    assert ProductionConfig.SQLITE_SYNCHRONOUS is None
    assert load_config("development", {}, tmp_path)["SQLITE_SYNCHRONOUS"] is None
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url, "SQLITE_SYNCHRONOUS": None})
    with app.app_context():
        assert db.session.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL, SQLite's own default
        db.session.remove()
        db.engine.dispose()


def _variables_read() -> list[str]:
    """Every environment variable config.py reads, found in its source so that a new one is covered too."""
    source = (BASE_DIR / "config.py").read_text()
    found = set(re.findall(r'environ\.get\("([A-Z_]+)"', source))
    found |= set(re.findall(r'self\.(?:whole_number|seconds|flag)\("([A-Z_]+)"', source))
    found |= set(re.findall(r'env_flag\(environ, "([A-Z_]+)"\)', source))
    return sorted(found)


MALFORMED_VALUES = ["abc", "-1", "0", "9" * 30, "https://", " ", "\x7f", "1.5", "true false", "%(x)s"]


def test_check_deploy_gives_a_finding_for_every_malformed_variable_never_a_traceback(cli, tmp_path):
    names = _variables_read()
    assert {"BRAID_TRUSTED_PROXIES", "MAIL_PORT", "MAIL_TIMEOUT", "BRAID_BASE_URL", "DATABASE_URL"} <= set(names)
    for name in names:
        for value in MALFORMED_VALUES:
            result = cli.invoke(args=["check-deploy"], env=_cli_environ(tmp_path, good_environ(**{name: value})))
            assert result.exception is None or isinstance(result.exception, SystemExit), (name, value, result.exception)
            assert "Traceback" not in result.output
            assert result.output.rstrip().split("\n")[-1].startswith("production: ")


@pytest.mark.parametrize("name, value", [("BRAID_TRUSTED_PROXIES", "abc"), ("MAIL_PORT", "smtp"),
                                         ("BRAID_BASE_URL", "localhost:5000"), ("BRAID_ALLOWED_HOSTS", "*")])
def test_development_refuses_a_variable_it_cannot_read_with_a_clear_message(tmp_path, name, value):
    with pytest.raises(ConfigError) as refused:
        load_config("development", {name: value}, tmp_path)
    assert str(refused.value).startswith("Braid cannot start: 1 setting cannot be used")
    assert name in str(refused.value) and "HINT: " in str(refused.value)
