"""Sensitive values at rest: AES-256-GCM bound to table, column and row, and keyed blind indexes.

A model declares `name = SensitiveField()` beside a `name_sealed` column of type `SealedText`.
The field seals on assignment and opens on read, with the row's public id in the associated
data, so a ciphertext copied to another row or column does not open. `SealedText` accepts only
values sealed here: a bulk UPDATE that tries to write plaintext into a sealed column is refused.
"""
from __future__ import annotations

import binascii
import hashlib
import hmac
import json
import logging
import os
from collections import Counter
from datetime import date
from time import monotonic

from cryptography.exceptions import InvalidTag
from flask.globals import _cv_app
from sqlalchemy import Text, event
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeDecorator

from app.extensions import db
from app.security.keys import KEY_ID_LENGTH, KeyringError, current_keyring, keyring_source
from app.security.learner_keys import (
    LearnerKeyMissing,
    is_learner_key_id,
    key_store,
    learner_paths,
    learner_public_id_of,
)
from app.security.models import FieldKeyUsage, add_key_usage
from app.types import new_public_id

log = logging.getLogger("braid.crypto")

ENVELOPE_VERSION = "b1"
NONCE_BYTES = 12
# Random 96-bit nonces stay safe far below 2^32 messages a key; Braid stops well short of that.
WARN_ENCRYPTIONS = 2**30
MAX_ENCRYPTIONS = 2**31
_PENDING = "braid_sealed_counts"


class DecryptionError(RuntimeError):
    """A sealed value failed to open: tampered, moved to another row or column, or its key is gone."""


class Sealed(str):
    """A ciphertext envelope `b1.<key id>.<base64 nonce+ciphertext>`: the only thing SealedText stores."""

    __slots__ = ()

    @property
    def key_id(self) -> str:
        return _parse(self)[0]

    def __repr__(self) -> str:
        return f"<Sealed under {self.key_id}>"


# Fixed offsets: "b1.", a fixed-length key id, ".", then the payload.
_KEY_ID_AT = len(ENVELOPE_VERSION) + 1
_PAYLOAD_AT = _KEY_ID_AT + KEY_ID_LENGTH + 1
a2b_base64 = binascii.a2b_base64


def _parse(sealed: str) -> tuple[str, str]:
    """(key id, payload) of an envelope."""
    if not sealed.startswith(ENVELOPE_VERSION + ".") or sealed[_PAYLOAD_AT - 1:_PAYLOAD_AT] != ".":
        raise DecryptionError("not a Braid sealed value")
    return sealed[_KEY_ID_AT:_PAYLOAD_AT - 1], sealed[_PAYLOAD_AT:]


def associated_data(table: str, column: str, row_id: str) -> bytes:
    if not row_id:
        raise ValueError("a sealed value needs its row's public id")
    return f"braid|{table}|{column}|{row_id}".encode()


def seal(plaintext: str, aad: bytes, learner_public_id: str | None = None) -> Sealed:
    """Seal under the keyring's primary key, or under the learner's own key when the value is a learner's."""
    nonce = os.urandom(NONCE_BYTES)
    if learner_public_id:
        # A learner's key seals only that learner's values: far below any nonce limit, so not counted.
        kid, cipher = key_store().cipher_for_learner(learner_public_id)
        ciphertext = cipher.encrypt(nonce, plaintext.encode("utf-8"), aad)
        return Sealed(f"{ENVELOPE_VERSION}.{kid}.{binascii.b2a_base64(nonce + ciphertext, newline=False).decode()}")
    keyring = current_keyring()
    kid = keyring.primary
    usage.check(kid)
    ciphertext = keyring.cipher(kid).encrypt(nonce, plaintext.encode("utf-8"), aad)
    usage.count(kid)
    return Sealed(f"{ENVELOPE_VERSION}.{kid}.{binascii.b2a_base64(nonce + ciphertext, newline=False).decode()}")


def _cipher_for(kid: str):
    try:
        return current_keyring().cipher(kid)
    except KeyringError:
        pass
    # Another process may have just added this key in a rotation: look at the file again.
    try:
        return keyring_source().current(recheck=True).cipher(kid)
    except KeyringError:
        raise DecryptionError(f"no key {kid} in the keyring") from None


