"""The one canonical address (BRAID_BASE_URL): every link that leaves Braid is built from it, and a request
for any host but it and BRAID_ALLOWED_HOSTS is refused, so a forged Host header can neither poison an
emailed link nor reach a page.

Werkzeug's trusted-host check does the matching (Flask's TRUSTED_HOSTS applies it before routing, where
the health check, which load balancers call by address, could not be let through).
"""
from __future__ import annotations

import functools
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import abort, current_app, request
from werkzeug.sansio.utils import host_is_trusted

log = logging.getLogger("braid.hosts")

# Answered whatever the Host: load balancers, orchestrators and Prometheus call them by address.
ANY_HOST_ENDPOINTS = frozenset({"home.health", "home.ready", "metrics.metrics"})


@dataclass(frozen=True)
class CanonicalAddress:
    scheme: str
    netloc: str  # host[:port], as it will appear in links
    hostname: str
    path: str  # "" or a prefix such as "/braid", when Braid is served below the root


@functools.lru_cache(maxsize=16)  # asked on every request (the allowed hosts) and for every link that leaves Braid
def parse_base_url(value: str | None) -> CanonicalAddress:
    """`value` as a canonical address.

    :raise ValueError: saying what is wrong, in words for an operator, unless `value` is an http(s)
        origin with an optional path and nothing else.
    """
    if not value:
        raise ValueError("is not set")
    if any(not 0x21 <= ord(character) <= 0x7E for character in value):
        raise ValueError("must be plain ASCII without spaces (give an international host name in its xn-- form)")
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        raise ValueError("is not a URL (or its port is not a number from 1 to 65535)") from None
    if parts.scheme not in ("http", "https"):
        raise ValueError("must start with https:// (or http:// on a developer's machine)")
    if port == 0:
        raise ValueError("has port 0")
    if not parts.hostname or not host_is_trusted(parts.netloc.rpartition("@")[2]):
        raise ValueError("has no valid host name")
    if parts.username is not None or parts.password is not None:
        raise ValueError("must not hold a user name or password")
    if parts.query or parts.fragment or "?" in value or "#" in value:
        raise ValueError("must not have a query (?) or fragment (#)")
    return CanonicalAddress(parts.scheme, parts.netloc.lower(), parts.hostname.lower(), parts.path.rstrip("/"))


def allowed_host_problem(host: str) -> str | None:
    """Why `host` cannot go on BRAID_ALLOWED_HOSTS, or None. A leading dot allows its subdomains."""
    name = host[1:] if host.startswith(".") else host
    if not name or "*" in name or ":" in name or "/" in name or not host_is_trusted(name):
        return "must be host names only (no scheme, port, path or *; a leading dot allows subdomains)"
    return None


def allowed_hosts(config: Mapping) -> list[str]:
    """The canonical host, then BRAID_ALLOWED_HOSTS."""
    return [parse_base_url(config["BRAID_BASE_URL"]).hostname, *config.get("BRAID_ALLOWED_HOSTS", ())]


def canonical_address() -> CanonicalAddress:
    return parse_base_url(current_app.config["BRAID_BASE_URL"])  # checked when the app was made


def external_url(endpoint: str, **values) -> str:
    """The absolute URL of a Braid page on the canonical address, whatever host the request named (or
    with no request at all: background work builds the same links)."""
    base = canonical_address()
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme)
    return adapter.build(endpoint, values, force_external=True)


def refuse_unknown_host():
    """Before every request: 400 for a Host that is neither the canonical host nor allowed."""
    if request.endpoint in ANY_HOST_ENDPOINTS:
        return None
    if host_is_trusted(request.host.lower(), allowed_hosts(current_app.config)):  # host names ignore case
        return None
    log.warning("refused: a request for a host Braid does not serve (%r)", request.host[:100])
    abort(400)


UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def refuse_foreign_origin():
    """Before every write: 400 when the browser says the form came from a page on another site. This stands in for
    the Referer check Flask-WTF makes over HTTPS, which Braid turns off (its pages send no Referer). Browsers say it
    in Sec-Fetch-Site; under Braid's no-referrer policy a form's Origin is "null", so Origin counts only when it
    names a site. The CSRF token, bound to the session, still decides every write let through."""
    if request.method not in UNSAFE_METHODS:
        return None
    site = request.headers.get("Sec-Fetch-Site")
    origin = request.headers.get("Origin", "null")
    if site in ("cross-site", "same-site"):
        log.warning("refused: a write sent from a page on another site (Sec-Fetch-Site %r)", site[:20])
        abort(400)
    if origin != "null":
        parts = urlsplit(origin)
        if not (parts.scheme in ("http", "https") and parts.hostname
                and host_is_trusted(parts.hostname.lower(), allowed_hosts(current_app.config))):
            log.warning("refused: a write sent from a page on another site (Origin %r)", origin[:100])
            abort(400)
    return None  # older browsers and other clients say neither: the token alone decides
