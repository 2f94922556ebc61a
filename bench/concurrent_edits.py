"""Many people editing the same records at once, on a loaded machine: no 5xx, no lost edit, a chain that verifies.

    .venv/bin/python bench/concurrent_edits.py      (or `make bench-concurrency`; `make bench` runs every bench)

Sixteen threads (`--threads`), each one person's browser tab with its own session, make 200 edits each
(`--edits`) to four contributions of one learner over real HTTP: load the edit page, post the text with
the version it showed. gunicorn serves the app (2 gthread workers x 8 threads, development settings, the
sealer running). With `--busy` (the default) the bench also starts two CPU-bound processes per core for
the length of each run, and stops them after. Reported per run and backend: requests, 5xx responses,
lost edits (a save that answered 302 but whose text is not exactly once in the record's history, or a
conflict page without the typed text), p50 and p99 latency of the saves, and whether the audit chain
verified afterwards; any other answer is listed with its page's heading, and the server's warnings and
errors follow. A request the server closed an idle kept-alive connection on is sent again on a new one,
as a browser does (counted as "resent"). Three runs by default (`--runs`). Targets: zero 5xx, zero lost
edits, chain intact.

PostgreSQL uses a throwaway database on BENCH_POSTGRES_URL (default: the local server).
"""
from __future__ import annotations

import argparse
import html
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import select  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from deploy.browser import Browser  # noqa: E402
from deploy.processes import Server  # noqa: E402

POSTGRES = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
PASSWORD = "bench-concurrency-lantern-58"
RECORDS = 4
VERSION = re.compile(r'name="version" type="hidden" value="(\d+)"')
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')  # the development settings check it
HEADING = re.compile(r"<h1[^>]*>(.*?)</h1>|govuk-error-message[^>]*>(.*?)</", re.S)
# Two gthread workers x 8 threads; the long timeout lets a save wait out a loaded machine instead of being killed.
GTHREAD_WORKERS = ("-w", "2", "-k", "gthread", "--threads", "8", "--log-level", "warning", "--timeout", "120")


class Database:
    """A migrated throwaway database for one run."""

    def __init__(self, backend: str, folder: Path):
        self.backend, self.admin, self.name = backend, None, None
        if backend == "sqlite":
            self.url = f"sqlite:///{folder / 'bench.sqlite3'}"
        else:
            import psycopg

            server = make_url(POSTGRES)
            self.admin = psycopg.connect(server.set(drivername="postgresql").render_as_string(hide_password=False),
                                         autocommit=True)
            self.name = f"braid_bench_edits_{uuid.uuid4().hex[:10]}"
            self.admin.execute(f'CREATE DATABASE "{self.name}"')
            database = server.set(drivername="postgresql+psycopg", database=self.name)
            self.url = database.render_as_string(hide_password=False)

    def drop(self) -> None:
        if self.admin is not None:
            self.admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            self.admin.close()


