"""`flask demo scale`, a year of history: CPD entries and the audit trail, sealed into the chain as it is written."""
from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from typing import NamedTuple

from flask import current_app
from sqlalchemy import select

from app.agencies.accounts.models import Role, User
from app.audit import chain
from app.audit.events import is_out_of_hours
from app.audit.models import AuditAction, AuditOutcome
from app.cases.contributions.models import Contribution
from app.cases.learners.models import Learner
from app.cpd.entries.models import ActivityType, EvidenceKind, ReflectiveEntry, ReflectiveModel
from app.cpd.entries.services import learner_reference
from app.demo.scale_people import public_id_from
from app.demo.scale_writing import (
    TABLES,
    Ids,
    count_keyring_seals,
    keyring_sealer,
    moment,
    write,
)
from app.extensions import db

PRACTITIONERS_PER_UNIT = 50
TRAIL_DAYS = 280  # calendar days of history before the anchor: about a school year of weekdays


class HistoryPhases:
    """Phases 5 and 6 of ScaleBuild (app.demo.scale), which holds the loop, the lookups and the authority."""

    # --- phase 5: CPD entries (ten a learner), up to half reflecting on a contribution the practitioner wrote

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
        return public_id_from(random.Random(f"{self.authority.key}|cpd|{person.public_id}|{n}"))

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
            rng = random.Random(f"{self.authority.key}|cpd|{person.public_id}")
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
                entry_id = ids.take(TABLES["entry"])
                at = moment(on, 18)
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
                        id=ids.take(TABLES["evidence"]), entry_id=entry_id, owner_id=owner,
                        kind=EvidenceKind.CONTRIBUTION, contribution_id=linked.id, meeting_id=None,
                        work_label=linked.kind.label[:120], work_on=linked.created_at.date(), role_label="Author",
                        learner_reference=learner_reference(_Named(person.public_id), _Named(linked.public_id)),
                        participatory_minutes=None,
                    ))
        write(db.session, TABLES["entry"], entries)
        write(db.session, TABLES["evidence"], evidence)
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
        return f"scale{self._key_digest}d{day_number:03d}n{n:06d}"

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
        rng = random.Random(f"{self.authority.key}|trail|{day_number}")
        drafts = []
        for _ in range(count):
            learner, school_id, team = cases[rng.randrange(len(cases))]
            actor_id, role, agency_id = team[rng.randrange(len(team))]
            hour = rng.randint(8, 16) if rng.random() < 0.97 else rng.choice((6, 20, 22))
            when = moment(day, hour, rng.randint(0, 59)).replace(second=rng.randint(0, 59))
            roll = rng.random()
            action, outcome, object_type = ((AuditAction.VIEW, AuditOutcome.ALLOWED, "learner") if roll < 0.85 else
                                            (AuditAction.CREATE, AuditOutcome.ALLOWED, "contribution") if roll < 0.95
                                            else (AuditAction.UPDATE, AuditOutcome.ALLOWED, "plan_cycle") if roll < 0.99
                                            else (AuditAction.VIEW, AuditOutcome.REFUSED, "learner"))
            drafts.append((when, learner, school_id, actor_id, role, agency_id, action, outcome, object_type))
        drafts.sort(key=lambda draft: draft[0])  # written in time order: the trail's order and its times agree
        ids = Ids(db.session)
        first = ids.take(TABLES["event"], len(drafts))
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
        write(db.session, TABLES["event"], events)
        write(db.session, TABLES["event_learner"], index_rows)
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


_ACTIVITIES = tuple(activity for activity in ActivityType if activity is not ActivityType.CASE_WORK)
_CPD_TOPICS = ("supporting working memory in class", "attachment-aware classrooms", "precision teaching",
               "developmental language disorder", "zones of regulation", "sensory processing")
_REFLECTION = "The visual prompts helped more than I expected; next time I will introduce them earlier."


class _Named(NamedTuple):
    public_id: str
