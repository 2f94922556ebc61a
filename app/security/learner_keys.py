"""Each learner's own data key, kept in a key store apart from the database (crypto-shredding).

A learner's sealed values are encrypted under a data key of that learner's own (`l` + 8 hex digits in the
envelope), and the key itself is kept WRAPPED (AES-GCM under the keyring's primary key) in a store of its own:
BRAID_KEY_STORE_URL, by default instance/learner_keys.sqlite, never the main database, so a backup of the data
holds no learner key. Destroying a learner's key makes every copy of that learner's sealed values unreadable:
the live database at once, a data backup once the key store's own backups have aged out.

Opening stays one dict lookup: an unwrapped learner key joins the keyring's envelope-prefix cache for
CACHE_SECONDS, so a key destroyed by another worker stops opening within that window (at once in this one).
"""
from __future__ import annotations

import secrets
import sqlite3
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from time import monotonic

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app
from flask.globals import _cv_app
from sqlalchemy import (
    Column,
    DateTime,
    LargeBinary,
    MetaData,
    String,
    Table,
    bindparam,
    create_engine,
    delete,
    event,
    func,
    insert,
    select,
    update,
)
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.security.keys import KEY_BYTES, KeyringError, keyring_source

LEARNER_KEY_LETTER = "l"  # keyring keys are k (encryption) and i (blind index): a learner key's id reads apart
CACHE_SECONDS = 30.0
NONCE_BYTES = 12
ENVELOPE_PREFIX = "b1."  # crypto.ENVELOPE_VERSION + "." (this module is imported by crypto, not the reverse)
_CREATE_ATTEMPTS = 8


class LearnerKeyMissing(KeyringError):
    """The learner key an envelope names is not in the key store: destroyed (erased), or never there."""


# The key store's one table, in a metadata of its own: never part of the main database or its migrations.
store_metadata = MetaData()
learner_data_key = Table(
    "learner_data_key",
    store_metadata,
    Column("key_id", String(9), primary_key=True),
    Column("learner_public_id", String(64), nullable=False, unique=True),
    Column("wrapped_key", LargeBinary, nullable=False),  # nonce + AES-GCM ciphertext of the 32-byte key
    Column("wrapping_key_id", String(9), nullable=False),  # the keyring key that wraps it
    Column("created_at", DateTime(timezone=True), nullable=False),
)


def is_learner_key_id(kid: str) -> bool:
    return kid[:1] == LEARNER_KEY_LETTER


def envelope_prefix(kid: str) -> str:
    return f"{ENVELOPE_PREFIX}{kid}."


def wrap_aad(kid: str, learner_public_id: str) -> bytes:
    # Bound to both: a wrapped key copied onto another learner's row (or id) does not unwrap.
    return f"braid-learner-key|{kid}|{learner_public_id}".encode()


def wrap(keyring, kid: str, learner_public_id: str, key: bytes) -> tuple[bytes, str]:
    """(wrapped key, wrapping key id) under the keyring's primary key."""
    nonce = secrets.token_bytes(NONCE_BYTES)
    wrapped = keyring.cipher(keyring.primary).encrypt(nonce, key, wrap_aad(kid, learner_public_id))
    return nonce + wrapped, keyring.primary


def unwrap(keyring, kid: str, learner_public_id: str, wrapped: bytes, wrapping_kid: str) -> bytes:
    try:
        cipher = keyring.cipher(wrapping_kid)
    except KeyringError:
        cipher = keyring_source().current(recheck=True).cipher(wrapping_kid)  # a rotation may have just added it
    try:
        return cipher.decrypt(wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], wrap_aad(kid, learner_public_id))
    except InvalidTag:
        raise KeyringError(f"learner key {kid} does not unwrap: tampered, or moved to another learner") from None


@dataclass
class _Held:
    kid: str
    cipher: AESGCM
    expires: float


