"""Outside accounts for a school's administrator: the externals and parents on the school's cases, how many
cases each is on and when their access ends. Counts and dates only: administrators never see learners."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import selectinload

from app.agencies.accounts.models import User
from app.cases.team.models import TeamMembership
from app.extensions import db
from app.policy import Action, outside_memberships, require
from app.types import utcnow


@dataclass(frozen=True)
class OutsideAccount:
    account: User
    role_label: str  # the capacity they are on the school's cases in (a parent may also be staff)
    live_cases: int
    access_ends_at: datetime | None  # the latest end of a live membership; None when none is live
    last_ended_at: datetime | None  # when the last membership ended, for those with none live


def outside_accounts(actor: User) -> list[OutsideAccount]:
    require(actor, Action.LIST_OUTSIDE_ACCOUNTS)
    now = utcnow()
    memberships = db.session.scalars(
        outside_memberships(actor).options(selectinload(TeamMembership.user).selectinload(User.agency))
    ).all()
    by_account: dict[tuple[int, str], list[TeamMembership]] = {}
    for membership in memberships:
        by_account.setdefault((membership.user_id, membership.role.label), []).append(membership)
    found = []
    for (_, role_label), held in by_account.items():
        live = [m for m in held if m.is_live(now) or (m.ended_at is None and m.starts_at > now)]
        cases = {m.learner_id for m in live}
        ends = [m.ends_at for m in live if m.ends_at is not None]
        ended = [m.ended_at or m.ends_at for m in held if m not in live and (m.ended_at or m.ends_at)]
        found.append(OutsideAccount(
            account=held[0].user, role_label=role_label, live_cases=len(cases),
            access_ends_at=max(ends) if ends else None, last_ended_at=None if live else max(ended, default=None)))
    return sorted(found, key=lambda row: (row.live_cases == 0, row.account.display_name.lower(), row.role_label))
