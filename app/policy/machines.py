"""Requests from machines, not people: a metrics scraper shows a bearer token, and nothing else about it counts."""
from __future__ import annotations

import hmac

from flask import current_app, g, has_request_context

from app.policy.decisions import DECISION_MADE


def metrics_enabled() -> bool:
    """Whether /metrics exists at all: only once BRAID_METRICS_TOKEN is set (else it answers 404)."""
    return bool(current_app.config.get("BRAID_METRICS_TOKEN"))


def may_read_metrics(presented: str | None) -> bool:
    """Whether the token a scraper presented is BRAID_METRICS_TOKEN (compared in constant time). Noted as the
    request's decision, like `can`. The metrics name no person: counts and times only."""
    if has_request_context():
        setattr(g, DECISION_MADE, True)
    expected = current_app.config.get("BRAID_METRICS_TOKEN") or ""
    return bool(expected) and presented is not None \
        and hmac.compare_digest(presented.encode("utf-8", "surrogateescape"), expected.encode())
