"""Braid's settings: one class per environment, read from the environment when the app is created."""
from __future__ import annotations

import os
import re
import secrets
import tempfile
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent

# OWASP password-storage minimum for Argon2id is m=19 MiB, t=2, p=1; production sits well above it.
PRODUCTION_ARGON2 = {"time_cost": 3, "memory_cost": 65536, "parallelism": 4}
OWASP_ARGON2_MINIMUM = {"time_cost": 2, "memory_cost": 19456, "parallelism": 1}
# Fictional demo only: base32, 160 bits. Production never loads demo data.
DEMO_TOTP_SECRET = "BRAIDDEMOTOTPSECRETKEEPSAFE23456"
# The testing keys are public (they are in this file): production refuses them (app.security.deploy).
TESTING_SECRET_KEY = "testing-secret-key-not-for-production-use-0123456789"
TESTING_AUDIT_KEY = "testing-audit-key-not-for-production-use-0123456789"


def instance_secret(path: Path) -> str:
    """The random secret kept in `path`, made on first use. gunicorn's workers start together: the file appears
    whole or not at all (a complete temporary file linked into place), and whoever loses the race reads the
    winner's, so no worker reads it half-written or fails because another made it first."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass  # another process made it first: theirs is the one every process reads
        finally:
            os.unlink(temporary)
    return path.read_text().strip()


class ConfigError(RuntimeError):
    """A setting is missing or unsafe for the chosen environment."""


def normalise_database_url(url: str) -> str:
    """Send plain PostgreSQL URLs to psycopg 3, the driver Braid ships with."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


