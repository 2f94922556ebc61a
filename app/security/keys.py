"""The field keyring: encryption keys and blind-index keys, kept outside the database.

Keys come from BRAID_FIELD_KEYS (JSON) or from instance/field_keys.json (mode 0600). The keyring
is read when a value is sealed or opened, never at import, and is re-read when the file changes,
so a rotation started from the command line reaches running workers without a restart.
"""
from __future__ import annotations

import base64
import fcntl
import json
import os
import re
import secrets
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from time import monotonic

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app
from flask.globals import _cv_app

KEY_BYTES = 32  # AES-256 and HMAC-SHA256 alike
KEY_ID_LENGTH = 9  # a letter and 8 hex digits: fixed, so the id can be read off an envelope in SQL
_KEY_ID = re.compile(r"^[a-z][0-9a-f]{8}$")


class KeyringError(RuntimeError):
    """The keyring is missing, malformed or cannot do what was asked. Never carries key material."""


def _new_key_id(prefix: str) -> str:
    return f"{prefix}{secrets.token_hex(4)}"


def _encode(key: bytes) -> str:
    return base64.urlsafe_b64encode(key).decode()


def _decode(kid: str, text: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(text.encode())
    except (ValueError, TypeError):
        raise KeyringError(f"key {kid} is not valid base64") from None
    if len(key) != KEY_BYTES:
        raise KeyringError(f"key {kid} must be {KEY_BYTES} bytes")
    return key


@dataclass(frozen=True, repr=False)
class Keyring:
    """Encryption keys by id (one primary), the blind-index key, and a rotation in progress."""

    encryption: dict[str, bytes]
    primary: str
    index: dict[str, bytes]
    index_primary: str
    ciphers: dict = field(default_factory=dict, compare=False, repr=False)  # AESGCM by key id, built on use
    openers: dict = field(default_factory=dict, compare=False, repr=False)  # the same, by envelope prefix

    def __post_init__(self):
        for kid in (*self.encryption, *self.index):
            if not _KEY_ID.match(kid):
                raise KeyringError("key ids are a letter and 8 hex digits, like k1a2b3c4d")
        if self.primary not in self.encryption:
            raise KeyringError("the primary encryption key is not in the keyring")
        if self.index_primary not in self.index:
            raise KeyringError("the primary blind-index key is not in the keyring")
        if set(self.encryption) & set(self.index):
            raise KeyringError("encryption and blind-index keys must be different keys")
        if set(self.encryption.values()) & set(self.index.values()):
            raise KeyringError("encryption and blind-index keys must be different keys")

    def __repr__(self) -> str:  # key material never reaches a log or a traceback
        return f"<Keyring primary={self.primary} keys={sorted(self.encryption)} index={self.index_primary}>"

    def encryption_key(self, kid: str) -> bytes:
        try:
            return self.encryption[kid]
        except KeyError:
            raise KeyringError(f"no encryption key with id {kid}") from None

    def cipher(self, kid: str) -> AESGCM:
        """The AES-GCM object for `kid`, built once: its key schedule costs more than a decryption."""
        try:
            return self.ciphers[kid]
        except KeyError:
            cipher = self.ciphers[kid] = AESGCM(self.encryption_key(kid))
            return cipher

    @property
    def index_key(self) -> bytes:
        return self.index[self.index_primary]

    def to_json(self) -> str:
        return json.dumps(
            {
                "primary": self.primary,
                "encryption": {kid: _encode(key) for kid, key in self.encryption.items()},
                "index_primary": self.index_primary,
                "index": {kid: _encode(key) for kid, key in self.index.items()},
            },
            indent=2,
        )

    @classmethod
    def from_json(cls, text: str) -> Keyring:
        try:
            data = json.loads(text)
            return cls(
                encryption={kid: _decode(kid, key) for kid, key in data["encryption"].items()},
                primary=data["primary"],
                index={kid: _decode(kid, key) for kid, key in data["index"].items()},
                index_primary=data["index_primary"],
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            raise KeyringError("the keyring is not valid: "
                               "expected JSON with primary, encryption, index_primary, index") from None

    @classmethod
    def generate(cls) -> Keyring:
        kid, index_kid = _new_key_id("k"), _new_key_id("i")
        return cls(
            encryption={kid: secrets.token_bytes(KEY_BYTES)},
            primary=kid,
            index={index_kid: secrets.token_bytes(KEY_BYTES)},
            index_primary=index_kid,
        )

    def with_new_primary(self) -> Keyring:
        kid = _new_key_id("k")
        return Keyring(
            encryption={**self.encryption, kid: secrets.token_bytes(KEY_BYTES)},
            primary=kid,
            index=self.index,
            index_primary=self.index_primary,
        )

    def without(self, kid: str) -> Keyring:
        if kid == self.primary:
            raise KeyringError("the primary key cannot be retired")
        if kid not in self.encryption:
            raise KeyringError(f"no encryption key with id {kid}")
        return Keyring(
            encryption={k: v for k, v in self.encryption.items() if k != kid},
            primary=self.primary,
            index=self.index,
            index_primary=self.index_primary,
        )


def write_key_file(path: Path, keyring: Keyring, *, exclusive: bool = False) -> None:
    """Write atomically with mode 0600: a half-written keyring would lose every value."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if exclusive and path.exists():
        raise FileExistsError(path)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(keyring.to_json())
        handle.flush()
        os.fsync(handle.fileno())
    if exclusive:
        try:
            os.link(temporary, path)  # fails if another process created it meanwhile
        finally:
            os.unlink(temporary)
        return
    os.replace(temporary, path)


class KeyringSource:
    """Where the app's keyring comes from, re-read when the key file changes.

    The file is looked at no more than once a second: a rotation's final sweep re-seals
    anything a worker wrote under the old key in that second.
    """

    RECHECK_SECONDS = 1.0

    def __init__(self, environ_value: str | None, key_file: Path | None):
        self.environ_value = environ_value
        self.key_file = key_file
        self._lock = threading.Lock()
        self.cached: Keyring | None = None  # read directly by crypto.open_sealed, with fresh_until
        self._stamp: tuple | None = None
        self.fresh_until = 0.0  # monotonic time until which the cached keyring needs no look
        # Called as hook(keyring, now) -> the next time it needs calling, when the keyring is looked at again:
        # the learner key store drops the learner keys it has held too long from the prefix cache this way.
        self.expiry_hooks: list = []

    def hold_until(self, when: float) -> None:
        """Look at the keyring (and run the expiry hooks) no later than `when`."""
        if when < self.fresh_until:
            self.fresh_until = when

    @property
    def writable(self) -> bool:
        return self.environ_value is None and self.key_file is not None

    def _file_stamp(self):
        stat = self.key_file.stat()
        return (stat.st_mtime_ns, stat.st_size, stat.st_ino)

    def current(self, *, recheck: bool = False) -> Keyring:
        # Runs for every value opened: one clock read while the keyring is fresh.
        if not recheck and monotonic() < self.fresh_until:
            return self.cached
        if self.environ_value is not None:
            if self.cached is None:
                self.cached = Keyring.from_json(self.environ_value)
            self.fresh_until = float("inf")
            return self._expire()
        if self.key_file is None or not self.key_file.exists():
            raise KeyringError("no field keyring: set BRAID_FIELD_KEYS or create instance/field_keys.json")
        stamp = self._file_stamp()
        if stamp != self._stamp:
            with self._lock:
                self.cached = Keyring.from_json(self.key_file.read_text())
                self._stamp = stamp
        self.fresh_until = monotonic() + self.RECHECK_SECONDS
        return self._expire()

    def _expire(self) -> Keyring:
        if self.expiry_hooks:
            now = monotonic()
            for hook in self.expiry_hooks:
                self.hold_until(hook(self.cached, now))
        return self.cached

    def seconds_until_seen(self) -> float:
        """How long until every worker has surely looked at the key file since it last changed.

        A worker looks at most RECHECK_SECONDS apart; a second more covers a transaction that
        sealed a value just before its worker looked, and commits just after.
        """
        if not self.writable or not self.key_file.exists():
            return 0.0
        changed = self.key_file.stat().st_mtime
        return max(0.0, changed + self.RECHECK_SECONDS + 1.0 - time.time())

    def replace(self, keyring: Keyring) -> None:
        if not self.writable:
            raise KeyringError("the keyring comes from BRAID_FIELD_KEYS: change it there")
        write_key_file(self.key_file, keyring)
        self.fresh_until = 0.0  # this process sees its own change at once

    @contextmanager
    def exclusive(self):
        """Hold the keyring for one changer at a time across processes (rotate, retire).

        Two rotations adding keys at once could each write a keyring without the other's key,
        and lose every value sealed under it. The kernel drops the lock if the holder is killed.
        """
        if self.key_file is None:
            yield
            return
        lock_path = self.key_file.with_name(self.key_file.name + ".lock")
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        with open(lock_path, "a") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise KeyringError("another key rotation or retirement is running; try again when it ends") from None
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def keyring_source() -> KeyringSource:
    # Straight to the app context's ContextVar: current_app's proxy costs more than a decryption,
    # and a page opens dozens of values. (Flask 3.1's own context variable; Braid pins Flask < 3.2.)
    context = _cv_app.get(None)
    if context is None:
        return current_app.extensions["braid_keyring"]  # raises Flask's "working outside" error
    return context.app.extensions["braid_keyring"]


def current_keyring() -> Keyring:
    context = _cv_app.get(None)
    source = context.app.extensions["braid_keyring"] if context is not None else keyring_source()
    return source.current()
