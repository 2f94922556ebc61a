"""Rate limits on the doors into Braid: sign-in, the second step, password reset and invitations.

Each door has two limits, one per account and one per IP address, both in a moving window, so a
limit always expires and nobody can lock a colleague out for good. Only failed attempts count
(a view calls `count_failure()`), except where a door says every attempt counts. The counts live in
Redis when REDIS_URL is set, so every worker and machine shares them; in memory otherwise.
Keys are keyed hashes: an email address or a token never reaches the store.

Flask-Limiter keeps its storage on the extension object, so each app gets a Limiter of its own
(tests and tools run several apps in one process); `guard` records a door on the view, and
`init_app` binds every door to that app's limiter.
"""
from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass
from functools import wraps
from typing import Callable

from flask import Flask, current_app, g, request
from flask_limiter import Limiter

_FAILED = "braid_attempt_failed"
_DOORS: list["Door"] = []


@dataclass(frozen=True)
class Door:
    name: str
    view: Callable
    account_key: Callable[[], str | None]
    every_attempt: bool
    on_breach: Callable[[object], object] | None

    def bind(self, limiter: Limiter) -> Callable:
        """The view behind both of this door's limits, counted in `limiter`."""
        setting = self.name.upper()
        deduct = _always if self.every_attempt else _failed

        def breached(limit):
            return self.on_breach(limit) if self.on_breach is not None else None

        def account() -> str:
            value = self.account_key()
            return f"{self.name}:account:{hashed_key(value) if value else 'none'}"

        def address() -> str:
            return f"{self.name}:ip:{request.remote_addr or 'unknown'}"

        view = limiter.limit(lambda: current_app.config[f"RATELIMIT_{setting}_ACCOUNT"], key_func=account,
                             methods=["POST"], deduct_when=deduct, on_breach=breached,
                             scope=f"{self.name}-account")(self.view)
        return limiter.limit(lambda: current_app.config[f"RATELIMIT_{setting}_IP"], key_func=address,
                             methods=["POST"], deduct_when=deduct, on_breach=breached,
                             scope=f"{self.name}-ip")(view)


def init_app(app: Flask) -> None:
    """Give `app` its own limiter (storage from RATELIMIT_STORAGE_URI) and bind every door to it."""
    limiter = Limiter(key_func=lambda: request.remote_addr or "unknown", app=app)
    app.extensions["braid_doors"] = {id(door): door.bind(limiter) for door in _DOORS}


def count_failure() -> None:
    """This request was a failed attempt at the door it came through: it counts against both limits."""
    g.setdefault(_FAILED, True)


def _failed(response) -> bool:
    return bool(g.get(_FAILED))


def _always(response) -> bool:
    return True


# What names the account at a door (hashed before it is stored): the address typed, or the link's token.


def typed_email() -> str | None:
    from app.agencies.models import normalise_email

    return normalise_email(request.form.get("email", "")) or None


def token_in_url() -> str | None:
    return (request.view_args or {}).get("token")


def hashed_key(value: str) -> str:
    """A keyed hash of an email address, token or account id: the store never holds the value itself."""
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, b"rate-limit:" + value.encode(), hashlib.sha256).hexdigest()[:32]


def wait_text(limit) -> str:
    """How long until a breached limit lets the next attempt through, in whole minutes (at least one)."""
    minutes = max(1, round((limit.reset_at - time.time()) / 60))
    return f"Wait {minutes} minute{'s' if minutes != 1 else ''}, then try again"


def guard(door: str, account_key: Callable[[], str | None], *, every_attempt: bool = False,
          on_breach: Callable[[object], object] | None = None):
    """Limit POSTs to a view per account (`account_key()`, hashed) and per IP address.

    The limits are the settings RATELIMIT_<DOOR>_ACCOUNT and RATELIMIT_<DOOR>_IP. A refused request
    gets the 429 page, or what `on_breach(limit)` returns (it may record the refusal, then return
    a page of its own with status 429, or None).
    """
    def decorate(view):
        spec = Door(door, view, account_key, every_attempt, on_breach)
        _DOORS.append(spec)

        @wraps(view)
        def through_door(*args, **kwargs):
            return current_app.extensions["braid_doors"][id(spec)](*args, **kwargs)

        return through_door

    return decorate
