"""Flagged patterns in a school's audit trail: what a DSL should look at first.

Each flag is one bounded, indexed query over a window of days (default: the last 30), newest first.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from flask import current_app
from sqlalchemy import Interval, distinct, func, literal, literal_column, select

from app.audit.directory import lookup
from app.audit.models import AuditAction, AuditOutcome
from app.audit.review.services import EVENTS, review_school, start_of_day, today
from app.extensions import db

FLAG_LIMIT = 100  # each flag lists at most this many (newest first) and says when there are more
FLAG_WINDOW = timedelta(days=30)  # the flags page looks back this far unless given dates


@dataclass
class FlagList:
    """One flag's findings, newest first, at most FLAG_LIMIT of them (`more` says there were others)."""

    items: list
    more: bool = False


@dataclass(frozen=True)
class BusyHour:
    """One person opening many different learners' records within one clock hour."""

    actor_id: int
    hour: datetime  # the start of the hour, UTC
    learners: int


@dataclass
class Flags:
    date_from: date
    date_to: date
    threshold: int
    warning: timedelta
    refused: FlagList
    out_of_hours: FlagList
    many_learners: FlagList
    break_glass: FlagList
    external_near_end: FlagList


def _bounded(execute, query, limit: int) -> FlagList:
    rows = execute(query.limit(limit + 1)).all()
    return FlagList(rows[:limit], len(rows) > limit)


def flag_window(date_from: date | None, date_to: date | None) -> tuple[date, date]:
    """The flags' days: as given, else the last 30 days up to today (on the school's clock)."""
    date_to = date_to or (date_from + FLAG_WINDOW - timedelta(days=1) if date_from else today())
    date_from = date_from or date_to - FLAG_WINDOW + timedelta(days=1)
    return date_from, date_to


def find_flags(dsl_user, date_from: date | None = None, date_to: date | None = None,
               limit: int = FLAG_LIMIT, execute=None) -> Flags | None:
    """The patterns a DSL should look at, within a window of days (default: the last 30).

    - refused: every refused attempt;
    - out of hours: allowed events by a signed-in person outside AUDIT_WORKING_HOURS or at a weekend;
    - many learners: a person opening more than AUDIT_MANY_LEARNERS_PER_HOUR different learners'
      records in one clock hour (allowed VIEW events that each name one learner; a list page naming
      many learners is not "opening" them);
    - break-glass: every opening of a case through break-glass;
    - external near end: events by a restricted account (external professional or parent) at or after
      AUDIT_EXTERNAL_END_WARNING before the end of its access, or after it.
    """
    school = review_school(dsl_user)
    if school is None:
        return None
    execute = execute or db.session.execute
    config = current_app.config
    threshold = int(config.get("AUDIT_MANY_LEARNERS_PER_HOUR", 20))
    warning = config.get("AUDIT_EXTERNAL_END_WARNING", timedelta(days=7))
    date_from, date_to = flag_window(date_from, date_to)
    start, end = start_of_day(date_from), start_of_day(date_to + timedelta(days=1))
    in_window = (EVENTS.c.school_id == school, EVENTS.c.occurred_at >= start, EVENTS.c.occurred_at < end)
    newest = EVENTS.c.id.desc()

    refused = select(EVENTS).where(*in_window, EVENTS.c.outcome == AuditOutcome.REFUSED).order_by(newest)
    out_of_hours = select(EVENTS).where(
        *in_window, EVENTS.c.out_of_hours.is_(True), EVENTS.c.outcome == AuditOutcome.ALLOWED,
        EVENTS.c.actor_id.is_not(None),
    ).order_by(newest)
    break_glass = select(EVENTS).where(*in_window, EVENTS.c.action == AuditAction.BREAK_GLASS).order_by(newest)

    accounts = lookup.expiring_accounts()  # (id, access_expires_at) of restricted accounts
    dialect = db.session.get_bind().dialect.name
    if dialect == "sqlite":
        near_end = func.julianday(EVENTS.c.occurred_at) >= (
            func.julianday(accounts.c.access_expires_at) - warning.total_seconds() / 86400
        )
        hour = func.strftime(literal_column("'%Y-%m-%d %H'"), EVENTS.c.occurred_at)
    else:
        near_end = EVENTS.c.occurred_at >= accounts.c.access_expires_at - literal(warning, Interval())
        hour = func.to_char(func.timezone(literal_column("'UTC'"), EVENTS.c.occurred_at),
                            literal_column("'YYYY-MM-DD HH24'"))
    external = (
        select(EVENTS)
        .join(accounts, accounts.c.id == EVENTS.c.actor_id)
        .where(*in_window, near_end)
        .order_by(newest)
    )
    # Each counted event names exactly one learner, so its learner_public_ids is that learner's id:
    # counted on the event itself. (Joining the learner index from the events would scan the whole
    # index: its key starts with the learner, not the event.)
    distinct_learners = func.count(distinct(EVENTS.c.learner_public_ids))
    busy = (
        select(EVENTS.c.actor_id, hour.label("hour"), distinct_learners.label("learners"))
        .where(
            *in_window, EVENTS.c.action == AuditAction.VIEW, EVENTS.c.outcome == AuditOutcome.ALLOWED,
            EVENTS.c.actor_id.is_not(None), EVENTS.c.learner_public_ids.not_like("% %"),
        )
        .group_by(EVENTS.c.actor_id, hour)
        .having(distinct_learners > threshold)
        .order_by(hour.desc(), EVENTS.c.actor_id)
    )
    busy_rows = _bounded(execute, busy, limit)
    busy_rows.items = [
        BusyHour(row.actor_id, datetime.strptime(row.hour, "%Y-%m-%d %H").replace(tzinfo=UTC), row.learners)
        for row in busy_rows.items
    ]
    return Flags(
        date_from=date_from, date_to=date_to, threshold=threshold, warning=warning,
        refused=_bounded(execute, refused, limit),
        out_of_hours=_bounded(execute, out_of_hours, limit),
        many_learners=busy_rows,
        break_glass=_bounded(execute, break_glass, limit),
        external_near_end=_bounded(execute, external, limit),
    )
