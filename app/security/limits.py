"""Rate limits on the doors into Braid: sign-in, the second step, password reset, invitations and the
DSL's review of the audit trail.

Each door has two limits, one per account and one per IP address, both in a moving window, so a
limit always expires and nobody can lock a colleague out for good. Only failed attempts count
(a view calls `count_failure()`, or the door names the statuses that are failures), except where a
door says every attempt counts. A door limits POSTs unless it names other methods. The counts live in
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
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from flask import Flask, current_app, g, request
from flask_limiter import Limiter
from flask_login import current_user

from app.core.mail.addresses import normalise_email

_FAILED = "braid_attempt_failed"
_DOOR_VIEW = "braid_door"  # set on each view behind a door
_DOORS: list[Door] = []


@dataclass(frozen=True)
class Door:
    name: str
    view: Callable
    account_key: Callable[[], str | None]
    every_attempt: bool
    on_breach: Callable[[object], object] | None
    methods: tuple[str, ...] = ("POST",)
    failure_statuses: frozenset[int] = frozenset()  # responses that count as failed attempts

    def bind(self, limiter: Limiter) -> Callable:
        """The view behind both of this door's limits, counted in `limiter`."""
        setting = self.name.upper()
        statuses = self.failure_statuses

        def failed(response) -> bool:
            return _failed(response) or response.status_code in statuses

        deduct = _always if self.every_attempt else failed
        methods = list(self.methods)
        # Shared: every view behind one door (the code page and the two-step settings, say) counts once.
        limited = limiter.shared_limit

        def breached(limit):
            return self.on_breach(limit) if self.on_breach is not None else None

        def account() -> str:
            value = self.account_key()
            return f"{self.name}:account:{hashed_key(value) if value else 'none'}"

        def address() -> str:
            return f"{self.name}:ip:{request.remote_addr or 'unknown'}"

        view = limited(lambda: current_app.config[f"RATELIMIT_{setting}_ACCOUNT"], key_func=account,
                       methods=methods, deduct_when=deduct, on_breach=breached,
                       scope=f"{self.name}-account")(self.view)
        return limited(lambda: current_app.config[f"RATELIMIT_{setting}_IP"], key_func=address,
                       methods=methods, deduct_when=deduct, on_breach=breached,
                       scope=f"{self.name}-ip")(view)


def init_app(app: Flask) -> None:
    """Give `app` its own limiter (storage from RATELIMIT_STORAGE_URI) and bind every door to it."""
    limiter = Limiter(key_func=lambda: request.remote_addr or "unknown", app=app)
    app.extensions["braid_doors"] = {id(door): door.bind(limiter) for door in _DOORS}
    _check_only_at_doors(app, limiter)


def _check_only_at_doors(app: Flask, limiter: Limiter) -> None:
    """Flask-Limiter looks for limits on every request, in a hook of its own, and only a door has any: Braid sets no
    default or application-wide limit, and each door's view checks its own limits when called. Its hook then runs
    for the doors' endpoints alone, and every other page (most of them) skips that work."""
    if app.config.get("RATELIMIT_DEFAULT") or app.config.get("RATELIMIT_APPLICATION"):
        return  # limits on every page: the hook must see every request
    doors = frozenset(endpoint for endpoint, view in app.view_functions.items() if getattr(view, _DOOR_VIEW, False))
    hooks = app.before_request_funcs[None]
    check_every_request = limiter._check_request_limit

    def check_at_doors():
        if request.endpoint in doors:
            return check_every_request()
        return None

    hooks[hooks.index(check_every_request)] = check_at_doors


def count_failure() -> None:
    """This request was a failed attempt at the door it came through: it counts against both limits."""
    g.setdefault(_FAILED, True)


def _failed(response) -> bool:
    return bool(g.get(_FAILED))


def _always(response) -> bool:
    return True


# What names the account at a door (hashed before it is stored): the address typed, or the link's token.


def typed_email() -> str | None:
    # As addresses are stored: "Ann@School " and "ann@school" share one budget.
    return normalise_email(request.form.get("email")) or None


def token_in_url() -> str | None:
    return (request.view_args or {}).get("token")


def signed_in_account() -> str | None:
    """The signed-in user's public id, for doors behind a login."""
    return getattr(current_user, "public_id", None) if current_user.is_authenticated else None


def hashed_key(value: str) -> str:
    """A keyed hash of an email address, token or account id: the store never holds the value itself."""
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, b"rate-limit:" + value.encode(), hashlib.sha256).hexdigest()[:32]


def wait_text(limit) -> str:
    """How long until a breached limit lets the next attempt through, in whole minutes (at least one)."""
    minutes = max(1, round((limit.reset_at - time.time()) / 60))
    return f"Wait {minutes} minute{'s' if minutes != 1 else ''}, then try again"


def guard(door: str, account_key: Callable[[], str | None], *, every_attempt: bool = False,
          on_breach: Callable[[object], object] | None = None, methods: tuple[str, ...] = ("POST",),
          failure_statuses: frozenset[int] = frozenset()):
    """Limit requests to a view (POSTs unless `methods` says otherwise) per account (`account_key()`,
    hashed) and per IP address.

    The limits are the settings RATELIMIT_<DOOR>_ACCOUNT and RATELIMIT_<DOOR>_IP. What counts is a
    request that called `count_failure()`, or whose response has one of `failure_statuses` (every
    request with `every_attempt`). Every view behind one door shares its counts, one per account and one
    per address. A refused request gets the 429
    page before its view runs, or what `on_breach(limit)` returns (it may record the refusal, then
    return a page of its own with status 429, or None).
    """
    def decorate(view):
        spec = Door(door, view, account_key, every_attempt, on_breach, tuple(methods), frozenset(failure_statuses))
        _DOORS.append(spec)

        @wraps(view)
        def through_door(*args, **kwargs):
            return current_app.extensions["braid_doors"][id(spec)](*args, **kwargs)

        setattr(through_door, _DOOR_VIEW, True)
        return through_door

    return decorate
