"""Demo audit trail: three weeks of everyday access, with the patterns a DSL's review should flag.

The events are fictional history written once, after the demo cases exist; the trail is then sealed,
signed with a checkpoint and verified, so the DSL's page shows a chain that has been checked.
"""
from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app.agencies.accounts.models import User
from app.audit import chain
from app.audit.events import is_out_of_hours, record, write_row
from app.audit.models import AuditAction, AuditEvent, AuditOutcome
from app.core.dates import school_zone
from app.core.jobs.services import run_now
from app.extensions import db
from app.policy import case_learners
from app.types import utcnow

DEMO_REQUEST_PREFIX = "demo"


def _at(day: datetime, hour: int, minute: int) -> datetime:
    """`day` at hour:minute on the school's clock, in UTC."""
    local = day.astimezone(school_zone()).replace(hour=hour, minute=minute, second=0, microsecond=0)
    return local.astimezone(UTC)


_EVENT_NUMBERS = itertools.count(1)  # each demo event's request id is its number


def _event(actor: User, when: datetime, learners, *, action=AuditAction.VIEW, outcome=AuditOutcome.ALLOWED,
           object_type="learner", object_public_id=None) -> tuple:
    number = next(_EVENT_NUMBERS)
    ids = sorted({learner.public_id for learner in learners})
    return when, number, dict(
        occurred_at=when, actor_id=actor.id, actor_role=actor.role.value, actor_agency_id=actor.agency_id,
        action=action, outcome=outcome, object_type=object_type,
        object_public_id=object_public_id or (ids[0] if len(ids) == 1 else None),
        learner_public_ids=" ".join(ids) or None, school_id=learners[0].school_id if learners else actor.agency_id,
        request_id=f"{DEMO_REQUEST_PREFIX}{number:028d}", ip_address=f"10.20.0.{10 + actor.id}",
        fields_changed=None, purpose=None, out_of_hours=is_out_of_hours(when),
    ), ids


def load_demo_trail(among=()) -> int:
    """Write the demo history once (it is recognised by its request ids); returns events written. `among`: functions
    of (people by email, now) giving other demo parts' events as (time, order, row, learner ids), written in time
    order with the rest."""
    exists = db.session.scalar(
        select(AuditEvent.id).where(AuditEvent.request_id.like(f"{DEMO_REQUEST_PREFIX}%")).limit(1)
    )
    if exists is not None:
        return 0
    people = {user.email: user for user in db.session.scalars(select(User))}
    senco, lsp, teacher = (people["senco@oakfield.example"], people["lsp@oakfield.example"],
                           people["teacher@oakfield.example"])
    slt, parent = people["slt@riverside-slt.example"], people["parent@family.example"]
    rng = random.Random(20261123)
    today = utcnow()
    before = db.session.scalar(select(db.func.count()).select_from(AuditEvent))
    everyone_cases = {user: list(db.session.scalars(case_learners(user)))
                      for user in (senco, lsp, teacher, slt, parent)}
    school_learners = everyone_cases[senco]
    history = []
    for days_ago in range(21, 0, -1):
        day = today - timedelta(days=days_ago)
        if day.astimezone(school_zone()).weekday() >= 5:
            continue
        for user, cases in everyone_cases.items():
            for _ in range(rng.randint(2, 6) if cases else 0):
                learner = rng.choice(cases)
                history.append(_event(user, _at(day, rng.randint(8, 16), rng.randint(0, 59)), [learner]))
        # The SENCo's home page lists every case: one LISTED event names them all (a name in a list is not an
        # opening: a learner's access history shows it only when asked to).
        history.append(_event(senco, _at(day, 8, rng.randint(0, 20)), school_learners, action=AuditAction.LISTED,
                              object_type="learner_list"))
    # Patterns the review flags: out-of-hours reads, refusals, one person opening many records in an hour.
    saturday = today - timedelta(days=(today.weekday() - 5) % 7 or 7)
    history.append(_event(teacher, _at(saturday, 22, 40), everyone_cases[teacher][:1] or school_learners[:1]))
    history.append(_event(slt, _at(today - timedelta(days=3), 6, 10), everyone_cases[slt][:1] or school_learners[:1]))
    outsider = [learner for learner in school_learners if learner not in everyone_cases[teacher]]
    for minute in (5, 6, 9):
        history.append(_event(teacher, _at(today - timedelta(days=2), 13, minute), outsider[:1],
                              outcome=AuditOutcome.REFUSED))
    burst_day = today - timedelta(days=4)
    for index, learner in enumerate(school_learners[:24]):
        history.append(_event(lsp, _at(burst_day, 15, 10 + index), [learner], object_type="learner"))
    # Events of other demo parts (the openings the demo parent's summary shows) go in among the rest.
    for rows_of in among:
        history.extend(rows_of(people, today))
    # Written oldest first, so that the trail's order and its times agree within the history.
    for _, _, row, ids in sorted(history, key=lambda item: (item[0], item[1])):
        write_row(row, ids)
    return db.session.scalar(select(db.func.count()).select_from(AuditEvent)) - before


def seal_and_check() -> chain.Verification:
    """Seal the demo trail and sign a checkpoint through the periodic job (its run is in the job ledger), then
    verify it, as the nightly `flask audit verify` would."""
    db.session.commit()
    # Signed now rather than when due: the history was written a moment ago. A database replaced under an
    # older heads file is refused (the run fails, and is retried by the worker); the verification says why.
    run_now("audit.seal", sign=chain.ALWAYS)
    db.session.remove()
    result = chain.verify_chain()
    chain.record_verification(result)
    record(None, AuditAction.VERIFY_AUDIT, object_type="audit_verification")
    db.session.commit()
    return result
