"""The hash chain: sealing committed events in batches, signed checkpoints, and verification.

Each event's canonical line is built by the database itself from every stored column (quoted, so
that NULL, '' and any separator stay distinct): `quote(id) 0x1F quote(occurred_at) 0x1F ...`.
A seal covers the id range (previous seal's last id, its own last id]: its content hash is the
SHA-256 of those lines joined by 0x1E, and its seal hash chains the previous seal's hash, its range,
counts, content hash and per-event digests. Verification rebuilds each batch's text in SQL (on
PostgreSQL it hashes there too), so no Python object is made per event unless a batch fails and
the culprit has to be named; the batches are shared out between a few connections working at once.

Concurrency: on SQLite a writer holds the one write lock from its first write to its end, and the
sealer takes it at BEGIN (app.database), so the sealer sees every committed event and no uncommitted
one can hold a lower id. On PostgreSQL every
transaction takes a shared advisory lock at BEGIN and the sealer takes it exclusively: when the
sealer runs, every event that holds an id has committed or rolled back, and every later event
gets a higher id.

Checkpoints sign the head (seal id, event count, seal hash) with BRAID_AUDIT_KEY. The sealer makes
one itself every AUDIT_CHECKPOINT_EVERY_SEALS seals or once AUDIT_CHECKPOINT_INTERVAL has passed,
deciding inside its locked transaction, and never over a chain that no longer holds the last signed
head. Each is also appended to the heads file (app.audit.heads), which the database's users cannot
rewrite; verification compares the chain with its newest line.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import struct
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import Boolean, Integer, select, text
from sqlalchemy.exc import OperationalError

from app.audit import heads
from app.audit.models import AuditCheckpoint, AuditEvent, AuditSeal, AuditVerification
from app.database import AUDIT_CHAIN_LOCK as ADVISORY_KEY
from app.extensions import db
from app.types import utcnow

log = logging.getLogger("braid.audit")

# Every column of audit_event, in a fixed order: a test fails if a column is added and not listed.
CHAIN_COLUMNS = (
    "id", "occurred_at", "actor_id", "actor_role", "actor_agency_id", "action", "object_type",
    "object_public_id", "learner_public_ids", "school_id", "request_id", "ip_address", "outcome",
    "fields_changed", "purpose", "out_of_hours",
)
GENESIS = "0" * 64
SEALER = "braid_audit_sealer"  # connection.info flag: this connection is the sealer's
READ_ONLY = "braid_read_only"  # connection.info flag: a snapshot reader (verification)
MAX_BATCH = 5000
VERIFY_WORKERS = 2  # batches rebuilt at once while verifying a long chain (this kind of machine has 2 CPUs)
_MEMBER = struct.Struct(">q16s")
AUTO, ALWAYS = "auto", "always"  # seal_run's `sign`: a checkpoint when one falls due, or one now


def canonical_line_sql(dialect: str) -> str:
    if dialect == "sqlite":
        return _sqlite_line()
    return "||E'\\x1f'||".join(f"quote_nullable({column})" for column in CHAIN_COLUMNS)


def quoted_line_sql() -> str:
    """SQLite's line as sixteen quote() calls: the definition `_sqlite_line` reproduces byte for byte."""
    return "||char(31)||".join(f"quote({column})" for column in CHAIN_COLUMNS)


