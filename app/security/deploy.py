"""Deploy checks: what production refuses to start with, listed by `flask check-deploy` (like Django's check --deploy).

Every check reads the settings (and the key file they name), so the same list serves load_config
(which refuses on any error) and the command (which also shows warnings). When the app itself
refuses to load, `python -m app.security.deploy` runs the same command without it.
"""
from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from urllib.parse import urlsplit

import click
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from app.security.hosts import allowed_host_problem, parse_base_url
from app.security.keys import Keyring, KeyringError
from config import (
    BASE_DIR,
    CONFIGS,
    DEMO_TOTP_SECRET,
    TESTING_AUDIT_KEY,
    TESTING_SECRET_KEY,
    ConfigError,
    build_settings,
)

MIN_KEY_LENGTH = 32
MIN_DISTINCT_CHARACTERS = 8  # 32 random hex digits fall below this about once in 30 million
KNOWN_KEYS = frozenset(
    value.lower() for value in (TESTING_SECRET_KEY, TESTING_AUDIT_KEY, DEMO_TOTP_SECRET, "change-me", "changeme",
                                "dev", "development", "secret", "secret-key", "secret_key", "your-secret-key")
)
PLACEHOLDER_WORDS = ("change-me", "changeme", "change_me", "replace-me", "replaceme", "not-for-production",
                     "your-secret", "example", "placeholder", "insecure")
NEW_KEY = "python -c 'import secrets; print(secrets.token_urlsafe(48))'"


class Severity(StrEnum):
    ERROR = "error"  # production refuses to start
    WARNING = "warning"  # listed by check-deploy; Braid still starts


@dataclass(frozen=True)
class Finding:
    id: str
    severity: Severity
    message: str
    hint: str

    def __str__(self) -> str:
        return f"{self.id} ({self.severity}): {self.message}\n    HINT: {self.hint}"


def _error(code: str, message: str, hint: str) -> Finding:
    return Finding(f"braid.{code}", Severity.ERROR, message, hint)


def _warning(code: str, message: str, hint: str) -> Finding:
    return Finding(f"braid.{code}", Severity.WARNING, message, hint)


def _key_weakness(value: str | None) -> tuple[str, str] | None:
    """Why a signing key is unfit for production, as (kind, words), or None. Never says what the key is."""
    if not value:
        return "missing", "is not set"
    if len(value) < MIN_KEY_LENGTH:
        return "short", f"is too short ({len(value)} characters; at least {MIN_KEY_LENGTH})"
    lowered = value.strip().lower()
    if lowered in KNOWN_KEYS or any(word in lowered for word in PLACEHOLDER_WORDS):
        return "weak", "is a published default or a placeholder"
    if len(set(value)) < MIN_DISTINCT_CHARACTERS:
        return "weak", "is not random (too few different characters)"
    return None


SECRET_KEY_FINDINGS = {"missing": "E001", "short": "E002", "weak": "E003"}


def _key_findings(settings: Mapping) -> Iterator[Finding]:
    if weakness := _key_weakness(settings.get("SECRET_KEY")):
        kind, words = weakness
        yield _error(SECRET_KEY_FINDINGS[kind], f"SECRET_KEY {words}.",
                     "Anyone who knows it can forge sessions. "
                     f"Set at least {MIN_KEY_LENGTH} random characters: {NEW_KEY}")
    if weakness := _key_weakness(settings.get("BRAID_AUDIT_KEY")):
        yield _error("E004", f"BRAID_AUDIT_KEY {weakness[1]}.",
                     "It signs the audit trail's checkpoints. "
                     f"Set at least {MIN_KEY_LENGTH} random characters: {NEW_KEY}")
    elif settings.get("BRAID_AUDIT_KEY") == settings.get("SECRET_KEY"):
        yield _error("E005", "BRAID_AUDIT_KEY is the same as SECRET_KEY.",
                     "Give each its own random key, so a leaked session key cannot re-sign the audit trail.")

    yield from _field_key_findings(settings)


