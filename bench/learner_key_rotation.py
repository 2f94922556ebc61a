"""Key rotation with learner keys (crypto-shredding) against re-sealing every value, measured in one run.

    .venv/bin/python bench/learner_key_rotation.py      (or `make bench-learner-keys`)

N learners, each with M sealed values (their record's five fields and three per contribution). The same data is
built twice on SQLite: once with every value on the keyring (as before crypto-shredding: rotation re-seals all
N x M values), once under learner keys (rotation re-wraps N keys and leaves the values alone). Prints both times
and their ratio, whole and for the work itself (both rotations also scan every sealed column for what is left
under an old key: a cost that does not depend on learner keys); target: the work at least 5x less (it grows with M).
"""
from __future__ import annotations

import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flask_migrate import upgrade

from app import create_app
from app.agencies.accounts import services
from app.agencies.accounts.models import Agency, AgencyKind, Role
from app.cases.contributions.models import Contribution, ContributionKind, Visibility
from app.cases.learners.models import Learner
from app.extensions import db
from app.security import rotation
from app.security.keys import Keyring, write_key_file
from app.security.learner_keys import key_store
from app.types import utcnow

LEARNERS = 400
CONTRIBUTIONS = 5  # three sealed values each: M = 5 + 3 x 5 = 20 values a learner


def build(app, learner_keys: bool) -> int:
    """The world; the number of sealed values it holds."""
    with app.app_context():
        key_store().enabled = learner_keys
        school = Agency(name="Rotation School", kind=AgencyKind.SCHOOL)
        db.session.add(school)
        db.session.flush()
        author, _ = services.create_account(None, agency=school, email="author@school.example",
                                            display_name="Author", role=Role.TEACHER,
                                            password="quiet-orchard-lantern-88")
        db.session.flush()
        for n in range(LEARNERS):
            learner = Learner(school_id=school.id, year_group=3)
            learner.name, learner.preferred_name = f"Rotation Learner {n}", f"R{n}"
            learner.date_of_birth, learner.upn = date(2016, 5, 1), f"R{n:011d}0"
            learner.notes = "<p>" + "n" * 400 + "</p>"
            db.session.add(learner)
            for c in range(CONTRIBUTIONS):
                contribution = Contribution(learner=learner, author_id=author.id, kind=ContributionKind.CLASSROOM_VIEW,
                                            visibility=Visibility.TEAM, created_at=utcnow(), updated_at=utcnow())
                contribution.title, contribution.body = f"Observation {c}", "b" * 500
                contribution.body_html = "<p>" + "b" * 500 + "</p>"
                db.session.add(contribution)
            if n % 50 == 49:
                db.session.commit()
        db.session.commit()
        key_store().enabled = True
        return sum(rotation.values_by_key().values())


def timed_rotation(app) -> tuple[float, rotation.RotationReport]:
    with app.app_context():
        start = time.perf_counter()
        report = rotation.rotate(batch_size=1000)
        # The fixed wait for workers to notice the new key is not rotation work.
        return time.perf_counter() - start - report.settle_seconds, report


def run(workdir: Path, learner_keys: bool) -> tuple[int, float, rotation.RotationReport]:
    name = "learner" if learner_keys else "keyring"
    key_file = workdir / f"{name}_keys.json"
    write_key_file(key_file, Keyring.generate())
    app = create_app("testing", {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir}/{name}.sqlite3",
        "BRAID_FIELD_KEYS": None, "BRAID_FIELD_KEY_FILE": key_file,
        "BRAID_KEY_STORE_URL": f"sqlite:///{workdir}/{name}_store.sqlite3",
        "ARGON2": {"time_cost": 1, "memory_cost": 8, "parallelism": 1},
    })
    with app.app_context():
        upgrade()
    values = build(app, learner_keys)
    seconds, report = timed_rotation(app)
    return values, seconds, report


def main() -> None:
    with tempfile.TemporaryDirectory() as workdir:
        values, reseal_seconds, resealed = run(Path(workdir), learner_keys=False)
        _, rewrap_seconds, rewrapped = run(Path(workdir), learner_keys=True)
    per_learner = values // LEARNERS
    print(f"Rotation on SQLite, {LEARNERS} learners x {per_learner} sealed values ({values:,} values):")
    print(f"  re-sealing every value (keyring only):  {reseal_seconds * 1e3:9.1f} ms "
          f"({resealed.resealed:,} values re-sealed)")
    print(f"  re-wrapping learner keys:               {rewrap_seconds * 1e3:9.1f} ms "
          f"({rewrapped.rewrapped:,} keys re-wrapped, {rewrapped.resealed:,} keyring values re-sealed)")
    ratio = reseal_seconds / rewrap_seconds
    print(f"  whole rotation, re-seal / re-wrap: {ratio:.1f}x (both scan every sealed column: a fixed cost)")
    work = resealed.reseal_seconds / rewrapped.rewrap_seconds
    print(f"  the work itself: re-sealing {resealed.resealed:,} values {resealed.reseal_seconds * 1e3:.1f} ms, "
          f"re-wrapping {rewrapped.rewrapped:,} keys {rewrapped.rewrap_seconds * 1e3:.1f} ms: {work:.1f}x "
          f"(target >= 5x): {'MET' if work >= 5 else 'MISSED'}")


if __name__ == "__main__":
    main()