def _sqlite_line() -> str:
    """The quoted line built by one printf() instead of sixteen quote() calls: half the cost, checks included.

    For every value the application stores (the integer key, numbers or NULL in number columns,
    text or NULL elsewhere) printf gives exactly what quote() gives, so seals stay comparable. printf
    would render a few other values like a stored one (a BLOB holding the same bytes as the text, the
    text 'NULL' in a number column, text hiding bytes after a NUL): a row holding any of them gets
    a line of its own instead, `id 0x1F !` then each column's type letter and bytes in hex.
    """
    columns = AuditEvent.__table__.c
    numbers = {name for name in CHAIN_COLUMNS[1:] if isinstance(columns[name].type, (Integer, Boolean))}
    formats, values, odd = ["%d"], ["id"], []  # id is SQLite's rowid: always an integer
    for name in CHAIN_COLUMNS[1:]:
        odd.append(f"{name} >= X''")  # a BLOB sorts after every other value
        if name in numbers:
            formats.append("%s")
            values.append(f"ifnull({name}, 'NULL')")
            odd.append(f"{name} >= ''")  # text sorts after every number
        else:
            formats.append("%Q")
            values.append(name)
            odd.append(f"instr(CAST({name} AS BLOB), X'00')")
    fast = f"printf('{chr(31).join(formats)}', {', '.join(values)})"
    raw = " || ".join(f"substr(typeof({name}), 1, 1) || quote(CAST({name} AS BLOB))" for name in CHAIN_COLUMNS[1:])
    return f"(CASE WHEN {' OR '.join(odd)} THEN printf('%d', id) || char(31) || '!' || {raw} ELSE {fast} END)"


def _prepare(connection) -> str:
    dialect = connection.dialect.name
    if dialect == "postgresql":
        # Timestamps render through these settings: fix them so every reader builds the same text.
        connection.exec_driver_sql("SET LOCAL TimeZone = 'UTC'")
        connection.exec_driver_sql("SET LOCAL DateStyle = 'ISO, YMD'")
    return dialect


def _digest_without_id(line: str) -> bytes:
    # The member digest leaves out the id (kept beside it), so content moved between ids is recognised.
    return hashlib.sha256(line.partition("\x1f")[2].encode()).digest()[:16]


def seal_hash_of(previous_hash: str, seal_id: int, first_id: int, last_id: int, count: int, total: int,
                 content_hash: str, members: bytes, sealed_at) -> str:
    stamp = sealed_at.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds")
    head = f"{previous_hash}|{seal_id}|{first_id}|{last_id}|{count}|{total}|{content_hash}|{stamp}|"
    return hashlib.sha256(head.encode() + hashlib.sha256(members).digest()).hexdigest()


# --- sealing -------------------------------------------------------------------------------------


class SealerBusy(Exception):
    """PostgreSQL: transactions still in flight held the chain lock past the sealer's wait."""


def seal_pending(max_batch: int = MAX_BATCH, lock_timeout_ms: int = 200) -> int:
    """Seal every committed, unsealed event into the chain; returns how many were sealed.

    On PostgreSQL the sealer waits at most `lock_timeout_ms` for in-flight transactions and
    otherwise leaves the work to the next call (the events are committed; only their seal waits).
    """
    try:
        return seal_or_raise(max_batch, lock_timeout_ms)
    except SealerBusy:
        return 0


def seal_or_raise(max_batch: int = MAX_BATCH, lock_timeout_ms: int = 200) -> int:
    """As `seal_pending`, but :raise SealerBusy: when the lock could not be had in time (the caller retries)."""
    return seal_run(max_batch, lock_timeout_ms).sealed


def seal_run(max_batch: int = MAX_BATCH, lock_timeout_ms: int = 200, sign: str | Verification = AUTO) -> SealRun:
    """Seal, then sign a checkpoint if `sign` asks for one, in one transaction holding the chain's lock.

    Deciding under the lock means two workers never both make a checkpoint; the head goes to the heads
    file only once the seal it signs has committed. `sign`: AUTO (when one falls due), ALWAYS, or an
    intact Verification, whose head is signed unless a checkpoint already covers it.

    :raise SealerBusy: when the lock could not be had in time (the caller retries).
    """
    with db.engine.connect() as connection:
        connection.info[SEALER] = True
        dialect = connection.dialect.name
        try:
            with connection.begin():
                _prepare(connection)
                if dialect == "postgresql":
                    connection.exec_driver_sql(f"SET LOCAL lock_timeout = '{int(lock_timeout_ms)}ms'")
                    connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({ADVISORY_KEY})")
                sealed = _seal_in(connection, dialect, max_batch)
                run = _checkpoint_in(connection, sign)
                run.sealed = sealed
        except OperationalError as error:
            message = str(error).lower()
            # PostgreSQL's lock_timeout, or SQLite's busy timeout run out: busy, not broken; the caller retries.
            if not ("lock timeout" in message or (dialect == "sqlite" and "database is locked" in message)):
                raise
            raise SealerBusy() from None
        finally:
            connection.info.pop(SEALER, None)
    if run.signed is not None:
        run.signed.published = publish_head(run.signed)
    return run


