"""Each request's latency, labelled by Flask endpoint, method and status class: a WSGI wrapper around the app, so
it counts the whole of Braid's time (the audit event and the headers too), with one histogram sample a request."""
from __future__ import annotations

import time

from flask import Flask, request
from prometheus_client import Histogram

ENDPOINT_KEY = "braid.endpoint"  # in the WSGI environ: the endpoint Flask matched (None: no route)
# Braid's methods only: anything else a client sends is counted as "other", so a label cannot grow without bound.
METHODS = frozenset({"GET", "HEAD", "POST", "OPTIONS"})

# Not registered anywhere at import: /metrics builds the registry it answers from (app.core.metrics.views).
REQUEST_SECONDS = Histogram(
    "braid_request_duration_seconds", "Time Braid took to answer a request, by endpoint, method and status class.",
    ["endpoint", "method", "status"], registry=None,
)


def init_app(app: Flask) -> None:
    app.before_request_funcs.setdefault(None, []).insert(0, _note_endpoint)
    app.wsgi_app = TimedRequests(app.wsgi_app)


def _note_endpoint() -> None:
    request.environ[ENDPOINT_KEY] = request.endpoint


class TimedRequests:
    """Times the app's answer (until its body is handed over) and files it under the endpoint that served it."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        status = "5xx"  # unless the app starts a response

        def starting(status_line, headers, exc_info=None):
            nonlocal status
            status = f"{status_line[:1]}xx"
            return start_response(status_line, headers, exc_info)

        try:
            return self.wsgi_app(environ, starting)
        finally:
            method = environ.get("REQUEST_METHOD", "")
            REQUEST_SECONDS.labels(
                environ.get(ENDPOINT_KEY) or "unmatched", method if method in METHODS else "other", status,
            ).observe(time.perf_counter() - started)
