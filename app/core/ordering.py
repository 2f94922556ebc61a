"""Keyset pages: rows listed newest first by a moment (or a day), the row's id deciding between equal moments."""
from __future__ import annotations

from sqlalchemy import and_, or_

from app.extensions import db


def listed_after(moment, row_id, bound_moment, bound_row_id):
    """The clause keeping rows that come after the bound in newest-first order: an earlier moment, or the same
    moment and a lower id (so a page may end between two rows of one moment and the next page misses neither)."""
    return or_(moment < bound_moment, and_(moment == bound_moment, row_id < bound_row_id))


def newest_page(scope, moment, row_id, public_id, before: str | None, limit: int):
    """`scope` newest first by `moment` (the higher row first between equals), `limit` rows, after the row of `scope`
    whose public id is `before`: a public id outside `scope` names no row, and the page starts from the newest (so no
    one else's record can steer the list). A statement, for the caller to add its loading options to."""
    bound = db.session.execute(scope.order_by(None).with_only_columns(moment, row_id).where(public_id == before)
                               ).first() if before else None
    if bound is not None:
        scope = scope.where(listed_after(moment, row_id, *bound))
    return scope.order_by(None).order_by(moment.desc(), row_id.desc()).limit(limit)


def split_page(rows: list, size: int) -> tuple[list, str | None]:
    """A page asked for with one row more than it shows (`size + 1`): its rows, and the public id the next (older)
    page starts after, None on the last page."""
    return rows[:size], rows[size - 1].public_id if len(rows) > size else None