def _opener_for(sealed: str):
    """The cipher for an envelope whose prefix has not been seen yet; refuses malformed envelopes."""
    kid, _ = _parse(sealed)
    if is_learner_key_id(kid):
        # A learner's key: read from the key store and unwrapped, then held in the prefix cache for a while.
        try:
            return key_store().opener(kid)
        except LearnerKeyMissing:
            raise DecryptionError(f"learner key {kid} is gone (erased)") from None
        except KeyringError as error:
            raise DecryptionError(str(error)) from None
    cipher = _cipher_for(kid)
    current_keyring().openers[sealed[:_PAYLOAD_AT]] = cipher
    return cipher


def open_sealed(sealed: str, aad: bytes) -> str:
    # The hot path of every page, kept to the fewest Python steps around one AES-GCM call: one
    # lookup of the envelope's prefix ("b1.<key id>.") checks its version and finds its cipher.
    context = _cv_app.get(None)
    source = context.app.extensions["braid_keyring"] if context is not None else keyring_source()
    keyring = source.cached if monotonic() < source.fresh_until else source.current()  # current(), inlined
    cipher = keyring.openers.get(sealed[:_PAYLOAD_AT]) or _opener_for(sealed)
    try:
        raw = a2b_base64(sealed[_PAYLOAD_AT:])
        return cipher.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], aad).decode()
    except (InvalidTag, ValueError, binascii.Error):
        # Which row and column, never the value: this message reaches the operator's log.
        raise DecryptionError(f"sealed value failed authentication ({aad.decode()})") from None


_ABSENT = object()


class SealedText(TypeDecorator):
    """Column type for sealed values; refuses anything that was not sealed by `seal()`.

    Values read back are plain strings (no per-row cost), so even a ciphertext copied from
    another row is refused on its way in: only `seal()` makes a `Sealed`.
    """

    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if not isinstance(value, Sealed):
            raise TypeError("sensitive columns accept only sealed values: assign through the model's field")
        return str(value)


class SensitiveField:
    """A model attribute whose value is sealed in `<name>_sealed`, optionally with a blind index.

    `index=normalise_upn` also writes `<name>_index`, a keyed hash for exact-match lookups; `purpose` names the
    index's key derivation (default: the attribute's name), so equal values of unrelated fields hash apart.
    """

    registry: list[tuple[type, SensitiveField]] = []

    def __init__(self, index=None, *, codec=None, rotation_batch: int | None = None, purpose: str | None = None):
        self.index = index
        self.purpose = purpose
        self.codec = codec or TEXT
        # Rows re-sealed per batch by `flask keys rotate`, for columns whose values are large (files): a few at a time.
        self.rotation_batch = rotation_batch

    def __set_name__(self, owner, name):
        self.owner = owner
        self.name = name
        self.purpose = self.purpose or name
        self.column_attr = f"{name}_sealed"
        self.index_attr = f"{name}_index" if self.index else None
        self.table = owner.__tablename__
        self.cache_attr = f"_braid_opened_{name}"
        self.opened_from_attr = f"_braid_opened_from_{name}"  # two slots, not a tuple: no allocation per value
        self._aad_prefix = associated_data(self.table, self.column_attr, "-")[:-1]
        # The way from a row to its learner (app.security.learner_keys.LEARNER_OF), or None: not a learner's.
        self.learner_paths = learner_paths(self.table, name)
        SensitiveField.registry.append((owner, self))

    def _aad(self, obj) -> bytes:
        return associated_data(self.table, self.column_attr, obj.public_id)

    def lookup(self, value: str) -> str:
        """The blind index a stored value equal to `value` has: compare `<name>_index` with it in a query."""
        return blind_index(self.purpose, self.index(self.codec.dump(value)))

    def __eq__(self, other):
        # `User.email == typed` (or filter_by(email=typed)) would compare the field object itself and silently find
        # nothing: a sealed value is compared only through its blind index.
        if isinstance(other, SensitiveField):
            return self is other
        raise TypeError(f"{self.table}.{self.name} is sealed: compare it with .matches(value) (a blind index)")

    __hash__ = object.__hash__

    def matches(self, value: str):
        """The SQL condition "this field equals `value`", through the blind index (sealed columns cannot be compared):
        `select(User).where(User.email.matches(typed))`."""
        if not self.index_attr:
            raise TypeError(f"{self.table}.{self.name} has no blind index to look it up by")
        return getattr(self.owner, self.index_attr) == self.lookup(value)

    def open(self, sealed: str | None, public_id: str):
        """A value selected as a column (`<name>_sealed` beside its row's public id), opened: no instance needed."""
        if sealed is None:
            return None
        value = open_sealed(sealed, self._aad_prefix + public_id.encode())
        return value if self.codec is TEXT else self.codec.load(value)

    def _learner_at_hand(self, obj) -> str | None:
        """The row's learner when known without a query (the learner itself, or a learner object set on the row);
        otherwise the flush finds it (_under_learner_keys) and re-seals."""
        paths = self.learner_paths
        if paths is None or not key_store().enabled:
            return None
        if paths == ("public_id",):
            return obj.public_id
        if paths == ("learner_id",):
            learner = obj.__dict__.get("learner")
            return learner.public_id if learner is not None else None
        return None

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        # Loaded column values live in the instance dict; only an expired or unloaded one needs
        # the ORM (which loads it). Read directly: this runs for every sealed value on a page.
        state = obj.__dict__
        sealed = state.get(self.column_attr, _ABSENT)
        if sealed is _ABSENT:
            sealed = getattr(obj, self.column_attr)
        if sealed is None:
            return None
        # Opened once per loaded value (a page reads a name several times); a new ciphertext,
        # after an update or a refresh, is a different object and is opened afresh.
        if state.get(self.opened_from_attr) is sealed:
            return state[self.cache_attr]
        public_id = state.get("public_id") or obj.public_id
        if not public_id:
            raise DecryptionError(f"{self.table}.{self.column_attr} has no row id to check it against")
        value = open_sealed(sealed, self._aad_prefix + public_id.encode())
        if self.codec is not TEXT:
            value = self.codec.load(value)
        state[self.cache_attr] = value
        state[self.opened_from_attr] = sealed
        return value

    def __set__(self, obj, value):
        if getattr(obj, "public_id", None) is None:
            obj.public_id = new_public_id()
        if value is None:
            setattr(obj, self.column_attr, None)
            if self.index_attr:
                setattr(obj, self.index_attr, None)
            return
        text = self.codec.dump(value)
        setattr(obj, self.column_attr, seal(text, self._aad(obj), self._learner_at_hand(obj)))
        if self.index_attr:
            setattr(obj, self.index_attr, blind_index(self.purpose, self.index(text)))