def _seal_in(connection, dialect: str, max_batch: int) -> int:
    line = canonical_line_sql(dialect)
    head = connection.execute(text(
        "SELECT id, last_event_id, seal_hash, total_count FROM audit_seal ORDER BY id DESC LIMIT 1"
    )).first()
    seal_id, last_id, previous, total = (head[0], head[1], head[2], head[3]) if head else (0, 0, GENESIS, 0)
    sealed = 0
    while True:
        rows = connection.execute(
            text(f"SELECT id, {line} FROM audit_event WHERE id > :after ORDER BY id LIMIT :n"),  # nosec B608 # names from CHAIN_COLUMNS only; values bound
            {"after": last_id, "n": max_batch},
        ).all()
        if not rows:
            return sealed
        lines = [row[1] for row in rows]
        members = b"".join(_MEMBER.pack(row[0], _digest_without_id(row[1])) for row in rows)
        content_hash = hashlib.sha256("\x1e".join(lines).encode()).hexdigest()
        seal_id, first_id, new_last = seal_id + 1, last_id + 1, rows[-1][0]
        total += len(rows)
        sealed_at = utcnow()
        seal_hash = seal_hash_of(previous, seal_id, first_id, new_last, len(rows), total, content_hash, members,
                                 sealed_at)
        connection.execute(AuditSeal.__table__.insert(), [dict(
            id=seal_id, first_event_id=first_id, last_event_id=new_last, event_count=len(rows),
            total_count=total, content_hash=content_hash, members=members, previous_hash=previous,
            seal_hash=seal_hash, sealed_at=sealed_at,
        )])
        previous, last_id = seal_hash, new_last
        sealed += len(rows)


# --- checkpoints ---------------------------------------------------------------------------------


def checkpoint_key() -> bytes:
    key = current_app.config.get("BRAID_AUDIT_KEY")
    if not key:
        raise RuntimeError("BRAID_AUDIT_KEY is not set: checkpoints need a key kept outside the database.")
    return key.encode() if isinstance(key, str) else key


def checkpoint_mac(seal_id: int, event_count: int, chain_hash: str) -> str:
    return hmac.new(checkpoint_key(), f"{seal_id}|{event_count}|{chain_hash}".encode(), hashlib.sha256).hexdigest()


def signed_with_our_key(mac, seal_id: int, event_count: int, chain_hash: str) -> bool:
    """Whether `mac` (as stored: possibly edited into anything) signs this head. Compared as bytes, so an
    edited value with non-ASCII in it is a bad signature, not a TypeError in compare_digest."""
    expected = checkpoint_mac(seal_id, event_count, chain_hash).encode()
    return isinstance(mac, str) and hmac.compare_digest(mac.encode("utf-8", "replace"), expected)


class HeadNotSigned(Exception):
    """The chain no longer holds a head signed before: a new checkpoint would vouch for a rewritten chain."""


@dataclass
class SignedHead:
    id: int  # the checkpoint's
    seal_id: int
    event_count: int
    chain_hash: str
    mac: str
    created_at: datetime
    published: bool | None = None  # appended to the heads file (None: there is none)

    def as_line(self) -> heads.Head:
        at = self.created_at.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
        return heads.Head(checkpoint=self.id, seal=self.seal_id, events=self.event_count, hash=self.chain_hash,
                          at=at, mac=self.mac)


@dataclass
class SealRun:
    sealed: int = 0
    signed: SignedHead | None = None
    refused: str | None = None  # why no checkpoint was signed although one was due or asked for
    checkpoint_due: float | None = None  # seconds until the unsigned seals fall due (None: nothing waits)