def _field_key_findings(settings: Mapping) -> Iterator[Finding]:
    text, key_file = settings.get("BRAID_FIELD_KEYS"), Path(settings.get("BRAID_FIELD_KEY_FILE") or "")
    source = "BRAID_FIELD_KEYS"
    if not text:
        if not key_file.is_file():
            yield _error("E006", "Field keys are missing: BRAID_FIELD_KEYS is not set "
                                 f"and there is no key file at {key_file}.",
                         "Production never creates keys. Give it the keyring that sealed the data (BRAID_FIELD_KEYS as "
                         "JSON, or a mode 0600 file at BRAID_FIELD_KEY_FILE); a new deployment can make one with "
                         "python -c 'from app.security.keys import Keyring; print(Keyring.generate().to_json())'")
            return
        source = str(key_file)
        if key_file.stat().st_mode & 0o077:
            yield _warning("W004", f"The field key file {key_file} can be read by other users.",
                           f"chmod 600 {key_file}")
        try:
            text = key_file.read_text()
        except OSError as error:
            yield _error("E007", f"The field key file {key_file} cannot be read ({error.strerror}).",
                         "Let the user Braid runs as read it, and no one else.")
            return
    try:
        Keyring.from_json(text)
    except KeyringError as error:  # its message never carries key material
        yield _error("E007", f"The field keys in {source} cannot be used: {error}.",
                     "Restore the keyring that sealed the data; never start with a new one over old data.")


def _runtime_findings(settings: Mapping) -> Iterator[Finding]:
    if not settings.get("SQLALCHEMY_DATABASE_URI"):
        yield _error("E008", "DATABASE_URL is not set.", "Set DATABASE_URL, e.g. postgresql://braid@db.internal/braid.")
    on = [name for name in ("DEBUG", "TESTING") if settings.get(name)]  # production reads DEBUG from FLASK_DEBUG too
    if on:
        yield _error("E009", f"Debug or testing mode is on ({' and '.join(on)}).",
                     "Unset FLASK_DEBUG and DEBUG: the Werkzeug debugger runs code sent by anyone who can reach it.")
    if not settings.get("WTF_CSRF_ENABLED"):
        yield _error("E010", "CSRF protection is off (WTF_CSRF_ENABLED).", "Never turn it off outside tests.")
    if settings.get("DEMO_DATA_ALLOWED"):
        yield _error("E011", "Demo data may be loaded (DEMO_DATA_ALLOWED).",
                     "Production never loads the demo's accounts.")
    if settings.get("MAIL_OUTBOX_PAGE"):
        yield _error("E023", "The development outbox page is on (MAIL_OUTBOX_PAGE).",
                     "It shows every kept email, sign-in links included: never turn it on in production.")
    if not settings.get("STRICT_TRANSPORT_SECURITY"):
        yield _error("E012", "No Strict-Transport-Security header is set.",
                     "Set STRICT_TRANSPORT_SECURITY, e.g. max-age=63072000; includeSubDomains.")


