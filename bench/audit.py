"""The audit trail's costs, measured in one run and reported as ratios and rates against their targets.

    .venv/bin/python bench/audit.py        (or `make bench-audit`; `make bench` runs every bench)

PostgreSQL parts run on a throwaway database made on BENCH_POSTGRES_URL (default: the local server,
postgresql+psycopg://postgres@127.0.0.1:5432/postgres) and are skipped when it cannot be reached.
Options: --only throughput,verify,review  --backends sqlite,postgresql  --events N (default 1,000,000)
--seconds S (each wrk run, default 10).

1. Auditing's added cost per request: the demo SENCo's plan page of random demo learners, served by
   gunicorn (2 sync workers) to wrk (16 connections, 10 s after a 2 s warm-up), with auditing on and
   off (AUDIT_ENABLED); 3 runs each, alternated, median kept; after the runs every event is sealed and
   the whole chain verified; no response may be other than 2xx. Target: audited >= 0.70 x unaudited,
   SQLite (WAL) and PostgreSQL. Also the CPU per request in-process (test client), which is steadier.
2. Verification: a trail of a million realistic events (20 schools, 200 actors, 5,000 learners,
   about 20 % NULLs per nullable column), sealed (sealing rate reported), then `verify_chain()` timed
   (median of 3). Targets: SQLite >= 500,000 events/s, PostgreSQL >= 250,000. A naive ORM walk
   (one object per event, JSON, SHA-256) over the first 100,000 events for comparison.
3. The DSL's filtered first page over that trail (app.audit.review.services.event_page) against the same
   query written by hand in SQL on the same connection, with the same indexes; median of 300 runs
   each, alternated; target <= 1.2x for every filter.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import func, select, text  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from bench.harness import (  # noqa: E402
    BIN,
    Databases,
    bench_app,
    braid_server,
    csrf_token,
    next_code_for,
    run_wrk,
    sign_in_cookie,
)

DEMO_SENCO = "senco@oakfield.example"
WARM_UP, DURATION, RUNS = 2, 10, 3
THROUGHPUT_TARGET, SQLITE_VERIFY_TARGET, POSTGRES_VERIFY_TARGET, REVIEW_TARGET = 0.70, 500_000, 250_000, 1.2
SCHOOLS, ACTORS, LEARNERS_PER_SCHOOL = 20, 200, 250


def median_of(values):
    return statistics.median(values) if values else float("nan")


# --- 1. throughput with and without auditing ---------------------------------------------------------


def next_demo_code(app) -> str:
    return next_code_for(app, DEMO_SENCO)


WRK_SCRIPT = """
local paths = {%(paths)s}
local cookie = "%(cookie)s"
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) bad = 0; math.randomseed(os.time() + math.floor(os.clock() * 1000000)) end
function request() return wrk.format("GET", paths[math.random(#paths)], {["Cookie"] = cookie}) end
function response(status, headers, body) if status < 200 or status > 299 then bad = bad + 1 end end
function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do total = total + thread:get("bad") end
  io.write(string.format("NON2XX %%d\\n", total))
end
"""


def in_process_costs(database_url: str, paths: list[str], password: str, code) -> dict:
    """CPU per request through the test client, audited and unaudited pages alternating (median block ratio)."""
    clients = {}
    for audit in (True, False):
        app = bench_app(database_url, audit)
        client = app.test_client()
        token = csrf_token(client.get("/sign-in").get_data(as_text=True))
        assert client.post("/sign-in", data={"csrf_token": token, "email": DEMO_SENCO,
                                             "password": password}).status_code == 302
        token = csrf_token(client.get("/sign-in/code").get_data(as_text=True))
        assert client.post("/sign-in/code", data={"csrf_token": token, "code": code()}).status_code == 302
        app.config["AUDIT_SEAL_INTERVAL"] = 1.0
        clients[audit] = client

    def timed(audit: bool, path: str) -> float:
        start = time.process_time()
        response = clients[audit].get(path)
        assert response.status_code == 200, (path, response.status_code)
        return time.process_time() - start

    def block(pairs: int = 10) -> tuple[float, float]:
        on = off = 0.0
        for n in range(pairs):
            path = paths[n % len(paths)]
            if n % 2:
                off += timed(False, path)
                on += timed(True, path)
            else:
                on += timed(True, path)
                off += timed(False, path)
        return on / pairs, off / pairs

    for _ in range(3):
        block()
    blocks = [block() for _ in range(40)]
    ratios = sorted(off / on for on, off in blocks)
    return {"on": median_of([on for on, _ in blocks]), "off": median_of([off for _, off in blocks]),
            "kept": median_of(ratios), "low": ratios[len(ratios) // 4], "high": ratios[-len(ratios) // 4 - 1]}


def throughput(databases: Databases, backend: str) -> dict:
    instance = databases.workdir / f"instance-{backend}"
    os.environ["BRAID_INSTANCE_PATH"] = str(instance)  # read when each app is created
    database_url = databases.new(backend, "pages")
    app = bench_app(database_url)
    with app.app_context():
        upgrade()
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    password = app.config["BRAID_DEMO_PASSWORD"]
    from app.agencies.accounts.models import User
    from app.cases.learners.models import Learner
    from app.cases.plans.models import SupportPlan

    with app.app_context():
        senco = db.session.scalars(select(User).where(User.email.matches(DEMO_SENCO))).one()
        learners = db.session.scalars(select(Learner.public_id).join(SupportPlan, SupportPlan.learner_id == Learner.id)
                                      .where(Learner.school_id == senco.agency_id)).all()
        db.engine.dispose()
    paths = [f"/learners/{public_id}/plan" for public_id in learners]
    code = lambda: next_demo_code(app)  # noqa: E731
    costs = in_process_costs(database_url, paths, password, code)

    servers = {audit: braid_server(database_url, instance, databases.workdir / f"gunicorn-{backend}-{audit}.log",
                                   audit=audit)
               for audit in (True, False)}
    runs: dict[bool, list] = {True: [], False: []}
    try:
        scripts = {}
        for audit, server in servers.items():
            script = databases.workdir / f"plan-{backend}-{audit}.lua"
            cookie = sign_in_cookie(server, DEMO_SENCO, password, code)
            script.write_text(WRK_SCRIPT % {"paths": ", ".join(json.dumps(p) for p in paths), "cookie": cookie})
            scripts[audit] = script
            run_wrk(server.url, script, WARM_UP)
        for run in range(RUNS):
            for audit in ((True, False) if run % 2 == 0 else (False, True)):
                runs[audit].append(run_wrk(servers[audit].url, scripts[audit], DURATION))
    finally:
        for server in servers.values():
            server.stop()

    from app.audit import chain

    with app.app_context():
        chain.seal_pending(lock_timeout_ms=5000)
        verification = chain.verify_chain()
        db.engine.dispose()
    on, off = (median_of([r["rps"] for r in runs[audit]]) for audit in (True, False))
    return {"backend": backend, "on": on, "off": off, "ratio": on / off, "runs": runs,
            "non2xx": sum(r["bad"] for rs in runs.values() for r in rs), "verification": verification,
            "pages": len(paths), "costs": costs}


# --- 2. a million events: sealing and verification ---------------------------------------------------

EVENT_COLUMNS = ("id, occurred_at, actor_id, actor_role, actor_agency_id, action, object_type, object_public_id, "
                 "learner_public_ids, school_id, request_id, ip_address, outcome, fields_changed, purpose, "
                 "out_of_hours")
# One generated event per n: actors, schools and learners cycle at different strides; about 20 % NULLs
# in every nullable column, each on its own residue of n so that the NULLs do not line up.
_ROLE = ("CASE (n * 7) % 200 / 20 WHEN 0 THEN 'senco' WHEN 1 THEN 'dsl' WHEN 2 THEN 'lsp' WHEN 3 THEN 'slt' "
         "WHEN 4 THEN 'ep' WHEN 5 THEN 'parent' ELSE 'teacher' END")
_ACTION = ("CASE WHEN {pick} < 70 THEN 'view' WHEN {pick} < 80 THEN 'update' WHEN {pick} < 88 THEN 'create' "
           "WHEN {pick} < 94 THEN 'sign_in' WHEN {pick} < 97 THEN 'sign_out' WHEN {pick} = 97 THEN 'export' "
           "WHEN {pick} = 98 THEN 'delete' ELSE 'break_glass' END")
# n % 20 picks the school (and the actor among its ten), so every other choice also walks with n / 20,
# the event's place in its school's trail: each school gets every action, outcome and pattern of NULLs.
_PICK = "(n + 7 * (n / 20)) % 100"  # the action (and what goes with it)
_NULLS = "(n + n / 20) % 5"  # which nullable columns are NULL: each in one event of five
_COMMON = f"""
  CASE WHEN {_NULLS} = 4 THEN NULL ELSE 1 + (n * 7) % 200 END,
  CASE WHEN {_NULLS} = 4 THEN NULL ELSE {_ROLE} END,
  CASE WHEN {_NULLS} = 4 THEN NULL ELSE 1 + (n * 7) % 20 END,
  {_ACTION.format(pick=_PICK)},
  CASE WHEN {_NULLS} = 3 THEN NULL WHEN {_PICK} < 70 THEN 'learner' ELSE 'contribution' END,
  CASE WHEN {_NULLS} = 3 THEN NULL ELSE {{object_id}} END,
  CASE WHEN {_NULLS} = 1 THEN NULL WHEN (n + n / 20) % 10 = 2 THEN {{learner_a}} || ' ' || {{learner_b}}
       ELSE {{learner_a}} END,
  1 + (n * 7) % 20,
  CASE WHEN {_NULLS} = 2 THEN NULL ELSE {{request_id}} END,
  CASE WHEN {_NULLS} = 0 THEN NULL ELSE {{ip}} END,
  CASE WHEN n % 37 = 0 THEN 'refused' ELSE 'allowed' END,
  CASE WHEN {_PICK} BETWEEN 70 AND 87 THEN 'body,title,visibility' ELSE NULL END,
  CASE WHEN {_PICK} = 99 THEN 'break_glass' WHEN {_PICK} = 97 THEN 'inspection' ELSE NULL END,
  n % 11 = 0
"""
# learner k of school s (1-based): 'bl' + 20 digits of s + 20 * k
SQLITE_EVENTS = f"""
WITH RECURSIVE numbers(n) AS (SELECT :first UNION ALL SELECT n + 1 FROM numbers WHERE n < :last)
INSERT INTO audit_event ({EVENT_COLUMNS})
SELECT n, strftime('%Y-%m-%d %H:%M:%S', :epoch + n * 25, 'unixepoch') || printf('.%06d', (n * 7919) % 1000000),
""" + _COMMON.format(
    object_id="printf('ob%020d', n * 7)",
    learner_a=f"printf('bl%020d', 1 + (n * 7) % 20 + 20 * ((n * 31) % {LEARNERS_PER_SCHOOL}))",
    learner_b=f"printf('bl%020d', 1 + (n * 7) % 20 + 20 * ({LEARNERS_PER_SCHOOL} + (n * 17) % {LEARNERS_PER_SCHOOL}))",
    request_id="printf('%016x%016x', n * 2654435761, n * 40503)",
    ip="printf('10.%d.%d.%d', n % 250, (n / 250) % 250, 1 + n % 7)",
) + "FROM numbers"
POSTGRES_EVENTS = f"""
INSERT INTO audit_event ({EVENT_COLUMNS})
SELECT n, to_timestamp(:epoch + n * 25) + ((n * 7919) % 1000000) * interval '1 microsecond',
""" + _COMMON.format(
    object_id="'ob' || lpad((n * 7)::text, 20, '0')",
    learner_a=f"'bl' || lpad((1 + (n * 7) % 20 + 20 * ((n * 31) % {LEARNERS_PER_SCHOOL}))::text, 20, '0')",
    learner_b=f"'bl' || lpad((1 + (n * 7) % 20 + 20 * ({LEARNERS_PER_SCHOOL} + (n * 17) % {LEARNERS_PER_SCHOOL}))"
              "::text, 20, '0')",
    request_id="md5(n::text)",
    ip="'10.' || n % 250 || '.' || (n / 250) % 250 || '.' || 1 + n % 7",
) + "FROM generate_series(CAST(:first AS bigint), CAST(:last AS bigint)) AS n"
# Two learners at most per generated event, each id 22 characters long.
LEARNER_INDEX = """
INSERT INTO audit_event_learner (learner_public_id, event_id, school_id)
SELECT substr(learner_public_ids, 1, 22), id, school_id FROM audit_event
 WHERE id BETWEEN :first AND :last AND learner_public_ids IS NOT NULL
UNION ALL
SELECT substr(learner_public_ids, 24, 22), id, school_id FROM audit_event
 WHERE id BETWEEN :first AND :last AND length(learner_public_ids) > 22
"""
EPOCH = 1756710000  # 1 September 2025, 07:00 UTC: 25 s apart, a million events span about 9 months


def build_trail(app, events: int) -> dict:
    """Schools, accounts and `events` audit events, written in bulk (indexes rebuilt afterwards)."""
    from app.agencies.accounts.models import Agency, AgencyKind, Role, User
    from app.audit.models import AuditEvent

    with app.app_context():
        upgrade()
        schools = [Agency(name=f"Bench School {s}", kind=AgencyKind.SCHOOL) for s in range(1, SCHOOLS + 1)]
        db.session.add_all(schools)
        db.session.flush()
        assert [school.id for school in schools] == list(range(1, SCHOOLS + 1))
        for k in range(1, ACTORS + 1):  # account k works at school 1 + (k - 1) % 20; account 21 is school 1's DSL
            db.session.add(User(email=f"actor{k}@bench.example", display_name=f"Actor {k}",
                                role=Role.DSL if (k - 1) // 20 == 1 else Role.TEACHER,
                                agency_id=1 + (k - 1) % SCHOOLS, password_hash="-"))
        db.session.commit()
        assert db.session.scalar(select(func.max(User.id))) == ACTORS
        db.session.rollback()  # on SQLite every transaction holds the write lock: end ours before writing
        dialect = db.engine.dialect.name
        start = time.perf_counter()
        with db.engine.begin() as connection:
            indexes = list(AuditEvent.__table__.indexes)
            for index in indexes:
                index.drop(connection)
            first = (connection.exec_driver_sql("SELECT max(id) FROM audit_event").scalar() or 0) + 1
            bounds = {"first": first, "last": first + events - 1}
            events_sql = SQLITE_EVENTS if dialect == "sqlite" else POSTGRES_EVENTS
            connection.execute(text(events_sql), dict(bounds, epoch=EPOCH))
            connection.execute(text(LEARNER_INDEX), bounds)
            for index in indexes:
                index.create(connection)
            if dialect == "postgresql":
                connection.exec_driver_sql(
                    "SELECT setval(pg_get_serial_sequence('audit_event', 'id'), (SELECT max(id) FROM audit_event))")
        if dialect == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.exec_driver_sql("VACUUM ANALYZE")
        else:
            with db.engine.begin() as connection:
                connection.exec_driver_sql("ANALYZE")
        built = time.perf_counter() - start
        total = db.session.scalar(select(func.count()).select_from(AuditEvent))
        db.session.rollback()
    return {"events": total, "seconds": built}


def naive_walk(limit: int = 100_000) -> float:
    """Events a second for the naive design: one ORM object per event, re-serialised to JSON and hashed."""
    from app.audit.models import AuditEvent

    start = time.perf_counter()
    previous, seen = "0" * 64, 0
    query = select(AuditEvent).where(AuditEvent.id <= limit).order_by(AuditEvent.id).execution_options(yield_per=2000)
    for event in db.session.scalars(query):
        row = {column: getattr(event, column) for column in ("id", "occurred_at", "actor_id", "actor_role",
                                                              "actor_agency_id", "action", "object_type",
                                                              "object_public_id", "learner_public_ids", "school_id",
                                                              "request_id", "ip_address", "outcome", "fields_changed",
                                                              "purpose", "out_of_hours")}
        line = json.dumps(row, default=lambda value: getattr(value, "value", None) or value.isoformat(), sort_keys=True)
        previous = hashlib.sha256((previous + line).encode()).hexdigest()
        seen += 1
    elapsed = time.perf_counter() - start
    db.session.rollback()
    return seen / elapsed


def verification(databases: Databases, backend: str, events: int) -> tuple[dict, str]:
    from app.audit import chain

    database_url = databases.new(backend, "trail")
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url})
    built = build_trail(app, events)
    with app.app_context():
        start = time.perf_counter()
        sealed = chain.seal_pending(max_batch=chain.MAX_BATCH, lock_timeout_ms=5000)
        seal_seconds = time.perf_counter() - start
        timings, cpu, result = [], [], None
        load = os.getloadavg()[0]
        for _ in range(3):
            start, start_cpu = time.perf_counter(), cpu_seconds()
            result = chain.verify_chain()
            timings.append(time.perf_counter() - start)
            cpu.append(cpu_seconds() - start_cpu)  # this process, its helpers and (PostgreSQL) the server's work
        assert result.intact and result.unsealed == 0, result
        single = []
        for _ in range(2):
            start = time.perf_counter()
            chain.verify_chain(workers=1)
            single.append(time.perf_counter() - start)
        naive = naive_walk()
        db.engine.dispose()
    seconds = median_of(timings)
    return ({"backend": backend, "built": built, "sealed": sealed, "seal_rate": sealed / seal_seconds,
             "verified": result.event_count, "rate": result.event_count / seconds, "timings": timings,
             "cpu_rate": result.event_count / median_of(cpu), "load": load,
             "single_rate": result.event_count / median_of(single), "naive": naive}, database_url)


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (SQLite's verification helpers)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


# --- 3. the DSL's filtered first page ----------------------------------------------------------------

# The statements event_page runs, written by hand: newest first (by time when only dates bound the page,
# along the (school_id, occurred_at) index), one more row than the page. A learner's history also holds the events of
# the records merged into it, so with a learner chosen the hand-written page first asks which those are (ALIASES_SQL;
# in this trail none is, as for most learners), as event_page must.
ALIASES_SQL = ("SELECT public_id FROM learner WHERE school_id = :school "
               "AND merged_into_id IN (SELECT id FROM learner WHERE public_id = :learner)")
HAND_SQL = {
    "school (no filter)": "SELECT * FROM audit_event WHERE school_id = :school ORDER BY id DESC LIMIT 51",
    "learner": (
        "SELECT e.* FROM audit_event_learner l JOIN audit_event e ON e.id = l.event_id "
        "WHERE l.learner_public_id = :learner AND e.school_id = :school ORDER BY l.event_id DESC LIMIT 51"
    ),
    "user": (
        "SELECT * FROM audit_event WHERE school_id = :school "
        "AND actor_id = (SELECT id FROM user_account WHERE public_id = :user) ORDER BY id DESC LIMIT 51"
    ),
    "refused": "SELECT * FROM audit_event WHERE school_id = :school AND outcome = 'refused' ORDER BY id DESC LIMIT 51",
    "action + outcome": (
        "SELECT * FROM audit_event WHERE school_id = :school AND action = 'update' AND outcome = 'refused' "
        "ORDER BY id DESC LIMIT 51"
    ),
    "date range (a week, 3 months back)": (
        "SELECT * FROM audit_event WHERE school_id = :school AND occurred_at >= :since AND occurred_at < :until "
        "ORDER BY occurred_at DESC, id DESC LIMIT 51"
    ),
    "learner + user + dates": (
        "SELECT e.* FROM audit_event_learner l JOIN audit_event e ON e.id = l.event_id "
        "WHERE l.learner_public_id = :learner AND e.school_id = :school "
        "AND e.actor_id = (SELECT id FROM user_account WHERE public_id = :user) "
        "AND e.occurred_at >= :since AND e.occurred_at < :until ORDER BY l.event_id DESC LIMIT 51"
    ),
}


def review_pages(database_url: str, runs: int = 300) -> dict:
    from app.agencies.accounts.models import User
    from app.audit.models import AuditAction, AuditEvent, AuditEventLearner, AuditOutcome
    from app.audit.review.services import AuditFilters, event_page, start_of_day

    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url})
    results = {}
    with app.app_context():
        dsl = db.session.get(User, 21)
        school = dsl.agency_id
        learner = db.session.scalar(
            select(AuditEventLearner.learner_public_id).where(AuditEventLearner.school_id == school)
            .group_by(AuditEventLearner.learner_public_id).order_by(func.count().desc()).limit(1))
        actor = db.session.get(User, 41)  # a teacher of the same school
        newest = db.session.scalar(select(func.max(AuditEvent.occurred_at)))
        since = (newest - timedelta(days=90)).date()
        until = since + timedelta(days=6)
        filters = {
            "school (no filter)": AuditFilters(),
            "learner": AuditFilters(learner=learner),
            "user": AuditFilters(user=actor.public_id),
            "refused": AuditFilters(outcome=AuditOutcome.REFUSED),
            "action + outcome": AuditFilters(action=AuditAction.UPDATE, outcome=AuditOutcome.REFUSED),
            "date range (a week, 3 months back)": AuditFilters(date_from=since, date_to=until),
            "learner + user + dates": AuditFilters(learner=learner, user=actor.public_id,
                                                   date_from=since - timedelta(days=60), date_to=until),
        }
        sqlite = db.engine.dialect.name == "sqlite"

        def stamp(day: date):
            moment = start_of_day(day)
            return moment.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds") if sqlite else moment

        params = {"school": school, "learner": learner, "user": actor.public_id,
                  "since": stamp(filters["date range (a week, 3 months back)"].date_from),
                  "until": stamp(until + timedelta(days=1))}
        connection = db.session.connection()
        aliases = text(ALIASES_SQL)
        for name, chosen in filters.items():
            statement = text(HAND_SQL[name])
            hand_params = dict(params)
            if name == "learner + user + dates":
                hand_params["since"] = stamp(chosen.date_from)

            # Bound now: both are timed within this iteration, with this filter.
            def page(chosen=chosen):
                return event_page(dsl, chosen)

            def hand(statement=statement, hand_params=hand_params, follows_merges=chosen.learner is not None):
                if follows_merges:
                    assert not connection.execute(aliases, hand_params).all()  # none merged: the one-learner page
                return connection.execute(statement, hand_params).all()

            ours, theirs = page(), hand()
            assert [row.id for row in ours.rows] == [row.id for row in theirs[:50]], name
            page_times, hand_times = [], []
            for n in range(runs):
                order = ((page, page_times), (hand, hand_times)) if n % 2 else ((hand, hand_times), (page, page_times))
                for fn, times in order:
                    start = time.perf_counter()
                    fn()
                    times.append(time.perf_counter() - start)
            results[name] = {"page": median_of(page_times), "hand": median_of(hand_times), "rows": len(ours.rows)}
            results[name]["ratio"] = results[name]["page"] / results[name]["hand"]
        db.session.rollback()
        db.engine.dispose()
    return results


# --- the report --------------------------------------------------------------------------------------


def met(ok: bool) -> str:
    return "MET" if ok else "MISSED"


def report_throughput(result: dict) -> None:
    backend, costs = result["backend"], result["costs"]
    print(f"\n1. Auditing's added cost per request, {backend} ({result['pages']} demo plan pages, SENCo):")
    for audit in (True, False):
        runs = result["runs"][audit]
        print(f"   auditing {'on ' if audit else 'off'}: " + ", ".join(
            f"{r['rps']:.0f} req/s (p50 {r['p50']}, p99 {r['p99']})" for r in runs))
    verification = result["verification"]
    print(f"   median {result['on']:.0f} audited / {result['off']:.0f} unaudited = {result['ratio']:.2f} of the "
          f"throughput kept (target >= {THROUGHPUT_TARGET:.2f}): {met(result['ratio'] >= THROUGHPUT_TARGET)}")
    print(f"   non-2xx responses: {result['non2xx']}; chain afterwards: "
          f"{'intact' if verification.intact else 'BROKEN: ' + str(verification.problem)}, "
          f"{verification.event_count} events, {verification.unsealed} unsealed")
    print(f"   in-process CPU per request: {costs['on'] * 1e3:.2f} ms audited, {costs['off'] * 1e3:.2f} ms not; "
          f"median block {costs['kept']:.2f} kept (middle half {costs['low']:.2f}-{costs['high']:.2f})")


def report_verification(result: dict) -> None:
    backend = result["backend"]
    target = SQLITE_VERIFY_TARGET if backend == "sqlite" else POSTGRES_VERIFY_TARGET
    built = result["built"]
    print(f"\n2. Verification, {backend}: {built['events']:,} events written in {built['seconds']:.1f} s")
    print(f"   sealing: {result['sealed']:,} events at {result['seal_rate']:,.0f} events/s")
    print(f"   verify_chain(): {result['rate']:,.0f} events/s (median of 3: "
          + ", ".join(f"{t:.2f} s" for t in result["timings"])
          + f"; target >= {target:,}): {met(result['rate'] >= target)}")
    if backend == "sqlite":
        print(f"   CPU: {result['cpu_rate']:,.0f} events per CPU-second (this process and its helpers; "
              f"load average {result['load']:.1f} on {os.cpu_count()} CPUs when verification started)")
    else:
        print(f"   (the work is the server's; load average {result['load']:.1f} on {os.cpu_count()} CPUs "
              "when it started)")
    print(f"   one connection only: {result['single_rate']:,.0f} events/s; naive ORM walk: {result['naive']:,.0f} "
          f"events/s (verify_chain {result['rate'] / result['naive']:.0f}x faster)")


def report_review(backend: str, results: dict, events: int) -> None:
    print(f"\n3. The DSL's filtered first page over {events:,} events, {backend} (median of 300 runs each):")
    worst = max(r["ratio"] for r in results.values())
    for name, r in results.items():
        print(f"   {name:<36} event_page {r['page'] * 1e3:7.3f} ms, hand-written SQL {r['hand'] * 1e3:7.3f} ms: "
              f"{r['ratio']:.2f}x ({r['rows']} rows)")
    print(f"   worst ratio {worst:.2f}x (target <= {REVIEW_TARGET}x): {met(worst <= REVIEW_TARGET)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="throughput,verify,review")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=int, default=10, help="length of each wrk run")
    args = parser.parse_args()
    global DURATION
    DURATION = args.seconds
    parts, backends = set(args.only.split(",")), args.backends.split(",")
    if "throughput" in parts and not (shutil.which("wrk") and (BIN / "gunicorn").exists()):
        sys.exit("The throughput bench needs wrk (apt-get install wrk) "
                 "and gunicorn (pip install -r requirements/bench.txt).")
    workdir = Path(tempfile.mkdtemp(prefix="braid-bench-audit-"))
    databases = Databases(workdir)
    try:
        for backend in backends:
            if backend == "postgresql" and databases.problem:
                print(f"\n{databases.problem}: PostgreSQL skipped.")
                continue
            if "throughput" in parts:
                report_throughput(throughput(databases, backend))
            if parts & {"verify", "review"}:
                result, trail_url = verification(databases, backend, args.events)
                if "verify" in parts:
                    report_verification(result)
                if "review" in parts:
                    report_review(backend, review_pages(trail_url), result["verified"])
            sys.stdout.flush()
    finally:
        databases.close()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