def record_checkpoint() -> SignedHead | None:
    """Seal what is pending and sign the head (committed), then append it to the heads file; None if the trail is empty.

    :raise HeadNotSigned: when the chain no longer holds the last signed head (run `flask audit verify`).
    :raise SealerBusy: when the chain's lock could not be had within five seconds.
    """
    run = seal_run(lock_timeout_ms=5000, sign=ALWAYS)
    if run.refused:
        raise HeadNotSigned(run.refused)
    return run.signed


def verify_and_sign() -> Verification:
    """Seal, verify the whole chain and, when it is intact, sign the head verified (`flask audit verify`, the
    DSL's button). The caller's session must hold no transaction: the sealer takes the chain's lock."""
    seal_pending(lock_timeout_ms=5000)
    result = verify_chain()
    if result.intact and result.head_seal:
        try:
            result.signed = seal_run(lock_timeout_ms=5000, sign=result).signed
        except SealerBusy:
            log.warning("audit chain busy: the verified head was not signed; the next checkpoint will sign it")
    return result


def _checkpoint_in(connection, sign) -> SealRun:
    """Inside the sealer's transaction: sign the head when `sign` asks (see seal_run). The caller commits."""
    seals, checkpoints = AuditSeal.__table__.c, AuditCheckpoint.__table__.c
    head = connection.execute(select(seals.id, seals.total_count, seals.seal_hash)
                              .order_by(seals.id.desc()).limit(1)).first()
    if head is None:
        return SealRun()
    last = connection.execute(select(checkpoints.id, checkpoints.seal_id, checkpoints.event_count,
                                     checkpoints.chain_hash, checkpoints.mac, checkpoints.created_at)
                              .order_by(checkpoints.id.desc()).limit(1)).first()
    now = utcnow()
    if sign == AUTO:
        if not current_app.config.get("BRAID_AUDIT_KEY"):
            return SealRun()  # nothing to sign with (production refuses to start without the key)
        due = _due_in(connection, head, last, now)
        if due is None or due > 0:
            return SealRun(checkpoint_due=due)
        target = head
    elif sign == ALWAYS:
        target = head
    else:  # an intact Verification: sign exactly what it verified
        if last is not None and last.seal_id >= sign.head_seal:
            return SealRun()  # a checkpoint already covers it
        target = connection.execute(select(seals.id, seals.total_count, seals.seal_hash)
                                    .where(seals.id == sign.head_seal)).first()
        if target is None or (target.seal_hash, target.total_count) != (sign.head_hash, sign.event_count):
            return SealRun(refused=f"seal {sign.head_seal} changed after it was verified")
    problem = _signed_heads_broken(connection, last)
    if problem:
        if sign == AUTO and problem not in _refusals_logged:
            _refusals_logged.add(problem)  # once per process: the sealer runs every second
            log.error("audit checkpoint refused: %s; run flask audit verify", problem)
        return SealRun(refused=problem)
    mac = checkpoint_mac(target.id, target.total_count, target.seal_hash)
    checkpoint_id = connection.execute(AuditCheckpoint.__table__.insert().returning(checkpoints.id), [dict(
        created_at=now, seal_id=target.id, event_count=target.total_count, chain_hash=target.seal_hash, mac=mac,
    )]).scalar_one()
    return SealRun(signed=SignedHead(checkpoint_id, target.id, target.total_count, target.seal_hash, mac, now))


_refusals_logged: set[str] = set()


def _due_in(connection, head, last, now) -> float | None:
    """Seconds until an automatic checkpoint falls due (0: now), or None while every seal is signed."""
    signed_up_to = last.seal_id if last is not None else 0
    if head.id <= signed_up_to:
        return None
    every = current_app.config.get("AUDIT_CHECKPOINT_EVERY_SEALS")
    if every and head.id - signed_up_to >= every:
        return 0.0
    interval = current_app.config.get("AUDIT_CHECKPOINT_INTERVAL")
    if interval is None:
        return None
    if not isinstance(interval, timedelta):
        interval = timedelta(seconds=interval)
    if last is not None:
        since = last.created_at
    else:  # never signed: the chain's first seal starts the clock
        seals = AuditSeal.__table__.c
        since = connection.execute(select(seals.sealed_at).order_by(seals.id).limit(1)).scalar_one()
    return max((since + interval - now).total_seconds(), 0.0)


