"""Argon2id password hashing and the password policy every account obeys."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app

COMMON_PASSWORDS_FILE = Path(__file__).with_name("common_passwords.txt")


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def password_problems(password: str, *, email: str = "", display_name: str = "") -> list[str]:
    """Why `password` is unacceptable, in words a user can act on; empty when it is fine."""
    config = current_app.config
    problems = []
    if len(password) < config["PASSWORD_MIN_LENGTH"]:
        problems.append(f"Password must be {config['PASSWORD_MIN_LENGTH']} characters or more")
    elif len(password) > config["PASSWORD_MAX_LENGTH"]:
        problems.append(f"Password must be {config['PASSWORD_MAX_LENGTH']} characters or fewer")
    folded = password.strip().lower()
    if folded in common_passwords():
        problems.append("Password is too common: choose one that is not on lists of frequently used passwords")
    local_part = email.split("@", 1)[0].lower()
    if len(local_part) >= 4 and local_part in folded:
        problems.append("Password must not contain your email address")
    return problems


def _hasher() -> PasswordHasher:
    params = current_app.config["ARGON2"]
    return _hasher_for(params["time_cost"], params["memory_cost"], params["parallelism"])


@lru_cache(maxsize=4)
def _hasher_for(time_cost: int, memory_cost: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(
        time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism, type=Type.ID
    )


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)


def burn_equal_time(password: str) -> None:
    """Do the work of a real verification, so an unknown email answers as slowly as a known one."""
    verify_password(_dummy_hash(_hasher()), password)


@lru_cache(maxsize=4)
def _dummy_hash(hasher: PasswordHasher) -> str:
    return hasher.hash("braid-timing-equaliser-not-a-password")
