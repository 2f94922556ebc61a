"""GET /metrics for Prometheus, behind a bearer token (BRAID_METRICS_TOKEN; unset: 404)."""
from __future__ import annotations

import os

from flask import Blueprint, Response, abort, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest, multiprocess

from app.core.metrics.gauges import DatabaseGauges
from app.core.metrics.requests import REQUEST_SECONDS
from app.policy import may_read_metrics, metrics_enabled

bp = Blueprint("metrics", __name__)


@bp.route("/metrics")
def metrics():
    """:raise 404: when no token is configured. 401 when the right one is not shown."""
    if not metrics_enabled():
        abort(404)
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if not may_read_metrics(token.strip() if scheme.lower() == "bearer" else None):
        return Response("A bearer token is needed.\n", 401, {"WWW-Authenticate": 'Bearer realm="metrics"'},
                        mimetype="text/plain")
    return Response(generate_latest(_registry()), mimetype=CONTENT_TYPE_LATEST)


def _registry() -> CollectorRegistry:
    """A registry for this scrape: every worker's request samples (from their files under gunicorn, else this
    process's), and the database gauges read now."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(REQUEST_SECONDS)
    registry.register(DatabaseGauges())
    return registry