def _signed_heads_broken(connection, last) -> str | None:
    """Why the chain no longer holds the last checkpoint or the heads file's newest line, or None."""
    signed = []
    if last is not None:
        signed.append((f"checkpoint {last.id}", last.seal_id, last.event_count, last.chain_hash, last.mac))
    path = current_app.config.get("BRAID_AUDIT_HEAD_FILE")
    if path:
        try:
            external = heads.newest(Path(path))
        except heads.HeadsFileError as error:
            return f"the heads file was tampered with: {error}"
        except OSError as error:  # the checkpoint row still protects; writing it will fail and say so
            log.error("audit heads file could not be read (%s)", type(error).__name__)
            external = None
        if external is not None:
            signed.append((f"the external head of {external}", external.seal, external.events, external.hash,
                           external.mac))
    seals = AuditSeal.__table__.c
    for name, seal_id, event_count, chain_hash, mac in signed:
        if not signed_with_our_key(mac, seal_id, event_count, chain_hash):
            return f"{name} is not signed with the audit key"
        held = connection.execute(select(seals.seal_hash, seals.total_count).where(seals.id == seal_id)).first()
        if held is None or tuple(held) != (chain_hash, event_count):
            return f"the chain no longer holds {name}"
    return None


def publish_head(signed: SignedHead) -> bool | None:
    """Append a committed checkpoint to the heads file; a failure is logged, never raised (requests go on)."""
    path = current_app.config.get("BRAID_AUDIT_HEAD_FILE")
    if not path:
        return None
    try:
        heads.append(Path(path), signed.as_line())
    except OSError as error:
        log.error("audit head could not be appended to the heads file (%s, errno %s)", type(error).__name__,
                  error.errno)
        return False
    return True


# --- verification --------------------------------------------------------------------------------


@dataclass
class Verification:
    intact: bool
    event_count: int  # events verified (sealed and matching)
    unsealed: int = 0
    problem: str | None = None
    event_id: int | None = None  # the first event found altered, removed, inserted or reordered
    head_seal: int = 0  # the last seal verified, and its hash: what a checkpoint after this verification signs
    head_hash: str = GENESIS
    external_head: heads.Head | None = None  # the heads file's newest line the chain was compared with
    signed: SignedHead | None = None  # the checkpoint made after this verification, if any


# Verification shares the batches out once the chain is long enough to repay starting helpers. On
# PostgreSQL the helpers are connections in threads (the server does the work, in its own processes)
# reading the snapshot the walk exported. SQLite does the work inside this process, and its allocator
# lock keeps threads from running side by side: its helpers are small Python processes that only
# open the file and hash. They read seal ranges the walk has already read: sealed rows never change.
PARALLEL_FROM = 100_000  # sealed events
_SQLITE_HELPER = """
import hashlib, sqlite3, sys
path, query = sys.argv[1], sys.argv[2]
connection = sqlite3.connect(path, isolation_level=None, timeout=15)
connection.execute("BEGIN")
for first, last in zip(sys.argv[3::2], sys.argv[4::2]):
    for seal_id, batch in connection.execute(query, {"first": int(first), "last": int(last)}):
        named, _, content = batch.partition(b" ") if batch is not None else (b"0", None, None)
        print(seal_id, hashlib.sha256(content).hexdigest() if content is not None else "-", int(named))
"""
# How many learners an event names: one more than the spaces between their public ids.
_NAMED = ("CASE WHEN learner_public_ids IS NULL THEN 0 WHEN {find}(learner_public_ids, ' ') > 0 THEN "
          "length(learner_public_ids) - length(replace(learner_public_ids, ' ', '')) + 1 ELSE 1 END")


