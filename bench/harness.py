"""What the HTTP benches share: throwaway databases, the app as gunicorn serves it, signing in over HTTP, and wrk.

gunicorn and the browser are deploy/'s (deploy/processes.py, deploy/browser.py), the cluster check's own."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from deploy.browser import Browser  # noqa: E402
from deploy.processes import Server  # noqa: E402

BIN = Path(sys.executable).parent
POSTGRES = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
WRK_THREADS, WRK_CONNECTIONS = 2, 16


def gather_statistics() -> None:
    """PostgreSQL's planner statistics for the data just loaded, as a live server's autovacuum gathers them within a
    minute or so: a server without it (like the benches', whose autovacuum is off) otherwise plans the scopes as if
    every table were empty (nested loops: seconds for a page where a fraction of a millisecond is the rule)."""
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")


class Databases:
    """Throwaway databases: SQLite files in a work directory, PostgreSQL databases on the bench server."""

    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.made: list[str] = []
        self.admin = None
        try:
            import psycopg

            url = make_url(POSTGRES)
            self.server = url
            self.admin = psycopg.connect(url.set(drivername="postgresql").render_as_string(hide_password=False),
                                         autocommit=True, connect_timeout=5)
        except Exception as error:  # noqa: BLE001 - any failure means: no PostgreSQL for this run
            self.problem = f"PostgreSQL at {POSTGRES} is unreachable: {error}"
        else:
            self.problem = None

    def new(self, backend: str, name: str, *, exact: bool = False) -> str:
        """A new empty database; `exact` names it `name` itself (dropped first if a failed run left it)."""
        if backend == "sqlite":
            return f"sqlite:///{self.workdir / (name + '.sqlite3')}"
        database = name if exact else f"braid_bench_{name}_{uuid.uuid4().hex[:8]}"
        if exact:
            self.admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        self.admin.execute(f'CREATE DATABASE "{database}"')
        self.made.append(database)
        return self.server.set(drivername="postgresql+psycopg", database=database).render_as_string(hide_password=False)

    def close(self) -> None:
        if self.admin is not None:
            for database in self.made:
                self.admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            self.admin.close()


def bench_app(database_url: str | None = None, audit: bool | None = None):
    """The app as the benches serve it: development settings under the bench's own instance folder.

    gunicorn calls `bench.harness:bench_app()`, with DATABASE_URL, BRAID_INSTANCE_PATH and BENCH_AUDIT set (and
    BENCH_SQLITE_SYNCHRONOUS, e.g. NORMAL, to measure without an fsync at every commit).
    """
    audit = os.environ.get("BENCH_AUDIT", "on") == "on" if audit is None else audit
    overrides = {"AUDIT_ENABLED": audit}
    if os.environ.get("BENCH_SQLITE_SYNCHRONOUS"):  # to see what SQLite's fsync at each commit costs
        overrides["SQLITE_SYNCHRONOUS"] = os.environ["BENCH_SQLITE_SYNCHRONOUS"]
    if database_url:
        overrides["SQLALCHEMY_DATABASE_URI"] = database_url
    return create_app("development", overrides)


# The benches' gunicorn: two sync workers, warnings only.
SYNC_WORKERS = ("-w", "2", "-k", "sync", "--log-level", "warning")


def bench_server(log: Path, *, app: str = "bench.harness:bench_app()", environ: dict | None = None,
                 ready: str = "/health") -> Server:
    """gunicorn, 2 sync workers, on a free loopback port, serving `app` (a gunicorn app spec) with `environ` added."""
    return Server(log, app=app, options=SYNC_WORKERS, env=dict(os.environ, **(environ or {})), ready=ready)


def braid_server(database_url: str, instance: Path, log: Path, *, audit: bool = True) -> Server:
    return bench_server(log, environ={"DATABASE_URL": database_url, "BRAID_INSTANCE_PATH": str(instance),
                                      "BENCH_AUDIT": "on" if audit else "off"})


def csrf_token(page: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def next_code_for(app, email: str) -> str:
    """`email`'s next authenticator code, as their app would show it: a step newer than the last used."""
    from app.agencies.accounts.models import User
    from app.agencies.two_step.services import enrolment_of
    from tests.fixtures.application import next_code

    with app.app_context():
        enrolment = enrolment_of(db.session.scalars(select(User).where(User.email.matches(email))).one())
        secret, last = enrolment.secret, enrolment.last_used_step
        db.session.remove()
    return next_code(secret, last)[0]


def signed_in(server: Server, email: str, password: str, code) -> Browser:
    """A browser signed in through the real form (CSRF on) and its second step (`code()`, asked only then)."""
    browser = Browser(server.port)
    assert browser.sign_in(email, password, code), f"sign-in as {email} failed"
    return browser


def sign_in_cookie(server: Server, email: str, password: str, code) -> str:
    """The session cookie header of a browser signed in as `email` (what wrk is given)."""
    browser = signed_in(server, email, password, code)
    cookie = session_cookie(browser)
    browser.close()
    return cookie


def session_cookie(browser: Browser) -> str:
    return f"braid_session={browser.cookies['braid_session']}"


def run_wrk(url: str, script: Path | None = None, seconds: int = 10, *, headers: dict | None = None) -> dict:
    """wrk's requests per second, p50/p99 latency and (with a script that prints it) the count of bad answers."""
    # A 30 s timeout, not wrk's 2 s: a slow page's p99 is measured, not dropped as a socket timeout.
    command = ["wrk", f"-t{WRK_THREADS}", f"-c{WRK_CONNECTIONS}", f"-d{seconds}s", "--timeout", "30s", "--latency"]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    if script is not None:
        command += ["-s", str(script)]
    out = subprocess.run(command + [url], capture_output=True, text=True, check=True).stdout
    latency = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)", out, re.M))
    bad = re.search(r"BAD (\d+)", out) or re.search(r"NON2XX (\d+)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "bad": int(bad.group(1)) if bad else None,
        "timeouts": int(timeouts.group(1)) if (timeouts := re.search(r"timeout (\d+)", out)) else 0,
        "p50": latency.get("50"), "p99": latency.get("99"),
    }