def reseal_for_learner(obj) -> None:
    """Seal `obj`'s learner values afresh after its row moved to another learner (a misfiled contribution): the
    flush seals them under the new learner's key, so erasing either learner erases only what is theirs."""
    for field in _fields_of(type(obj)):
        if field.learner_paths is not None:
            value = field.__get__(obj)
            if value is not None:
                field.__set__(obj, value)


class _Text:
    @staticmethod
    def dump(value) -> str:
        if not isinstance(value, str):
            raise TypeError("expected text")
        return value

    @staticmethod
    def load(text: str) -> str:
        return text


class _Date:
    @staticmethod
    def dump(value) -> str:
        return value.isoformat()

    load = staticmethod(date.fromisoformat)


class EnumList:
    """A list of enum members, sealed as their values joined by commas."""

    def __init__(self, enum_class):
        self.enum_class = enum_class

    def dump(self, members) -> str:
        return ",".join(self.enum_class(member).value for member in members)

    def load(self, text: str) -> list:
        return [self.enum_class(value) for value in text.split(",") if value]


class EnumValue:
    """One enum member, sealed as its value."""

    def __init__(self, enum_class):
        self.enum_class = enum_class

    def dump(self, member) -> str:
        return self.enum_class(member).value

    def load(self, text: str):
        return self.enum_class(text)


class _Bytes:
    """Binary content (a file), sealed as base64 text: one envelope format for every sealed value."""

    dump = staticmethod(lambda value: binascii.b2a_base64(bytes(value), newline=False).decode("ascii"))
    load = staticmethod(lambda text: binascii.a2b_base64(text))


class _Json:
    """Plain JSON (lists, strings, numbers): sealed as one text."""

    dump = staticmethod(lambda value: json.dumps(value, ensure_ascii=False, separators=(",", ":")))
    load = staticmethod(json.loads)


TEXT, DATE, JSON, BYTES = _Text(), _Date(), _Json(), _Bytes()


def sensitive_fields() -> list[tuple[type, SensitiveField]]:
    return list(SensitiveField.registry)


# --- blind indexes -------------------------------------------------------------------------

BLIND_INDEX_BYTES = 16