def _batches_query(dialect: str) -> str:
    """One row per seal in :first..:last: its id, then its events' lines as stored now (hashed on
    PostgreSQL) together with how many learners they name, in one pass over the events."""
    line = canonical_line_sql(dialect)
    if dialect == "sqlite":
        # `named content` as bytes: the content is hashed as it arrives, never decoded and encoded again.
        return (
            "SELECT s.id, (SELECT CAST(sum(named) || ' ' || group_concat(line, char(30)) AS BLOB) FROM "
            f"(SELECT {line} AS line, {_NAMED.format(find='instr')} AS named FROM audit_event e "
            "WHERE e.id BETWEEN s.first_event_id AND s.last_event_id ORDER BY e.id)) "
            "FROM audit_seal s WHERE s.id BETWEEN :first AND :last ORDER BY s.id"  # nosec B608 # names from CHAIN_COLUMNS only; values bound
        )
    return (
        f"SELECT s.id, (SELECT encode(sha256(convert_to(string_agg({line}, E'\\x1e' ORDER BY e.id), 'UTF8')), 'hex') "
        f"|| ' ' || sum({_NAMED.format(find='strpos')}) FROM audit_event e "
        "WHERE e.id BETWEEN s.first_event_id AND s.last_event_id) "
        "FROM audit_seal s WHERE s.id BETWEEN :first AND :last ORDER BY s.id"  # nosec B608 # names from CHAIN_COLUMNS only; values bound
    )


def _hashes_in(connection, dialect: str, first_seal: int, last_seal: int) -> dict[int, tuple[str | None, int]]:
    """{seal id: (SHA-256 of its events' lines as stored now, learners they name)} for first_seal..last_seal."""
    hashes = {}
    for seal_id, batch in connection.execute(text(_batches_query(dialect)), {"first": first_seal, "last": last_seal}):
        if batch is None:  # no event left in the seal's range
            hashes[seal_id] = (None, 0)
        elif dialect == "sqlite":
            named, _, content = bytes(batch).partition(b" ")
            hashes[seal_id] = (hashlib.sha256(content).hexdigest(), int(named))
        else:
            digest, _, named = batch.partition(" ")
            hashes[seal_id] = (digest, int(named))
    return hashes


