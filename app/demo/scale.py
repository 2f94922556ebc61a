"""`flask demo scale`: an authority-sized, fictional data set, deterministic from a seed, resumable, and fast.

It adds to whatever the database holds (an empty migrated database, or the small demo, whose sign-ins keep
working). Six phases, each a run of units (a school, a hundred learners, fifty practitioners, a school day of the
trail); a unit is written and committed as one transaction, and a unit whose first row is already there is skipped,
so a build stopped at any point resumes where it stopped and makes the same rows (names, public ids, dates) as an
uninterrupted one. Every fictional account shares one argon2 hash of the demo password, computed once, and those
whose role needs two-step verification share the demo authenticator (BRAID_DEMO_TOTP_SECRET).
"""
from __future__ import annotations

import contextlib
import hashlib
import random
import time
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property

from flask import current_app
from sqlalchemy import select

from app.agencies.accounts.models import Agency, Role, User
from app.agencies.accounts.services import EXTERNAL_ROLES
from app.agencies.two_step.models import TwoStepEnrolment
from app.core.dates import today as school_today
from app.demo.scale_cases import CasePhases
from app.demo.scale_history import TRAIL_DAYS, HistoryPhases
from app.demo.scale_people import Authority, LearnerLayout, ScaleCounts, public_id_from
from app.demo.scale_writing import (
    TABLES,
    Ids,
    count_keyring_seals,
    keyring_sealer,
    moment,
    move_sequences_past,
    write,
)
from app.extensions import db
from app.policy import MFA_REQUIRED_ROLES
from app.security.passwords import hash_password

DEFAULT_SEED = 2326
LEARNERS_PER_UNIT = 100
ACCOUNTS_AGE = timedelta(days=400)  # the accounts were made this long before the anchor
PHASES = ("accounts", "learners", "contributions", "meetings", "cpd", "audit")