class Config:
    """Settings shared by every environment."""

    ENV_NAME = "base"
    DEBUG = False
    TESTING = False
    BRAID_SERVICE_NAME = "Braid"

    SQLALCHEMY_TRACK_MODIFICATIONS = False
    # hide_parameters: a database error's message (and so a logged traceback) never carries the values sent.
    # A pooled PostgreSQL connection is checked before use only once it has sat idle (app.database), not before
    # every request: so no pool_pre_ping here.
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"hide_parameters": True}
    # How long a transaction waits for a lock, in seconds (app.database): SQLite's busy timeout for its one
    # write lock; PostgreSQL's lock_timeout, set at each BEGIN (the audit chain's lock, row locks). Past it
    # the request answers 503 with Retry-After and shows back what was typed; nothing is saved.
    SQLITE_BUSY_TIMEOUT = 10.0
    DATABASE_LOCK_TIMEOUT = 10.0
    # PostgreSQL: how long opening a connection may take, in whole seconds (libpq's connect_timeout). A server that
    # accepts the connection and then says nothing would otherwise hold the request, and /ready, for minutes.
    DATABASE_CONNECT_TIMEOUT = 5
    # When SQLite syncs to disk (PRAGMA synchronous, set at connect when there is an app context): None keeps
    # SQLite's default, FULL, so a commit survives a power cut.
    SQLITE_SYNCHRONOUS: str | None = None

    # Sessions: no 31-day default; idle and absolute limits are enforced on the server too.
    SESSION_COOKIE_NAME = "braid_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    PERMANENT_SESSION_LIFETIME = timedelta(minutes=30)
    # The cookie is re-sent when the session changes (its last-seen time is renewed once a minute), not on every
    # response: re-signing it cost every page.
    SESSION_REFRESH_EACH_REQUEST = False
    SESSION_IDLE_TIMEOUT = timedelta(minutes=30)
    SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=12)
    REMEMBER_COOKIE_DURATION = timedelta(seconds=0)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = False
    # Sent on every response when set: production only, since it pins a host to HTTPS in the browser.
    STRICT_TRANSPORT_SECURITY: str | None = None

    ARGON2 = PRODUCTION_ARGON2
    PASSWORD_MIN_LENGTH = 12
    PASSWORD_MAX_LENGTH = 128
    # Rate limits on the doors in (app.security.limits): failed attempts per account and per IP
    # address, in a moving window, so a limit always expires. A school's staff may share one address.
    RATELIMIT_STRATEGY = "moving-window"
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True  # Redis down: count in this process rather than lock everyone out
    RATELIMIT_SIGN_IN_ACCOUNT = "5 per 15 minutes"
    RATELIMIT_SIGN_IN_IP = "100 per 15 minutes"
    RATELIMIT_MFA_ACCOUNT = "10 per 15 minutes"
    RATELIMIT_MFA_IP = "100 per 15 minutes"
    RATELIMIT_RESET_ACCOUNT = "3 per hour"
    RATELIMIT_RESET_IP = "30 per hour"
    RATELIMIT_RESET_LINK_ACCOUNT = "10 per 15 minutes"  # per link: wrong new passwords, bad links
    RATELIMIT_RESET_LINK_IP = "100 per 15 minutes"
    RATELIMIT_INVITATION_ACCOUNT = "10 per 15 minutes"
    RATELIMIT_INVITATION_IP = "100 per 15 minutes"
    # The DSL's review of the audit trail: refused or ill-formed requests (400, 403, 404), never a page shown.
    RATELIMIT_AUDIT_REVIEW_ACCOUNT = "20 per 15 minutes"
    RATELIMIT_AUDIT_REVIEW_IP = "100 per 15 minutes"
    # The DSL's withholding of trail entries from a family's summary: the same, behind a door of its own.
    RATELIMIT_FAMILY_VIEW_ACCOUNT = "20 per 15 minutes"
    RATELIMIT_FAMILY_VIEW_IP = "100 per 15 minutes"

    # Two-step verification (app.agencies.two_step) and password reset links (app.agencies.password_reset).
    MFA_ISSUER = "Braid"
    MFA_PENDING_LIFETIME = timedelta(minutes=10)  # between the password and the code
    PASSWORD_RESET_LIFETIME = timedelta(minutes=60)

    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = None  # the session's own limits bound a token's life
    # Flask-WTF's extra check over HTTPS (a Referer naming this host) would refuse every form: Braid's pages say
    # Referrer-Policy: no-referrer (a URL may hold a reset token), so browsers send none. That check stops a
    # token planted in a cookie over plain HTTP by a neighbouring host; production's __Host- session cookie cannot
    # be planted so, and the token, bound to the session, must still match; a write from another site's page is
    # refused by its Sec-Fetch-Site or Origin instead (app.security.hosts.refuse_foreign_origin, test_csrf.py).
    WTF_CSRF_SSL_STRICT = False
    DEMO_DATA_ALLOWED = True
    # The largest honest form (a meeting with 200 actions, every box full of four-byte characters,
    # percent-encoded) is under 2.5 MB: tests/security/test_request_size.py works it out from the forms' own
    # limits. Uploads, when they come, raise the limit for their routes only.
    MAX_CONTENT_LENGTH = 8 * 1024 * 1024
    # The routes that take a file, by endpoint, and the body each accepts: the file's own limit and the form around it.
    # Attachments are up to 20 MB: their routes take 25 MB, so that a file a little too large is refused on the form
    # itself (what was typed kept), and only a far larger body gets the 413 page. Only a multipart body (a file) is
    # allowed the larger limit (app.web.allow_uploads).
    UPLOAD_LIMITS = {
        "cases.mis_import_upload": 10 * 1024 * 1024 + 64 * 1024,
        **dict.fromkeys(("cases.contribution_new", "cases.contribution_attach", "cases.meeting_attach",
                         "cases.concern_attach"), 25 * 1024 * 1024),
    }

    def __init__(self, environ: Mapping[str, str], instance_path: Path):
        self._environ = environ
        # Variables that could not be read: development refuses to start, `check-deploy` lists each one.
        self.SETTING_PROBLEMS: list[tuple[str, str]] = []
        self.INSTANCE_PATH = Path(instance_path)
        self.SQLALCHEMY_DATABASE_URI = normalise_database_url(
            environ.get("DATABASE_URL") or self.default_database_url()
        )
        self.SECRET_KEY = environ.get("SECRET_KEY") or self.default_secret_key()
        self.BRAID_DEMO_PASSWORD = environ.get("BRAID_DEMO_PASSWORD", "braid-demo-2026")
        # The demo's privileged accounts are enrolled with this TOTP secret (base32), printed by `make run`.
        self.BRAID_DEMO_TOTP_SECRET = environ.get("BRAID_DEMO_TOTP_SECRET", DEMO_TOTP_SECRET)
        if not re.fullmatch(r"(?:[A-Z2-7]{8})+", self.BRAID_DEMO_TOTP_SECRET):
            self.SETTING_PROBLEMS.append(
                ("BRAID_DEMO_TOTP_SECRET", "must be base32 (A-Z and 2-7), a multiple of 8 long"))
            self.BRAID_DEMO_TOTP_SECRET = DEMO_TOTP_SECRET
        # Rate-limit counts live in Redis when REDIS_URL is set, so every worker and machine shares them.
        self.REDIS_URL = environ.get("REDIS_URL") or None
        self.RATELIMIT_STORAGE_URI = self.REDIS_URL or "memory://"
        self.RATELIMIT_KEY_PREFIX = self.rate_limit_prefix()
        # Behind a load balancer, the client's address comes from X-Forwarded-For, trusted this many hops
        # deep: without it every user would share the proxy's address (and its per-IP rate limits).
        self.BRAID_TRUSTED_PROXIES = self.whole_number("BRAID_TRUSTED_PROXIES", 0, highest=10)
        # The one canonical address: every link that leaves Braid (reset, invitation, notification emails)
        # is built from it, never from the request; requests for any other host than it and the allowed
        # hosts get 400 (app.security.hosts).
        self.BRAID_BASE_URL = (environ.get("BRAID_BASE_URL") or self.default_base_url()).strip()
        self.BRAID_ALLOWED_HOSTS = tuple(
            host.strip().lower() for host in environ.get("BRAID_ALLOWED_HOSTS", "").split(",") if host.strip()
        ) or self.default_allowed_hosts()
        # Field keys: BRAID_FIELD_KEYS (JSON) wins; otherwise a key file kept outside the database.
        self.BRAID_FIELD_KEYS = environ.get("BRAID_FIELD_KEYS") or self.default_field_keys()
        # Signs the audit trail's checkpoints: kept outside the database, like the field keys.
        self.BRAID_AUDIT_KEY = environ.get("BRAID_AUDIT_KEY") or self.default_audit_key()
        # Every signed head of the audit chain is appended here too: a file the database's users cannot rewrite.
        self.BRAID_AUDIT_HEAD_FILE = self.audit_head_file()
        self.BRAID_FIELD_KEY_FILE = Path(
            environ.get("BRAID_FIELD_KEY_FILE") or self.INSTANCE_PATH / "field_keys.json"
        )
        # Each learner's data key (crypto-shredding), wrapped by the keyring, in a store APART from the main
        # database: one table, learner_data_key (key_id, learner_public_id, wrapped_key, wrapping_key_id,
        # created_at), made on first use or by `flask keys store init`, never by a migration. Its backups must age
        # out much sooner than the data's (README: Crypto-shredding): a PostgreSQL deployment points it at a
        # database of its own with a short backup retention.
        self.BRAID_KEY_STORE_URL = environ.get("BRAID_KEY_STORE_URL") or self.default_key_store_url()
        # Where `flask backup` writes (app.core.backups): the data's backups, and the key store's copies apart from
        # them (kept days, not months: README, Backups and restore). None: under the instance folder.
        self.BRAID_BACKUP_DIR = environ.get("BRAID_BACKUP_DIR") or None
        self.BRAID_KEY_BACKUP_DIR = environ.get("BRAID_KEY_BACKUP_DIR") or None
        # "0" keeps new values of learners on the keyring, as everything was before crypto-shredding: only to
        # measure or test that state (bench/learner_key_rotation.py, the keyring rotation tests), never to deploy.
        self.BRAID_LEARNER_KEYS = environ.get("BRAID_LEARNER_KEYS", "1") != "0"
        # Outgoing mail: with no MAIL_SERVER, messages stay in the outbox table only (never printed:
        # an invitation's body holds a sign-in link).
        self.MAIL_SERVER = environ.get("MAIL_SERVER") or None
        self.MAIL_PORT = self.whole_number("MAIL_PORT", 587, lowest=1, highest=65535)
        self.MAIL_USE_TLS = self.flag("MAIL_USE_TLS", True)
        self.MAIL_USERNAME = environ.get("MAIL_USERNAME") or None
        self.MAIL_PASSWORD = environ.get("MAIL_PASSWORD") or None
        self.MAIL_SENDER = environ.get("MAIL_SENDER") or "Braid <no-reply@braid.invalid>"
        # The DejaVu Sans fonts every PDF embeds (app.core.pdf): Debian's fonts-dejavu-core by default.
        self.PDF_FONT_DIR = environ.get("PDF_FONT_DIR") or "/usr/share/fonts/truetype/dejavu"
        self.MAIL_TIMEOUT = self.seconds("MAIL_TIMEOUT", 10.0)
        # GET /metrics answers Prometheus only with this bearer token; unset, /metrics answers 404 (app.core.metrics).
        self.BRAID_METRICS_TOKEN = environ.get("BRAID_METRICS_TOKEN") or None
        # Background jobs' queue: Redis when REDIS_URL is set (every node shares it, its keys named by JOBS_NAME),
        # else an SQLite file the web process and `flask jobs worker` share on one machine.
        self.JOBS_NAME = environ.get("JOBS_NAME") or self.default_jobs_name()
        self.JOBS_SQLITE_FILE = self.jobs_sqlite_file()

    def whole_number(self, name: str, default: int, *, lowest: int = 0, highest: int | None = None) -> int:
        """An integer variable; a malformed one is noted (with the default kept) for the checks to report."""
        raw = (self._environ.get(name) or "").strip()
        if not raw:
            return default
        try:
            value = int(raw)
        except ValueError:
            value = None
        if value is None or value < lowest or (highest is not None and value > highest):
            bounds = f"from {lowest} to {highest}" if highest is not None else f"of {lowest} or more"
            self.SETTING_PROBLEMS.append((name, f"must be a whole number {bounds}"))
            return default
        return value

    def flag(self, name: str, default: bool) -> bool:
        raw = (self._environ.get(name) or "").strip().lower()
        if not raw:
            return default
        if raw in {"1", "true", "yes", "on"}:
            return True
        if raw in {"0", "false", "no", "off"}:
            return False
        self.SETTING_PROBLEMS.append((name, "must be true or false"))
        return default

    def seconds(self, name: str, default: float) -> float:
        raw = (self._environ.get(name) or "").strip()
        if not raw:
            return default
        try:
            value = float(raw)
        except ValueError:
            value = -1.0
        if not 0 < value <= 600:
            self.SETTING_PROBLEMS.append((name, "must be a number of seconds above 0 and at most 600"))
            return default
        return value

    # The audit trail: sealing lag (seconds), working hours for the out-of-hours flag, review thresholds.
    AUDIT_ENABLED = True  # switched off only by bench/audit.py, to measure what auditing costs
    AUDIT_SEAL_INTERVAL = 1.0
    # Automatic checkpoints (app.audit.chain): after this many seals, or this long after the last checkpoint
    # once something new is sealed. They bound how much of the tail can be rewritten unnoticed.
    AUDIT_CHECKPOINT_EVERY_SEALS = 100
    AUDIT_CHECKPOINT_INTERVAL = timedelta(minutes=5)
    BRAID_TIMEZONE = "Europe/London"
    AUDIT_WORKING_HOURS = (7, 19)
    AUDIT_MANY_LEARNERS_PER_HOUR = 20
    AUDIT_EXTERNAL_END_WARNING = timedelta(days=7)
    BREAK_GLASS_DURATION = timedelta(hours=1)

    # Background jobs (app.core.jobs): attempts and back-off, how long a claim lasts before the rescue deems its
    # worker dead, how long a queued run may wait unpicked, how often periodic jobs run, and how long runs are kept.
    JOBS_MAX_ATTEMPTS = 5
    JOBS_RETRY_DELAY = timedelta(seconds=2)  # after the first failure, doubling after each one
    JOBS_RETRY_DELAY_MAX = timedelta(minutes=15)
    JOBS_LEASE = timedelta(minutes=10)
    JOBS_LOST_AFTER = timedelta(minutes=2)
    JOBS_PERIODIC_INTERVAL = timedelta(minutes=1)
    JOBS_WORKERS = 2  # threads of `flask jobs worker`
    JOBS_KEEP_DONE = timedelta(days=7)
    JOBS_KEEP_FAILED = timedelta(days=90)
    JOBS_SQLITE_TEMPORARY = False  # testing: the queue file is removed when the process exits
    # Unsent mail the outbox sweep hands to the sender (once MAIL_SERVER is set): written this recently, never sent.
    OUTBOX_SWEEP_WITHIN = timedelta(hours=1)
    # The development outbox page (/dev/outbox): shows the messages kept in the outbox, bodies and sign-in links
    # included, so a demo can follow an invitation or a reset link. Only while MAIL_SERVER is unset; production
    # refuses it (app.security.deploy, E023).
    MAIL_OUTBOX_PAGE = False
    # The daily summary of notifications (app.notifications.summary) goes out from this hour, school time.
    NOTIFICATIONS_SUMMARY_HOUR = 7

    # Development creates instance/field_keys.json (mode 0600) on first start; production never does.
    CREATE_FIELD_KEYS = True

    def default_database_url(self) -> str:
        # A directory of its own: the audit trail's signed heads (instance/audit-heads/) stay outside it.
        return f"sqlite:///{self.INSTANCE_PATH / 'data' / 'braid.sqlite3'}"

    def default_base_url(self) -> str:
        return "http://127.0.0.1:5000"  # where `make run` serves

    def default_allowed_hosts(self) -> tuple[str, ...]:
        return ("127.0.0.1", "localhost")

    def rate_limit_prefix(self) -> str:
        return "braid"

    def default_jobs_name(self) -> str:
        return "braid"

    def jobs_sqlite_file(self) -> Path:
        value = self._environ.get("JOBS_SQLITE_FILE")
        return Path(value) if value else self.INSTANCE_PATH / "jobs" / "huey.sqlite3"

    def default_field_keys(self) -> str | None:
        return None

    def default_secret_key(self) -> str:
        """A key kept under instance/ (mode 0600) so sessions survive restarts on a developer's machine."""
        return instance_secret(self.INSTANCE_PATH / "secret_key")

    def default_audit_key(self) -> str:
        """Like the secret key: a file under instance/ (mode 0600) on a developer's machine."""
        return instance_secret(self.INSTANCE_PATH / "audit_key")

    def default_key_store_url(self) -> str:
        return f"sqlite:///{self.INSTANCE_PATH / 'learner_keys.sqlite'}"

    def audit_head_file(self) -> Path | None:
        value = self._environ.get("BRAID_AUDIT_HEAD_FILE")
        return Path(value) if value else self.INSTANCE_PATH / "audit-heads" / "heads.jsonl"

    def as_dict(self) -> dict:
        names = {name for klass in type(self).__mro__ for name in vars(klass)} | set(vars(self))
        return {name: getattr(self, name) for name in names if name.isupper()}


