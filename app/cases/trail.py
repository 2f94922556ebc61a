"""How the audit trail names cases: learners, the people on their teams, break-glass grants, and record labels."""
from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import bindparam, or_, select, union

from app.agencies.accounts.models import Role, User, people_by_name
from app.audit import directory
from app.cases.attachments.models import Attachment
from app.cases.break_glass.models import BreakGlassAccess
from app.cases.learners.models import Learner, normalise_name, normalise_upn
from app.cases.learners.services import UPN_PATTERN
from app.cases.team.models import TeamMembership
from app.extensions import db
from app.security.crypto import blind_index


def learners(school_id: int, public_ids: list[str]) -> dict[str, Learner]:
    """The school's learners with these public ids (another school's are never loaded)."""
    query = select(Learner).where(Learner.public_id.in_(public_ids), Learner.school_id == school_id)
    return {learner.public_id: learner for learner in db.session.scalars(query)}


def school_learners(school_id: int) -> list[Learner]:
    """Every learner of the school, by name (names are sealed, so sorted here rather than in SQL)."""
    found = db.session.scalars(select(Learner).where(Learner.school_id == school_id,
                                                     Learner.merged_into_id.is_(None))).all()
    return sorted(found, key=lambda learner: (learner.name.casefold(), learner.public_id))


def choosable_learners(school_id: int, public_id: str | None = None, typed: str | None = None) -> list[Learner]:
    """The school's learners (not merged away) with this public id, or whose full name or UPN is `typed`, by name."""
    query = select(Learner).where(Learner.school_id == school_id, Learner.merged_into_id.is_(None))
    if public_id:
        query = query.where(Learner.public_id == public_id)
    elif typed and UPN_PATTERN.match(normalise_upn(typed)):
        query = query.where(Learner.upn_index == blind_index("upn", normalise_upn(typed)))
    elif typed and normalise_name(typed):
        query = query.where(Learner.name_index == blind_index("name", normalise_name(typed)))
    else:
        return []
    return sorted(db.session.scalars(query), key=lambda learner: (learner.name.casefold(), learner.public_id))


# Built once, in the table's own columns: asked before every page of a learner's history, nearly always to find none.
# The first question names one record (no list to expand into the SQL at each run); a further one, the records found.
_LEARNERS = Learner.__table__


def _merged_into(records):
    return select(_LEARNERS.c.public_id).where(
        _LEARNERS.c.school_id == bindparam("school_id"),
        _LEARNERS.c.merged_into_id.in_(select(_LEARNERS.c.id).where(records)))


_MERGED_INTO_ONE = _merged_into(_LEARNERS.c.public_id == bindparam("frontier"))
_MERGED_INTO_ANY = _merged_into(_LEARNERS.c.public_id.in_(bindparam("frontier", expanding=True)))


def merged_aliases(school_id: int, public_id: str) -> list[str]:
    """The public ids whose events make up this learner's history: its own and those of every record merged into it
    (events are never rewritten, so a merge is followed when the trail is read)."""
    found = [public_id]
    connection = db.session.connection()
    statement, frontier = _MERGED_INTO_ONE, public_id
    while frontier:
        merged = connection.execute(statement, {"school_id": school_id, "frontier": frontier}).scalars()
        frontier = [alias for alias in merged if alias not in found]
        found.extend(frontier)
        statement = _MERGED_INTO_ANY
    return found


class PersonToChoose(NamedTuple):
    """A person in the DSL's filter: what the choice shows and matches by, read as columns (no account loaded)."""

    id: int
    public_id: str
    display_name: str
    role: Role
    email_index: str | None


def people_to_choose(school_id: int, public_id: str | None = None, email: str | None = None) -> list[PersonToChoose]:
    """The school's own accounts and the professionals ever on one of its learners' teams, by name; and of its
    learners' parents and carers, the one with `public_id` or the address `email`. Parents are found, not listed:
    a secondary has about as many as it has learners, and the list would open every one of their names."""
    staff = select(User.id).where(User.agency_id == school_id)
    teams = (
        select(TeamMembership.user_id)
        .join(Learner, Learner.id == TeamMembership.learner_id)
        .where(Learner.school_id == school_id)
    )
    chosen = [staff, teams.where(TeamMembership.role != Role.PARENT)]
    named = ([User.public_id == public_id] if public_id else []) + ([User.email.matches(email)] if email else [])
    if named:
        chosen.append(teams.join(User, User.id == TeamMembership.user_id).where(or_(*named)))
    ids = union(*chosen).subquery()
    rows = db.session.execute(select(User.id, User.public_id, User.display_name_sealed, User.role, User.email_index)
                              .where(User.id.in_(select(ids.c[0]))))
    return people_by_name(
        PersonToChoose(row.id, row.public_id, User.display_name.open(row.display_name_sealed, row.public_id),
                       row.role, row.email_index)
        for row in rows
    )


