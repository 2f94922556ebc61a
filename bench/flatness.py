"""Is each page's cost flat as the data grows? CPU and wall clock per request and SQL statements, small world against
large.

    .venv/bin/python bench/flatness.py [--requests N] [--engine sqlite|postgresql|both] [--json PATH]
    (or `make bench-flatness`, part of `make bench`)

Worlds: one school of 200 learners against one of 2,000, and an authority of 1,000 learners against 10,000. A school
world is the demo (`flask demo load`) with its own school grown by this bench's bulk factories (learners with every
sealed field, one in ten on the demo teacher's caseload); an authority world is the demo beside `flask demo scale
--learners N` (should that fail, the factories: the demo school grown to 200, the rest in schools of 250). Every page
is asked in-process with the Flask test client, signed in through the real sign-in: each role's home page, Maya's
plan, the learner list (SENCo and teacher), the DSL's first review page, the CPD log, Maya's chronology, a refused
(audited) request and an anonymous one. Printed per page: statements, CPU and wall-clock ms per request in each
world (the fastest of five rounds, the two worlds measured in alternating rounds so that the machine's changing load
falls on both alike), and the ratios beside the 1.2x target (the statement count must not move at all). JSON goes to
--json (default instance/bench/flatness.json).
On PostgreSQL each world's planner statistics are gathered once it is built (VACUUM ANALYZE), as a live server's
autovacuum would within a minute or so.
Both CPU time (time.process_time, the steadier on a shared machine) and the wall clock are compared, in one run:
on PostgreSQL the server's work is another process's, which only the wall clock counts.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flask_migrate import upgrade
from sqlalchemy import event, select
from sqlalchemy.engine import make_url

from app import create_app
from app.agencies.accounts.models import Agency, AgencyKind, User
from app.cases.learners.models import AreaOfNeed, Learner, SenStatus
from app.cases.team.models import TeamMembership
from app.extensions import db
from app.security.keys import Keyring
from app.types import utcnow
from bench.harness import gather_statistics
from tests.fixtures.application import sign_in
from tests.fixtures.learners import make_learner

TARGET = 1.2
PASSWORD = "braid-demo-2026"
POSTGRES = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
DEMO_SCHOOL = "Oakfield Primary School"
SCHOOL_SIZE = 250  # learners in each further school of the authority
# (world, learners): compared in pairs, small then large.
WORLDS = (("one school", 200), ("one school", 2_000), ("authority", 1_000), ("authority", 10_000))
ROLES = ("senco", "teacher", "dsl", "lsp")


def pages(maya: str) -> list[tuple[str, str, str | None, int]]:
    """(name, url, who asks (a role, None: anonymous), expected status)."""
    return [
        *((f"home ({role})", "/", role, 200) for role in ROLES),
        ("plan (Maya, SENCo)", f"/learners/{maya}/plan", "senco", 200),
        ("learners (SENCo)", "/learners", "senco", 200),
        ("learners (teacher)", "/learners", "teacher", 200),
        ("audit review (DSL)", "/audit", "dsl", 200),
        ("CPD log (SENCo)", "/cpd", "senco", 200),
        ("chronology (Maya, SENCo)", f"/learners/{maya}/chronology", "senco", 200),
        ("refused (teacher, /audit)", "/audit", "teacher", 403),
        ("anonymous (to sign-in)", "/learners", None, 302),
    ]


# --- worlds ------------------------------------------------------------------------------------------


def database_url(engine: str, workdir: Path, made: list) -> str:
    if engine == "sqlite":
        return f"sqlite:///{workdir / (uuid.uuid4().hex[:8] + '.sqlite3')}"
    import psycopg

    server = make_url(POSTGRES)
    name = f"braid_flatness_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server.set(drivername="postgresql").render_as_string(hide_password=False),
                         autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    made.append(name)
    return server.set(drivername="postgresql+psycopg", database=name).render_as_string(hide_password=False)


def drop_databases(made: list) -> None:
    if not made:
        return
    import psycopg

    server = make_url(POSTGRES)
    with psycopg.connect(server.set(drivername="postgresql").render_as_string(hide_password=False),
                         autocommit=True) as admin:
        for name in made:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def build(url: str, workdir: Path, kind: str, learners: int):
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url, "BRAID_FIELD_KEYS": Keyring.generate().to_json(),
                                 "BRAID_KEY_STORE_URL": f"sqlite:///{workdir / (uuid.uuid4().hex[:8] + '-k.sqlite3')}"})
    with app.app_context():
        upgrade()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    if kind == "one school":
        # The demo's own school grown (its people ask the pages): `flask demo scale` builds schools beside it.
        with app.app_context():
            grow(learners, 0)
        how = "the demo school grown by the bench's factories"
    else:
        scaled = runner.invoke(args=["demo", "scale", "--learners", str(learners)])
        how = "flask demo scale"
        if scaled.exit_code != 0:
            how = "the bench's factories (`flask demo scale` failed)"
            with app.app_context():
                grow(200, learners - 200)
    with app.app_context():
        gather_statistics()
    return app, how


def grow(school_total: int, elsewhere: int) -> None:
    """The demo school grown to `school_total` learners (one in ten on the demo teacher's caseload) and
    `elsewhere` more learners in schools of SCHOOL_SIZE beside it."""
    oakfield = db.session.scalars(select(Agency).where(Agency.name.matches(DEMO_SCHOOL))).one()
    teacher = db.session.scalars(select(User).where(User.email.matches("teacher@oakfield.example"))).one()
    have = db.session.query(Learner).filter(Learner.school_id == oakfield.id).count()
    _learners(oakfield.id, max(0, school_total - have), teacher)
    for first in range(0, elsewhere, SCHOOL_SIZE):
        other = Agency(name=f"Scale School {first // SCHOOL_SIZE + 1}", kind=AgencyKind.SCHOOL)
        db.session.add(other)
        db.session.flush()
        _learners(other.id, min(SCHOOL_SIZE, elsewhere - first), None, offset=first + 100_000)


def _learners(school: int, count: int, teacher, offset: int = 10_000) -> None:
    areas, statuses = list(AreaOfNeed), [SenStatus.SEN_SUPPORT, SenStatus.EHC_PLAN, None]
    start = utcnow() - timedelta(days=1)
    for n in range(count):
        learner = make_learner(school, offset + n, name=f"Scale Learner{offset + n}")
        learner.areas_of_need, learner.sen_status = [areas[n % 4]], statuses[n % 3]
        if teacher is not None and n % 10 == 0:
            db.session.flush()
            db.session.add(TeamMembership(learner_id=learner.id, user_id=teacher.id, role=teacher.role,
                                          starts_at=start))
        if n % 500 == 499:
            db.session.commit()
    db.session.commit()


# --- measuring ---------------------------------------------------------------------------------------


class Site:
    """One world's app, its signed-in clients and a statement counter on its engine."""

    def __init__(self, app):
        self.app = app
        with app.app_context():
            self.maya = next(row.public_id for row in db.session.scalars(select(Learner)) if row.name == "Maya Carter")
            self.engine = db.engine
        limits = [key for key in app.config if key.startswith("RATELIMIT_") and key.endswith(("_ACCOUNT", "_IP"))]
        for setting in limits:
            app.config[setting] = "1000000 per minute"  # the bench asks the review page far more than a person may
        self.clients = {None: app.test_client()}
        for role in ROLES:
            self.clients[role] = app.test_client()
            assert sign_in(self.clients[role], f"{role}@oakfield.example", PASSWORD).status_code == 302, role
        self.counted = 0
        event.listen(self.engine, "before_cursor_execute", self._count)

    def _count(self, *_):
        self.counted += 1

    def statements(self, role, url: str, status: int) -> int:
        for _ in range(3):
            self.clients[role].get(url)
        self.counted = 0
        response = self.clients[role].get(url)
        assert response.status_code == status, f"{url} as {role}: {response.status_code}, not {status}"
        return self.counted

    def cost_ms(self, role, url: str, requests: int) -> tuple[float, float]:
        """CPU and wall-clock milliseconds a request: the wall clock also counts the database server's work (on
        PostgreSQL another process, which CPU time alone would leave out)."""
        started, started_wall = time.process_time(), time.perf_counter()
        for _ in range(requests):
            self.clients[role].get(url)
        return ((time.process_time() - started) / requests * 1000,
                (time.perf_counter() - started_wall) / requests * 1000)

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._count)
        with self.app.app_context():
            db.session.remove()
            db.engine.dispose()
        self.app.extensions["braid_learner_keys"].dispose()


