"""Every page's throughput as a share of a bare Flask 'hello', served by the same gunicorn in the same run.

    .venv/bin/python bench/pages.py [--data demo|authority] [--learners N] [--backends sqlite,postgresql]
                                    [--pages home-senco,plan,...] [--seconds S] [--out FILE]
    (or `make bench-pages`; `make bench` runs every bench)

gunicorn (2 sync workers, on a free loopback port) serves Braid with development settings, and beside it the bare
'hello' app (bench/hello.py) under the same settings; wrk (2 threads, 16 connections, 2 s warm-up then S seconds,
--latency) asks each page in turn. A page's figure is its requests per second over hello's, against the issue's
target; p99 beside it. Every answer must be the page's own (200; the anonymous redirect 302; the refusal 403);
adding a contribution is wrk POSTing the form (session cookie and CSRF token) from 16 connections, 16 writers at
once, none of them refused, and `flask audit verify` must pass afterwards.

The data: the demo (`flask demo load`) with one learner (Maya) given 50 contributions; `--data authority` adds the
authority data set built by `flask demo scale --learners N` (skipped, saying so, where that command does not exist).
SQLite in a work directory; PostgreSQL on BENCH_POSTGRES_URL (default: the local server), in a database of its own
(braid_bench_pages), dropped afterwards. Results are appended to bench/results/pages-<engine>-<data>.json (or --out).
The machine may be shared: the shares of hello are measured in one run, so they travel better than req/s.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import sys
import tempfile
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import select  # noqa: E402

from app.extensions import db  # noqa: E402
from bench import report  # noqa: E402
from bench.harness import (  # noqa: E402
    BIN,
    Databases,
    bench_app,
    bench_server,
    braid_server,
    csrf_token,
    gather_statistics,
    next_code_for,
    run_wrk,
    session_cookie,
    signed_in,
)

RESULTS = ROOT / "bench" / "results"
DATABASE = "braid_bench_pages"
CONTRIBUTIONS = 50
ROLES = {
    "senco": "senco@oakfield.example", "teacher": "teacher@oakfield.example", "parent": "parent@family.example",
    "slt": "slt@riverside-slt.example", "ep": "ep@county-eps.example", "lsp": "lsp@oakfield.example",
    "dsl": "dsl@oakfield.example", "admin": "admin@oakfield.example",
}
MAYA = "Maya Carter"


@dataclass(frozen=True)
class Page:
    name: str
    path: str  # `{learner}`: the public id of the learner with 50 contributions
    role: str | None  # whose cookie; None: anonymous
    target: float  # share of hello
    expect: tuple[int, ...] = (200,)
    post: bool = False


PAGES = [
    *(Page(f"home-{role}", "/", role, 0.12) for role in ROLES),
    Page("plan-50-contributions", "/learners/{learner}/plan", "senco", 0.12),
    Page("anonymous-redirect", "/learners", None, 0.50, (302,)),
    Page("refused", "/accounts", "teacher", 0.12, (403,)),  # the accounts are the admin's: refused, and audited
    Page("learner-list", "/learners", "senco", 0.10),
    Page("dsl-review", "/audit", "dsl", 0.10),
    Page("cpd", "/cpd", "senco", 0.10),
    Page("chronology", "/learners/{learner}/chronology", "senco", 0.10),
    Page("add-contribution", "/learners/{learner}/contributions/new", "senco", 0.08,
         tuple(range(200, 400)), post=True),
]

# Counts every answer that is not one of the page's own, over all of wrk's threads.
WRK_SCRIPT = """
local expected = {%(expected)s}
local threads = {}
%(request)s
function setup(thread) table.insert(threads, thread) end
function init(args) bad = 0 end
function response(status, headers, body)
  if not expected[status] then bad = bad + 1 end
  %(keep_cookie)s
end
function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do total = total + thread:get("bad") end
  io.write(string.format("BAD %%d\\n", total))
end
"""
# A signed-in page keeps the session cookie as a browser does: Braid renews it once a minute (the time last seen),
# and wrk alone would send the sign-in's cookie for the whole run, each request after its first minute then paying
# for a new one. The request is formatted again only when the cookie changed. Only these pages run Lua for every
# request (hello and the anonymous redirect do not), so wrk's own share of the two cores counts against Braid.
KEEP_COOKIE_REQUEST = """local formatted = nil
function request()
  if formatted == nil then formatted = wrk.format() end
  return formatted