class DevelopmentConfig(Config):
    ENV_NAME = "development"
    DEBUG = False  # the Werkzeug debugger would put tracebacks in front of users
    MAIL_OUTBOX_PAGE = True  # `make run`: mail stays in the outbox, and the demo reads it on /dev/outbox


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    WTF_CSRF_ENABLED = False
    CREATE_FIELD_KEYS = False
    # Tests seal explicitly (or set an interval): no timers outliving a test's database.
    AUDIT_SEAL_INTERVAL = None
    # Cheap hashing keeps the suite fast; a test checks PRODUCTION_ARGON2 separately.
    ARGON2 = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}
    # A test's database never outlives a power cut: in WAL mode, NORMAL still keeps it whole after a crash and
    # commits without waiting for the disk (an fsync per commit was a quarter of a request's time).
    SQLITE_SYNCHRONOUS = "NORMAL"

    def default_database_url(self) -> str:
        return "sqlite://"

    def default_base_url(self) -> str:
        return "http://localhost"  # the test client's host; a live server sets its own address

    def rate_limit_prefix(self) -> str:
        # Each test app counts on its own, even when tests share one Redis.
        return f"braid-test-{secrets.token_hex(6)}"

    JOBS_SQLITE_TEMPORARY = True

    def default_jobs_name(self) -> str:
        return f"braid_test_{secrets.token_hex(6)}"  # each test app's queue is its own, even on a shared Redis

    def jobs_sqlite_file(self) -> Path:
        # Never the developer's queue, whatever the shell exports: a test that runs a worker passes a tmp path.
        return Path(tempfile.gettempdir()) / f"braid-test-jobs-{secrets.token_hex(8)}.sqlite3"

    def default_secret_key(self) -> str:
        return TESTING_SECRET_KEY

    def default_key_store_url(self) -> str:
        # Each test app its own key store (a file made only when a learner's key is first needed).
        return f"sqlite:///{Path(tempfile.gettempdir()) / f'braid-test-keys-{secrets.token_hex(8)}.sqlite3'}"

    def default_audit_key(self) -> str:
        return TESTING_AUDIT_KEY

    def audit_head_file(self) -> Path | None:
        # Never the developer's file, whatever the shell exports: a test that needs one passes a tmp path.
        return None

    def default_field_keys(self) -> str | None:
        # Each test app gets throwaway keys unless a test hands it a key file of its own.
        if "BRAID_FIELD_KEY_FILE" in self._environ:
            return None
        from app.security.keys import Keyring

        return Keyring.generate().to_json()


