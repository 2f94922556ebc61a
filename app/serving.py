"""gunicorn's side of Braid (deploy/gunicorn.conf.py): JSON log lines, and the metrics directory its workers share.

It runs in gunicorn's master too, so it imports nothing of the app but its log format: a graceful reload
(`kill -HUP`) forks new workers from the master, and whatever the master has imported they inherit unchanged.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from urllib.parse import parse_qsl

from gunicorn.glogging import Logger

from app.logs import FIELDS, REDACTED, JsonFormatter, redact_path

REQUEST_ID_HEADER = "x-request-id"  # set on every response by app.web
METRICS_DIR = "PROMETHEUS_MULTIPROC_DIR"  # prometheus-client's multiprocess mode reads it at import


def redact_query(query: str) -> str:
    """A query string with every value cut out: a search can hold a child's name, a link a token."""
    names = [name for name, _ in parse_qsl(query, keep_blank_values=True)]
    return "&".join(f"{redact_path(name)}={REDACTED}" for name in names)


def _response_header(resp, name: str) -> str | None:
    for key, value in resp.headers:
        if key.lower() == name:
            return value
    return None


def access_fields(resp, environ, request_time) -> dict:
    """One request's access line: the response's request id, a path with its secrets and query values cut out."""
    status = resp.status
    fields = {
        "request_id": _response_header(resp, REQUEST_ID_HEADER),
        "method": environ.get("REQUEST_METHOD"),
        "path": redact_path(environ.get("PATH_INFO") or ""),
        "status": int(status.split(None, 1)[0]) if isinstance(status, str) else status,
        "bytes": getattr(resp, "sent", None),
        "duration_ms": round(request_time.total_seconds() * 1000, 3),
        "remote_address": environ.get("REMOTE_ADDR"),
    }
    if query := environ.get("QUERY_STRING"):
        fields["query"] = redact_query(query)
    return fields


class JsonLogger(Logger):
    """gunicorn's logger, writing app.logs' JSON lines: its own messages, and one access line a request."""

    def setup(self, cfg):
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                handler.setFormatter(JsonFormatter())

    def access(self, resp, req, environ, request_time):
        if not self.access_log_enabled:
            return
        try:
            fields = access_fields(resp, environ, request_time)
            message = f"{fields['method']} {fields['path']} {fields['status']}"
            self.access_log.info(message, extra={FIELDS: fields})
        except Exception:  # noqa: BLE001 - gunicorn's own contract: a broken access line never fails a request
            self.error_log.exception("access line not written")


# --- prometheus-client's multiprocess mode: each worker writes its samples to files in one directory


def metrics_dir(bind: str, name: str) -> Path:
    """The directory the workers share (PROMETHEUS_MULTIPROC_DIR, else one per server under the temp dir)."""
    if value := os.environ.get(METRICS_DIR):
        return Path(value)
    where = "".join(ch if ch.isalnum() else "-" for ch in bind)
    return Path(tempfile.gettempdir()) / f"{name}-metrics-{os.getuid()}-{where}"


def use_metrics_dir(path: Path) -> None:
    """Named in the environment when the configuration loads, before any process imports prometheus-client
    (it chooses multiprocess mode at import)."""
    os.environ[METRICS_DIR] = str(path)


def empty_metrics_dir(path: Path) -> None:
    """At the master's start (never on a reload): a restarted server does not add the last run's counts to its own.

    :raise RuntimeError: when the folder is not this user's own (under a shared /tmp, someone else could have made
        it first and fed the metrics).
    """
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    found = path.lstat()
    if path.is_symlink() or found.st_uid != os.getuid() or found.st_mode & 0o077:
        raise RuntimeError(f"{METRICS_DIR} {path} must be a folder of this user's own, mode 0700")
    for old in path.glob("*.db"):
        old.unlink(missing_ok=True)


def worker_exited(pid: int) -> None:
    """A worker is gone: its live gauges no longer count (its counters and histograms still do)."""
    # Here, not at the top: the master must not import it before the configuration has named the directory.
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(pid)