end
"""
KEEP_COOKIE = """local session = headers["Set-Cookie"] and headers["Set-Cookie"]:match("braid_session=[^;]*")
  if session and session ~= wrk.headers["Cookie"] then
    wrk.headers["Cookie"] = session
    formatted = nil
  end"""
POST_REQUEST = """wrk.method = "POST"
wrk.body = %(body)s
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
"""


def wrk_script(folder: Path, page: Page, body: str | None = None) -> Path:
    script = folder / f"{page.name}.lua"
    script.write_text(WRK_SCRIPT % {
        "expected": ", ".join(f"[{status}] = true" for status in page.expect),
        "request": (POST_REQUEST % {"body": json.dumps(body)} if page.post else "")
                   + (KEEP_COOKIE_REQUEST if page.role else ""),
        "keep_cookie": KEEP_COOKIE if page.role else "",
    })
    return script


# --- the data ----------------------------------------------------------------------------------------


def load_data(app, data: str, learners: int) -> str | None:
    """The demo, and the authority data set over it; None when that cannot be built here (said why)."""
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    if data == "authority":
        result = runner.invoke(args=["demo", "scale", "--learners", str(learners)])
        if result.exit_code != 0:
            if "No such command" in result.output:
                return "`flask demo scale` does not exist here yet: the authority run is skipped"
            raise RuntimeError(f"flask demo scale failed: {result.output}")
    return None


def learner_with_contributions(app, count: int = CONTRIBUTIONS) -> str:
    """Maya, given contributions by the SENCo until the SENCo's plan page shows `count`; her public id."""
    from app.agencies.accounts.models import User
    from app.cases.contributions import services
    from app.cases.learners.models import Learner
    from app.policy import visible_contributions

    with app.app_context():
        senco = db.session.scalars(select(User).where(User.email.matches(ROLES["senco"]))).one()
        school = db.session.scalars(select(Learner).where(Learner.school_id == senco.agency_id))
        maya = next(learner for learner in school if learner.name == MAYA)
        kind = services.kinds_for(senco, maya)[0].value
        have = len(db.session.scalars(visible_contributions(senco, maya)).all())
        for n in range(have, count):
            services.add_contribution(senco, maya, kind=kind, visibility="team", title=f"Observation {n + 1}",
                                      body=f"Observation {n + 1}: **progress** in phonics, *with* support.")
        db.session.commit()
        public_id = maya.public_id
        db.session.remove()
    return public_id


# --- one engine ------------------------------------------------------------------------------------


def verify(app) -> tuple[bool, str]:
    """Every event sealed, then `flask audit verify` over the whole chain."""
    from app.audit import chain

    with app.app_context():
        chain.seal_pending(lock_timeout_ms=10_000)
        db.session.remove()
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    return result.exit_code == 0, result.output.strip().splitlines()[-1] if result.output.strip() else ""