ROUNDS = 5


def measure_pair(small: Site, large: Site, requests: int) -> tuple[dict, dict]:
    """Each page in both worlds, in alternating rounds (the machine's load drifts alike for both): the fastest
    round of each world is kept."""
    results = ({}, {})
    for (name, url, role, status), (_, large_url, _, _) in zip(pages(small.maya), pages(large.maya), strict=True):
        counts = small.statements(role, url, status), large.statements(role, large_url, status)
        cpu, wall = [float("inf"), float("inf")], [float("inf"), float("inf")]
        for _ in range(ROUNDS):
            for index, (site, address) in enumerate(((small, url), (large, large_url))):
                spent = site.cost_ms(role, address, max(1, requests // ROUNDS))
                cpu[index], wall[index] = min(cpu[index], spent[0]), min(wall[index], spent[1])
        for index in (0, 1):
            results[index][name] = {"statements": counts[index], "cpu_ms": cpu[index], "wall_ms": wall[index]}
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=50, help="requests per page and world (default 50)")
    parser.add_argument("--engine", choices=("sqlite", "postgresql", "both"), default="sqlite")
    parser.add_argument("--json", type=Path, default=Path("instance/bench/flatness.json"))
    parser.add_argument("--pairs", default="school,authority", help="which comparisons: school, authority or both")
    options = parser.parse_args()
    engines = ("sqlite", "postgresql") if options.engine == "both" else (options.engine,)
    wanted = options.pairs.split(",")
    chosen = [world for world in WORLDS if ("school" if world[0] == "one school" else "authority") in wanted]
    report = {"target": TARGET, "requests": options.requests, "engines": {}}
    made: list[str] = []
    try:
        with tempfile.TemporaryDirectory(prefix="braid-flatness-") as folder:
            workdir = Path(folder)
            for engine in engines:
                measured = {}
                for pair in range(0, len(chosen), 2):
                    sites = []
                    for kind, learners in chosen[pair:pair + 2]:
                        started = time.monotonic()
                        app, how = build(database_url(engine, workdir, made), workdir, kind, learners)
                        print(f"[{engine}] {kind}, {learners:,} learners: built with {how} in "
                              f"{time.monotonic() - started:.0f} s", flush=True)
                        sites.append((f"{kind}, {learners} learners", Site(app)))
                    (small_name, small), (large_name, large) = sites
                    measured[small_name], measured[large_name] = measure_pair(small, large, options.requests)
                    for _, site in sites:
                        site.close()
                report["engines"][engine] = {"worlds": measured, "comparisons": compare(engine, measured)}
    finally:
        drop_databases(made)
    options.json.parent.mkdir(parents=True, exist_ok=True)
    options.json.write_text(json.dumps(report, indent=2))
    print(f"JSON written to {options.json}")
    return 0 if all(row["flat"] for engine in report["engines"].values() for row in engine["comparisons"]) else 1


def compare(engine: str, measured: dict) -> list[dict]:
    """Print and return each page's small-against-large comparison, for each pair of worlds measured."""
    names = list(measured)
    rows = []
    for small, large in zip(names[::2], names[1::2], strict=False):
        print(f"\n[{engine}] {small} -> {large} (target: CPU and wall clock each within {TARGET}x, statements equal)")
        print(f"{'page':28s} {'stmts':>11s} {'CPU ms':>15s} {'ratio':>6s} {'wall ms':>15s} {'ratio':>6s}")
        for page, before in measured[small].items():
            after = measured[large][page]
            ratio = after["cpu_ms"] / before["cpu_ms"] if before["cpu_ms"] else float("nan")
            wall_ratio = after["wall_ms"] / before["wall_ms"] if before["wall_ms"] else float("nan")
            flat = ratio <= TARGET and wall_ratio <= TARGET and after["statements"] == before["statements"]
            print(f"{page:28s} {before['statements']:>5d} {after['statements']:>5d} "
                  f"{before['cpu_ms']:>7.2f} {after['cpu_ms']:>7.2f} {ratio:>5.2f}x "
                  f"{before['wall_ms']:>7.2f} {after['wall_ms']:>7.2f} {wall_ratio:>5.2f}x "
                  f"{'ok' if flat else 'NOT FLAT'}")
            rows.append({"from": small, "to": large, "page": page, "statements": [before["statements"],
                         after["statements"]], "cpu_ms": [before["cpu_ms"], after["cpu_ms"]], "ratio": ratio,
                         "wall_ms": [before["wall_ms"], after["wall_ms"]], "wall_ratio": wall_ratio, "flat": flat})
    return rows


if __name__ == "__main__":
    sys.exit(main())
