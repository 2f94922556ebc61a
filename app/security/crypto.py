"""Sensitive values at rest: AES-256-GCM bound to table, column and row, and keyed blind indexes.

A model declares `name = SensitiveField()` beside a `name_sealed` column of type `SealedText`.
The field seals on assignment and opens on read, with the row's public id in the associated
data, so a ciphertext copied to another row or column does not open. `SealedText` accepts only
values sealed here: a bulk UPDATE that tries to write plaintext into a sealed column is refused.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import re
import unicodedata
from collections import Counter

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Text, event
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeDecorator

from app.security.keys import KeyringError, current_keyring

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
        parts = self.split(".", 2)
        if len(parts) != 3 or parts[0] != ENVELOPE_VERSION:
            raise DecryptionError("not a Braid sealed value")
        return parts[1]

    def __repr__(self) -> str:
        return f"<Sealed under {self.key_id}>"


def associated_data(table: str, column: str, row_id: str) -> bytes:
    if not row_id:
        raise ValueError("a sealed value needs its row's public id")
    return f"braid|{table}|{column}|{row_id}".encode()


def seal(plaintext: str, aad: bytes) -> Sealed:
    keyring = current_keyring()
    kid = keyring.primary
    usage.check(kid)
    nonce = os.urandom(NONCE_BYTES)
    ciphertext = AESGCM(keyring.encryption_key(kid)).encrypt(nonce, plaintext.encode("utf-8"), aad)
    usage.count(kid)
    payload = base64.urlsafe_b64encode(nonce + ciphertext).decode().rstrip("=")
    return Sealed(f"{ENVELOPE_VERSION}.{kid}.{payload}")


def open_sealed(sealed: str, aad: bytes) -> str:
    sealed = Sealed(sealed)
    kid = sealed.key_id
    try:
        key = current_keyring().encryption_key(kid)
    except KeyringError:
        raise DecryptionError(f"no key {kid} in the keyring") from None
    try:
        raw = base64.urlsafe_b64decode(sealed.split(".", 2)[2] + "==")
        plaintext = AESGCM(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], aad)
    except (InvalidTag, ValueError):
        # Which row and column, never the value: this message reaches the operator's log.
        raise DecryptionError(f"sealed value failed authentication ({aad.decode()})") from None
    return plaintext.decode("utf-8")


class SealedText(TypeDecorator):
    """Column type for sealed values; refuses anything that was not sealed by `seal()`."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if not isinstance(value, Sealed):
            raise TypeError("sensitive columns accept only sealed values: assign through the model's field")
        return str(value)

    def process_result_value(self, value, dialect):
        return None if value is None else Sealed(value)


class SensitiveField:
    """A model attribute whose value is sealed in `<name>_sealed`, optionally with a blind index.

    `index=normalise_upn` also writes `<name>_index`, a keyed hash for exact-match lookups.
    """

    registry: list[tuple[type, "SensitiveField"]] = []

    def __init__(self, index=None, *, codec=None):
        self.index = index
        self.codec = codec or TEXT

    def __set_name__(self, owner, name):
        self.name = name
        self.column_attr = f"{name}_sealed"
        self.index_attr = f"{name}_index" if self.index else None
        SensitiveField.registry.append((owner, self))

    def _aad(self, owner, obj) -> bytes:
        return associated_data(owner.__tablename__, self.column_attr, obj.public_id)

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        sealed = getattr(obj, self.column_attr)
        if sealed is None:
            return None
        return self.codec.load(open_sealed(sealed, self._aad(type(obj), obj)))

    def __set__(self, obj, value):
        if getattr(obj, "public_id", None) is None:
            from app.types import new_public_id

            obj.public_id = new_public_id()
        if value is None:
            setattr(obj, self.column_attr, None)
            if self.index_attr:
                setattr(obj, self.index_attr, None)
            return
        text = self.codec.dump(value)
        setattr(obj, self.column_attr, seal(text, self._aad(type(obj), obj)))
        if self.index_attr:
            setattr(obj, self.index_attr, blind_index(self.name, self.index(text)))


class _Text:
    @staticmethod
    def dump(value) -> str:
        if not isinstance(value, str):
            raise TypeError("expected text")
        return value

    @staticmethod
    def load(text: str):
        return text


class _Date:
    @staticmethod
    def dump(value) -> str:
        return value.isoformat()

    @staticmethod
    def load(text: str):
        from datetime import date

        return date.fromisoformat(text)


TEXT, DATE = _Text(), _Date()


def sensitive_fields() -> list[tuple[type, SensitiveField]]:
    return list(SensitiveField.registry)


# --- blind indexes -------------------------------------------------------------------------

BLIND_INDEX_BYTES = 16


def blind_index(purpose: str, normalised: str) -> str:
    """Keyed HMAC-SHA256 of a normalised value, truncated: equal inputs match, nothing else leaks."""
    key = current_keyring().index_key
    digest = hmac.new(key, f"{purpose}\x00{normalised}".encode("utf-8"), hashlib.sha256).digest()
    return digest[:BLIND_INDEX_BYTES].hex()


def normalise_name(name: str) -> str:
    """Case, accents, punctuation and spacing do not matter when looking a learner up by name."""
    decomposed = unicodedata.normalize("NFKD", name or "")
    letters = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    letters = re.sub(r"[^\w\s]", "", letters.casefold())
    return " ".join(letters.split())


def normalise_upn(upn: str) -> str:
    return re.sub(r"\s+", "", (upn or "").upper())


# --- how many values each key has sealed ----------------------------------------------------


class KeyUsage:
    """Counts encryptions per key in the database, in the transaction that stores them.

    Only committed ciphertexts can ever be seen, so only they are counted; every worker adds to
    the same rows, and the counts survive restarts.
    """

    def __init__(self):
        self.known: dict[str, int] = {}

    def _session(self) -> Session:
        from app.extensions import db

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
        from app.security.models import FieldKeyUsage

        with session.no_autoflush:
            row = session.get(FieldKeyUsage, kid)
        return row.encryptions if row is not None else 0

    def record(self, session: Session) -> None:
        counts = session.info.pop(_PENDING, None)
        if not counts:
            return
        from app.security.models import add_key_usage

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