def _on_snapshot(engine, snapshot: str, work, *args):
    """Run `work(connection, *args)` in a transaction of its own that reads the walk's exported snapshot."""
    with engine.connect() as connection:
        connection.info[READ_ONLY] = True
        try:
            with connection.begin():
                connection.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                connection.exec_driver_sql(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
                _prepare(connection)
                return work(connection, *args)
        finally:
            connection.info.pop(READ_ONLY, None)


def _shares(seals: list, parts: int) -> list[tuple[int, int]]:
    """The seals as `parts` consecutive (first seal id, last seal id) ranges of about as many events each."""
    total = sum(seal[3] for seal in seals)
    ranges, start, done = [], None, 0
    for seal in seals:
        start = seal[0] if start is None else start
        done += seal[3]
        if done * parts >= total * (len(ranges) + 1) or seal is seals[-1]:
            ranges.append((start, seal[0]))
            start = None
    return ranges


def _sqlite_helpers(engine, shares: list[tuple[int, int]]) -> list[subprocess.Popen]:
    query = _batches_query("sqlite")
    return [
        subprocess.Popen([sys.executable, "-c", _SQLITE_HELPER, engine.url.database, query, str(first), str(last)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for first, last in shares
    ]


def _helper_hashes(helper: subprocess.Popen) -> dict[int, tuple[str | None, int]]:
    out, err = helper.communicate()
    if helper.returncode != 0:
        raise RuntimeError(f"an audit verification helper failed: {err.strip()[-500:]}")
    hashes = {}
    for line in out.splitlines():
        seal_id, digest, named = line.split()
        hashes[int(seal_id)] = (None if digest == "-" else digest, int(named))
    return hashes


def verify_chain(workers: int = VERIFY_WORKERS) -> Verification:
    """Walk every seal and checkpoint; name the first event that no longer matches."""
    engine = db.engine
    with engine.connect() as connection:
        connection.info[READ_ONLY] = True  # one consistent snapshot, holding no writer's lock
        try:
            with connection.begin():
                snapshot = None
                if connection.dialect.name == "postgresql":
                    connection.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                    snapshot = connection.exec_driver_sql("SELECT pg_export_snapshot()").scalar()
                return _verify_in(connection, _prepare(connection), engine, workers, snapshot)
        finally:
            connection.info.pop(READ_ONLY, None)


def _verify_in(connection, dialect: str, engine, workers: int, snapshot: str | None) -> Verification:
    seals = connection.execute(text(
        "SELECT id, first_event_id, last_event_id, event_count, total_count, content_hash, previous_hash, "
        "seal_hash, sealed_at, members FROM audit_seal ORDER BY id"
    )).all()
    actual = _recompute(connection, dialect, engine, seals, workers, snapshot)
    previous_hash, previous_last, total, by_id, named = GENESIS, 0, 0, {}, 0
    for row in seals:
        seal_id, first_id, last_id, count, total_count, content_hash, prev, seal_hash, sealed_at, members = row
        sealed_at = _as_utc(sealed_at)
        members = bytes(members)
        expected_hash = seal_hash_of(prev, seal_id, first_id, last_id, count, total_count, content_hash, members,
                                     sealed_at)
        if prev != previous_hash or first_id != previous_last + 1 or expected_hash != seal_hash \
                or total_count != total + count or len(members) != count * _MEMBER.size:
            return Verification(False, total, problem=f"seal {seal_id} does not follow the chain "
                                                      "(seals were altered, removed or reordered)")
        digest, learners = actual.get(seal_id, (None, 0))
        if digest != content_hash:
            event_id, what = _name_the_event(connection, dialect, first_id, last_id, members)
            return Verification(False, total, problem=what, event_id=event_id)
        previous_hash, previous_last, total, named = seal_hash, last_id, total + count, named + learners
        by_id[seal_id] = (seal_hash, total)
    external, problem = _check_external_head(by_id, total)
    problem = _check_checkpoints(connection, by_id, total) or problem \
        or _check_learner_index(connection, previous_last, named)
    if problem:
        return Verification(False, total, problem=problem)
    unsealed = connection.execute(text("SELECT count(*) FROM audit_event WHERE id > :last"),
                                  {"last": previous_last}).scalar()
    head_seal = seals[-1][0] if seals else 0
    return Verification(True, total, unsealed=unsealed, head_seal=head_seal, head_hash=previous_hash,
                        external_head=external)


def _recompute(connection, dialect: str, engine, seals: list, workers: int, snapshot: str | None) -> dict:
    """{seal id: (content hash as stored now, learners named)}, shared out when the chain is long."""
    if not seals:
        return {}
    shares = _shares(seals, workers)
    in_memory = dialect == "sqlite" and engine.url.database in (None, "", ":memory:")
    if workers < 2 or len(shares) < 2 or seals[-1][4] < PARALLEL_FROM or in_memory:
        return _hashes_in(connection, dialect, 1, seals[-1][0])
    actual = {}
    if dialect == "sqlite":
        helpers = []
        try:
            helpers = _sqlite_helpers(engine, shares)
            for helper in helpers:
                actual.update(_helper_hashes(helper))
            return actual
        except (OSError, RuntimeError, ValueError):
            log.exception("audit verification helpers failed; verifying on one connection instead")
            return _hashes_in(connection, dialect, 1, seals[-1][0])
        finally:
            for helper in helpers:
                if helper.poll() is None:
                    helper.kill()
                    helper.wait()
    with ThreadPoolExecutor(max_workers=len(shares)) as pool:
        for part in [pool.submit(_on_snapshot, engine, snapshot, _hashes_in, dialect, first, last)
                     for first, last in shares]:
            actual.update(part.result())
    return actual


def _as_utc(value):
    if isinstance(value, str):  # SQLite through the raw driver
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _name_the_event(connection, dialect: str, first_id: int, last_id: int, members: bytes) -> tuple[int | None, str]:
    line = canonical_line_sql(dialect)
    rows = connection.execute(
        text(f"SELECT id, {line} FROM audit_event WHERE id BETWEEN :a AND :b ORDER BY id"),  # nosec B608 # names from CHAIN_COLUMNS only; values bound
        {"a": first_id, "b": last_id},
    ).all()
    sealed = [_MEMBER.unpack_from(members, offset) for offset in range(0, len(members), _MEMBER.size)]
    sealed_by_id = dict(sealed)
    owner_of_digest = {digest: event_id for event_id, digest in sealed}
    actual = {row[0]: _digest_without_id(row[1]) for row in rows}
    for event_id in sorted(set(sealed_by_id) | set(actual)):
        if event_id not in actual:
            return event_id, f"event {event_id} was removed"
        if event_id not in sealed_by_id:
            return event_id, f"event {event_id} was inserted: it was never sealed into the chain"
        if actual[event_id] != sealed_by_id[event_id]:
            moved_from = owner_of_digest.get(actual[event_id])
            if moved_from is not None:
                return event_id, f"event {event_id} was reordered: it holds what was sealed as event {moved_from}"
            return event_id, f"event {event_id} was altered"
    return None, f"events {first_id} to {last_id} do not match their seal"


def _check_checkpoints(connection, seals: dict, total: int) -> str | None:
    rows = connection.execute(text(
        "SELECT id, seal_id, event_count, chain_hash, mac FROM audit_checkpoint ORDER BY id"
    )).all()
    for checkpoint_id, seal_id, event_count, chain_hash, mac in rows:
        if not signed_with_our_key(mac, seal_id, event_count, chain_hash):
            return f"checkpoint {checkpoint_id} is not signed with the audit key (it was altered or forged)"
        if seal_id not in seals:
            return (f"the tail was truncated after checkpoint {checkpoint_id}: it covered {event_count} events, "
                    f"the chain now holds {total}")
        if seals[seal_id] != (chain_hash, event_count):
            if seals[seal_id][1] != event_count:  # the seal it signed now ends elsewhere: cut, then grown again
                return (f"the tail was truncated after checkpoint {checkpoint_id} and sealed again: its seal {seal_id} "
                        f"ended at event {event_count} of the chain, the seal now there at event {seals[seal_id][1]}")
            return f"checkpoint {checkpoint_id} does not match the chain: events before it were altered and re-sealed"
    return None


def _check_external_head(seals: dict, total: int) -> tuple[heads.Head | None, str | None]:
    """Compare the chain with the heads file's newest line: (that head, None) or (None, the problem)."""
    path = current_app.config.get("BRAID_AUDIT_HEAD_FILE")
    if not path:
        return None, None
    try:
        head = heads.newest(Path(path))
    except heads.HeadsFileError as error:
        return None, f"the heads file was tampered with: {error}"
    except OSError as error:
        return None, f"the heads file cannot be read ({type(error).__name__}): the chain cannot be compared with it"
    if head is None:
        return None, None  # none written yet
    if not signed_with_our_key(head.mac, head.seal, head.events, head.hash):
        return None, f"the heads file was tampered with: its newest line ({head}) is not signed with the audit key"
    held = seals.get(head.seal)
    if held is None and total < head.events:
        return None, (f"the chain was truncated after the newest external head, {head}: it covered {head.events} "
                      f"events, the chain now holds {total}")
    if held != (head.hash, head.events):
        return None, (f"the chain was re-sealed/altered up to the newest external head, {head}: seal {head.seal} "
                      f"no longer holds the signed hash and count")
    return head, None


def _check_learner_index(connection, last_sealed: int, named: int) -> str | None:
    """The learner index holds exactly one row per learner named in each sealed event (`named` of them)."""
    indexed = connection.execute(
        text("SELECT count(*) FROM audit_event_learner WHERE event_id <= :last"), {"last": last_sealed}
    ).scalar()
    if int(named) != int(indexed):
        return f"the learner index holds {indexed} entries where the sealed events name {named}"
    return None


def record_verification(result: Verification) -> AuditVerification:
    row = AuditVerification(intact=result.intact, event_count=result.event_count, problem=result.problem)
    db.session.add(row)
    db.session.flush()
    return row


def latest_verification() -> AuditVerification | None:
    from sqlalchemy import select

    return db.session.scalars(select(AuditVerification).order_by(AuditVerification.id.desc()).limit(1)).first()
