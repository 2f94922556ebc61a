"""Bulk writing for `flask demo scale`: explicit ids, Core inserts, and values sealed with the primitives directly.

Rows are written with SQLAlchemy Core `insert()` and lists of dicts (executemany, insertmanyvalues on PostgreSQL),
never ORM objects one by one. Each row's id is given (the table's largest id + 1 when its batch starts), so rows
that point at each other are written in one pass; on PostgreSQL the id sequences are then moved past them.
Sealed values are made here with AES-GCM as app.security.crypto makes them (the same envelope, the same associated
data), under each learner's own data key from the learner key store, or under the keyring's primary key for values
that are no learner's, whose encryptions are counted in the key-usage table as crypto's own sealing counts them.
"""
from __future__ import annotations

import binascii
import os
import secrets
from datetime import UTC, date, datetime
from datetime import time as clock

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import func, insert, select, text

from app.agencies.accounts.models import Agency, User
from app.agencies.two_step.models import TwoStepEnrolment
from app.audit.models import AuditEvent, AuditEventLearner
from app.cases.contributions.models import Contribution, ContributionRevision
from app.cases.learners.models import Learner
from app.cases.meetings.models import Meeting, MeetingAction, MeetingAttendee
from app.cases.plans.models import Outcome, PlanCycle, Provision, SupportPlan
from app.cases.team.models import TeamMembership
from app.cpd.entries.models import CaseEvidence, ReflectiveEntry
from app.security.crypto import ENVELOPE_VERSION, NONCE_BYTES, TEXT, Sealed, associated_data
from app.security.keys import KEY_BYTES, current_keyring
from app.security.learner_keys import LEARNER_KEY_LETTER, key_store, learner_data_key, unwrap, wrap
from app.security.models import add_key_usage

b2a_base64 = binascii.b2a_base64


class Sealer:
    """Seals values under one key: `field` is the model's SensitiveField, `public_id` the row's."""

    def __init__(self, kid: str, cipher: AESGCM):
        self.kid, self.cipher, self.count = kid, cipher, 0
        self._prefix = f"{ENVELOPE_VERSION}.{kid}."

    def __call__(self, field, public_id: str, value) -> Sealed | None:
        if value is None:
            return None
        plain = value if field.codec is TEXT else field.codec.dump(value)
        nonce = os.urandom(NONCE_BYTES)
        aad = associated_data(field.table, field.column_attr, public_id)
        sealed = self.cipher.encrypt(nonce, plain.encode(), aad)
        self.count += 1
        return Sealed(self._prefix + b2a_base64(nonce + sealed, newline=False).decode())


def keyring_sealer() -> Sealer:
    keyring = current_keyring()
    return Sealer(keyring.primary, keyring.cipher(keyring.primary))


def count_keyring_seals(session, sealer: Sealer) -> None:
    """Add what `sealer` sealed under the keyring's primary key to its usage count (in the caller's transaction)."""
    if sealer.count:
        add_key_usage(session, sealer.kid, sealer.count)
        sealer.count = 0


def learner_sealers(public_ids: list[str]) -> dict[str, Sealer]:
    """Each learner's sealer, under their own data key: made (and kept in the key store) for those without one.

    The keys are written to the store before any row that uses them, in one transaction per batch: a build stopped
    in between finds the keys on its next run and uses them, as the key store itself does (cipher_for_learner).
    With learner keys switched off (BRAID_LEARNER_KEYS=0), everything is sealed on the keyring."""
    store = key_store()
    if not store.enabled:
        sealer = keyring_sealer()
        return dict.fromkeys(public_ids, sealer)
    keyring = store.source.current()
    table = learner_data_key
    sealers = {}
    with store.engine.connect() as connection:
        for row in connection.execute(select(table).where(table.c.learner_public_id.in_(public_ids))):
            key = unwrap(keyring, row.key_id, row.learner_public_id, row.wrapped_key, row.wrapping_key_id)
            sealers[row.learner_public_id] = Sealer(row.key_id, AESGCM(key))
    missing = [public_id for public_id in public_ids if public_id not in sealers]
    if not missing:
        return sealers
    kids = _free_key_ids(store, len(missing))
    rows, now = [], datetime.now(UTC)
    for public_id, kid in zip(missing, kids, strict=True):
        key = secrets.token_bytes(KEY_BYTES)  # a real key, never drawn from the seed
        wrapped, wrapping_kid = wrap(keyring, kid, public_id, key)
        rows.append(dict(key_id=kid, learner_public_id=public_id, wrapped_key=wrapped, wrapping_key_id=wrapping_kid,
                         created_at=now))
        sealers[public_id] = Sealer(kid, AESGCM(key))
    with store.engine.begin() as connection:
        connection.execute(insert(table), rows)
    return sealers


def _free_key_ids(store, count: int) -> list[str]:
    """`count` learner key ids no key in the store has (4 random bytes each: a clash is rare, but happens)."""
    chosen: set[str] = set()
    while len(chosen) < count:
        wanted = {f"{LEARNER_KEY_LETTER}{secrets.token_hex(4)}" for _ in range(count - len(chosen))} - chosen
        with store.engine.connect() as connection:
            taken = set(connection.execute(select(learner_data_key.c.key_id)
                                           .where(learner_data_key.c.key_id.in_(wanted))).scalars())
        chosen |= wanted - taken
    return sorted(chosen)[:count]


class Ids:
    """The next free id of each table, read when a batch starts (so a resumed batch gets the same ids)."""

    def __init__(self, session):
        self.session = session
        self.next: dict[str, int] = {}
        self.used: set = set()

    def take(self, table, count: int = 1) -> int:
        name = table.name
        if name not in self.next:
            self.next[name] = (self.session.scalar(select(func.max(table.c.id))) or 0) + 1
        first = self.next[name]
        self.next[name] += count
        self.used.add(table)
        return first


def write(session, table, rows: list[dict]) -> None:
    if rows:
        session.execute(insert(table), rows)


def move_sequences_past(session, tables) -> None:
    """PostgreSQL: ids were given explicitly, so each table's sequence is moved past the largest (SQLite needs
    nothing: its next rowid is always the largest + 1)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for table in tables:
        session.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "  # nosec B608 # a model's table name
            f"(SELECT coalesce(max(id), 1) FROM {table.name}))"
        ))


def moment(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, clock(hour, minute), tzinfo=UTC)


# The tables the build writes, by a short name.
TABLES = {name: model.__table__ for name, model in (
    ("agency", Agency), ("user", User), ("mfa", TwoStepEnrolment), ("learner", Learner),
    ("membership", TeamMembership), ("plan", SupportPlan), ("cycle", PlanCycle), ("outcome", Outcome),
    ("provision", Provision), ("contribution", Contribution), ("revision", ContributionRevision),
    ("meeting", Meeting), ("attendee", MeetingAttendee), ("action", MeetingAction), ("entry", ReflectiveEntry),
    ("evidence", CaseEvidence), ("event", AuditEvent), ("event_learner", AuditEventLearner),
)}
