"""Deploy checks: what production refuses to start with, listed by `flask check-deploy` (like Django's check --deploy).

Every check reads the settings (and the key file they name), so the same list serves load_config
(which refuses on any error) and the command (which also shows warnings). When the app itself
refuses to load, `python -m app.security.deploy` runs the same command without it.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Iterator, Mapping

import click

from app.security.keys import Keyring, KeyringError
from config import BASE_DIR, CONFIGS, DEMO_TOTP_SECRET, TESTING_AUDIT_KEY, TESTING_SECRET_KEY, build_settings

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
                     f"Anyone who knows it can forge sessions. Set at least {MIN_KEY_LENGTH} random characters: {NEW_KEY}")
    if weakness := _key_weakness(settings.get("BRAID_AUDIT_KEY")):
        yield _error("E004", f"BRAID_AUDIT_KEY {weakness[1]}.",
                     f"It signs the audit trail's checkpoints. Set at least {MIN_KEY_LENGTH} random characters: {NEW_KEY}")
    elif settings.get("BRAID_AUDIT_KEY") == settings.get("SECRET_KEY"):
        yield _error("E005", "BRAID_AUDIT_KEY is the same as SECRET_KEY.",
                     "Give each its own random key, so a leaked session key cannot re-sign the audit trail.")

    yield from _field_key_findings(settings)


def _field_key_findings(settings: Mapping) -> Iterator[Finding]:
    text, key_file = settings.get("BRAID_FIELD_KEYS"), Path(settings.get("BRAID_FIELD_KEY_FILE") or "")
    source = "BRAID_FIELD_KEYS"
    if not text:
        if not key_file.is_file():
            yield _error("E006", f"Field keys are missing: BRAID_FIELD_KEYS is not set and there is no key file at {key_file}.",
                         "Production never creates keys. Give it the keyring that sealed the data (BRAID_FIELD_KEYS as "
                         "JSON, or a mode 0600 file at BRAID_FIELD_KEY_FILE); a new deployment can make one with "
                         "python -c 'from app.security.keys import Keyring; print(Keyring.generate().to_json())'")
            return
        source = str(key_file)
        if key_file.stat().st_mode & 0o077:
            yield _warning("W004", f"The field key file {key_file} can be read by other users.", f"chmod 600 {key_file}")
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
        yield _error("E011", "Demo data may be loaded (DEMO_DATA_ALLOWED).", "Production never loads the demo's accounts.")
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
    if not name.startswith("__Host-") or settings.get("SESSION_COOKIE_DOMAIN") or settings.get("SESSION_COOKIE_PATH") not in (None, "/"):
        yield _error("E015", f"The session cookie {name!r} is not a __Host- cookie (or has a Domain or Path).",
                     "Name it __Host-braid_session and leave SESSION_COOKIE_DOMAIN and SESSION_COOKIE_PATH unset, "
                     "so no other host or path can set or read it.")
    if settings.get("SESSION_COOKIE_SAMESITE") not in ("Lax", "Strict"):
        yield _error("E016", "The session cookie is sent with cross-site requests (SESSION_COOKIE_SAMESITE).",
                     "Set SESSION_COOKIE_SAMESITE to Lax or Strict.")
    if not settings.get("REMEMBER_COOKIE_SECURE") or not settings.get("REMEMBER_COOKIE_HTTPONLY"):
        yield _error("E017", "The remember-me cookie is not Secure and HttpOnly (REMEMBER_COOKIE_SECURE, REMEMBER_COOKIE_HTTPONLY).",
                     "Set both to True.")


def _service_findings(settings: Mapping) -> Iterator[Finding]:
    if not settings.get("REDIS_URL"):
        yield _warning("W001", "REDIS_URL is not set: rate limits are counted in each process.",
                       "One worker is fine; with several workers or machines an attacker gets the limit once per "
                       "process. Set REDIS_URL so they share the counts.")
    if not settings.get("MAIL_SERVER"):
        yield _warning("W002", "MAIL_SERVER is not set: invitations and password-reset links stay in the outbox.",
                       "Set MAIL_SERVER (and MAIL_USERNAME, MAIL_PASSWORD) so people receive their links.")
    elif not settings.get("MAIL_USE_TLS"):
        yield _warning("W003", "Mail is sent without TLS (MAIL_USE_TLS).",
                       "Messages carry sign-in links: set MAIL_USE_TLS=true.")


def deploy_findings(settings: Mapping) -> list[Finding]:
    """Every problem with `settings` for production, errors first, each with a hint."""
    findings = [*_key_findings(settings), *_runtime_findings(settings), *_cookie_findings(settings),
                *_service_findings(settings)]
    return sorted(findings, key=lambda finding: (finding.severity is not Severity.ERROR, finding.id))


def refusal(settings: Mapping) -> str | None:
    """Why production must not start with `settings` (every error), or None."""
    errors = [finding for finding in deploy_findings(settings) if finding.severity is Severity.ERROR]
    if not errors:
        return None
    lines = "\n".join(str(finding) for finding in errors)
    return (f"Braid refuses to start in production ({len(errors)} error{'s' if len(errors) != 1 else ''}):\n{lines}\n"
            "`flask check-deploy`, or `python -m app.security.deploy`, lists warnings too.")


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
    click.echo(f"{config_name}: {errors} error{'s' if errors != 1 else ''}, {warnings} warning{'s' if warnings != 1 else ''}.")
    if errors:
        raise click.exceptions.Exit(1)


if __name__ == "__main__":
    check_deploy_command(prog_name="check-deploy")