def _cookie_findings(settings: Mapping) -> Iterator[Finding]:
    if not settings.get("SESSION_COOKIE_SECURE"):
        yield _error("E013", "The session cookie is not Secure (SESSION_COOKIE_SECURE).",
                     "Serve Braid over HTTPS only and set SESSION_COOKIE_SECURE = True.")
    if not settings.get("SESSION_COOKIE_HTTPONLY"):
        yield _error("E014", "Scripts can read the session cookie (SESSION_COOKIE_HTTPONLY).",
                     "Set SESSION_COOKIE_HTTPONLY = True.")
    name = settings.get("SESSION_COOKIE_NAME") or ""
    if not name.startswith("__Host-") or settings.get("SESSION_COOKIE_DOMAIN") \
            or settings.get("SESSION_COOKIE_PATH") not in (None, "/"):
        yield _error("E015", f"The session cookie {name!r} is not a __Host- cookie (or has a Domain or Path).",
                     "Name it __Host-braid_session and leave SESSION_COOKIE_DOMAIN and SESSION_COOKIE_PATH unset, "
                     "so no other host or path can set or read it.")
    if settings.get("SESSION_COOKIE_SAMESITE") not in ("Lax", "Strict"):
        yield _error("E016", "The session cookie is sent with cross-site requests (SESSION_COOKIE_SAMESITE).",
                     "Set SESSION_COOKIE_SAMESITE to Lax or Strict.")
    if not settings.get("REMEMBER_COOKIE_SECURE") or not settings.get("REMEMBER_COOKIE_HTTPONLY"):
        yield _error("E017", "The remember-me cookie is not Secure and HttpOnly "
                             "(REMEMBER_COOKIE_SECURE, REMEMBER_COOKIE_HTTPONLY).",
                     "Set both to True.")


def _setting_findings(settings: Mapping) -> Iterator[Finding]:
    """Variables that could not be read, and the canonical address: checked in every environment."""
    for name, problem in settings.get("SETTING_PROBLEMS", ()):
        yield _error("E018", f"{name} {problem}.", f"Correct {name}, or unset it to use the default.")
    if database_url := settings.get("SQLALCHEMY_DATABASE_URI"):
        try:
            make_url(database_url)
        except ArgumentError:  # its message would repeat the URL, password and all
            yield _error("E018", "DATABASE_URL is not a database URL.",
                         "Give one such as postgresql://braid@db.internal/braid.")
    redis_url = settings.get("REDIS_URL")
    if redis_url and urlsplit(redis_url).scheme not in ("redis", "rediss", "unix"):
        yield _error("E018", "REDIS_URL is not a Redis URL.", "Give one such as redis://cache.internal:6379/0.")
    base_url = settings.get("BRAID_BASE_URL")
    if base_url:
        try:
            parse_base_url(base_url)
        except ValueError as problem:
            yield _error("E020", f"BRAID_BASE_URL {problem}.",
                         "Give the address people use for Braid, such as https://braid.example.gov.uk.")
    for host in settings.get("BRAID_ALLOWED_HOSTS", ()):
        if problem := allowed_host_problem(host):
            yield _error("E022", f"BRAID_ALLOWED_HOSTS {problem}: {host[:60]!r} is not one.",
                         "List extra host names separated by commas, such as braid.example.gov.uk,.schools.example.")


def _address_findings(settings: Mapping) -> Iterator[Finding]:
    base_url = settings.get("BRAID_BASE_URL")
    if not base_url:
        yield _error("E019", "BRAID_BASE_URL is not set.",
                     "Set it to the address people use for Braid, such as https://braid.example.gov.uk. Every emailed "
                     "link (password reset, invitation) is built from it, and requests for any other host are refused.")
        return
    try:
        address = parse_base_url(base_url)
    except ValueError:
        return  # E020 says why
    if address.scheme != "https":
        yield _error("E021", "BRAID_BASE_URL is not an https:// address.",
                     "Links in emails carry sign-in tokens: serve Braid over HTTPS and give its https:// address.")


def _service_findings(settings: Mapping) -> Iterator[Finding]:
    if settings.get("SQLALCHEMY_DATABASE_URI", "").startswith("sqlite"):
        yield _warning("W005", "DATABASE_URL is SQLite: one file on one machine, one writer at a time.",
                       "Fine for a trial on one server. A local authority's service, several app nodes "
                       "or point-in-time recovery need PostgreSQL: set DATABASE_URL=postgresql://…")
    if not settings.get("REDIS_URL"):
        yield _warning("W001", "REDIS_URL is not set: each worker process counts rate limits on its own.",
                       "With one worker the limits hold. With several workers or machines each counts separately, so "
                       "more attempts get through than the limit says (two gunicorn workers let 6 wrong passwords "
                       "through instead of 5, and up to 10). Set REDIS_URL so that every worker shares one count.")
    if not settings.get("MAIL_SERVER"):
        yield _warning("W002", "MAIL_SERVER is not set: invitations and password-reset links stay in the outbox.",
                       "Set MAIL_SERVER (and MAIL_USERNAME, MAIL_PASSWORD) so people receive their links.")
    elif not settings.get("MAIL_USE_TLS"):
        yield _warning("W003", "Mail is sent without TLS (MAIL_USE_TLS).",
                       "Messages carry sign-in links: set MAIL_USE_TLS=true.")


