"""Braid on several nodes on loopback: nginx (TLS) -> two gunicorn nodes -> PostgreSQL, Redis, key store, jobs worker.

    .venv/bin/python deploy/cluster.py [--seconds 60] [--json results.json]      (or `make cluster-check`)

Everything runs in a temporary folder, on free ports, and is stopped at the end: its own PostgreSQL (the data's
database and the learner key store's, apart), its own Redis (sessions' rate limits and the jobs queue), two
gunicorn nodes with production settings (deploy/gunicorn.conf.py), one `flask jobs worker`, and Debian's nginx
in front (deploy/nginx.conf, installed with apt-get when missing). The demo is loaded first (with development
settings: production refuses demo data), then a mixed load runs through nginx for --seconds: reads (home, the
learner list, learners' pages and plans, the CPD log), contribution edits (with the version each page showed,
so some meet a conflict), sign-ins (with the second step's code for the SENCo, one a 30 s step: each code is
single-use) and new CPD entries. Then the checks: no 5xx, no lost edit or entry, a session made on one node
works on the other, failed sign-ins spread over both nodes trip the one limit, `flask audit verify` passes, and
the jobs worker has drained the queue. deploy/faults.py runs the fault cases on the same cluster.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pyotp  # noqa: E402

from deploy.browser import Answer, Browser, form_on, with_values  # noqa: E402
from deploy.processes import Server, free_port, wait_for  # noqa: E402

BIN = Path(sys.executable).parent
PG_BIN = Path("/usr/lib/postgresql/15/bin")
INITDB = next((path for path in (Path("/usr/local/bin/initdb"), PG_BIN / "initdb") if path.exists()), PG_BIN / "initdb")
DEMO_PASSWORD = "braid-demo-2026"
DEMO_TOTP = "BRAIDDEMOTOTPSECRETKEEPSAFE23456"
# People who sign in with a password alone, and one who needs the second step's code (one sign-in per 30 s step).
# None of them is one the readers and editors work as: signing out ends every session of that account.
PASSWORD_ONLY = ("k.nowak@oakfield.example", "parent@family.example")
WITH_CODE = "senco@oakfield.example"
EDITOR = "lsp@oakfield.example"
RECORDS = 6  # contributions the editors share


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


class Cluster:
    """The processes of one deployment, on loopback, in `folder`; `extra` adds environment (MAIL_SERVER, say)."""

    def __init__(self, folder: Path, *, nodes: int = 2, workers: int = 2, threads: int = 4, extra: dict | None = None):
        from app.security.keys import Keyring

        self.folder = folder
        self.pg_port, self.redis_port, self.nginx_port = free_port(), free_port(), free_port()
        self.node_ports = [free_port() for _ in range(nodes)]
        self.processes: dict[str, subprocess.Popen] = {}
        self.logs: dict[str, Path] = {}
        self.gunicorn_workers, self.gunicorn_threads = workers, threads
        self.base_url = f"https://127.0.0.1:{self.nginx_port}"
        server = f"postgresql+psycopg://postgres@127.0.0.1:{self.pg_port}"
        self.env = {
            **{key: value for key, value in os.environ.items() if not key.startswith(("BRAID_", "GUNICORN_"))},
            "PYTHONPATH": str(ROOT),
            "BRAID_CONFIG": "production",
            "DATABASE_URL": f"{server}/braid",
            # The key store apart from the data (E031): here a database of its own on the same server; an authority
            # gives it a server (or at least a backup policy) of its own.
            "BRAID_KEY_STORE_URL": f"{server}/braid_keys",
            "REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            "SECRET_KEY": secrets.token_urlsafe(48),
            "BRAID_AUDIT_KEY": secrets.token_urlsafe(48),
            "BRAID_FIELD_KEYS": Keyring.generate().to_json(),
            "BRAID_TRUSTED_PROXIES": "1",
            "BRAID_BASE_URL": self.base_url,
            "BRAID_INSTANCE_PATH": str(folder / "instance"),
            "BRAID_AUDIT_HEAD_FILE": str(folder / "audit-heads" / "heads.jsonl"),
            **(extra or {}),
        }
        self.env.pop("TEST_DATABASE_URL", None)
        self.tls: ssl.SSLContext | None = None

    # --- starting and stopping --------------------------------------------------------------------------

    def start(self, say=print) -> None:
        say(f"cluster in {self.folder}: PostgreSQL :{self.pg_port}, Redis :{self.redis_port}, "
            f"nodes {', '.join(f':{port}' for port in self.node_ports)}, nginx {self.base_url}")
        self.start_postgres(initialise=True)
        self.start_redis()
        started = time.monotonic()
        self.prepare()
        say(f"migrated and loaded the demo in {time.monotonic() - started:.0f} s")
        for number, port in enumerate(self.node_ports):
            self.start_node(number, port)
        self.start_worker()
        self.start_nginx()
        say("nodes, jobs worker and nginx are up")

    def spawn(self, name: str, command: list[str], env: dict | None = None) -> subprocess.Popen:
        log = self.folder / f"{name}.log"
        self.logs[name] = log
        handle = log.open("a")
        process = subprocess.Popen(command, cwd=ROOT, env=env or self.env, stdout=handle, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        handle.close()
        self.processes[name] = process
        return process

    def stop_process(self, name: str, sig: int = signal.SIGTERM, wait: float = 30) -> None:
        process = self.processes.pop(name, None)
        if process is None or process.poll() is not None:
            return
        process.send_signal(sig)
        try:
            process.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def stop(self) -> None:
        for name in ("nginx", "worker", *[f"node{n}" for n in range(len(self.node_ports))], "redis"):
            self.stop_process(name)
        self.stop_postgres()

    def start_postgres(self, initialise: bool = False) -> None:
        data = self.folder / "postgres"
        if initialise:
            data.mkdir(mode=0o700)
            if os.geteuid() == 0:  # PostgreSQL refuses to run as root: its own account runs it
                shutil.chown(data, "postgres", "postgres")
            subprocess.run([*as_postgres(), str(INITDB), "-D", str(data), "-U", "postgres", "-A", "trust", "--no-sync",
                            "-E", "UTF8"], check=True, capture_output=True)
        subprocess.run([*as_postgres(), str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(data / "server.log"), "-w",
                        "-o", f"-p {self.pg_port} -k {data} -c listen_addresses=127.0.0.1 "
                              "-c max_connections=200", "start"],
                       check=True, capture_output=True)
        if initialise:
            import psycopg

            with psycopg.connect(f"host=127.0.0.1 port={self.pg_port} user=postgres dbname=postgres",
                                 autocommit=True) as admin:
                admin.execute("CREATE DATABASE braid")
                admin.execute("CREATE DATABASE braid_keys")

    def stop_postgres(self, mode: str = "fast") -> None:
        data = self.folder / "postgres"
        if (data / "postmaster.pid").exists():
            subprocess.run([*as_postgres(), str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", mode, "-w", "stop"],
                           capture_output=True)

    def start_redis(self) -> None:
        process = self.spawn("redis", ["redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1",
                                       "--save", "", "--appendonly", "yes", "--dir", str(self.folder)])
        wait_for("Redis", lambda: port_open(self.redis_port), process=process)

    def flask(self, *args: str, config: str = "production", check: bool = True, env: dict | None = None,
              timeout: float = 600) -> subprocess.CompletedProcess:
        environ = dict(self.env, BRAID_CONFIG=config, **(env or {}))
        result = subprocess.run([str(BIN / "flask"), "--app", "wsgi", *args], cwd=ROOT, env=environ,
                                capture_output=True, text=True, timeout=timeout)
        if check and result.returncode != 0:
            raise SystemExit(f"flask {' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
        return result

    def prepare(self) -> None:
        """As the Makefile's db and demo targets, with development settings (production never loads the demo)."""
        self.flask("db", "upgrade", config="development")
        self.flask("keys", "store", "init", config="development")
        self.flask("demo", "load", config="development")
        self.flask("keys", "adopt-learner-keys", config="development")
        self.records = self.run_in_app(_make_records, config="development")

    def run_in_app(self, function, config: str = "production"):
        """`function()` in an app context of this cluster, in this process (the environment swapped in)."""
        saved = dict(os.environ)
        os.environ.clear()
        os.environ.update(dict(self.env, BRAID_CONFIG=config))
        try:
            from app import create_app
            from app.extensions import db

            app = create_app(config)
            with app.app_context():
                try:
                    return function()
                finally:
                    db.session.remove()
                    db.engine.dispose()
        finally:
            os.environ.clear()
            os.environ.update(saved)

    def start_node(self, number: int, port: int) -> None:
        name = f"node{number}"
        env = dict(self.env, GUNICORN_WORKERS=str(self.gunicorn_workers), GUNICORN_THREADS=str(self.gunicorn_threads),
                   GUNICORN_PROC_NAME=f"braid-{name}", GUNICORN_LOG_LEVEL="warning")
        node = Server(self.folder / f"{name}.log", config=ROOT / "deploy" / "gunicorn.conf.py",
                      options=["--access-logfile", "/dev/null"], env=env, port=port, ready="/ready", seconds=90,
                      own_session=True)
        self.logs[name], self.processes[name] = node.log, node.process

    def start_worker(self) -> None:
        self.spawn("worker", [str(BIN / "flask"), "--app", "wsgi", "jobs", "worker"])
        time.sleep(1)

    def start_nginx(self) -> None:
        prefix = self.folder / "nginx"
        prefix.mkdir(exist_ok=True)
        certificate, key = prefix / "braid.crt", prefix / "braid.key"
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                        "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key),
                        "-out", str(certificate)], check=True, capture_output=True)
        upstreams = "\n        ".join(f"server 127.0.0.1:{port} max_fails=1 fail_timeout=2s;"
                                      for port in self.node_ports)
        user = "root" if os.geteuid() == 0 else os.environ.get("USER", "nobody")
        text = (ROOT / "deploy" / "nginx.conf").read_text()
        for name, value in {"PREFIX": prefix, "LISTEN": f"127.0.0.1:{self.nginx_port}", "SERVER_NAME": "127.0.0.1",
                            "CERTIFICATE": certificate, "CERTIFICATE_KEY": key, "UPSTREAMS": upstreams,
                            "STATIC": f"{ROOT / 'app' / 'static'}/", "USER": user}.items():
            text = text.replace(f"@{name}@", str(value))
        config = prefix / "nginx.conf"
        config.write_text(text)
        check = subprocess.run([nginx_binary(), "-t", "-q", "-p", str(prefix), "-c", str(config)],
                               capture_output=True, text=True)
        if check.returncode != 0:
            raise SystemExit(f"nginx refused its configuration:\n{check.stderr}")
        process = self.spawn("nginx", [nginx_binary(), "-p", str(prefix), "-c", str(config), "-g", "daemon off;"])
        wait_for("nginx", lambda: port_open(self.nginx_port), process=process)
        self.tls = ssl.create_default_context(cafile=str(certificate))

    def through_nginx(self) -> Browser:
        return Browser(self.nginx_port, self.tls)

    def direct(self, node: int, cookies: dict | None = None) -> Browser:
        return Browser(self.node_ports[node], cookies=cookies)

    def log_problems(self, names=None) -> list[str]:
        """Warnings and errors the nodes and the worker logged (JSON lines, or gunicorn's own)."""
        found = []
        for name, path in self.logs.items():
            if names is not None and name not in names or name in ("redis", "nginx") or not path.exists():
                continue
            for line in path.read_text(errors="replace").splitlines():
                if any(f'"level": "{level}"' in line or f"[{level}]" in line for level in ("ERROR", "CRITICAL")):
                    found.append(f"{name}: {line.strip()[:400]}")
        return found


