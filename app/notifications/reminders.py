"""Reminders: the notifications nobody's action causes, only the date (an action due tomorrow or overdue, a review
due, an invitation lapsed, access ending). Each domain registers a finder here; one periodic job calls them all.

Safe to run twice, here or on several nodes: every finder notifies with a dedupe key naming the thing and its
date, so a second run (or a second node) finds everyone told already and adds nothing.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from app.core import dates
from app.core.jobs.registry import periodic_job
from app.extensions import db
from app.types import utcnow

log = logging.getLogger("braid.notifications")

REMINDERS = "notifications.reminders"


@dataclass(frozen=True)
class Today:
    day: date  # the day it is at the school (its time zone)
    now: datetime  # UTC


_FINDERS: dict[str, Callable[[Today], int]] = {}


class RemindersFailed(RuntimeError):
    """One or more finders failed (named by the message); the others' reminders were committed."""


def reminder(name: str):
    """Register `finder(today) -> how many told` as the reminder `name` ("cases.meeting_actions")."""

    def register(finder: Callable[[Today], int]) -> Callable[[Today], int]:
        _FINDERS[name] = finder
        return finder

    return register


def registered_reminders() -> list[str]:
    return sorted(_FINDERS)


def send_reminders(today: Today | None = None) -> dict[str, int]:
    """Call every finder, each in its own transaction (one failing domain does not hold back the others).

    :raise RemindersFailed: after the others ran, when any failed (the run is marked failed on the jobs page).
    """
    today = today or Today(dates.today(), utcnow())
    told, failed = {}, []
    for name in registered_reminders():
        try:
            told[name] = _FINDERS[name](today)
            db.session.commit()
        except Exception as error:  # noqa: BLE001 - logged by class, the next run tries again
            db.session.rollback()
            log.error("reminders %s failed: %s", name, type(error).__name__)
            failed.append(name)
    if failed:
        raise RemindersFailed(", ".join(failed))
    return told


@periodic_job(REMINDERS, every=timedelta(hours=1))
def reminders_job() -> None:
    """Hourly: the reminders are about days, so an hour's lag after midnight is the most anyone waits."""
    send_reminders()
