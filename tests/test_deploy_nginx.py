"""deploy/nginx.conf agrees with Braid's own settings: the body limit, the timeouts, the proxy headers."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from config import BASE_DIR, Config

NGINX = (BASE_DIR / "deploy" / "nginx.conf").read_text()
UNITS = {"": 1, "k": 1024, "m": 1024 ** 2, "g": 1024 ** 3}


def directive(name: str) -> str:
    found = re.findall(rf"^\s*{name}\s+([^;]+);", NGINX, re.M)
    assert len(found) == 1, f"{name}: {found}"
    return found[0].strip()


def size(value: str) -> int:
    number, unit = re.fullmatch(r"(\d+)([kKmMgG]?)", value).groups()
    return int(number) * UNITS[unit.lower()]


def seconds(value: str) -> int:
    return int(value.removesuffix("s"))


def test_nginx_takes_exactly_the_largest_request_braid_takes():
    # Smaller, and an attachment Braid would take is cut off by nginx; larger, and nginx reads bodies nobody takes.
    largest = max(Config.MAX_CONTENT_LENGTH, *Config.UPLOAD_LIMITS.values())
    assert size(directive("client_max_body_size")) == largest


@pytest.mark.parametrize("name", ["proxy_read_timeout", "proxy_send_timeout"])
def test_nginx_waits_a_little_longer_than_gunicorn_gives_a_request(name, monkeypatch):
    # gunicorn ends a stuck request (and replaces its worker) before nginx gives up with a bare 504.
    import runpy

    for variable in ("GUNICORN_TIMEOUT", "GUNICORN_WORKERS"):
        monkeypatch.delenv(variable, raising=False)
    gunicorn = runpy.run_path(str(Path(BASE_DIR) / "deploy" / "gunicorn.conf.py"))
    assert gunicorn["timeout"] < seconds(directive(name)) <= gunicorn["timeout"] + 15


def test_nginx_passes_one_hop_of_forwarding_headers_and_hides_its_version():
    # BRAID_TRUSTED_PROXIES=1 trusts exactly one X-Forwarded-For entry: nginx's, never one the client sent.
    assert directive("server_tokens") == "off"
    headers = dict(re.findall(r"^\s*proxy_set_header\s+(\S+)\s+(\S+);", NGINX, re.M))
    assert headers["X-Forwarded-For"] == "$remote_addr"
    assert headers["X-Forwarded-Proto"] == "$scheme"
    assert headers["Host"] == "$host"
