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
import random
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from decimal import Decimal
from html import escape
from typing import NamedTuple

from flask import current_app
from sqlalchemy import select

from app.agencies.accounts.models import Agency, Role, User
from app.agencies.accounts.services import EXTERNAL_ROLES
from app.agencies.two_step.models import TwoStepEnrolment
from app.audit import chain
from app.audit.events import is_out_of_hours
from app.audit.models import AuditAction, AuditEvent, AuditEventLearner, AuditOutcome
from app.cases.contributions.models import Contribution, ContributionKind, ContributionRevision, Visibility
from app.cases.lawful_basis.bases import default_for
from app.cases.learners.models import AreaOfNeed, Learner, SenStatus, YearGroupSource, name_and_birth_index
from app.cases.meetings.models import ActionStatus, Attendance, Meeting, MeetingAction, MeetingAttendee, MeetingKind
from app.cases.plans.models import CycleStage, Outcome, PlanCycle, ProgressRating, Provision, SupportPlan
from app.cases.team.models import TeamMembership
from app.cpd.entries.models import ActivityType, CaseEvidence, EvidenceKind, ReflectiveEntry, ReflectiveModel
from app.cpd.entries.services import learner_reference
from app.demo.cases import CLASSROOM_VIEWS, EP_ASSESSMENT, INTERVENTIONS, LEARNER_VOICE, LIKES, SLT_ASSESSMENT
from app.demo.plans import CYCLE_DAYS, NEEDS, OUTCOMES, PROVISION
from app.demo.scale_people import Authority, LearnerLayout, ScaleCounts, public_id_from
from app.demo.scale_writing import (
    Ids,
    count_keyring_seals,
    keyring_sealer,
    learner_sealers,
    move_sequences_past,
    write,
)
from app.extensions import db
from app.security.passwords import hash_password
from app.security.sanitize import ALLOWLIST_VERSION, render_writing

DEFAULT_SEED = 2326
LEARNERS_PER_UNIT = 100
PRACTITIONERS_PER_UNIT = 50
ACCOUNTS_AGE = timedelta(days=400)  # the accounts were made this long before the anchor
TRAIL_DAYS = 280  # calendar days of history before the anchor: about a school year of weekdays
PHASES = ("accounts", "learners", "contributions", "meetings", "cpd", "audit")
_T = {name: model.__table__ for name, model in (
    ("agency", Agency), ("user", User), ("mfa", TwoStepEnrolment), ("learner", Learner),
    ("membership", TeamMembership), ("plan", SupportPlan), ("cycle", PlanCycle), ("outcome", Outcome),
    ("provision", Provision), ("contribution", Contribution), ("revision", ContributionRevision),
    ("meeting", Meeting), ("attendee", MeetingAttendee), ("action", MeetingAction), ("entry", ReflectiveEntry),
    ("evidence", CaseEvidence), ("event", AuditEvent), ("event_learner", AuditEventLearner),
)}


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


def _moment(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, clock(hour, minute), tzinfo=UTC)