def _metrics_findings(settings: Mapping) -> Iterator[Finding]:
    """The metrics token (optional: without it /metrics answers 404)."""
    token = settings.get("BRAID_METRICS_TOKEN")
    if not token:
        return
    if weakness := _key_weakness(token):
        yield _warning("W040", f"BRAID_METRICS_TOKEN {weakness[1]}.",
                       "It lets anyone who has it read Braid's metrics (counts and times, no one's data). "
                       f"Set at least {MIN_KEY_LENGTH} random characters: {NEW_KEY}")
    if token in (settings.get("SECRET_KEY"), settings.get("BRAID_AUDIT_KEY")):
        yield _error("E040", "BRAID_METRICS_TOKEN is the same as SECRET_KEY or BRAID_AUDIT_KEY.",
                     "The token travels to Prometheus on every scrape: give it a random value of its own.")


def _key_store_findings(settings: Mapping) -> Iterator[Finding]:
    """The learner key store (crypto-shredding): apart from the database, and shared by every app node."""
    store, database = settings.get("BRAID_KEY_STORE_URL") or "", settings.get("SQLALCHEMY_DATABASE_URI") or ""
    if not store or not database:
        return
    if _same_database(store, database):
        yield _error("E031", "The learner key store (BRAID_KEY_STORE_URL) is the main database itself.",
                     "Erasure reaches backups only if the keys are kept apart from the data: point "
                     "BRAID_KEY_STORE_URL at a database of its own whose backups age out within days.")
    elif store.startswith("sqlite") and not database.startswith("sqlite"):
        yield _warning("W031", "The learner key store is an SQLite file while the data is in PostgreSQL.",
                       "Each app node would keep learner keys of its own. Point BRAID_KEY_STORE_URL at a PostgreSQL "
                       "database of its own (not the data's), shared by every node, with a short backup retention.")


def _same_database(first: str, second: str) -> bool:
    try:
        one, other = make_url(first), make_url(second)
    except ArgumentError:
        return False
    if one.get_backend_name() != other.get_backend_name():
        return False
    if one.get_backend_name() == "sqlite":
        return bool(one.database) and one.database == other.database
    return (one.host, one.port or 5432, one.database) == (other.host, other.port or 5432, other.database)


def _audit_head_findings(settings: Mapping) -> Iterator[Finding]:
    """The audit heads file: writable, and not beside an SQLite database (whoever replaces one can rewrite both)."""
    value = settings.get("BRAID_AUDIT_HEAD_FILE")
    hint = ("Give BRAID_AUDIT_HEAD_FILE a path in a directory of its own that the user Braid runs as can create and "
            "write, such as /var/lib/braid-audit/heads.jsonl; each signed head of the audit chain is appended to it.")
    if not value:
        yield _error("E030", "BRAID_AUDIT_HEAD_FILE is not set: the audit trail's signed heads stay in the database.",
                     hint)
        return
    path = Path(value)
    if not _can_append(path):
        yield _error("E030", f"The audit heads file {path} cannot be created or written.", hint)
    database = _sqlite_file(settings.get("SQLALCHEMY_DATABASE_URI") or "")
    if database is not None and path.resolve().is_relative_to(database.resolve().parent):
        yield _warning("W030", f"The audit heads file {path} lies in the directory of the SQLite database {database}.",
                       "Whoever can replace the database file can usually rewrite its neighbours too: keep the heads "
                       "in a directory of their own (BRAID_AUDIT_HEAD_FILE), made append-only (chattr +a) or shipped "
                       "off the machine.")