def grants(school_id: int, public_ids: list[str]) -> dict[str, BreakGlassAccess]:
    """Break-glass grants on the school's learners, by public id."""
    query = (
        select(BreakGlassAccess)
        .join(Learner, Learner.id == BreakGlassAccess.learner_id)
        .where(BreakGlassAccess.public_id.in_(public_ids), Learner.school_id == school_id)
    )
    return {grant.public_id: grant for grant in db.session.scalars(query)}


def family_of(learner: Learner) -> set[int]:
    """Every account ever on the learner's case as a parent or carer."""
    return set(db.session.scalars(select(TeamMembership.user_id).where(
        TeamMembership.learner_id == learner.id, TeamMembership.role == Role.PARENT)))


def safeguarding_records():
    """The public ids of files attached to safeguarding concerns (a select, for the family's view of the trail)."""
    return select(Attachment.public_id).where(Attachment.concern_id.is_not(None))


def register() -> None:
    directory.provide(learner_type=Learner, learners=learners, school_learners=school_learners,
                      choosable_learners=choosable_learners,
                      merged_aliases=merged_aliases, people_to_choose=people_to_choose, grants=grants,
                      family_of=family_of, safeguarding_records=safeguarding_records)
    directory.label("object_type", {
        "learner": "Learner's record",
        "learner_list": "List of learners",
        "learner_import": "Import of learners",
        "learner_revision": "Correction of a learner's details",
        "support_plan": "Support plan",
        "plan_cycle": "Plan cycle",
        "outcome": "Outcome",
        "provision": "Provision",
        "contribution": "Contribution",
        "contribution_revision": "Earlier version of a contribution",
        "contribution_move": "Move of a contribution to another learner",
        "meeting": "Meeting",
        "meeting_record": "Signed-off meeting record",
        "meeting_action": "Meeting action",
        "safeguarding_concern": "Safeguarding concern",
        "team_membership": "Team membership",
        "invitation": "Invitation",
        "break_glass_access": "Break-glass access",
        "transfer_bundle": "Transfer bundle for the next school",
        "child_protection_transfer": "Child-protection file transfer",
        "family_profile": "Family one-page profile",
        "attachment": "Attached file",
        "processing_restriction": "Restriction of processing",
        "consent": "Consent to a referral or to sharing",
        "consent_list": "Consent and sharing",
        "consent_form": "Consent form",
        # What a refused request asked to see or do (app.policy.attempts): pages and forms, not records
        "learner_search": "Search for a learner",
        "learner_form": "Learner's details form",
        "learner_import_form": "Import of learners form",
        "leaving_form": "Leaving date form",
        "school_year_end": "School year end",
        "year_end_form": "School year end form",
        "merge_form": "Merge of two records of a learner form",
        "restriction_form": "Restriction of processing form",
        "plan_form": "Support plan form",
        "team_form": "Team around the child form",
        "contribution_form": "Contribution form",
        "contribution_withdraw_form": "Withdraw a contribution form",
        "contribution_move_form": "Move a contribution form",
        "withdrawn_contributions": "Withdrawn contributions",
        "meeting_form": "Meeting form",
        "concern_form": "Raise a concern form",
        "concern_list": "List of safeguarding concerns",
        "family_profile_form": "Family one-page profile form",
        "attachment_form": "Attach a file form",
        "attachment_remove_form": "Remove an attached file form",
        "casework": "Open actions, reviews due and cases",
        "transfer_list": "Transfers of a learner",
        "transfer_bundle_form": "Transfer bundle form",
        "cp_transfer_form": "Child-protection file transfer form",
        "cp_receipt_form": "Receipt of a child-protection file form",
        "break_glass_form": "Break-glass form",
    })
    # What a family is told was opened, in a sentence: "A class teacher opened the support plan".
    directory.label("family_object", {
        "learner": "your child's record",
        "learner_revision": "a correction of your child's details",
        "support_plan": "the support plan",
        "plan_cycle": "the support plan",
        "outcome": "an outcome in the support plan",
        "provision": "the provision in the support plan",
        "contribution": "a contribution to the plan",
        "contribution_revision": "an earlier version of a contribution",
        "contribution_move": "a contribution filed on the wrong record",
        "meeting": "a meeting",
        "meeting_record": "a meeting record",
        "meeting_action": "a meeting action",
        "team_membership": "the team around your child",
        "invitation": "an invitation to the team",
        "transfer_bundle": "the record sent to the next school",
        "family_profile": "the family one-page profile",
        "attachment": "an attached file",
        "chronology": "your child's chronology",
        "consent": "a consent to a referral or to sharing",
        "consent_list": "the consent and sharing page",
    })
    # Withheld from the family unless the DSL releases them (app.audit.family): safeguarding records.
    directory.label("withheld_from_family", {
        "safeguarding_concern": "Connected with a safeguarding concern",
        "child_protection_transfer": "Part of the child-protection file",
        "concern_form": "The form to record a safeguarding concern was opened",
    })
