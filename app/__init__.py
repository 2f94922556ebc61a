"""Braid: plan a learner's support together. `create_app()` builds the application (app.factory)."""
from __future__ import annotations


def create_app(config_name: str | None = None, overrides: dict | None = None):
    """The application for `config_name` (development, testing, production), with `overrides` applied last."""
    # Late on purpose: importing a model (app.<domain>.<feature>.models) must not load every view and blueprint.
    from app.factory import create_app as build

    return build(config_name, overrides)