def _can_append(path: Path) -> bool:
    """Whether `path` can be opened for appending, making its directory if need be (nothing is made here)."""
    if path.exists():
        return path.is_file() and os.access(path, os.W_OK)
    directory = path.parent
    while not directory.exists():  # mkdir -p would start from the nearest directory that exists
        directory = directory.parent
    return directory.is_dir() and os.access(directory, os.W_OK | os.X_OK)


def _sqlite_file(url: str) -> Path | None:
    if not url.startswith("sqlite"):
        return None
    try:
        database = make_url(url).database
    except ArgumentError:
        return None
    return Path(database) if database and database != ":memory:" and not database.startswith("file:") else None


def deploy_findings(settings: Mapping) -> list[Finding]:
    """Every problem with `settings` for production, errors first, each with a hint."""
    findings = [*_setting_findings(settings), *_key_findings(settings), *_runtime_findings(settings),
                *_address_findings(settings), *_cookie_findings(settings), *_service_findings(settings),
                *_audit_head_findings(settings), *_key_store_findings(settings), *_metrics_findings(settings)]
    return sorted(findings, key=lambda finding: (finding.severity is not Severity.ERROR, finding.id))


def setting_refusal(settings: Mapping) -> str | None:
    """Outside production: why Braid must not start (a variable it cannot read), or None."""
    errors = list(_setting_findings(settings))
    if not errors:
        return None
    lines = "\n".join(str(finding) for finding in errors)
    return f"Braid cannot start: {len(errors)} setting{'s' if len(errors) != 1 else ''} cannot be used:\n{lines}"


def refusal(settings: Mapping) -> str | None:
    """Why production must not start with `settings` (every error), or None."""
    errors = [finding for finding in deploy_findings(settings) if finding.severity is Severity.ERROR]
    if not errors:
        return None
    lines = "\n".join(str(finding) for finding in errors)
    return (f"Braid refuses to start in production ({len(errors)} error{'s' if len(errors) != 1 else ''}):\n{lines}\n"
            "`flask check-deploy`, or `python -m app.security.deploy`, lists warnings too.")


def load_config(name: str | None, environ: Mapping[str, str], instance_path: Path) -> dict:
    """The settings for `name`; production refuses to start while any deploy check finds an error, and
    every environment refuses a variable it cannot read (or a canonical address that is not one)."""
    settings = build_settings(name, environ, instance_path)
    problem = refusal(settings) if settings["ENV_NAME"] == "production" else setting_refusal(settings)
    if problem:
        raise ConfigError(problem)
    return settings


@click.command("check-deploy")
@click.option("--config", "config_name", type=click.Choice(sorted(CONFIGS)), default="production", show_default=True,
              help="The configuration to check, built from this environment (whatever BRAID_CONFIG says).")
def check_deploy_command(config_name: str) -> None:
    """List every setting unsafe for production; exit status 1 when any is an error."""
    instance_path = Path(os.environ.get("BRAID_INSTANCE_PATH") or BASE_DIR / "instance")  # as create_app
    findings = deploy_findings(build_settings(config_name, os.environ, instance_path))
    for finding in findings:
        click.echo(str(finding))
    errors = sum(finding.severity is Severity.ERROR for finding in findings)
    warnings = len(findings) - errors
    click.echo(f"{config_name}: {errors} error{'s' if errors != 1 else ''}, "
               f"{warnings} warning{'s' if warnings != 1 else ''}.")
    if errors:
        raise click.exceptions.Exit(1)


if __name__ == "__main__":
    check_deploy_command(prog_name="check-deploy")
