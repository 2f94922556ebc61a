"""The plan page's cost of showing typed writing, measured in one run and reported as a ratio.

    .venv/bin/python bench/plan_page.py [views]        (or `make bench-plan`)

The demo's richest plan (Maya Carter's, as the SENCo), rendered in-process with the Flask test client:
1. as Braid shows writing: the safe HTML stored beside its source when it was saved, sanitised only when its
   allowlist stamp is older (target: no bleach run per view);
2. the naive way it replaced: the Markdown subset and the sanitiser run over every value on every view.
Reported: CPU per view of each, their ratio (target < 1: the stored path is cheaper), and bleach runs per view.
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import bleach.sanitizer
from flask_migrate import upgrade
from markupsafe import Markup
from sqlalchemy import select

from app import create_app
from app.cases.learners.models import Learner
from app.extensions import db
from app.security.keys import Keyring
from app.security.sanitize import render_writing
from tests.fixtures.application import sign_in

VIEWS = int(sys.argv[1]) if len(sys.argv) > 1 else 200


def naive_writing(row, name: str) -> Markup:
    return Markup(render_writing(getattr(row, name)))  # nosec B704 # render_writing ends in the sanitiser


def cpu_per_view(client, url: str) -> float:
    started = time.process_time()
    for _ in range(VIEWS):
        assert client.get(url).status_code == 200
    return (time.process_time() - started) / VIEWS * 1000


def bleach_runs(client, url: str) -> int:
    runs, original = [0], bleach.sanitizer.Cleaner.clean

    def counted(self, text):
        runs[0] += 1
        return original(self, text)

    bleach.sanitizer.Cleaner.clean = counted
    try:
        assert client.get(url).status_code == 200
    finally:
        bleach.sanitizer.Cleaner.clean = original
    return runs[0]


def main() -> None:
    folder = tempfile.mkdtemp(prefix="braid-bench-plan-")
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/plan.sqlite3",
                                 "BRAID_FIELD_KEYS": Keyring.generate().to_json()})
    with app.app_context():
        upgrade()
    loaded = app.test_cli_runner().invoke(args=["demo", "load"])
    assert loaded.exit_code == 0, loaded.output
    with app.app_context():
        maya = next(row.public_id for row in db.session.scalars(select(Learner)) if row.name == "Maya Carter")
    client = app.test_client()
    assert sign_in(client, "senco@oakfield.example", "braid-demo-2026").status_code == 302
    url = f"/learners/{maya}/plan"
    for _ in range(20):  # warm the template cache and the connection pool
        client.get(url)

    stored_runs = bleach_runs(client, url)
    stored = cpu_per_view(client, url)
    shown = app.jinja_env.globals["writing"]
    app.jinja_env.globals["writing"] = naive_writing
    try:
        naive_runs = bleach_runs(client, url)
        naive = cpu_per_view(client, url)
    finally:
        app.jinja_env.globals["writing"] = shown
    print(f"plan page, {VIEWS} views each, CPU per view:")
    print(f"  stored safe HTML : {stored:6.2f} ms   bleach runs per view: {stored_runs} (target 0)")
    print(f"  naive (per view) : {naive:6.2f} ms   bleach runs per view: {naive_runs}")
    print(f"  ratio stored/naive: {stored / naive:.2f}x (target < 1.00)")


if __name__ == "__main__":
    main()