class LearnerKeyStore:
    """The key store of one app: its own engine, and the unwrapped keys this process holds for a short while."""

    def __init__(self, url: str, source, cache_seconds: float = CACHE_SECONDS, enabled: bool = True):
        self.url = url
        self.enabled = enabled  # False: new values of learners stay on the keyring (BRAID_LEARNER_KEYS=0)
        self.source = source  # the app's KeyringSource: its prefix cache is where opening finds learner keys
        self.cache_seconds = cache_seconds
        self._engine = None
        self._lock = threading.Lock()
        self.by_learner: dict[str, _Held] = {}
        self.by_kid: dict[str, float] = {}  # key ids whose cipher sits in the keyring's prefix cache -> expiry
        source.expiry_hooks.append(self.expire)

    # --- the store itself

    @property
    def engine(self):
        if self._engine is None:
            with self._lock:
                if self._engine is None:
                    self._engine = self._make_engine()
        return self._engine

    def _make_engine(self):
        url = make_url(self.url)
        if url.get_backend_name() == "sqlite":
            if url.database and url.database != ":memory:":
                Path(url.database).parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(url)

            @event.listens_for(engine, "connect")
            def _pragmas(connection, _record):
                cursor = connection.cursor()
                # A deleted key's bytes are overwritten in the file, not merely unlinked from its pages.
                cursor.execute("PRAGMA secure_delete = ON")
                cursor.execute("PRAGMA busy_timeout = 5000")
                cursor.close()
        else:
            engine = create_engine(url, pool_pre_ping=True)
        store_metadata.create_all(engine, checkfirst=True)
        return engine

    def init(self) -> None:
        """Create the store's table (`flask keys store init`; also done on first use)."""
        self.engine  # noqa: B018 (making the engine creates the table)

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()

    def remove_test_store(self) -> None:
        """A test app's store, gone with its app (only a throwaway file under the temporary directory)."""
        self.dispose()
        url = make_url(self.url)
        if url.get_backend_name() == "sqlite" and url.database and Path(url.database).name.startswith("braid-test-"):
            Path(url.database).unlink(missing_ok=True)

    # --- keys

    def _row_by_learner(self, learner_public_id: str):
        with self.engine.connect() as connection:
            return connection.execute(
                select(learner_data_key).where(learner_data_key.c.learner_public_id == learner_public_id)
            ).first()

    def _row_by_kid(self, kid: str):
        with self.engine.connect() as connection:
            return connection.execute(select(learner_data_key).where(learner_data_key.c.key_id == kid)).first()

    def _create(self, learner_public_id: str):
        keyring = self.source.current()
        for _ in range(_CREATE_ATTEMPTS):
            kid = f"{LEARNER_KEY_LETTER}{secrets.token_hex(4)}"
            key = secrets.token_bytes(KEY_BYTES)
            wrapped, wrapping_kid = wrap(keyring, kid, learner_public_id, key)
            try:
                with self.engine.begin() as connection:
                    connection.execute(insert(learner_data_key).values(
                        key_id=kid, learner_public_id=learner_public_id, wrapped_key=wrapped,
                        wrapping_key_id=wrapping_kid, created_at=datetime.now(UTC)))
                return kid, key
            except IntegrityError:
                row = self._row_by_learner(learner_public_id)
                if row is not None:  # another worker made this learner's key first: use theirs
                    return row.key_id, self._unwrap_row(row)
                # otherwise the key id was taken (4 bytes of chance): draw another
        raise KeyringError("could not find a free learner key id")

    def _unwrap_row(self, row) -> bytes:
        return unwrap(self.source.current(), row.key_id, row.learner_public_id, row.wrapped_key, row.wrapping_key_id)

    def _hold(self, kid: str) -> float:
        expires = monotonic() + self.cache_seconds
        self.by_kid[kid] = expires
        self.source.hold_until(expires)
        return expires

    def cipher_for_learner(self, learner_public_id: str) -> tuple[str, AESGCM]:
        """(key id, cipher) of this learner's key, made on first use: what their values are sealed under."""
        held = self.by_learner.get(learner_public_id)
        if held is not None and monotonic() < held.expires:
            return held.kid, held.cipher
        row = self._row_by_learner(learner_public_id)
        if row is None:
            kid, key = self._create(learner_public_id)
        else:
            kid, key = row.key_id, self._unwrap_row(row)
        cipher = AESGCM(key)
        self.by_learner[learner_public_id] = _Held(kid, cipher, self._hold(kid))
        self.source.current().openers[envelope_prefix(kid)] = cipher
        return kid, cipher

    def opener(self, kid: str) -> AESGCM:
        """The cipher for values sealed under learner key `kid`; LearnerKeyMissing once it is destroyed."""
        row = self._row_by_kid(kid)
        if row is None:
            raise LearnerKeyMissing(f"no learner key {kid} in the key store")
        cipher = AESGCM(self._unwrap_row(row))
        self.source.current().openers[envelope_prefix(kid)] = cipher
        self._hold(kid)
        return cipher

    def destroy(self, learner_public_id: str) -> bool:
        return self.destroy_all([learner_public_id]) == 1

    def destroy_all(self, learner_public_ids: list[str]) -> int:
        """Destroy these learners' keys in one transaction and one vacuum; how many there were."""
        if not learner_public_ids:
            return 0
        with self.engine.begin() as connection:
            kids = connection.execute(
                delete(learner_data_key).where(learner_data_key.c.learner_public_id.in_(learner_public_ids))
                .returning(learner_data_key.c.key_id)
            ).scalars().all()
        self._vacuum()
        for learner_public_id in learner_public_ids:
            self.by_learner.pop(learner_public_id, None)
        for kid in kids:
            self.evict(kid)
        return len(kids)

    def _vacuum(self) -> None:
        """SQLite: rebuild the file, so that no free page or journal keeps the key's bytes (secure_delete too)."""
        url = make_url(self.url)
        if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
            return
        connection = sqlite3.connect(url.database, isolation_level=None, timeout=5)
        try:
            connection.execute("VACUUM")
        finally:
            connection.close()

    def evict(self, kid: str) -> None:
        self.by_kid.pop(kid, None)
        for held_by, held in list(self.by_learner.items()):
            if held.kid == kid:
                self.by_learner.pop(held_by, None)
        keyring = self.source.cached
        if keyring is not None:
            keyring.openers.pop(envelope_prefix(kid), None)

    def expire(self, keyring, now: float) -> float:
        """Drop the keys held longer than the cache allows; the next time one is due (the keyring source's hook)."""
        soonest = float("inf")
        for kid, expires in list(self.by_kid.items()):
            if expires <= now:
                self.by_kid.pop(kid, None)
                keyring.openers.pop(envelope_prefix(kid), None)
            else:
                soonest = min(soonest, expires)
        for learner_public_id, held in list(self.by_learner.items()):
            if held.expires <= now:
                self.by_learner.pop(learner_public_id, None)
        return soonest

    # --- rotation and status

    def rewrap(self, batch_size: int = 1000) -> int:
        """Re-wrap every learner key not wrapped under the keyring's primary key; the number re-wrapped.

        Each batch commits on its own and each row is rewritten only if it still holds what was read."""
        keyring = self.source.current(recheck=True)
        done = 0
        while True:
            with self.engine.connect() as connection:
                rows = connection.execute(
                    select(learner_data_key).where(learner_data_key.c.wrapping_key_id != keyring.primary)
                    .order_by(learner_data_key.c.key_id).limit(batch_size)
                ).all()
            if not rows:
                return done
            changes = []
            for row in rows:
                key = unwrap(keyring, row.key_id, row.learner_public_id, row.wrapped_key, row.wrapping_key_id)
                wrapped, wrapping_kid = wrap(keyring, row.key_id, row.learner_public_id, key)
                changes.append({"kid": row.key_id, "old": row.wrapped_key, "new": wrapped, "by": wrapping_kid})
            statement = (
                update(learner_data_key)
                .where(learner_data_key.c.key_id == bindparam("kid"),
                       learner_data_key.c.wrapped_key == bindparam("old"))
                .values(wrapped_key=bindparam("new"), wrapping_key_id=bindparam("by"))
            )
            with self.engine.begin() as connection:
                result = connection.execute(statement, changes)
            done += result.rowcount if result.rowcount is not None and result.rowcount >= 0 else len(changes)

    def count_by_wrapping_key(self) -> dict[str, int]:
        with self.engine.connect() as connection:
            return dict(connection.execute(
                select(learner_data_key.c.wrapping_key_id, func.count()).group_by(learner_data_key.c.wrapping_key_id)
            ).all())

    def learner_public_id_of(self, kid: str) -> str | None:
        row = self._row_by_kid(kid)
        return row.learner_public_id if row is not None else None

    def learners_keyed_before(self, moment: datetime) -> list[str]:
        """Public ids of the learners whose keys were made before `moment`."""
        with self.engine.connect() as connection:
            return list(connection.execute(select(learner_data_key.c.learner_public_id)
                                           .where(learner_data_key.c.created_at < moment)).scalars())


