"""The family's summary of who has seen their child's record: the openings app.audit.family lets them see, each
said in plain English.

Whose openings are shown: everyone's but the family's. Neither the viewer's own visits nor those of the learner's
other parents and carers are listed (separated parents may be in dispute, and neither needs the other's visits;
one's own would bury the rest), so every parent of a child sees the same summary, and the page says so. Staff are
named only when the school chose to (`Agency.show_staff_names_to_family`); otherwise a role and an organisation.
The SENCo's and DSL's preview is exactly what the family sees.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.agencies.accounts.models import Agency, Role
from app.audit.directory import lookup
from app.audit.family.services import family_object_label, family_of, family_openings, family_purpose
from app.audit.models import AuditAction
from app.audit.review.services import EventPage, event_action, event_time
from app.cases.learners.models import Learner
from app.extensions import db
from app.policy import Action, case_role, require

# What each kind of opening did, before what it was done to: "Opened the support plan".
DID = {
    AuditAction.VIEW: "Opened",
    AuditAction.CREATE: "Added",
    AuditAction.UPDATE: "Changed",
    AuditAction.DELETE: "Removed",
    AuditAction.EXPORT: "Downloaded a copy of",
    AuditAction.BREAK_GLASS: "Opened in an emergency",
}


@dataclass(frozen=True)
class Opening:
    """One row of the family's summary."""

    event_id: int
    who: str  # "A class teacher", "Sam Patel, a class teacher"
    organisation: str | None
    did: str  # "Opened the support plan"
    occurred_at: datetime
    purpose: str | None


def names_staff(learner: Learner) -> bool:
    school = db.session.get(Agency, learner.school_id)
    return bool(school is not None and school.show_staff_names_to_family)


def _who(row, people: dict, named: bool) -> tuple[str, str | None]:
    try:
        role = Role(row.actor_role)
    except ValueError:
        role = None
    in_words = role.with_article if role is not None else "someone"
    in_words = in_words[:1].upper() + in_words[1:]
    person = people.get(row.actor_id)
    agency = person[2] if person is not None else None
    if named and person is not None:
        return f"{person[1]}, {role.with_article if role is not None else 'someone'}", agency
    return in_words, agency


def describe(rows, *, named: bool) -> list[Opening]:
    """Rows of the trail in the family's words: one query for the page's people."""
    rows = list(rows)
    ids = sorted({row.actor_id for row in rows if row.actor_id is not None})
    people = lookup.actors(ids, db.session.execute) if ids and lookup.actors else {}
    shown = []
    for row in rows:
        who, organisation = _who(row, people, named)
        did = f"{DID.get(event_action(row.action), 'Opened')} {family_object_label(row.object_type)}"
        shown.append(Opening(row.id, who, organisation, did, event_time(row.occurred_at), family_purpose(row)))
    return shown


@dataclass
class Summary:
    page: EventPage
    openings: list[Opening]
    preview: bool  # the SENCo's or DSL's view of what the family sees
    names_staff: bool


def summary_for(viewer, learner: Learner, *, before: int | None = None, after: int | None = None) -> Summary:
    """One page of the summary `viewer` may see of `learner`'s record.

    :raise 403: for anyone but a parent or carer on the case today, or the school's SENCo or DSL.
    """
    require(viewer, Action.VIEW_FAMILY_ACCESS_SUMMARY, learner)
    preview = case_role(viewer, learner) is not Role.PARENT
    page = family_openings(learner, family_ids=family_of(learner), before=before, after=after)
    named = names_staff(learner)
    return Summary(page, describe(page.rows, named=named), preview, named)
