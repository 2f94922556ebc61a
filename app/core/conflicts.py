"""No lost updates: an edit names the version it started from; a stale save becomes a conflict page.

Each editable record has a `version` that SQLAlchemy also checks in the UPDATE itself
(`version_id_col`), so two saves racing past the first check cannot both win either.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import render_template
from sqlalchemy.orm.exc import StaleDataError

from app.extensions import db


class EditConflict(Exception):
    """Someone else saved the record after this editor loaded it."""


def check_version(record, submitted_version) -> None:
    """:raise EditConflict: when `record` has moved on from the version the form was loaded at."""
    try:
        submitted = int(submitted_version)
    except (TypeError, ValueError):
        raise EditConflict() from None
    if record.version != submitted:
        raise EditConflict()


@dataclass(frozen=True)
class ConflictField:
    label: str
    theirs: str | None  # what is saved now (already sanitised rich text, or plain text)
    yours: str | None  # what this editor typed, exactly as typed
    rich: bool = False


def commit_or_conflict() -> None:
    """Commit; a concurrent save that got in first turns into EditConflict (nothing is half-saved)."""
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise EditConflict() from None


def conflict_page(*, title: str, record, fields: list[ConflictField], form, action_url: str, back_url: str):
    """409: both texts side by side, and the editor's own text back in a form to save again."""
    return render_template(
        "core/conflict.html", title=title, record=record, fields=fields, form=form,
        action_url=action_url, back_url=back_url,
    ), 409