def run_engine(databases: Databases, backend: str, args) -> dict | None:
    workdir = databases.workdir
    instance = workdir / f"instance-{backend}"
    os.environ["BRAID_INSTANCE_PATH"] = str(instance)  # read when each app is created (keys, secret)
    database_url = databases.new(backend, DATABASE, exact=True)
    app = bench_app(database_url)
    logging.getLogger("alembic").setLevel(logging.WARNING)  # a line per migration would bury the figures
    with app.app_context():
        upgrade()
        db.session.remove()
    skipped = load_data(app, args.data, args.learners)
    if skipped:
        print(f"  {skipped}")
        return None
    learner = learner_with_contributions(app)
    with app.app_context():
        gather_statistics()
        db.engine.dispose()
    password = app.config["BRAID_DEMO_PASSWORD"]
    pages = [page for page in PAGES if not args.pages or page.name in args.pages]

    hello = bench_server(workdir / f"hello-{backend}.log", app="bench.hello:app", ready="/")
    braid = braid_server(database_url, instance, workdir / f"gunicorn-{backend}.log")
    rows: dict[str, dict] = {}
    try:
        browsers = {role: signed_in(braid, email, password, lambda email=email: next_code_for(app, email))
                    for role, email in ROLES.items() if any(page.role == role for page in pages)}
        hello_script = wrk_script(workdir, Page("hello", "/", None, 1.0))
        run_wrk(hello.url + "/", hello_script, args.warm_up)
        rows["hello"] = run_wrk(hello.url + "/", hello_script, args.seconds)
        base = rows["hello"]["rps"]
        print(f"\n{backend}, {args.data} data: hello {base:.0f} req/s (p99 {rows['hello']['p99']})")
        for page in pages:
            path = page.path.format(learner=learner)
            body = None
            if page.post:
                browser = browsers[page.role]
                token = csrf_token(browser.get(path).page)  # the session now holds the token's secret
                kind = _first_kind(browser.get(path).page)
                body = urllib.parse.urlencode({"csrf_token": token, "kind": kind, "visibility": "team",
                                               "title": "Written under load", "body": "Seen **today** in class."})
            headers = {"Cookie": session_cookie(browsers[page.role])} if page.role else None
            script = wrk_script(workdir, page, body)
            run_wrk(braid.url + path, script, args.warm_up, headers=headers)
            row = run_wrk(braid.url + path, script, args.seconds, headers=headers)
            row.update(share=row["rps"] / base, target=page.target, passed=row["rps"] / base >= page.target,
                       path=page.path, role=page.role)
            rows[page.name] = row
            report.show(page.name, row["share"] * 100, page.target * 100, unit=" %",
                        extra=f"{row['rps']:7.0f} req/s  p99 {row['p99']}  bad answers {row['bad']}"
                              + (f"  timeouts {row['timeouts']}" if row["timeouts"] else ""))
    finally:
        braid.stop()
        hello.stop()
    chain_ok, chain_says = verify(app)
    print(f"  chain after the writers: {'intact' if chain_ok else 'BROKEN'} ({chain_says})")
    with app.app_context():
        db.engine.dispose()
    bad = sum((row["bad"] or 0) + row["timeouts"] for name, row in rows.items() if name != "hello")
    result = {"engine": backend, "data": args.data, "learners": args.learners if args.data == "authority" else None,
              "seconds": args.seconds, "connections": 16, "workers": 2, "pages": rows, "bad_answers": bad,
              "chain_intact": chain_ok, "all_passed": chain_ok and bad == 0 and all(
                  row.get("passed", True) for row in rows.values())}
    out = Path(args.out) if args.out else RESULTS / f"pages-{backend}-{args.data}.json"
    report.append(out, result)
    print(f"  bad answers: {bad}; results appended to {out}")
    return result


def _first_kind(page: str) -> str:
    """The first kind of contribution the form offers (a radio or a select option)."""
    import re

    found = re.search(r'name="kind"[^>]*value="([^"]+)"', page) or re.search(r'<option value="([^"]+)"', page)
    return found.group(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", choices=("demo", "authority"), default="demo")
    parser.add_argument("--learners", type=int, default=10_000, help="the authority data set's learners")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--pages", type=lambda value: set(value.split(",")), default=None,
                        help="only these pages (names as printed), e.g. home-senco,plan-50-contributions")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--warm-up", type=int, default=2)
    parser.add_argument("--out", help="append results here instead of bench/results/pages-<engine>-<data>.json")
    args = parser.parse_args()
    if not (shutil.which("wrk") and (BIN / "gunicorn").exists()):
        sys.exit("bench/pages.py needs wrk (`make bench-pages` installs Debian's) and gunicorn in .venv")
    workdir = Path(tempfile.mkdtemp(prefix="braid-bench-pages-"))
    databases = Databases(workdir)
    results = []
    try:
        for backend in args.backends.split(","):
            if backend == "postgresql" and databases.problem:
                print(f"\npostgresql skipped: {databases.problem}")
                continue
            results.append(run_engine(databases, backend, args))
    finally:
        databases.close()
        shutil.rmtree(workdir, ignore_errors=True)
    if any(result is not None and not result["all_passed"] for result in results):
        sys.exit(1)


if __name__ == "__main__":
    main()