@dataclass
class PhaseReport:
    phase: str
    rows: int = 0
    skipped_units: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0

    @property
    def rate(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


@contextlib.contextmanager
def _no_progress(_phase: str, _units: int):
    class _Bar:
        def update(self, _n, _current_item=None):
            pass
    yield _Bar()


class ScaleBuild(CasePhases, HistoryPhases):
    """One build of one authority; `run()` goes through the phases, skipping what a previous run committed."""

    def __init__(self, seed: int, counts: ScaleCounts, progress=None, stop_after_units: int | None = None,
                 learners_per_unit: int = LEARNERS_PER_UNIT, trail_days: int = TRAIL_DAYS):
        self.seed, self.counts = seed, counts
        self.learners_per_unit, self.trail_days = learners_per_unit, trail_days
        self.progress = progress or _no_progress
        self.stop_after_units = stop_after_units  # tests: stop as if interrupted after this many units written
        self.written_units = 0
        self.authority = Authority(seed, counts, anchor=None)
        # The trail's request ids name its size too: another --audit-per-learner writes a second trail beside the
        # first (the audit benches' extra millions of events) rather than being taken for the first.
        self._key_digest = hashlib.sha256(f"{self.authority.key}/{counts.audit_per_learner}".encode()).hexdigest()[:8]
        self._refuse_another_authority()
        self.anchor = self._anchor()
        self.authority.anchor = self.anchor
        self.reports: list[PhaseReport] = []
        self.on_phase = None

    def _refuse_another_authority(self) -> None:
        """One authority a database: another seed or size would reuse its schools' names (unique in Braid)."""
        secondary = self.authority.schools[0]
        found = db.session.scalar(select(Agency.public_id).where(Agency.name.matches(secondary.name)))
        db.session.rollback()
        if found is not None and found != secondary.public_id:
            raise AnotherAuthority("This database already holds an authority built from another seed or size: "
                                   "build each in a database of its own, or resume with the options it was built with.")

    def _anchor(self) -> date:
        """The day the build's dates count back from: the day its first school was written, so a build resumed
        on a later day keeps its dates."""
        first = self.authority.schools[0].public_id
        made = db.session.scalar(select(Agency.created_at).where(Agency.public_id == first))
        db.session.rollback()
        return made.date() + ACCOUNTS_AGE if made is not None else school_today()

    # --- the loop every phase shares

    def run(self) -> list[PhaseReport]:
        for phase in PHASES:
            units = getattr(self, f"_units_{phase}")()
            report = PhaseReport(phase)
            started, cpu = time.perf_counter(), time.process_time()
            with self.progress(phase, len(units)) as bar:
                for marker, make in units:
                    if self._present(phase, marker):
                        report.skipped_units += 1
                    else:
                        report.rows += make()
                        self.written_units += 1
                        if self.stop_after_units is not None and self.written_units >= self.stop_after_units:
                            raise BuildInterrupted(self.written_units)
                    elapsed = time.perf_counter() - started
                    bar.update(1, f"{report.rows / elapsed:,.0f} rows/s" if elapsed else "")
            report.seconds, report.cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
            self.reports.append(report)
            if self.on_phase is not None:
                self.on_phase(report)
        return self.reports

    def _present(self, phase: str, marker: str) -> bool:
        name, column = {"accounts": ("agency", "public_id"), "learners": ("learner", "public_id"),
                        "contributions": ("contribution", "public_id"), "meetings": ("meeting", "public_id"),
                        "cpd": ("entry", "public_id"), "audit": ("event", "request_id")}[phase]
        table = TABLES[name]
        found = db.session.scalar(select(table.c.id).where(table.c[column] == marker).limit(1)) is not None
        db.session.rollback()
        return found

    def _commit(self, ids: Ids) -> None:
        move_sequences_past(db.session, ids.used)
        db.session.commit()

    # --- lookups of what earlier phases wrote

    def _user_ids(self) -> dict[str, int]:
        return dict(db.session.execute(select(User.public_id, User.id)).all())

    def _agency_ids(self) -> dict[str, int]:
        return dict(db.session.execute(select(Agency.public_id, Agency.id)).all())

    def _chunks(self, total: int, size: int) -> list[range]:
        return [range(start, min(total, start + size)) for start in range(0, total, size)]

    def _layouts(self, indexes) -> list[LearnerLayout]:
        return [self.authority.learner(index) for index in indexes]

    # --- phase 1: agencies and accounts

    @cached_property
    def password_hash(self) -> str:
        """One argon2 hash, computed once and shared by every fictional account (hashing 12,000 passwords would take
        the build's whole budget): they all sign in with the demo password."""
        return hash_password(current_app.config["BRAID_DEMO_PASSWORD"])

    def _units_accounts(self):
        agencies = [*self.authority.schools, *self.authority.services]

        def unit(agency):
            def make() -> int:
                return self._write_agency(agency, current_app.config["BRAID_DEMO_TOTP_SECRET"])
            return agency.public_id, make
        return [unit(agency) for agency in agencies]

    def _write_agency(self, agency, totp_secret: str, *, commit: bool = True, ids: Ids | None = None,
                      sealer=None) -> int:
        ids = ids or Ids(db.session)
        sealer = sealer or keyring_sealer()
        created = moment(self.anchor - ACCOUNTS_AGE, 8)
        agency_id = ids.take(TABLES["agency"])
        write(db.session, TABLES["agency"], [dict(
            id=agency_id, public_id=agency.public_id, name_sealed=sealer(Agency.name, agency.public_id, agency.name),
            name_index=Agency.name.lookup(agency.name), kind=agency.kind, created_at=created,
            show_staff_names_to_family=False,
        )])
        users, enrolments = [], []
        first_user = ids.take(TABLES["user"], len(agency.people))
        for offset, person in enumerate(agency.people):
            external = person.role in EXTERNAL_ROLES
            users.append(dict(
                id=first_user + offset, public_id=person.public_id,
                email_sealed=sealer(User.email, person.public_id, person.email),
                email_index=User.email.lookup(person.email),
                display_name_sealed=sealer(User.display_name, person.public_id, person.name),
                role=person.role, agency_id=agency_id, active=True, restricted=external,
                access_expires_at=moment(self.anchor + timedelta(days=365), 17) if external else None,
                # The school's SENCo (its first account) line-manages its teachers and LSPs, as in the demo.
                line_manager_id=first_user if person.role in (Role.TEACHER, Role.LSP) else None,
                fte=person.fte, cpd_year_start_month=9, password_hash=self.password_hash,
                must_change_password=False, session_version=1, version=1, created_at=created,
                password_changed_at=created, last_login_at=None, dpo_designated_at=None,
            ))
            if person.role in MFA_REQUIRED_ROLES:
                enrolment_id = public_id_from(random.Random(f"{self.authority.key}|mfa|{person.public_id}"))
                enrolments.append(dict(
                    id=ids.take(TABLES["mfa"]), public_id=enrolment_id, user_id=first_user + offset,
                    secret_sealed=sealer(TwoStepEnrolment.secret, enrolment_id, totp_secret),
                    last_used_step=None, created_at=created, confirmed_at=created,
                ))
        write(db.session, TABLES["user"], users)
        write(db.session, TABLES["mfa"], enrolments)
        if commit:
            count_keyring_seals(db.session, sealer)
            self._commit(ids)
        return 1 + len(users) + len(enrolments)


class AnotherAuthority(RuntimeError):
    """The database holds an authority of another seed or size."""


class BuildInterrupted(RuntimeError):
    """A test's stand-in for Ctrl-C: the build stopped after committing this many units."""


def build_authority(*, seed: int = DEFAULT_SEED, learners: int = 10_000, big_school: int | None = None,
                    schools: int | None = None, progress=None, stop_after_units: int | None = None,
                    learners_per_unit: int = LEARNERS_PER_UNIT, trail_days: int = TRAIL_DAYS, on_phase=None,
                    audit_per_learner: int = 200) -> list[PhaseReport]:
    """Build (or finish building) the authority of `learners` learners; the benches call this.

    `big_school`: the secondary's learners (default a fifth: 2,000 of 10,000); `schools`: default one per 50
    learners. `progress(phase, units)` is a context manager whose bar gets `update(1, text)` per unit; `on_phase`
    gets each phase's PhaseReport as it ends. Run again with another `audit_per_learner`, it adds a second trail
    of that many events a learner beside the first (everything else is there already). Tests use
    `stop_after_units` (stop as if interrupted), and smaller units and a shorter trail to have more of them.
    """
    counts = ScaleCounts.for_learners(learners, big_school, schools, audit_per_learner)
    build = ScaleBuild(seed, counts, progress, stop_after_units, learners_per_unit, trail_days)
    build.on_phase = on_phase
    return build.run()


# --- what the fictional records say ------------------------------------------------------------------------
