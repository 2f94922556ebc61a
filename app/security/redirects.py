"""The one safe-redirect helper: every `next`-style value passes here before Braid redirects to it.

An open redirect after sign-in is a phishing tool, and browsers read a Location header generously
(`/\\evil`, `/%09/evil`, `//evil` all leave the site). So a target survives only as a plain path of a
page Braid serves, checked as typed and again after decoding; anything else sends the user home.
"""
from __future__ import annotations

from urllib.parse import unquote, urlsplit

from flask import current_app
from werkzeug.exceptions import HTTPException

MAX_LENGTH = 2000
_ENCODED_SEPARATORS = ("%2f", "%5c")  # an encoded slash or backslash has no place in a path Braid makes


def _plain(text: str) -> bool:
    """Printable ASCII only: no spaces, tabs, CR/LF, NUL or other control characters, nothing non-ASCII
    (full-width slashes and their kind)."""
    return all(0x21 <= ord(character) <= 0x7E for character in text)


def _decodings(target: str) -> list[str]:
    """`target` and each further percent-decoding of it, until nothing changes (double encoding included)."""
    forms = [target]
    while len(forms) < 5:
        decoded = unquote(forms[-1], errors="strict") if "%" in forms[-1] else forms[-1]
        if decoded == forms[-1]:
            break
        forms.append(decoded)
    return forms


def _a_local_path(text: str) -> bool:
    if not _plain(text) or "\\" in text or not text.startswith("/") or text.startswith("//"):
        return False
    parts = urlsplit(text)
    if parts.scheme or parts.netloc:
        return False
    return not any(segment in (".", "..") for segment in parts.path.split("/"))


def _a_page(path: str) -> bool:
    """A page Braid answers a GET for (the route map, with no request: nothing is run)."""
    adapter = current_app.url_map.bind("braid.invalid")
    try:
        adapter.match(path, method="GET")
    except HTTPException:  # not found, not a GET, or a redirect to another form of the path
        return False
    return True


def safe_next(target) -> str | None:
    """`target` if it is a path of a page on this site, otherwise None (the caller goes home)."""
    if not isinstance(target, str) or not target or len(target) > MAX_LENGTH:
        return None
    if any(encoded in target.lower() for encoded in _ENCODED_SEPARATORS):
        return None
    try:
        forms = _decodings(target)
    except UnicodeDecodeError:
        return None
    if not all(_a_local_path(form) for form in forms):
        return None
    return target if _a_page(urlsplit(forms[-1]).path) else None