class ProductionConfig(Config):
    """Nothing is made up here: a missing or unsafe setting is refused by load_config (app.security.deploy)."""

    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-braid_session"  # the browser refuses it unless Secure, Path=/ and no Domain
    REMEMBER_COOKIE_SECURE = True
    REMEMBER_COOKIE_NAME = "__Host-braid_remember"
    STRICT_TRANSPORT_SECURITY = "max-age=63072000; includeSubDomains"  # two years
    DEMO_DATA_ALLOWED = False
    CREATE_FIELD_KEYS = False

    def __init__(self, environ: Mapping[str, str], instance_path: Path):
        super().__init__(environ, instance_path)
        # `flask run` turns the Werkzeug debugger on from FLASK_DEBUG whatever DEBUG says, so both are read.
        self.DEBUG = env_flag(environ, "FLASK_DEBUG") or env_flag(environ, "DEBUG")

    def default_database_url(self) -> str:
        return ""

    def default_base_url(self) -> str:
        return ""  # never guessed: a deploy-check error until it is set

    def default_allowed_hosts(self) -> tuple[str, ...]:
        return ()  # the canonical host only, unless BRAID_ALLOWED_HOSTS adds more

    def default_secret_key(self) -> str:
        return ""

    def default_audit_key(self) -> str:
        return ""


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def env_flag(environ: Mapping[str, str], name: str) -> bool:
    """True for any value but empty, 0, false, no or off (as Flask reads FLASK_DEBUG)."""
    value = environ.get(name, "").strip().lower()
    return bool(value) and value not in {"0", "false", "no", "off"}


def build_settings(name: str | None, environ: Mapping[str, str], instance_path: Path) -> dict:
    """The settings for `name` (default: BRAID_CONFIG, else development), unchecked."""
    name = name or environ.get("BRAID_CONFIG", "development")
    try:
        config_class = CONFIGS[name]
    except KeyError:
        raise ConfigError(f"Unknown configuration {name!r}; choose one of {', '.join(CONFIGS)}.") from None
    return config_class(environ, instance_path).as_dict()