def blind_index(purpose: str, normalised: str) -> str:
    """Keyed HMAC-SHA256 of a normalised value, truncated: equal inputs match, nothing else leaks."""
    key = current_keyring().index_key
    digest = hmac.new(key, f"{purpose}\x00{normalised}".encode(), hashlib.sha256).digest()
    return digest[:BLIND_INDEX_BYTES].hex()


# --- how many values each key has sealed ----------------------------------------------------


class KeyUsage:
    """Counts encryptions per key in the database, in the transaction that stores them.

    Only committed ciphertexts can ever be seen, so only they are counted; every worker adds to
    the same rows, and the counts survive restarts.
    """

    def __init__(self):
        self.known: dict[str, int] = {}

    @staticmethod
    def _session() -> Session:
        return db.session

    def check(self, kid: str) -> None:
        session = self._session()
        pending = session.info.get(_PENDING, Counter())[kid]
        if kid not in self.known:
            self.known[kid] = self._stored(session, kid)
        total = self.known[kid] + pending
        if total >= MAX_ENCRYPTIONS:
            raise KeyringError(f"key {kid} has sealed {total} values: run `flask keys rotate` before sealing more")

    def count(self, kid: str) -> None:
        session = self._session()
        session.info.setdefault(_PENDING, Counter())[kid] += 1

    @staticmethod
    def _stored(session: Session, kid: str) -> int:
        with session.no_autoflush:
            row = session.get(FieldKeyUsage, kid)
        return row.encryptions if row is not None else 0

    def record(self, session: Session) -> None:
        counts = session.info.pop(_PENDING, None)
        if not counts:
            return
        for kid, added in counts.items():
            total = add_key_usage(session, kid, added)
            self.known[kid] = total
            if total >= WARN_ENCRYPTIONS:
                log.warning("field key %s has sealed %d values; rotate it soon (limit %d)", kid, total, MAX_ENCRYPTIONS)


usage = KeyUsage()


@event.listens_for(Session, "before_commit")
def _record_key_usage(session: Session) -> None:
    usage.record(session)


@event.listens_for(Session, "after_rollback")
def _forget_key_usage(session: Session) -> None:
    session.info.pop(_PENDING, None)


# --- no value committed under a key that a rotation has already replaced ---------------------
# A worker notices a new key file within a second, so it may seal a value under the old key
# just before a rotation's last sweep and commit it just after. Each flush that writes freshly
# sealed values therefore looks at the key file once more, after its rows are written (SQLite
# then holds the write lock), and re-seals under the new primary what is under an older key.
_FRESH = "braid_fresh_seals"


def _fields_of(model) -> list[SensitiveField]:
    return [field for owner, field in SensitiveField.registry if issubclass(model, owner)]


@event.listens_for(Session, "before_flush")
def _note_fresh_seals(session: Session, flush_context, instances) -> None:
    fresh = []
    for obj in (*session.new, *session.dirty):
        for field in _fields_of(type(obj)):
            if isinstance(obj.__dict__.get(field.column_attr), Sealed):
                fresh.append((obj, field))
    if fresh:
        _under_learner_keys(session, fresh)
        session.info[_FRESH] = fresh


def _under_learner_keys(session: Session, fresh) -> None:
    """Re-seal a learner's freshly sealed values under that learner's key.

    Done at flush, not on assignment: only then is a new row's way to its learner (a relationship or a
    foreign key given in any order) surely set. A value whose learner cannot be found stays on the keyring."""
    if not key_store().enabled:
        return
    for obj, field in fresh:
        sealed = obj.__dict__[field.column_attr]
        if field.learner_paths is None or is_learner_key_id(sealed.key_id):
            continue
        learner_public_id = learner_public_id_of(obj, field.learner_paths, session)
        if learner_public_id:
            aad = field._aad(obj)
            setattr(obj, field.column_attr, seal(open_sealed(sealed, aad), aad, learner_public_id))


@event.listens_for(Session, "after_flush_postexec")
def _reseal_under_new_primary(session: Session, flush_context) -> None:
    fresh = session.info.pop(_FRESH, None)
    if not fresh:
        return
    primary = keyring_source().current(recheck=True).primary
    stale = [(obj, field) for obj, field in fresh
             if (kid := obj.__dict__.get(field.column_attr).key_id) != primary and not is_learner_key_id(kid)]
    for obj, field in stale:
        field.__set__(obj, field.__get__(obj))  # dirty again: the commit's flush writes it
    if stale:
        usage.record(session)