def as_postgres() -> list[str]:
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


def nginx_binary() -> str:
    """Debian's nginx, installed (as the Makefile installs wrk) when it is missing."""
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if found:
        return found
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    print("Installing Debian's nginx")
    subprocess.run([*sudo, "apt-get", "update", "-qq"], check=True)
    subprocess.run([*sudo, "apt-get", "install", "-y", "-qq", "nginx"], check=True,
                   env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
    return shutil.which("nginx") or "/usr/sbin/nginx"


def _make_records() -> list[str]:
    """Contributions the LSP may edit, on a learner whose team they are on (public ids)."""
    from sqlalchemy import select

    from app.agencies.accounts.models import User
    from app.cases.contributions import services
    from app.cases.learners.models import Learner
    from app.cases.team.models import TeamMembership
    from app.extensions import db

    lsp = db.session.scalars(select(User).where(User.email.matches(EDITOR))).one()
    learner = db.session.scalars(select(Learner).join(TeamMembership, TeamMembership.learner_id == Learner.id)
                                 .where(TeamMembership.user_id == lsp.id).order_by(Learner.id)).first()
    records = [services.add_contribution(lsp, learner, kind="intervention_record", visibility="team",
                                         title=f"Cluster record {n}", body=f"<p>initial {n}</p>").public_id
               for n in range(RECORDS)]
    db.session.commit()
    return records


# --- the people making the load ---------------------------------------------------------------------------


class Tally:
    """Every answer, by kind: statuses, latencies, and when (for the fault cases' timelines)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.statuses: dict[str, Counter] = defaultdict(Counter)
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.timeline: list[tuple[float, str, int]] = []
        self.samples: dict[str, str] = {}
        self.saved: dict[str, list[str]] = defaultdict(list)  # contribution -> bodies acknowledged
        self.unacknowledged: dict[str, int] = {}  # body -> the status of a save that did not answer 302
        self.entries: list[str] = []  # CPD entries acknowledged
        self.lost_on_conflict = 0
        self.sessions_ended = 0  # a reader, editor or writer sent to sign in again
        self.failures: list[str] = []

    def note(self, kind: str, answer: Answer) -> None:
        with self.lock:
            self.statuses[kind][answer.status] += 1
            self.latencies[kind].append(answer.seconds)
            self.timeline.append((time.time(), kind, answer.status))
            if answer.status >= 500 or answer.status == 0:
                self.samples.setdefault(f"{kind} {answer.status}", answer.heading()[:200])

    def count(self, test) -> int:
        return sum(count for statuses in self.statuses.values() for status, count in statuses.items() if test(status))


def sign_in(browser: Browser, email: str, tally: Tally, kind: str = "sign-in", code: str | None = None) -> bool:
    return browser.sign_in(email, DEMO_PASSWORD, None if code is None else lambda: code,
                           lambda answer: tally.note(kind, answer))


def sign_out(browser: Browser, tally: Tally) -> None:
    page = browser.get("/")
    tally.note("read", page)
    fields = form_on(page, "sign-out")
    if fields is not None:
        tally.note("sign-in", browser.post("/sign-out", fields))


class Load:
    """People working through nginx until `stop` is set: readers, editors, CPD writers and people signing in."""

    def __init__(self, cluster: Cluster, tally: Tally, *, readers=3, editors=3, writers=1, signers=1):
        self.cluster, self.tally = cluster, tally
        self.stop = threading.Event()
        self.learners: list[str] = []
        self.threads = [threading.Thread(target=self._guard, args=(work, n), daemon=True)
                        for work, count in ((self.read, readers), (self.edit, editors), (self.write_cpd, writers),
                                            (self.sign_ins, signers))
                        for n in range(count)]

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def finish(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=120)

    def _guard(self, work, number: int) -> None:
        try:
            work(number)
        except Exception as error:  # noqa: BLE001 - a broken load thread is a finding, reported at the end
            self.tally.failures.append(f"{work.__name__} {number}: {type(error).__name__}: {error}")

    def _signed_in(self, email: str, kind: str) -> Browser:
        while not self.stop.is_set():
            browser = self.cluster.through_nginx()
            if sign_in(browser, email, self.tally, kind):
                return browser
            browser.close()
            time.sleep(0.5)
        return self.cluster.through_nginx()

    def _still_signed_in(self, browser: Browser, answer: Answer, email: str, kind: str) -> Browser:
        """`browser`, or a new one signed in again when `answer` sent it to sign in: its session ended, which
        nothing in the load should do (counted, and the check fails on it)."""
        if answer.status in (302, 303) and "/sign-in" in answer.location:
            with self.tally.lock:
                self.tally.sessions_ended += 1
            browser.close()
            return self._signed_in(email, kind)
        return browser

    def read(self, number: int) -> None:
        email = ("teacher@oakfield.example", EDITOR)[number % 2]
        browser = self._signed_in(email, "read")
        listing = browser.get("/learners")
        self.tally.note("read", listing)
        learners = sorted(set(re.findall(r'href="/learners/([A-Za-z0-9_-]{8,})"', listing.page)))
        while not self.stop.is_set():
            choice = random.random()
            if choice < 0.2 or not learners:
                path = "/"
            elif choice < 0.35:
                path = "/learners"
            elif choice < 0.6:
                path = f"/learners/{random.choice(learners)}"
            elif choice < 0.9:
                path = f"/learners/{random.choice(learners)}/plan"
            else:
                path = "/cpd"
            answer = browser.get(path)
            self.tally.note("read", answer)
            browser = self._still_signed_in(browser, answer, email, "read")

    def edit(self, number: int) -> None:
        browser = self._signed_in(EDITOR, "edit")
        records = self.cluster.records
        made = 0
        while not self.stop.is_set():
            record = records[(number + made) % len(records)]
            page = browser.get(f"/contributions/{record}/edit")
            self.tally.note("edit", page)
            browser = self._still_signed_in(browser, page, EDITOR, "edit")
            fields = form_on(page, "/edit") if page.status == 200 else None
            if fields is None:
                time.sleep(0.2)
                continue
            body = f"<p>editor {number} edit {made} {uuid.uuid4().hex[:8]}</p>"
            answer = browser.post(f"/contributions/{record}/edit", with_values(fields, body=body,
                                                                                title=f"Record by {number}"))
            self.tally.note("edit", answer)
            made += 1
            browser = self._still_signed_in(browser, answer, EDITOR, "edit")
            with self.tally.lock:
                if answer.status == 302 and answer.location.endswith(f"/contributions/{record}"):
                    self.tally.saved[record].append(body)
                else:
                    self.tally.unacknowledged[body] = answer.status
                if answer.status == 409 and body not in answer.page.replace("&lt;", "<").replace("&gt;", ">"):
                    self.tally.lost_on_conflict += 1

    def write_cpd(self, number: int) -> None:
        browser = self._signed_in(EDITOR, "cpd")
        made = 0
        while not self.stop.is_set():
            page = browser.get("/cpd/entries/new?model=gibbs")
            self.tally.note("cpd", page)
            browser = self._still_signed_in(browser, page, EDITOR, "cpd")
            fields = form_on(page, "/cpd/entries/new") if page.status == 200 else None
            if fields is None:
                time.sleep(0.5)
                continue
            today = date.today()
            answer = browser.post("/cpd/entries/new", with_values(
                fields, reflective_model="gibbs", activity_on=[str(today.day), str(today.month), str(today.year)],
                hours="1.5", activity_type="webinar", participation="individual",
                title=f"Cluster webinar {number}-{made}", content="Precision teaching probes.",
                prompt_description="A webinar.", prompt_feelings="Keen.", prompt_evaluation="Good examples.",
                prompt_analysis="Short probes suit tired learners.", prompt_conclusion="I will use them.",
                action_what="Use probes", action_how="Two learners, daily chart",
                action_by=[str((today + timedelta(days=30)).day), str((today + timedelta(days=30)).month),
                           str((today + timedelta(days=30)).year)]))
            self.tally.note("cpd", answer)
            made += 1
            if answer.status == 302 and "/cpd/entries/" in answer.location:
                with self.tally.lock:
                    self.tally.entries.append(answer.location.rstrip("/").rsplit("/", 1)[-1])
            time.sleep(0.5)  # a person writes an entry now and then, not in a tight loop

    def sign_ins(self, number: int) -> None:
        totp, made = pyotp.TOTP(DEMO_TOTP), 0
        while not self.stop.is_set():
            browser = self.cluster.through_nginx()
            step = totp.timecode(datetime.now(UTC))
            if number == 0 and time.time() % 30 < 25 and _take_step(step):
                email, code = WITH_CODE, totp.generate_otp(step)
            else:
                email, code = PASSWORD_ONLY[made % len(PASSWORD_ONLY)], None
            made += 1
            if sign_in(browser, email, self.tally, code=code):
                home = browser.get("/")
                self.tally.note("sign-in", home)
                sign_out(browser, self.tally)
            elif not self.stop.is_set():
                self.tally.failures.append(f"sign-in as {email} did not reach home") if len(
                    self.tally.failures) < 20 else None
            browser.close()


_steps_used: set[int] = set()
_steps_lock = threading.Lock()


def _take_step(step: int) -> bool:
    """Whether the SENCo's code for this 30 s step is still unused by any load in this process (Braid refuses a
    code used before: a later load must not replay an earlier one's)."""
    with _steps_lock:
        if step in _steps_used:
            return False
        _steps_used.add(step)
        return True


# --- checks after the load ------------------------------------------------------------------------------


def check_sessions_shared(cluster: Cluster) -> tuple[bool, str]:
    """Sign in on node A directly; the same cookies on node B reach the home page."""
    tally = Tally()
    first = cluster.direct(0)
    if not sign_in(first, "teacher@oakfield.example", tally):
        return False, "could not sign in on node A"
    second = cluster.direct(1 % len(cluster.node_ports), first.cookies)
    answer = second.get("/")
    shared = answer.status == 200 and "Sign in" not in answer.heading()
    first.close()
    second.close()
    return shared, f"node B answered {answer.status} ({answer.heading()[:60]!r})"


def check_limits_shared(cluster: Cluster, limit: int = 5) -> tuple[bool, str]:
    """`limit` wrong passwords for one address, alternating between the nodes, then one more: 429 at once."""
    email = f"nobody-{uuid.uuid4().hex[:8]}@cluster.example"
    cookies: dict = {}
    statuses = []
    for attempt in range(limit + 1):
        browser = cluster.direct(attempt % len(cluster.node_ports), cookies)
        page = browser.get("/sign-in")
        fields = form_on(page, "sign-in") or [["csrf_token", ""]]
        answer = browser.post("/sign-in", with_values(fields, email=email, password="not-the-password-at-all"))
        statuses.append(answer.status)
        cookies = browser.cookies
        browser.close()
    # Then through nginx, whose address the nodes see through X-Forwarded-For: the account's count is the same.
    browser = cluster.through_nginx()
    page = browser.get("/sign-in")
    fields = form_on(page, "sign-in") or [["csrf_token", ""]]
    statuses.append(browser.post("/sign-in", with_values(fields, email=email, password="wrong-again-entirely")).status)
    browser.close()
    ok = statuses[:limit] == [200] * limit and statuses[limit:] == [429, 429]
    return ok, f"answers A,B,A,…: {statuses}"


def _check_saved(saved: dict, entries: list[str], unacknowledged: dict | None = None) -> dict:
    from sqlalchemy import select

    from app.cases.contributions.models import Contribution
    from app.cpd.entries.models import ReflectiveEntry
    from app.extensions import db

    lost = doubled = 0
    unacknowledged = unacknowledged or {}
    # Saves that committed although their answer was not 302 (the server went away after the commit, before the
    # answer): not lost, but the person was told to try again. By the status they got.
    saved_unanswered: Counter = Counter()
    for public_id, bodies in saved.items():
        contribution = db.session.scalars(select(Contribution).where(Contribution.public_id == public_id)).one()
        kept = Counter([revision.body for revision in contribution.revisions] + [contribution.body])
        for body in bodies:
            lost += kept[body] == 0
            doubled += kept[body] > 1
        extra = [body for body in kept if body in unacknowledged]
        saved_unanswered.update(unacknowledged[body] for body in extra)
        # Every acknowledged save, and nothing more than those and the unanswered ones found.
        lost += abs(contribution.version - 1 - len(bodies) - len(extra))
    found = set(db.session.scalars(select(ReflectiveEntry.public_id).where(ReflectiveEntry.public_id.in_(entries))))
    return {"lost edits": lost, "doubled edits": doubled, "entries missing": len(set(entries) - found),
            "saved though not answered 302": dict(saved_unanswered)}


def check_saved(cluster: Cluster, tally: Tally) -> dict:
    return cluster.run_in_app(lambda: _check_saved(dict(tally.saved), list(tally.entries), dict(tally.unacknowledged)))


def failed_runs(cluster: Cluster) -> set[str]:
    """Public ids of the runs the ledger reports failed (the demo shows one on the administrator's page)."""
    import psycopg

    with psycopg.connect(f"host=127.0.0.1 port={cluster.pg_port} user=postgres dbname=braid") as db:
        return {row[0] for row in db.execute("SELECT public_id FROM job_run WHERE status = 'failed'")}


def jobs_drained(cluster: Cluster, seconds: float = 90, before: set[str] = frozenset()) -> tuple[bool, str]:
    """Wait until no run is queued and due, nor running: the worker has done everything handed to it, and no run
    failed for good since `before` (the failed runs' ids then)."""
    import psycopg

    deadline = time.monotonic() + seconds
    with psycopg.connect(f"host=127.0.0.1 port={cluster.pg_port} user=postgres dbname=braid", autocommit=True) as db:
        while True:
            waiting = db.execute("SELECT count(*) FROM job_run WHERE (status = 'queued' AND next_attempt_at <= now())"
                                 " OR status = 'running'").fetchone()[0]
            counts = dict(db.execute("SELECT status, count(*) FROM job_run GROUP BY status").fetchall())
            failed = [row[1:] for row in db.execute(
                "SELECT public_id, name, attempts, last_error FROM job_run WHERE status = 'failed'")
                if row[0] not in before]
            if waiting == 0 or time.monotonic() > deadline:
                words = f"{waiting} waiting; runs by status {counts}; failed since the start: {failed or 'none'}"
                return waiting == 0 and not failed, words
            time.sleep(1)


def verify_chain(cluster: Cluster) -> tuple[bool, str]:
    result = cluster.flask("audit", "verify", check=False)
    words = (result.stdout.strip().splitlines() or result.stderr.strip().splitlines() or ["(nothing said)"])[0]
    return result.returncode == 0, words


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))] if ordered else 0.0