def init_learner_keys(app) -> None:
    """The app's key store, beside its keyring (app.factory); its table is made on first use."""
    store = LearnerKeyStore(app.config["BRAID_KEY_STORE_URL"], app.extensions["braid_keyring"],
                            app.config.get("BRAID_KEY_CACHE_SECONDS", CACHE_SECONDS),
                            app.config.get("BRAID_LEARNER_KEYS", True))
    app.extensions["braid_learner_keys"] = store


def key_store() -> LearnerKeyStore:
    context = _cv_app.get(None)
    if context is None:
        return current_app.extensions["braid_learner_keys"]  # raises Flask's "working outside" error
    return context.app.extensions["braid_learner_keys"]


def destroy_learner_key(learner_public_id: str) -> bool:
    """Destroy the data key of the learner with this public id; True if there was one to destroy.

    Every value sealed under it, in the live database and in any data backup, then fails to open
    (DecryptionError). Other workers stop opening it within CACHE_SECONDS; this one at once.
    """
    return key_store().destroy(learner_public_id)


_TO_DESTROY = "braid_learner_keys_to_destroy"


def destroy_learner_key_on_commit(session: Session, learner_public_id: str) -> None:
    """Destroy the learner's key once the transaction deleting their rows commits: a rollback keeps rows and key
    together, so a failed erasure never leaves records that cannot be read. Should the key store fail just after
    the commit, `destroy_orphan_keys` (the retention sweep) destroys the key on its next run."""
    session.info.setdefault(_TO_DESTROY, set()).add(learner_public_id)