def _prepare(database_url: str, instance: Path) -> tuple[str, list[str]]:
    """Migrate, then one school, learner, LSP on the team and four contributions: (LSP's email, record ids)."""
    from datetime import date, timedelta

    from app.agencies.accounts import services as accounts
    from app.agencies.accounts.models import Agency, AgencyKind, Role
    from app.cases.contributions import services
    from app.cases.learners.models import AreaOfNeed, Learner
    from app.cases.team.models import TeamMembership
    from app.types import utcnow

    os.environ["BRAID_INSTANCE_PATH"] = str(instance)
    app = create_app("development", {"SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        upgrade()
        school = Agency(name="Bench Concurrency School", kind=AgencyKind.SCHOOL)
        db.session.add(school)
        db.session.flush()
        user, _ = accounts.create_account(None, agency=school, email="lsp@bench.example", display_name="Bench LSP",
                                          role=Role.LSP, password=PASSWORD)
        learner = Learner(school_id=school.id, year_group=4)
        learner.name, learner.preferred_name, learner.upn = "Bench Learner", None, None
        learner.date_of_birth, learner.notes = date(2016, 5, 1), None
        learner.areas_of_need = [AreaOfNeed.COMMUNICATION_INTERACTION]
        db.session.add(learner)
        db.session.flush()
        db.session.add(TeamMembership(learner_id=learner.id, user_id=user.id, role=user.role,
                                      starts_at=utcnow() - timedelta(days=1), ends_at=utcnow() + timedelta(days=90)))
        db.session.flush()
        records = [services.add_contribution(user, learner, kind="intervention_record", visibility="team",
                                             title=f"Record {n}", body=f"<p>initial {n}</p>").public_id
                   for n in range(RECORDS)]
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return "lsp@bench.example", records


def busy_processes() -> list[subprocess.Popen]:
    """Two CPU-bound processes per core, as a loaded machine has."""
    return [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(2 * (os.cpu_count() or 1))]


def _edit(port: int, email: str, records: list[str], thread: int, edits: int, start: threading.Barrier, results):
    browser = Browser(port, timeout=120)
    try:
        if not browser.sign_in(email, PASSWORD):
            results["failures"].append(f"thread {thread} could not sign in")
            start.abort()
            return
        start.wait()
        for edit in range(edits):
            record = records[(thread + edit) % RECORDS]
            page = browser.get(f"/contributions/{record}/edit")
            with results["lock"]:
                results["statuses"][f"GET {page.status}"] += 1
                results["latencies"].append(page.seconds)
                _sample(results, f"GET {page.status}", page.page)
            match, token = VERSION.search(page.page), CSRF.search(page.page)
            if page.status != 200 or match is None or token is None:
                continue
            body = f"<p>thread {thread} edit {edit}</p>"
            saved = browser.post(f"/contributions/{record}/edit", {
                "version": match.group(1), "visibility": "team", "title": f"Record by {thread}", "body": body,
                "csrf_token": token.group(1)})
            with results["lock"]:
                results["statuses"][f"POST {saved.status}"] += 1
                _sample(results, f"POST {saved.status}", saved.page)
                results["save_latencies"].append(saved.seconds)
                results["latencies"].append(saved.seconds)
                if saved.status == 302:
                    results["saved"][record].append(body)
                elif saved.status == 409 and body not in html.unescape(saved.page):
                    results["lost"] += 1
    except threading.BrokenBarrierError:
        pass
    finally:
        with results["lock"]:
            # A request sent again on a new connection: a lost edit or a doubled one would show in the checks.
            results["resent"] += browser.resent
        browser.close()


def _sample(results, key: str, page: str) -> None:
    """The headings and error messages of the first page of each unexpected answer, to say what it was."""
    if key not in ("GET 200", "POST 302", "POST 409") and key not in results["samples"]:
        found = [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", "".join(m))).split()) for m in HEADING.findall(page)]
        results["samples"][key] = "; ".join(found)[:300] or "(no page)"


def _check(database_url: str, instance: Path, records: list[str], saved: dict) -> tuple[int, bool, str]:
    """(lost edits, chain intact, the verification's words), read after the server stopped."""
    from collections import Counter as Tally

    from app.audit import chain
    from app.cases.contributions.models import Contribution

    os.environ["BRAID_INSTANCE_PATH"] = str(instance)
    app = create_app("development", {"SQLALCHEMY_DATABASE_URI": database_url})
    lost = 0
    with app.app_context():
        for public_id in records:
            contribution = db.session.scalars(select(Contribution).where(Contribution.public_id == public_id)).one()
            kept = [revision.body for revision in contribution.revisions] + [contribution.body]
            tally, expected = Tally(kept[1:]), Tally(saved[public_id])
            lost += sum((expected - tally).values()) + sum((tally - expected).values())
            lost += abs(contribution.version - 1 - len(saved[public_id]))
        db.session.remove()
        chain.seal_pending(lock_timeout_ms=5000)
        result = chain.verify_chain()
        db.engine.dispose()
    return lost, result.intact, f"{result.event_count:,} events" if result.intact else str(result.problem)


def run_once(backend: str, threads: int, edits: int, busy: bool) -> dict:
    folder = Path(tempfile.mkdtemp(prefix="braid-bench-edits-"))
    database = Database(backend, folder)
    hogs: list[subprocess.Popen] = []
    try:
        instance = folder / "instance"
        email, records = _prepare(database.url, instance)
        server = Server(folder / "gunicorn.log", options=GTHREAD_WORKERS,
                        env=dict(os.environ, DATABASE_URL=database.url, BRAID_INSTANCE_PATH=str(instance),
                                 BRAID_CONFIG="development"))
        results = {"lock": threading.Lock(), "statuses": Counter(), "latencies": [], "save_latencies": [],
                   "saved": defaultdict(list), "lost": 0, "failures": [], "samples": {}, "resent": 0}
        try:
            hogs = busy_processes() if busy else []
            start = threading.Barrier(threads)
            began = time.monotonic()
            workers = [threading.Thread(target=_edit, args=(server.port, email, records, n, edits, start, results))
                       for n in range(threads)]
            for worker in workers:
                worker.start()
            for worker in workers:
                worker.join()
            elapsed = time.monotonic() - began
        finally:
            for hog in hogs:
                hog.kill()
                hog.wait()
            server.stop()
        lost, intact, words = _check(database.url, instance, records, results["saved"])
        # What the server said about anything that went wrong (gone with the run's folder otherwise).
        levels = ("WARNING", "ERROR", "CRITICAL")
        problems = [line.strip() for line in (folder / "gunicorn.log").read_text(errors="replace").splitlines()
                    if any(f'"level": "{level}"' in line or f"[{level}]" in line for level in levels)]
        statuses = results["statuses"]
        saves = sorted(results["save_latencies"]) or [0.0]
        return {
            "backend": backend, "seconds": elapsed, "requests": sum(statuses.values()),
            "5xx": sum(count for key, count in statuses.items() if key.split()[-1].startswith("5")),
            "no reply": sum(count for key, count in statuses.items() if key.split()[-1] == "0"),
            "lost": lost + results["lost"], "conflicts": statuses.get("POST 409", 0),
            "p50": statistics.median(saves), "p99": saves[min(len(saves) - 1, int(len(saves) * 0.99))],
            "chain": intact, "verified": words, "failures": results["failures"], "statuses": dict(statuses),
            "server problems": problems, "samples": results["samples"], "resent": results["resent"],
        }
    finally:
        database.drop()
        shutil.rmtree(folder, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--edits", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--busy", action=argparse.BooleanOptionalAction, default=True,
                        help="two CPU-bound processes per core while the edits run (default on)")
    options = parser.parse_args()
    print(f"{options.threads} threads x {options.edits} edits of {RECORDS} contributions, "
          f"{'with' if options.busy else 'without'} {2 * (os.cpu_count() or 1)} busy processes; gunicorn 2 gthread x 8")
    ok = True
    for backend in options.backends.split(","):
        for number in range(1, options.runs + 1):
            found = run_once(backend, options.threads, options.edits, options.busy)
            ok &= found["5xx"] == 0 and found["no reply"] == 0 and found["lost"] == 0 and found["chain"] \
                and not found["failures"]
            print(f"{backend:10} run {number}: {found['requests']:,} requests in {found['seconds']:.1f} s; "
                  f"5xx {found['5xx']}, no reply {found['no reply']} (resent {found['resent']}), "
                  f"lost edits {found['lost']}, conflicts {found['conflicts']}; "
                  f"saves p50 {found['p50'] * 1000:.0f} ms, p99 {found['p99'] * 1000:.0f} ms; "
                  f"chain {'verified' if found['chain'] else 'BROKEN'} ({found['verified']})"
                  + (f"; failures: {found['failures']}" if found["failures"] else ""))
            unexpected = {key: count for key, count in found["statuses"].items()
                          if key not in ("GET 200", "POST 302", "POST 409")}
            if unexpected:
                print(f"{'':10}        other answers: {unexpected}; pages: {found['samples']}")
            for line in found["server problems"][:10]:
                print(f"{'':10}        server: {line[:2000]}")
    print("targets (0 5xx, 0 lost, chain verified):", "met" if ok else "NOT MET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