def figures(tally: Tally, seconds: float) -> dict:
    kinds = {}
    for kind in sorted(tally.statuses):
        latencies = tally.latencies[kind]
        kinds[kind] = {"requests": sum(tally.statuses[kind].values()), "statuses": dict(tally.statuses[kind]),
                       "p50 ms": round(statistics.median(latencies) * 1000) if latencies else 0,
                       "p95 ms": round(percentile(latencies, 0.95) * 1000),
                       "p99 ms": round(percentile(latencies, 0.99) * 1000)}
    total = sum(kind["requests"] for kind in kinds.values())
    every = [value for values in tally.latencies.values() for value in values]
    return {"seconds": round(seconds, 1), "requests": total, "requests per second": round(total / seconds, 1),
            "p50 ms": round(statistics.median(every) * 1000) if every else 0,
            "p95 ms": round(percentile(every, 0.95) * 1000), "p99 ms": round(percentile(every, 0.99) * 1000),
            "5xx": tally.count(lambda status: status >= 500), "no answer": tally.count(lambda status: status == 0),
            "by kind": kinds, "edits acknowledged": sum(len(bodies) for bodies in tally.saved.values()),
            "conflicts": tally.statuses["edit"].get(409, 0), "cpd entries acknowledged": len(tally.entries),
            "sessions ended": tally.sessions_ended,
            "5xx pages": tally.samples, "load failures": tally.failures[:20]}