@event.listens_for(Session, "after_commit")
def _destroy_committed(session: Session) -> None:
    learners = session.info.pop(_TO_DESTROY, None)
    if learners:
        key_store().destroy_all(sorted(learners))


@event.listens_for(Session, "after_rollback")
def _keep_rolled_back(session: Session) -> None:
    session.info.pop(_TO_DESTROY, None)


def destroy_orphan_keys(existing_learners, older_than: timedelta = timedelta(days=1)) -> int:
    """Destroy the keys of learners the database no longer holds; `existing_learners(public_ids)` says which of
    those public ids still have a learner row. Only keys older than `older_than`: a learner being registered has
    a key before their row commits. How many keys were destroyed."""
    store = key_store()
    keyed = store.learners_keyed_before(datetime.now(UTC) - older_than)
    alive = set()
    for start in range(0, len(keyed), 500):
        alive |= set(existing_learners(keyed[start:start + 500]))
    return store.destroy_all([public_id for public_id in keyed if public_id not in alive])


# --- whose is each sealed value -----------------------------------------------------------------
# Every SensitiveField, by "table.field": the attribute paths that lead from its row to its learner (tried in
# order; a path ends in the learner's public id or in a learner row id), or NOT_A_LEARNERS. A test fails for a
# SensitiveField missing here. A learner's value is sealed under their own key; the rest under the keyring.
NOT_A_LEARNERS = None
_SELF = ("public_id",)
_LEARNER = ("learner_id",)
_CYCLE = ("plan.learner_id",)
_IN_CYCLE = ("cycle.plan.learner_id",)
_IN_MEETING = ("meeting.learner_id",)


def _fields(table: str, names: str, paths) -> dict:
    return {f"{table}.{name}": paths for name in names.split()}