class ScaleBuild:
    """One build of one authority; `run()` goes through the phases, skipping what a previous run committed."""

    def __init__(self, seed: int, counts: ScaleCounts, progress=None, stop_after_units: int | None = None,
                 learners_per_unit: int = LEARNERS_PER_UNIT, trail_days: int = TRAIL_DAYS):
        self.seed, self.counts = seed, counts
        self.learners_per_unit, self.trail_days = learners_per_unit, trail_days
        self.progress = progress or _no_progress
        self.stop_after_units = stop_after_units  # tests: stop as if interrupted after this many units written
        self.written_units = 0
        self.authority = Authority(seed, counts, anchor=None)
        self.anchor = self._anchor()
        self.authority.anchor = self.anchor
        self.reports: list[PhaseReport] = []

    def _anchor(self) -> date:
        """The day the build's dates count back from: the day its first school was written, so a build resumed
        on a later day keeps its dates."""
        first = self.authority.schools[0].public_id
        made = db.session.scalar(select(Agency.created_at).where(Agency.public_id == first))
        db.session.rollback()
        return made.date() + ACCOUNTS_AGE if made is not None else datetime.now(UTC).date()

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
        return self.reports

    def _present(self, phase: str, marker: str) -> bool:
        table, column = {"accounts": (_T["agency"], "public_id"), "learners": (_T["learner"], "public_id"),
                         "contributions": (_T["contribution"], "public_id"), "meetings": (_T["meeting"], "public_id"),
                         "cpd": (_T["entry"], "public_id"), "audit": (_T["event"], "request_id")}[phase]
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

    def _units_accounts(self):
        config = current_app.config
        self._password_hash = None
        agencies = [*self.authority.schools, *self.authority.services]

        def unit(agency):
            def make() -> int:
                if self._password_hash is None:
                    # One argon2 hash, computed once and shared by every fictional account (hashing 12,000
                    # passwords would take the build's whole budget): they all sign in with the demo password.
                    self._password_hash = hash_password(config["BRAID_DEMO_PASSWORD"])
                return self._write_agency(agency, config["BRAID_DEMO_TOTP_SECRET"])
            return agency.public_id, make
        return [unit(agency) for agency in agencies]

    def _write_agency(self, agency, totp_secret: str, *, commit: bool = True, ids: Ids | None = None,
                      sealer=None) -> int:
        ids = ids or Ids(db.session)
        sealer = sealer or keyring_sealer()
        created = _moment(self.anchor - ACCOUNTS_AGE, 8)
        agency_id = ids.take(_T["agency"])
        write(db.session, _T["agency"], [dict(
            id=agency_id, public_id=agency.public_id, name_sealed=sealer(Agency.name, agency.public_id, agency.name),
            name_index=Agency.name.lookup(agency.name), kind=agency.kind, created_at=created,
            show_staff_names_to_family=False,
        )])
        users, enrolments = [], []
        first_user = ids.take(_T["user"], len(agency.people))
        for offset, person in enumerate(agency.people):
            external = person.role in EXTERNAL_ROLES
            users.append(dict(
                id=first_user + offset, public_id=person.public_id,
                email_sealed=sealer(User.email, person.public_id, person.email),
                email_index=User.email.lookup(person.email),
                display_name_sealed=sealer(User.display_name, person.public_id, person.name),
                role=person.role, agency_id=agency_id, active=True, restricted=external,
                access_expires_at=_moment(self.anchor + timedelta(days=365), 17) if external else None,
                line_manager_id=None, fte=person.fte, cpd_year_start_month=9, password_hash=self._password_hash,
                must_change_password=False, session_version=1, version=1, created_at=created,
                password_changed_at=created, last_login_at=None, dpo_designated_at=None,
            ))
            if person.role in (Role.SENCO, Role.DSL, Role.ADMIN, Role.SLT, Role.EP):
                enrolment_id = public_id_from(random.Random(f"{self.seed}|mfa|{person.public_id}"))
                enrolments.append(dict(
                    id=ids.take(_T["mfa"]), public_id=enrolment_id, user_id=first_user + offset,
                    secret_sealed=sealer(TwoStepEnrolment.secret, enrolment_id, totp_secret),
                    last_used_step=None, created_at=created, confirmed_at=created,
                ))
        write(db.session, _T["user"], users)
        write(db.session, _T["mfa"], enrolments)
        if commit:
            count_keyring_seals(db.session, sealer)
            self._commit(ids)
        return 1 + len(users) + len(enrolments)

    # --- phase 2: learners, their teams, families and plans

    def _units_learners(self):
        def unit(indexes):
            def make() -> int:
                return self._write_learners(indexes)
            return self.authority.learner(indexes[0]).public_id, make
        return [unit(chunk) for chunk in self._chunks(self.counts.learners, self.learners_per_unit)]

    def _write_learners(self, indexes) -> int:
        ids, keyring = Ids(db.session), keyring_sealer()
        users, agencies = self._user_ids(), self._agency_ids()
        layouts = self._layouts(indexes)
        sealers = learner_sealers([layout.public_id for layout in layouts])
        rows = {name: [] for name in ("learner", "membership", "plan", "cycle", "outcome", "provision")}
        written = 0
        for layout in layouts:
            school = self.authority.schools[layout.school]
            seal, pid = sealers[layout.public_id], layout.public_id
            registered = _moment(self.anchor - timedelta(days=CYCLE_DAYS * (layout.closed_cycles + 1) + 30), 9)
            learner_id = ids.take(_T["learner"])
            notes = f"{layout.first} is a fictional learner at {school.name}."
            rows["learner"].append(dict(
                id=learner_id, public_id=pid, school_id=agencies[school.public_id], year_group=layout.year_group,
                created_at=registered, version=1, year_group_source=YearGroupSource.REGISTERED,
                year_group_set_on=None, leaving_on=None, archived_at=None, restricted_at=None,
                name_sealed=seal(Learner.name, pid, layout.name), name_index=Learner.name.lookup(layout.name),
                preferred_name_sealed=seal(Learner.preferred_name, pid, layout.preferred_name),
                date_of_birth_sealed=seal(Learner.date_of_birth, pid, layout.date_of_birth),
                upn_sealed=seal(Learner.upn, pid, layout.upn), upn_index=Learner.upn.lookup(layout.upn),
                name_and_birth_index=name_and_birth_index(layout.name, layout.date_of_birth),
                notes_sealed=seal(Learner.notes, pid, notes),
                notes_html_sealed=seal(Learner.notes_html, pid, f"<p>{notes}</p>"), writing_version=ALLOWLIST_VERSION,
                areas_of_need_sealed=seal(Learner.areas_of_need, pid, list(layout.areas)),
                sen_status_sealed=seal(Learner.sen_status, pid, SenStatus.SEN_SUPPORT),
                needs_sealed=None, registration_group_sealed=None, merged_into_id=None, merged_at=None,
                merged_by_id=None, merge_reason_sealed=None,
            ))
            senco = users[school.of(Role.SENCO)[0].public_id]
            team = self._team(layout)
            if layout.parent:
                family = self.authority.family(layout)
                written += self._write_agency(family, "", commit=False, ids=ids, sealer=keyring)
                users[family.people[0].public_id] = ids.next["user_account"] - 1
            rng = random.Random(f"{layout.seed}|team")
            for person in team:
                external = person.role in EXTERNAL_ROLES
                basis6, basis9 = default_for(person.role) if external else (None, None)
                rows["membership"].append(dict(
                    id=ids.take(_T["membership"]), public_id=public_id_from(rng), learner_id=learner_id,
                    user_id=users[person.public_id], role=person.role, starts_at=registered,
                    ends_at=_moment(self.anchor + timedelta(days=365), 17) if external else None,
                    ended_at=None, ended_by_id=None, end_reason_sealed=None, added_by_id=senco,
                    created_at=registered, lawful_basis=basis6, special_category_condition=basis9,
                    lawful_basis_assumed=False, consent_id=None,
                ))
            plan_id = ids.take(_T["plan"])
            rows["plan"].append(dict(id=plan_id, public_id=public_id_from(rng), learner_id=learner_id,
                                     created_by_id=senco, created_at=registered))
            lsp = users[school.of(Role.LSP)[layout.lsp].public_id]
            for number, (assess_on, review_on) in enumerate(self.cycle_dates(layout), start=1):
                current = number == layout.closed_cycles + 1
                cycle_id, cycle_pid = ids.take(_T["cycle"]), public_id_from(rng)
                closed_at = None if current else _moment(review_on, 15)
                row = dict(
                    id=cycle_id, public_id=cycle_pid, plan_id=plan_id, number=number,
                    stage=layout.stage if current else CycleStage.CLOSED, assess_on=assess_on,
                    plan_on=assess_on + timedelta(days=14), do_from=assess_on + timedelta(days=21),
                    review_on=review_on, version=1, opened_at=_moment(assess_on, 9), closed_at=closed_at,
                    closed_by_id=None if current else senco, merged_at=None, writing_version=ALLOWLIST_VERSION,
                )
                texts = {
                    "learner_views": f"{layout.first} says: “I like it when I know what is happening next.”",
                    "family_views": "At home we see a happy, creative child who gets tired after a hard day.",
                    "aspirations": f"{layout.first} wants to have a best friend in class.",
                    "review_summary": None if current else "Review held with the family and the class team.",
                }
                for area in layout.areas:
                    name, need = NEEDS[area]
                    texts[name] = need
                for name in ("learner_views", "family_views", "aspirations", "needs_communication",
                             "needs_cognition", "needs_semh", "needs_sensory", "review_summary"):
                    value = texts.get(name)
                    row[f"{name}_sealed"] = seal(getattr(PlanCycle, name), cycle_pid, value)
                    row[f"{name}_html_sealed"] = seal(getattr(PlanCycle, f"{name}_html"), cycle_pid,
                                                      f"<p>{value}</p>" if value else None)
                rows["cycle"].append(row)
                for n, area in enumerate((layout.areas * 2)[:2]):
                    description, measure = OUTCOMES[area][(number + n) % 2]
                    outcome_pid = public_id_from(rng)
                    rows["outcome"].append(dict(
                        id=ids.take(_T["outcome"]), public_id=outcome_pid, cycle_id=cycle_id, target_on=review_on,
                        owner_id=lsp, progress=rng.choice(_RATINGS) if not current else _RATINGS[0], version=1,
                        created_at=_moment(assess_on, 10),
                        description_sealed=seal(Outcome.description, outcome_pid, f"{layout.first} {description}"),
                        measure_sealed=seal(Outcome.measure, outcome_pid, measure),
                    ))
                for area in layout.areas:
                    what, who, how_often = PROVISION[area]
                    provision_pid = public_id_from(rng)
                    rows["provision"].append(dict(
                        id=ids.take(_T["provision"]), public_id=provision_pid, cycle_id=cycle_id, frequency=how_often,
                        starts_on=assess_on + timedelta(days=21), ends_on=None, version=1,
                        created_at=_moment(assess_on, 10),
                        description_sealed=seal(Provision.description, provision_pid, what),
                        delivered_by_sealed=seal(Provision.delivered_by, provision_pid, who),
                    ))
        for name in ("learner", "membership", "plan", "cycle", "outcome", "provision"):
            write(db.session, _T[name], rows[name])
            written += len(rows[name])
        count_keyring_seals(db.session, keyring)
        self._commit(ids)
        return written

    def _team(self, layout: LearnerLayout):
        """Who is on the learner's case: a class teacher and an LSP, the DSL where the need is social and emotional,
        and the SLT, EP and parent the layout gives them."""
        school = self.authority.schools[layout.school]
        team = [school.of(Role.TEACHER)[layout.teacher], school.of(Role.LSP)[layout.lsp]]
        if AreaOfNeed.SEMH in layout.areas:
            team.append(school.of(Role.DSL)[0])
        if layout.slt is not None:
            team.append(self.authority.professionals(Role.SLT)[layout.slt])
        if layout.ep is not None:
            team.append(self.authority.professionals(Role.EP)[layout.ep])
        if layout.parent:
            team.append(self.authority.family(layout).people[0])
        return team

    def cycle_dates(self, layout: LearnerLayout) -> list[tuple[date, date]]:
        """(assess on, review on) of each cycle, oldest first: the current one reviews 5 to 60 days from the anchor."""
        review_on = self.anchor + timedelta(days=5 + (layout.index * 11) % 56)
        current = review_on - timedelta(days=CYCLE_DAYS)
        dates = [(current - timedelta(days=CYCLE_DAYS * (layout.closed_cycles - n)),
                  current - timedelta(days=CYCLE_DAYS * (layout.closed_cycles - n) - CYCLE_DAYS + 3))
                 for n in range(layout.closed_cycles)]
        return [*dates, (current, review_on)]

    def _cycles_of(self, learner_ids: list[int]) -> dict[int, list[int]]:
        rows = db.session.execute(
            select(SupportPlan.learner_id, PlanCycle.id).join(PlanCycle, PlanCycle.plan_id == SupportPlan.id)
            .where(SupportPlan.learner_id.in_(learner_ids)).order_by(PlanCycle.number)
        ).all()
        cycles: dict[int, list[int]] = {}
        for learner_id, cycle_id in rows:
            cycles.setdefault(learner_id, []).append(cycle_id)
        return cycles

    def _learner_ids(self, layouts) -> dict[str, int]:
        return dict(db.session.execute(select(Learner.public_id, Learner.id).where(
            Learner.public_id.in_([layout.public_id for layout in layouts]))).all())

    # --- phase 3: contributions (50 a learner on average), some edited once

    def _units_contributions(self):
        def unit(indexes):
            def make() -> int:
                return self._write_contributions(indexes)
            first = self.authority.learner(indexes[0])
            return self._contribution_id(first, 0), make
        return [unit(chunk) for chunk in self._chunks(self.counts.learners, self.learners_per_unit)]

    def _contribution_id(self, layout: LearnerLayout, n: int) -> str:
        return public_id_from(random.Random(f"{layout.seed}|contribution|{n}"))

    def _write_contributions(self, indexes) -> int:
        ids, users = Ids(db.session), self._user_ids()
        layouts = self._layouts(indexes)
        learner_ids = self._learner_ids(layouts)
        cycles = self._cycles_of(list(learner_ids.values()))
        sealers = learner_sealers([layout.public_id for layout in layouts])
        contributions, revisions = [], []
        for layout in layouts:
            seal, learner_id = sealers[layout.public_id], learner_ids[layout.public_id]
            authors = [person for person in self._team(layout) if person.role in _KINDS]
            dates = self.cycle_dates(layout)
            rng = random.Random(f"{layout.seed}|contributions")
            for n in range(layout.contributions):
                author = authors[n % len(authors)]
                kind = _KINDS[author.role][n % len(_KINDS[author.role])]
                cycle_number = min(len(dates) - 1, n * len(dates) // layout.contributions)
                assess_on, review_on = dates[cycle_number]
                day = min(self.anchor, assess_on + timedelta(days=rng.randint(0, CYCLE_DAYS - 1)))
                written_at = _moment(day, rng.randint(8, 17), rng.randint(0, 59))
                title, template = _template(kind, layout, n)
                title = title.replace(_PLACEHOLDER, layout.first)
                body, body_html = _writing(template, layout.first)
                if edited := n % 10 == 3:
                    earlier, earlier_html = body, body_html
                    body, body_html = _writing(template + _UPDATE, layout.first)
                pid = self._contribution_id(layout, n)
                visibility = (Visibility.TEAM_AND_FAMILY if kind in _FAMILY_KINDS else
                              Visibility.RESTRICTED if n % 97 == 0 else Visibility.TEAM)
                basis6, basis9 = default_for(author.role)
                contribution_id = ids.take(_T["contribution"])
                contributions.append(dict(
                    id=contribution_id, public_id=pid, learner_id=learner_id,
                    cycle_id=cycles[learner_id][cycle_number], author_id=users[author.public_id], kind=kind,
                    visibility=visibility, version=2 if edited else 1, created_at=written_at,
                    updated_at=written_at + timedelta(days=2) if edited else written_at,
                    title_sealed=seal(Contribution.title, pid, title),
                    body_sealed=seal(Contribution.body, pid, body),
                    body_html_sealed=seal(Contribution.body_html, pid, body_html),
                    writing_version=ALLOWLIST_VERSION, lawful_basis=basis6, special_category_condition=basis9,
                    lawful_basis_assumed=False, withdrawn_at=None, withdrawn_by_id=None, withdrawn_reason_sealed=None,
                ))
                if edited:
                    revision_pid = public_id_from(rng)
                    revisions.append(dict(
                        id=ids.take(_T["revision"]), public_id=revision_pid, contribution_id=contribution_id,
                        version=1, visibility=visibility, written_by_id=users[author.public_id], written_at=written_at,
                        title_sealed=seal(ContributionRevision.title, revision_pid, title),
                        body_sealed=seal(ContributionRevision.body, revision_pid, earlier),
                        body_html_sealed=seal(ContributionRevision.body_html, revision_pid, earlier_html),
                        writing_version=ALLOWLIST_VERSION,
                    ))
        write(db.session, _T["contribution"], contributions)
        write(db.session, _T["revision"], revisions)
        self._commit(ids)
        return len(contributions) + len(revisions)

    # --- phase 4: meetings (two a learner: the current cycle's planning meeting and the last review)

    def _units_meetings(self):
        def unit(indexes):
            def make() -> int:
                return self._write_meetings(indexes)
            return self._meeting_id(self.authority.learner(indexes[0]), 0), make
        return [unit(chunk) for chunk in self._chunks(self.counts.learners, self.learners_per_unit)]

    def _meeting_id(self, layout: LearnerLayout, n: int) -> str:
        return public_id_from(random.Random(f"{layout.seed}|meeting|{n}"))

    def _write_meetings(self, indexes) -> int:
        ids, users = Ids(db.session), self._user_ids()
        layouts = self._layouts(indexes)
        learner_ids = self._learner_ids(layouts)
        cycles = self._cycles_of(list(learner_ids.values()))
        sealers = learner_sealers([layout.public_id for layout in layouts])
        rows = {"meeting": [], "attendee": [], "action": []}
        for layout in layouts:
            seal, learner_id = sealers[layout.public_id], learner_ids[layout.public_id]
            school = self.authority.schools[layout.school]
            senco = users[school.of(Role.SENCO)[0].public_id]
            team = self._team(layout)
            lsp, teacher = users[team[1].public_id], users[team[0].public_id]
            dates = self.cycle_dates(layout)
            rng = random.Random(f"{layout.seed}|meetings")
            for n in range(self.counts.meetings_per_learner):
                kind = MeetingKind.PLANNING if n % 2 == 0 else MeetingKind.REVIEW
                cycle_number = len(dates) - 1 if kind is MeetingKind.PLANNING else max(0, len(dates) - 2)
                assess_on, review_on = dates[cycle_number]
                held_on = min(self.anchor, assess_on + timedelta(days=14) if kind is MeetingKind.PLANNING
                              else review_on)
                pid = self._meeting_id(layout, n)
                meeting_id = ids.take(_T["meeting"])
                texts = {
                    "agenda": "1. Views of the learner and family\n2. Outcomes for this cycle\n3. Provision",
                    "minutes": f"We heard {layout.first}'s views and agreed what success looks like this term.",
                    "decisions": "- Continue the current intervention three times a week\n"
                                 "- Share the visual timetable with home",
                }
                row = dict(
                    id=meeting_id, public_id=pid, learner_id=learner_id, cycle_id=cycles[learner_id][cycle_number],
                    kind=kind, held_on=held_on, starts_at=clock(15, 30), duration_minutes=rng.choice((30, 45, 60)),
                    chair_id=senco, recorded_by_id=lsp, shared_with_family=layout.parent, record_number=1,
                    signed_off_at=None, version=1, created_at=_moment(held_on, 17), writing_version=ALLOWLIST_VERSION,
                    other_attendees_sealed=None,
                )
                for name, value in texts.items():
                    row[f"{name}_sealed"] = seal(getattr(Meeting, name), pid, value)
                    row[f"{name}_html_sealed"] = seal(getattr(Meeting, f"{name}_html"), pid, _writing(value, "")[1])
                rows["meeting"].append(row)
                for user_id, attendance in ((senco, Attendance.PRESENT), (lsp, Attendance.PRESENT),
                                            (teacher, Attendance.APOLOGIES if n % 3 == 2 else Attendance.PRESENT)):
                    rows["attendee"].append(dict(id=ids.take(_T["attendee"]), meeting_id=meeting_id, user_id=user_id,
                                                 attendance=attendance))
                action_pid = public_id_from(rng)
                rows["action"].append(dict(
                    id=ids.take(_T["action"]), public_id=action_pid, meeting_id=meeting_id, owner_id=teacher,
                    due_on=held_on + timedelta(days=7), status=_ACTION_STATUS[n % 2], version=1,
                    created_at=_moment(held_on, 17), completed_at=None,
                    description_sealed=seal(MeetingAction.description, action_pid,
                                            f"Send home a copy of {layout.first}'s visual timetable"),
                ))
        for name, table_rows in rows.items():
            write(db.session, _T[name], table_rows)
        self._commit(ids)
        return sum(len(table_rows) for table_rows in rows.values())

    # --- phase 5: CPD entries (ten a learner), about half reflecting on a contribution the practitioner wrote

    def _practitioners(self):
        staff = [person for school in self.authority.schools for person in school.people]
        return [person for person in staff if person.role is not Role.ADMIN] + [
            person for service in self.authority.services for person in service.people]

    def _units_cpd(self):
        practitioners = self._practitioners()
        total = self.counts.cpd_entries
        share = [total // len(practitioners) + (1 if n < total % len(practitioners) else 0)
                 for n in range(len(practitioners))]

        def unit(chunk):
            def make() -> int:
                return self._write_cpd([(practitioners[n], share[n]) for n in chunk])
            first = next((n for n in chunk if share[n]), chunk[0])
            return self._entry_id(practitioners[first], 0), make
        return [unit(chunk) for chunk in self._chunks(len(practitioners), PRACTITIONERS_PER_UNIT)]

    def _entry_id(self, person, n: int) -> str:
        return public_id_from(random.Random(f"{self.seed}|cpd|{person.public_id}|{n}"))

    def _write_cpd(self, shares) -> int:
        ids, users, sealer = Ids(db.session), self._user_ids(), keyring_sealer()
        owner_ids = [users[person.public_id] for person, _ in shares]
        authored: dict[int, list] = {}
        for row in db.session.execute(
            select(Contribution.id, Contribution.author_id, Contribution.kind, Contribution.created_at,
                   Learner.public_id).join(Learner, Learner.id == Contribution.learner_id)
            .where(Contribution.author_id.in_(owner_ids)).order_by(Contribution.id)
        ):
            authored.setdefault(row.author_id, []).append(row)
        entries, evidence = [], []
        for person, count in shares:
            owner = users[person.public_id]
            work = authored.get(owner, [])
            rng = random.Random(f"{self.seed}|cpd|{person.public_id}")
            for n in range(count):
                pid = self._entry_id(person, n)
                linked = work[(n // 2) * max(1, len(work) // max(1, count)) % len(work)] \
                    if work and n % 2 == 0 and n // 2 < len(work) else None
                activity = ActivityType.CASE_WORK if linked else rng.choice(_ACTIVITIES)
                model = rng.choice(list(ReflectiveModel))
                on = linked.created_at.date() if linked else self.anchor - timedelta(days=rng.randint(1, 360))
                title = (f"Reflecting on my {linked.kind.label.lower()}" if linked
                         else f"{activity.label}: {rng.choice(_CPD_TOPICS)}")
                reflection = {prompt.key: _REFLECTION for prompt in model.prompts}
                entry_id = ids.take(_T["entry"])
                at = _moment(on, 18)
                entries.append(dict(
                    id=entry_id, public_id=pid, owner_id=owner, activity_on=on,
                    hours=Decimal(rng.choice(("0.50", "1.00", "1.50", "2.00", "3.00", "6.00"))),
                    activity_type=activity, participation=activity.usual_participation, reflective_model=model,
                    action_by=on + timedelta(days=42), created_at=at, updated_at=at, version=1,
                    title_sealed=sealer(ReflectiveEntry.title, pid, title),
                    content_sealed=sealer(ReflectiveEntry.content, pid, "What I did and what I learned from it."),
                    reflection_sealed=sealer(ReflectiveEntry.reflection, pid, reflection),
                    action_what_sealed=sealer(ReflectiveEntry.action_what, pid, "Use visual prompts for every task"),
                    action_how_sealed=sealer(ReflectiveEntry.action_how, pid, "Prepare them with the class teacher"),
                    withdrawn_at=None, withdrawn_reason_sealed=None,
                ))
                if linked:
                    evidence.append(dict(
                        id=ids.take(_T["evidence"]), entry_id=entry_id, owner_id=owner,
                        kind=EvidenceKind.CONTRIBUTION, contribution_id=linked.id, meeting_id=None,
                        work_label=linked.kind.label[:120], work_on=linked.created_at.date(), role_label="Author",
                        learner_reference=learner_reference(_Named(person.public_id), _Named(linked.public_id)),
                        participatory_minutes=None,
                    ))
        write(db.session, _T["entry"], entries)
        write(db.session, _T["evidence"], evidence)
        count_keyring_seals(db.session, sealer)
        self._commit(ids)
        return len(entries) + len(evidence)

    # --- phase 6: the audit trail, a school day at a time, sealed into the chain as it goes

    def _trail_days(self) -> list[date]:
        days = [self.anchor - timedelta(days=back) for back in range(self.trail_days, 0, -1)]
        return [day for day in days if day.weekday() < 5]

    def _units_audit(self):
        days = self._trail_days()
        total = self.counts.audit_events
        share = [total // len(days) + (1 if n < total % len(days) else 0) for n in range(len(days))]
        self._trail_cache = None

        def unit(n, day):
            def make() -> int:
                return self._write_trail_day(n, day, share[n])
            return self._request_id(n, 0), make
        units = [unit(n, day) for n, day in enumerate(days) if share[n]]
        units.append(("", self._finish_trail))  # seals the rest and signs a checkpoint (never "present")
        return units

    def _request_id(self, day_number: int, n: int) -> str:
        return f"scale{self.seed % 100000}d{day_number:03d}n{n:06d}"

    def _trail_people(self):
        if self._trail_cache is None:
            users, agencies = self._user_ids(), self._agency_ids()
            agency_of = dict(db.session.execute(select(User.id, User.agency_id)).all())
            cases = []
            for index in range(self.counts.learners):
                layout = self.authority.learner(index)
                school = self.authority.schools[layout.school]
                team = [*self._team(layout), school.of(Role.SENCO)[0]]
                cases.append((layout.public_id, agencies[school.public_id],
                              [(users[person.public_id], person.role.value, agency_of[users[person.public_id]])
                               for person in team]))
            self._trail_cache = cases
        return self._trail_cache

    def _write_trail_day(self, day_number: int, day: date, count: int) -> int:
        cases = self._trail_people()
        rng = random.Random(f"{self.seed}|trail|{day_number}")
        drafts = []
        for _ in range(count):
            learner, school_id, team = cases[rng.randrange(len(cases))]
            actor_id, role, agency_id = team[rng.randrange(len(team))]
            hour = rng.randint(8, 16) if rng.random() < 0.97 else rng.choice((6, 20, 22))
            when = _moment(day, hour, rng.randint(0, 59)).replace(second=rng.randint(0, 59))
            roll = rng.random()
            action, outcome, object_type = ((AuditAction.VIEW, AuditOutcome.ALLOWED, "learner") if roll < 0.85 else
                                            (AuditAction.CREATE, AuditOutcome.ALLOWED, "contribution") if roll < 0.95
                                            else (AuditAction.UPDATE, AuditOutcome.ALLOWED, "plan_cycle") if roll < 0.99
                                            else (AuditAction.VIEW, AuditOutcome.REFUSED, "learner"))
            drafts.append((when, learner, school_id, actor_id, role, agency_id, action, outcome, object_type))
        drafts.sort(key=lambda draft: draft[0])  # written in time order: the trail's order and its times agree
        ids = Ids(db.session)
        first = ids.take(_T["event"], len(drafts))
        events, index_rows = [], []
        for n, (when, learner, school_id, actor_id, role, agency_id, action, outcome, object_type) in enumerate(drafts):
            event_id = first + n
            events.append(dict(
                id=event_id, occurred_at=when, actor_id=actor_id, actor_role=role, actor_agency_id=agency_id,
                action=action, object_type=object_type, object_public_id=learner if object_type == "learner" else None,
                learner_public_ids=learner, school_id=school_id, request_id=self._request_id(day_number, n),
                ip_address=f"10.{30 + school_id % 200}.{actor_id // 250 % 250}.{actor_id % 250 + 1}",
                outcome=outcome, fields_changed="body,title" if action is AuditAction.CREATE else None, purpose=None,
                out_of_hours=is_out_of_hours(when),
            ))
            index_rows.append(dict(learner_public_id=learner, event_id=event_id, school_id=school_id))
        write(db.session, _T["event"], events)
        write(db.session, _T["event_learner"], index_rows)
        self._commit(ids)
        db.session.remove()
        chain.seal_pending(lock_timeout_ms=5000)  # sealed as it goes: the last seal and checkpoint stay small
        return len(events) + len(index_rows)

    def _finish_trail(self) -> int:
        db.session.remove()
        chain.seal_pending(lock_timeout_ms=5000)
        if current_app.config.get("BRAID_AUDIT_KEY"):
            chain.record_checkpoint()
        return 0


class BuildInterrupted(RuntimeError):
    """A test's stand-in for Ctrl-C: the build stopped after committing this many units."""


def build_authority(*, seed: int = DEFAULT_SEED, learners: int = 10_000, big_school: int | None = None,
                    schools: int | None = None, progress=None, stop_after_units: int | None = None,
                    learners_per_unit: int = LEARNERS_PER_UNIT, trail_days: int = TRAIL_DAYS) -> list[PhaseReport]:
    """Build (or finish building) the authority of `learners` learners; the benches call this.

    `big_school`: the secondary's learners (default a fifth: 2,000 of 10,000); `schools`: default one per 50
    learners. `progress(phase, units)` is a context manager whose bar gets `update(1, text)` per unit. Tests use
    `stop_after_units` (stop as if interrupted), and smaller units and a shorter trail to have more of them.
    """
    counts = ScaleCounts.for_learners(learners, big_school, schools)
    return ScaleBuild(seed, counts, progress, stop_after_units, learners_per_unit, trail_days).run()


# --- what the fictional records say ------------------------------------------------------------------------

_RATINGS = (ProgressRating.NOT_YET_REVIEWED, ProgressRating.PARTLY_MET, ProgressRating.MET, ProgressRating.EXCEEDED,
            ProgressRating.NOT_MET)
_KINDS = {
    Role.TEACHER: (ContributionKind.CLASSROOM_VIEW,),
    Role.LSP: (ContributionKind.INTERVENTION_RECORD, ContributionKind.LEARNER_VOICE),
    Role.SLT: (ContributionKind.SLT_ASSESSMENT,),
    Role.EP: (ContributionKind.EP_ASSESSMENT,),
    Role.PARENT: (ContributionKind.FAMILY_VIEW,),
}
_FAMILY_KINDS = {ContributionKind.LEARNER_VOICE, ContributionKind.FAMILY_VIEW}
_UPDATE = "\n\nUpdate: the visual timetable is now used every day."
_ACTION_STATUS = (ActionStatus.DONE, ActionStatus.OPEN)
_ACTIVITIES = tuple(activity for activity in ActivityType if activity is not ActivityType.CASE_WORK)
_CPD_TOPICS = ("supporting working memory in class", "attachment-aware classrooms", "precision teaching",
               "developmental language disorder", "zones of regulation", "sensory processing")
_REFLECTION = "The visual prompts helped more than I expected; next time I will introduce them earlier."
_FAMILY_VIEW = ("Our view at home", "{first} chats all the time at home and loves telling us about animals.\n\n"
                "We would like {first} to feel confident to ask for help.")
_PLACEHOLDER = "QQFIRSTQQ"  # each template is rendered to HTML once; the learner's name goes in afterwards
_rendered: dict[str, str] = {}


class _Named(NamedTuple):
    public_id: str


def _template(kind: ContributionKind, layout: LearnerLayout, n: int) -> tuple[str, str]:
    """(title, body) with the placeholder where the learner's name goes."""
    area, first = layout.areas[0], _PLACEHOLDER
    if kind is ContributionKind.CLASSROOM_VIEW:
        return f"Classroom view, {first}", CLASSROOM_VIEWS[area].format(first=first)
    if kind is ContributionKind.INTERVENTION_RECORD:
        title, body = INTERVENTIONS[area]
        return title, body.format(first=first)
    if kind is ContributionKind.LEARNER_VOICE:
        title, body = LEARNER_VOICE
        return title.format(first=first), body.format(first=first, likes=LIKES[n % len(LIKES)])
    if kind is ContributionKind.SLT_ASSESSMENT:
        return SLT_ASSESSMENT
    if kind is ContributionKind.EP_ASSESSMENT:
        return EP_ASSESSMENT
    title, body = _FAMILY_VIEW
    return title, body.format(first=first)


def _writing(template: str, first: str) -> tuple[str, str]:
    """(source, safe HTML) of a template for a learner, as writing.write makes them; each template rendered once."""
    html = _rendered.get(template)
    if html is None:
        html = _rendered[template] = render_writing(template)
    return template.replace(_PLACEHOLDER, first), html.replace(_PLACEHOLDER, escape(first))
