"""Files that leave Braid: one answer for every download (a PDF, a CSV), never cached, never shown as a page."""
from __future__ import annotations

import re
from io import BytesIO

from flask import send_file

_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def safe_filename(*parts: str, extension: str) -> str:
    """"plan-on-a-page-cycle-2-Xy3….pdf": letters, digits, hyphens and underscores only (a public id keeps its own).

    Callers pass what may travel with the file (a kind of document, a date, a public id), never a child's name.
    """
    # A public id may begin with a hyphen (one in 64 does): each part keeps its own, and only the name as a whole
    # never starts with a hyphen or a dot (nor does a part end with a dot, before the extension's).
    stem = "-".join(_UNSAFE.sub("-", str(part)).strip(".") for part in parts if part).lstrip("-.")
    return f"{stem or 'download'}.{extension}"


def attachment(content: bytes, *, filename: str, mimetype: str = "application/pdf"):
    """`content` as an attachment: no-store (a shared computer keeps no copy), sandboxed, never sniffed."""
    response = send_file(BytesIO(content), mimetype=mimetype, as_attachment=True, download_name=filename,
                         etag=False, max_age=0)
    # A file, never a page: app.web keeps this policy instead of its own (see set_security_headers).
    response.headers["Content-Security-Policy"] = ("sandbox; default-src 'none'; object-src 'none'; base-uri 'none'; "
                                                   "frame-ancestors 'none'")
    response.headers["Cache-Control"] = "no-store"
    return response
