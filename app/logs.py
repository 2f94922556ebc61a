"""Braid's logs: one JSON object a line, with the request id, and secrets scrubbed before any handler sees them.

Redaction happens when a log record is made (a record factory), so every handler — ours, a test's
capture, gunicorn's — gets the same scrubbed text. The formatter scrubs again what only it renders.
The first defence is still that Braid never logs a request body, a form field or SQL parameters
(`hide_parameters` in config.py); the patterns here catch what slips through: secret paths, key=value
pairs with secret names, cookie and Authorization headers, URL passwords and email addresses.
"""
from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime

from flask import g, has_request_context, request

REDACTED = "[redacted]"
# URL variables that are credentials: their value never appears in a logged path.
SECRET_VIEW_ARGS = frozenset({"token"})
# Paths whose last part is a single-use credential (the invitation and password-reset links).
SECRET_PATHS = ("/invitations/accept/", "/sign-in/reset/")
# Key names whose value is a secret (or, for email, personal), in key=value, key: value and JSON or repr forms.
SECRET_KEYS = (
    r"password|passwd|pwd|passphrase|secret|token|session|csrf|otp|code|recovery|api[_-]?key"
    r"|signature|private[_-]?key|email"
)

_SEP = r"(?:/|%2f)"  # a path separator, also percent-encoded
_SECRET_PATH = re.compile(
    "((?:" + "|".join(_SEP.join(map(re.escape, p.strip("/").split("/"))) for p in SECRET_PATHS) + ")" + _SEP
    + r")[^\s\"'?#&<>]+",
    re.IGNORECASE,
)
_HEADER = re.compile(r"\b((?:set-)?cookie|(?:proxy-)?authorization)(\s*[:=]\s*)[^\r\n]*", re.IGNORECASE)
_QUOTED_SECRET = re.compile(
    rf"""(\b[\w.-]*(?:{SECRET_KEYS})[\w-]*["']?\s*[:=]\s*)(["'])(?:\\.|(?!\2).)*\2""", re.IGNORECASE
)
# A value that is only a SQL placeholder (?, %(name)s), or a comparison (==), is left: code and SQL are not secrets.
_SECRET_PAIR = re.compile(
    rf"""(\b[\w.-]*(?:{SECRET_KEYS})[\w-]*["']?\s*[:=](?!=)\s*["']?)(?!\[redacted\]|\?(?![\w-])|%\(\w+\)s)[^\s"'&,;)}}\]]+""",
    re.IGNORECASE,
)
_URL_PASSWORD = re.compile(r"(\b[a-z][a-z0-9+.-]*://[^/\s:@]*:)[^/\s@]+@", re.IGNORECASE)
_EMAIL = re.compile(r"[\w.%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)+", re.IGNORECASE)
_ANSI = re.compile(r"\x1b\[[0-9;]*m")  # the Werkzeug dev server colours its access lines


def redact(text: str) -> str:
    """`text` with anything that looks like a secret or an email address replaced."""
    text = _SECRET_PATH.sub(rf"\1{REDACTED}", text)
    text = _HEADER.sub(rf"\1\2{REDACTED}", text)
    text = _URL_PASSWORD.sub(rf"\1{REDACTED}@", text)
    text = _QUOTED_SECRET.sub(rf"\1\2{REDACTED}\2", text)
    text = _SECRET_PAIR.sub(rf"\1{REDACTED}", text)
    return _EMAIL.sub("[email]", text)


def redact_path(path: str, view_args: dict | None = None) -> str:
    """A request path fit for a log: credential URL variables and secret paths cut out."""
    for name, value in (view_args or {}).items():
        if name in SECRET_VIEW_ARGS and isinstance(value, str) and value:
            path = path.replace(value, REDACTED)
    return redact(path)


def _redacting_factory(make_record):
    def factory(*args, **kwargs) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        try:
            # Rendered now, so no handler can format the raw arguments again.
            record.msg, record.args = redact(record.getMessage()), ()
            if record.exc_info and not record.exc_text:
                record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            if record.stack_info:
                record.stack_info = redact(record.stack_info)
        except Exception:  # noqa: BLE001 - a broken format string: the handler reports it, as logging does
            pass
        return record

    factory.braid_redacting, factory.wrapped = True, make_record
    return factory


def install_redaction() -> None:
    """Scrub every log record in this process as it is made (once, however many apps are created)."""
    current = logging.getLogRecordFactory()
    if not getattr(current, "braid_redacting", False):
        logging.setLogRecordFactory(_redacting_factory(current))


FIELDS = "braid_fields"  # a log record's `extra` of ready-made JSON fields (never raw request data)


class JsonFormatter(logging.Formatter):
    """One JSON object a line: json.dumps escapes newlines (and, ASCII-only, U+2028), so input cannot forge a line."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(_ANSI.sub("", record.getMessage())),
        }
        # Fields a caller has already made safe (gunicorn's access line: app.serving), as keys of their own.
        entry.update(getattr(record, FIELDS, None) or {})
        if has_request_context():
            if g.get("request_id"):
                entry["request_id"] = g.request_id
            entry["endpoint"] = request.endpoint
            entry["method"] = request.method
            entry["path"] = redact_path(request.path, request.view_args)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = redact(record.exc_text)
        if record.stack_info:
            entry["stack"] = redact(record.stack_info)
        return json.dumps(entry, default=str)


class StderrHandler(logging.Handler):
    """Writes to whatever sys.stderr is at the time (a test runner swaps it), so it never holds a closed stream."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            stream = sys.stderr
            stream.write(self.format(record) + "\n")
            stream.flush()
        except Exception:  # noqa: BLE001 - logging's own contract: a handler reports, never raises
            self.handleError(record)


# Servers that log through their own handlers: their lines are made JSON too.
SERVER_LOGGERS = ("gunicorn.error", "gunicorn.access")


def configure_logging() -> None:
    """JSON to stderr from the root logger, redaction everywhere. Safe to call for every app created."""
    install_redaction()
    root = logging.getLogger()
    if not any(isinstance(handler, StderrHandler) for handler in root.handlers):
        handler = StderrHandler()
        handler.setFormatter(JsonFormatter())
        root.addHandler(handler)
        root.setLevel(logging.INFO)
    # The dev server adds a plain handler of its own when it logs before this ran; the root one is enough.
    werkzeug = logging.getLogger("werkzeug")
    for handler in list(werkzeug.handlers):
        if type(handler).__name__ == "_ColorStreamHandler":
            werkzeug.removeHandler(handler)
    for name in SERVER_LOGGERS:
        for handler in logging.getLogger(name).handlers:
            if not isinstance(handler.formatter, JsonFormatter):
                handler.setFormatter(JsonFormatter())
