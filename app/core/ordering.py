"""Keyset pages: rows listed newest first by a moment (or a day), the row's id deciding between equal moments."""
from __future__ import annotations

from sqlalchemy import and_, or_


def listed_after(moment, row_id, bound_moment, bound_row_id):
    """The clause keeping rows that come after the bound in newest-first order: an earlier moment, or the same
    moment and a lower id (so a page may end between two rows of one moment and the next page misses neither)."""
    return or_(moment < bound_moment, and_(moment == bound_moment, row_id < bound_row_id))