def print_figures(found: dict) -> None:
    print(f"{found['requests']:,} requests in {found['seconds']} s through nginx: "
          f"{found['requests per second']} req/s; "
          f"p50 {found['p50 ms']} ms, p95 {found['p95 ms']} ms, p99 {found['p99 ms']} ms; "
          f"5xx {found['5xx']}, no answer {found['no answer']}")
    for kind, numbers in found["by kind"].items():
        print(f"  {kind:8} {numbers['requests']:6,} requests  p50 {numbers['p50 ms']:5} ms  "
              f"p95 {numbers['p95 ms']:5} ms  p99 {numbers['p99 ms']:5} ms  statuses {numbers['statuses']}")
    print(f"  edits acknowledged {found['edits acknowledged']} (conflict pages {found['conflicts']}), "
          f"CPD entries {found['cpd entries acknowledged']}, sessions ended {found['sessions ended']}")
    if found["5xx pages"]:
        print(f"  5xx pages: {found['5xx pages']}")
    if found["load failures"]:
        print(f"  load problems: {found['load failures']}")


def run_check(options) -> int:
    folder = Path(tempfile.mkdtemp(prefix="braid-cluster-"))
    os.chmod(folder, 0o755)
    cluster = Cluster(folder, workers=options.workers, threads=options.threads)
    try:
        cluster.start()
        tally = Tally()
        load = Load(cluster, tally, readers=options.readers, editors=options.editors, writers=options.writers,
                    signers=options.signers)
        failed_before = failed_runs(cluster)
        cpu_before = time.process_time()
        began = time.monotonic()
        load.start()
        time.sleep(options.seconds)
        load.finish()
        elapsed = time.monotonic() - began
        found = figures(tally, elapsed)
        found["load generator cpu s"] = round(time.process_time() - cpu_before, 1)
        print_figures(found)
        checks = {}
        checks["sessions shared"] = check_sessions_shared(cluster)
        checks["rate limits shared"] = check_limits_shared(cluster)
        saved = check_saved(cluster, tally)
        checks["nothing lost"] = (saved["lost edits"] == 0 and saved["doubled edits"] == 0
                                  and not saved["saved though not answered 302"]
                                  and saved["entries missing"] == 0 and tally.lost_on_conflict == 0,
                                  f"{saved}, typed text missing from conflict pages {tally.lost_on_conflict}")
        checks["no 5xx"] = (found["5xx"] == 0 and found["no answer"] == 0,
                            f"5xx {found['5xx']}, no answer {found['no answer']}")
        checks["sessions kept"] = (tally.sessions_ended == 0, f"{tally.sessions_ended} sent to sign in again")
        checks["jobs drained"] = jobs_drained(cluster, before=failed_before)
        checks["audit chain"] = verify_chain(cluster)
        problems = cluster.log_problems()
        for name, (ok, words) in checks.items():
            print(f"{'ok  ' if ok else 'FAIL'} {name}: {words}")
        for line in problems[:15]:
            print(f"  logged: {line}")
        found["checks"] = {name: {"ok": ok, "detail": words} for name, (ok, words) in checks.items()}
        found["logged errors"] = problems[:50]
        found["machine"] = {"cores": os.cpu_count(), "shared": True, "nodes": len(cluster.node_ports),
                            "gunicorn": f"{options.workers} workers x {options.threads} threads per node"}
        if options.json:
            Path(options.json).write_text(json.dumps(found, indent=2, default=str))
        ok = all(ok for ok, _ in checks.values()) and not tally.failures
        print("targets (0 5xx, 0 lost, sessions and limits shared, chain verified, jobs drained):",
              "met" if ok else "NOT MET")
        return 0 if ok else 1
    finally:
        cluster.stop()
        if options.keep:
            print(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


def options_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60, help="length of the mixed load (default 60)")
    parser.add_argument("--json", help="write the figures and checks to this file")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per node (default 2)")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker (default 4)")
    parser.add_argument("--readers", type=int, default=3)
    parser.add_argument("--editors", type=int, default=3)
    parser.add_argument("--writers", type=int, default=1, help="people writing CPD entries")
    parser.add_argument("--signers", type=int, default=1, help="people signing in and out")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (logs) at the end")
    return parser


if __name__ == "__main__":
    sys.exit(run_check(options_parser().parse_args()))