LEARNER_OF: dict[str, tuple[str, ...] | None] = {
    # Accounts, agencies and sign-in: adults' and organisations' own, kept apart from any learner.
    **_fields("agency", "name", NOT_A_LEARNERS),
    **_fields("user_account", "email display_name", NOT_A_LEARNERS),
    **_fields("mfa_enrolment", "secret", NOT_A_LEARNERS),
    **_fields("outbox_message", "recipient body", NOT_A_LEARNERS),  # mail in flight: gone within days
    **_fields("invitation", "email display_name", NOT_A_LEARNERS),  # the invited adult's address
    # The trail's own records: erasure keeps what the trail needs, and its exports belong to whoever took them.
    **_fields("audit_export", "details", NOT_A_LEARNERS),
    # A whole MIS file's header and column mapping: every learner's at once, no one's in particular.
    **_fields("learner_import", "header columns", NOT_A_LEARNERS),
    # Staff's own professional development: evidence links name a case only by pseudonym.
    **_fields("cpd_goal", "specific measure relevance", NOT_A_LEARNERS),
    **_fields("cpd_progress_review", "individual_summary manager_summary key_targets personal_development "
              "revised_targets development_needs comments", NOT_A_LEARNERS),
    **_fields("cpd_review_target", "target comments", NOT_A_LEARNERS),
    **_fields("cpd_entry", "title content reflection action_what action_how withdrawn_reason", NOT_A_LEARNERS),
    # The learner's record.
    **_fields("learner", "name preferred_name date_of_birth upn notes notes_html areas_of_need sen_status needs "
              "registration_group merge_reason", _SELF),
    **_fields("learner_revision", "reason earlier", _LEARNER),
    **_fields("learner_import_row", "cells reasons", _LEARNER),  # rows matched to no learner stay on the keyring
    **_fields("family_profile", "good_at what_helps working_on who_to_talk_to", _LEARNER),
    **_fields("team_membership", "end_reason", _LEARNER),
    **_fields("plan_cycle", "learner_views family_views aspirations needs_communication needs_cognition needs_semh "
              "needs_sensory review_summary learner_views_html family_views_html aspirations_html "
              "needs_communication_html needs_cognition_html needs_semh_html needs_sensory_html "
              "review_summary_html", _CYCLE),
    **_fields("outcome", "description measure", _IN_CYCLE),
    **_fields("provision", "description delivered_by", _IN_CYCLE),
    **_fields("cycle_stage_change", "reason", _IN_CYCLE),
    **_fields("contribution", "title body body_html withdrawn_reason", _LEARNER),
    **_fields("contribution_revision", "title body body_html", ("contribution.learner_id",)),
    **_fields("contribution_move", "reason", ("to_learner_id",)),
    **_fields("meeting", "agenda minutes decisions other_attendees agenda_html minutes_html decisions_html",
              _LEARNER),
    **_fields("meeting_action", "description", _IN_MEETING),
    **_fields("outcome_review", "comment", _IN_MEETING),
    **_fields("meeting_record", "snapshot", _IN_MEETING),
    **_fields("safeguarding_concern", "concern action_taken", _LEARNER),
    **_fields("attachment", "name description content",
              ("contribution.learner_id", "meeting.learner_id", "concern.learner_id")),
    **_fields("processing_restriction", "reason lift_reason", _LEARNER),
    **_fields("break_glass_access", "reason", _LEARNER),
    **_fields("transfer_bundle", "receiving_school content", _LEARNER),
    **_fields("child_protection_transfer", "receiving_school reference confirmed_by", _LEARNER),
    **_fields("family_visibility_decision", "reason", ("learner_public_id",)),
    **_fields("notification", "summary", _LEARNER),  # about one learner when it names one
    **_fields("consent", "given_by_name giver_relationship recipient_name withdrawal_reason", _LEARNER),
    # Data protection: a subject access request file, a hold and a DSL's review go with the learner's record.
    **_fields("subject_access_request", "requester_name entitlement identity_note extension_reason refusal_reason",
              _LEARNER),
    **_fields("subject_access_bundle", "content", ("request.learner_id",)),
    **_fields("bundle_redaction", "passage details", ("request.learner_id",)),
    **_fields("concern_release", "reason", ("request.learner_id",)),
    **_fields("legal_hold", "reason reference lift_reason", _LEARNER),
    **_fields("child_protection_review", "reason", _LEARNER),
    # An erasure request outlives the erasure it asked for (the school's evidence of answering it): on the keyring.
    **_fields("erasure_request", "requested_by", NOT_A_LEARNERS),
}

_LEARNER_IDS = "braid_learner_public_ids"


def learner_paths(table: str, name: str) -> tuple[str, ...] | None:
    return LEARNER_OF.get(f"{table}.{name}")


def learner_public_id_of(obj, paths: tuple[str, ...], session) -> str | None:
    """The public id of the learner whose value `obj` holds, following `paths`; None if it has none (yet)."""
    with session.no_autoflush:
        for path in paths:
            found = _follow(obj, path.split("."), session)
            if found:
                return found
    return None


def _related(obj, name: str, session):
    """obj.<name>, also for a row not yet flushed that was given only the foreign key."""
    value = getattr(obj, name, None)
    if value is not None:
        return value
    row_id = getattr(obj, f"{name}_id", None)
    if row_id is None:
        return None
    relationship = sa_inspect(type(obj)).relationships.get(name)
    return session.get(relationship.mapper.class_, row_id) if relationship is not None else None


def _follow(obj, names: list[str], session) -> str | None:
    for name in names[:-1]:
        obj = _related(obj, name, session)
        if obj is None:
            return None
    last = names[-1]
    if last.endswith("public_id"):
        return getattr(obj, last, None)
    # A learner row's id: the learner object beside it when it is set (a new row), else the learner table.
    related = obj.__dict__.get(last[:-3])
    if related is not None:
        return related.public_id
    row_id = getattr(obj, last, None)
    if row_id is None:
        return None
    known = session.info.setdefault(_LEARNER_IDS, {})
    if row_id not in known:
        table = obj.metadata.tables["learner"]
        known[row_id] = session.execute(select(table.c.public_id).where(table.c.id == row_id)).scalar_one_or_none()
    return known[row_id]
