"""Query scopes: every list of records a user sees starts from one of these."""
from __future__ import annotations

from flask import g, has_request_context
from sqlalchemy import Select, and_, exists, false, or_, select
from sqlalchemy.orm import aliased

from app.agencies.accounts.models import Agency, AgencyKind, Role, User
from app.agencies.calendar.models import SchoolCalendarPeriod
from app.cases.attachments.models import Attachment
from app.cases.break_glass.models import BreakGlassAccess
from app.cases.concerns.models import SafeguardingConcern
from app.cases.consents.models import Consent
from app.cases.contributions.models import Contribution, Visibility
from app.cases.learners.models import Learner
from app.cases.meetings.models import Meeting, MeetingAction
from app.cases.mis_import.models import LearnerImport
from app.cases.plans.models import Outcome, PlanCycle, Provision, SupportPlan
from app.cases.team.models import Invitation, TeamMembership
from app.cases.transfers.models import ChildProtectionTransfer, TransferBundle
from app.core.mail.models import OutboxMessage
from app.cpd.entries.models import ReflectiveEntry
from app.cpd.goals.models import DevelopmentGoal
from app.cpd.reviews.models import ProgressReview
from app.data_protection.requests.models import SubjectAccessRequest
from app.policy.actions import PRACTITIONER_ROLES, SCHOOL_CASE_ROLES, Action
from app.policy.decisions import can
from app.policy.rules import (
    is_agency_admin,
    is_school_senco,
    live_membership_clause,
    open_grant_clause,
    signed_in,
)
from app.types import utcnow

# --- query scopes: every list starts from one of these ----------------------------------------


def visible_accounts(user) -> Select:
    """The accounts `user` may see as an administrator: their own agency's, nobody else's."""
    query = select(User).order_by(User.id)  # names are sealed: callers sort with people_by_name
    if not signed_in(user) or not is_agency_admin(user):
        return query.where(False)
    return query.where(User.agency_id == user.agency_id)


def line_reports(user) -> Select:
    """The active people `user` line manages: names and roles only, for their own home page."""
    query = select(User).order_by(User.id)  # names are sealed: callers sort with people_by_name
    if not signed_in(user):
        return query.where(False)
    return query.where(User.line_manager_id == user.id, User.active.is_(True))


def _own_children_ids(user):
    """Ids of the learners `user` is (or was) on the case of as a parent: a member of staff sees those as a parent."""
    return select(TeamMembership.learner_id).where(TeamMembership.user_id == user.id,
                                                   TeamMembership.role == Role.PARENT)


def _case_learner_ids(user, break_glass: bool = True, learner=None):
    """Ids of the learners whose case `user` is on (SQL), or None for nobody; with `break_glass`, also
    the cases opened with a live break-glass grant (readable for their hour). With `learner`, only theirs (if
    the user is on it): a page about one case then never has the database gather every learner of the school.

    Built once per request for each person and shape: a page's scopes ask for it a dozen times, and the statement
    is SQL (it is evaluated when run), so it holds whatever the data becomes later in the request."""
    if not has_request_context():
        return _build_case_learner_ids(user, break_glass, learner)
    # The role and restriction are in the key: a member of staff on their own child's case is asked as a parent.
    key = (getattr(user, "id", None), getattr(user, "role", None), getattr(user, "restricted", None), break_glass,
           learner.id if learner is not None else None)
    built = g.setdefault("_braid_case_learner_ids", {})
    if key not in built:
        built[key] = _build_case_learner_ids(user, break_glass, learner)
    return built[key]


def _school_records(user, learner=Learner):
    """`learner` (the model or an alias) is a record of `user`'s school, not merged into another: the SENCo's cases."""
    return and_(learner.school_id == user.agency_id, learner.merged_into_id.is_(None))


def _on_no_case(user) -> bool:
    return not signed_in(user) or (user.restricted and user.access_has_expired())


def _build_case_learner_ids(user, break_glass: bool, learner):
    if _on_no_case(user):
        return None
    only = learner.id if learner is not None else None
    if is_school_senco(user):
        ids = select(Learner.id).where(_school_records(user, Learner))
        return ids if only is None else ids.where(Learner.id == only)
    return select(Learner.id).where(*_own_case_terms(user, Learner, break_glass, only))


# Under names of their own: a statement whose own rows are learners, memberships or grants never has the
# row-by-row subqueries below correlated with them.
_CASE_LEARNER = aliased(Learner, name="case_learner")
_CASE_MEMBERSHIP = aliased(TeamMembership, name="case_membership")
_CASE_GRANT = aliased(BreakGlassAccess, name="case_grant")


def _on_case_row(user, learner_id, break_glass: bool = True, learner=None):
    """`learner_id` (a row's learner column) is of a case `user` is on: what `learner_id.in_(_case_learner_ids(user))`
    says, checked row by row, an index lookup each. For statements whose rows are found another way (the user's
    own work, the actions they own): the database then never gathers every learner of a school, or of a caseload, to
    compare a handful of rows with (SQLite builds that list afresh for each statement). `learner`: the row's learner
    itself (the model or an alias) when the statement goes through learners: its record is checked on it, not looked
    up again (PostgreSQL made that second look-up a list of every learner of the school)."""
    if _on_no_case(user):
        return false()
    if is_school_senco(user):
        return exists().where(_CASE_LEARNER.id == learner_id, _school_records(user, _CASE_LEARNER))
    on_case = exists().where(_CASE_MEMBERSHIP.learner_id == learner_id, *_membership_terms(user, _CASE_MEMBERSHIP))
    if _opens_grants(user, break_glass):
        on_case = or_(on_case, exists().where(_CASE_GRANT.learner_id == learner_id,
                                              open_grant_clause(user, grant=_CASE_GRANT)))
    if learner is not None:
        return and_(on_case, *_case_record(user, learner))
    return and_(on_case, exists().where(_CASE_LEARNER.id == learner_id, *_case_record(user, _CASE_LEARNER)))


def _membership_terms(user, membership=TeamMembership) -> list:
    """A membership (the model or an alias) that puts `user` on a case today: an administrator is on no case but
    their own child's, as its parent."""
    terms = [live_membership_clause(user, membership=membership)]
    if user.role is Role.ADMIN:
        terms.append(membership.role == Role.PARENT)
    return terms


def _opens_grants(user, break_glass: bool) -> bool:
    """Are `user`'s live break-glass grants among their cases? Cases opened with break-glass are readable for their
    hour (the rules keep them read-only), for the school's own staff."""
    return break_glass and user.role is not Role.ADMIN and not user.restricted and user.role in SCHOOL_CASE_ROLES


def _case_record(user, learner) -> list:
    """What the record of a case `user` is on (not their school's SENCo) must be, on `learner` (the model or an
    alias): of their school unless they are invited from outside it, and not restricted (UK GDPR Article 18: read by
    the SENCo and the DSL alone) unless they are its DSL."""
    record = []
    if user.role is not Role.ADMIN and not user.restricted:
        record.append(learner.school_id == user.agency_id)
    if user.role is not Role.DSL or user.restricted:
        record.append(learner.restricted_at.is_(None))
    return record


def _case_member_ids(user, break_glass: bool = True, only=None):
    """The learner ids of `user`'s live memberships and grants (only `only`'s, if given), with nothing checked of
    their records: `_case_record` checks those on each learner (one lookup each)."""
    members = select(TeamMembership.learner_id).where(*_membership_terms(user))
    if only is not None:
        members = members.where(TeamMembership.learner_id == only)
    if _opens_grants(user, break_glass):
        grants = select(BreakGlassAccess.learner_id).where(open_grant_clause(user))
        members = members.union(grants if only is None else grants.where(BreakGlassAccess.learner_id == only))
    return members


def _own_case_terms(user, learner=Learner, break_glass: bool = True, only=None) -> list:
    """`learner` (the model or an alias) is of a case `user`, not their school's SENCo, is on: one of their
    memberships or grants, and a record they may read. The lists of cases (`_case_learner_ids`, `visible_learners`,
    `on_own_case`) all say it so; `_on_case_row` says the same row by row."""
    return [learner.id.in_(_case_member_ids(user, break_glass, only)), *_case_record(user, learner)]


def _of_school_row(user, learner_id):
    """`learner_id` is of `user`'s school: `_of_school` row by row."""
    return exists().where(_CASE_LEARNER.id == learner_id, _CASE_LEARNER.school_id == user.agency_id)


def _of_school(user, learner=None):
    """Ids of `user`'s school's learners (SQL); with `learner`, only theirs, when they are of it."""
    ids = select(Learner.id).where(Learner.school_id == user.agency_id)
    return ids if learner is None else ids.where(Learner.id == learner.id)


def _unrestricted(learner_ids):
    """Of these learners' ids, those whose record's processing is not restricted."""
    return select(Learner.id).where(Learner.id.in_(learner_ids), Learner.restricted_at.is_(None))


def visible_learners(user) -> Select:
    """The learners `user` may see: the SENCo and DSL their school's, others the cases they are on."""

    # A record merged into another is out of every list and search: its id resolves to the survivor (get_or_404).
    query = select(Learner).where(Learner.merged_into_id.is_(None)).order_by(Learner.year_group, Learner.id)
    if signed_in(user) and user.role in (Role.DSL, Role.SENCO) and not user.restricted:
        # Every learner of their school (the SENCo is on every case of it): said as the school, whose index gives
        # the list in order, rather than as the list of its learners' ids (which a school of 2,000 made a sort of
        # 2,000 rows for a page of fifty).
        return query.where(Learner.school_id == user.agency_id)
    if _on_no_case(user):
        return query.where(False)
    # Said of the listed learner itself (its school, its restriction) rather than through nested lists of ids: a
    # teacher on two hundred cases had each looked up three times.
    return query.where(*_own_case_terms(user, Learner))


def listed_learners(user, include_archived: bool = False) -> Select:
    """The learners of `user`'s everyday lists: `visible_learners` without the archived ones (leavers), which
    the SENCo and the DSL find by asking for them (`include_archived`). Only loading by id sees them all."""
    query = visible_learners(user)
    if include_archived and can(user, Action.LIST_ARCHIVED_LEARNERS):
        return query
    return query.where(Learner.archived_at.is_(None))


def visible_calendar_periods(user) -> Select:
    """The calendar periods an administrator keeps: their own school's."""
    query = select(SchoolCalendarPeriod).order_by(SchoolCalendarPeriod.starts_on, SchoolCalendarPeriod.id)
    if not signed_in(user) or not is_agency_admin(user):
        return query.where(False)
    return query.where(SchoolCalendarPeriod.school_id == user.agency_id)


def visible_access_requests(user) -> Select:
    """The subject access requests a data protection officer handles: their own school's (the rules check the
    designation; anyone else's scope is empty)."""
    query = select(SubjectAccessRequest)
    if not signed_in(user) or not getattr(user, "is_dpo", False) or user.restricted:
        return query.where(false())
    return query.where(SubjectAccessRequest.agency_id == user.agency_id)


def visible_imports(user) -> Select:
    """The imports of learners `user` may see: their own school's, for its SENCo."""
    if not signed_in(user) or user.role is not Role.SENCO or user.restricted:
        return select(LearnerImport).where(false())
    return select(LearnerImport).where(LearnerImport.school_id == user.agency_id).order_by(LearnerImport.id.desc())


def case_learners(user) -> Select:
    """The learners whose case `user` is on (not the DSL's school-wide view)."""

    return select(Learner).order_by(Learner.year_group, Learner.id).where(on_own_case(user, Learner))


def on_own_case(user, learner=Learner, *, row_by_row: bool = False):
    """The condition `case_learners` applies, on `learner` (the model, or an alias a statement joins): a case `user`
    is on, not a leaver's. A break-glass case is not one's own (the home page lists grants apart). The SENCo's are
    said as their school (they are on every case of it) on the joined learner itself, rather than as a list of every
    learner of the school that the database builds afresh for the statement; `row_by_row` says everyone else's so
    too (`_on_case_row`), for a statement that goes through the school's learners itself."""
    if signed_in(user) and is_school_senco(user):
        return and_(_school_records(user, learner), learner.archived_at.is_(None))
    if _on_no_case(user):
        return false()
    if row_by_row:
        return and_(_on_case_row(user, learner.id, break_glass=False, learner=learner), learner.archived_at.is_(None))
    # The learner's own record checked on it (as `visible_learners`), not through lists of ids nested three deep,
    # which PostgreSQL without planner statistics joined every learner of the school with each other.
    return and_(*_own_case_terms(user, learner, break_glass=False), learner.archived_at.is_(None))


def visible_contributions(user, learner=None, *, row_by_row: bool = False) -> Select:
    """The contributions `user` may read, by the same rules as `_sees_contribution`, in SQL. `row_by_row` checks
    each row's case on its own (`_on_case_row`), for a statement that finds its rows another way (by author)."""

    # Withdrawn contributions have left the case: no list, page or count shows them (the DSL's page reads them apart).
    query = (select(Contribution).where(Contribution.withdrawn_at.is_(None))
             .order_by(Contribution.created_at, Contribution.id))
    ids = _case_learner_ids(user, learner=learner)
    if ids is None:
        return query.where(False)
    on_case = _on_case_row(user, Contribution.learner_id) if row_by_row else Contribution.learner_id.in_(ids)
    own = and_(Contribution.author_id == user.id, on_case)
    school_lead = user.role in (Role.SENCO, Role.DSL) and not user.restricted
    of_school = (_of_school_row(user, Contribution.learner_id) if row_by_row
                 else Contribution.learner_id.in_(_of_school(user, learner)))
    restricted = and_(Contribution.visibility == Visibility.RESTRICTED, of_school if school_lead else false())
    shared = [Visibility.TEAM_AND_FAMILY] if user.role is Role.PARENT else [Visibility.TEAM, Visibility.TEAM_AND_FAMILY]
    family = and_(on_case, Contribution.visibility == Visibility.TEAM_AND_FAMILY)
    if user.role is not Role.PARENT:
        # On their own child's case a member of staff reads what the family reads, and no more.
        as_staff = Contribution.learner_id.not_in(_own_children_ids(user))
        restricted = and_(restricted, as_staff)
        query = query.where(or_(own, restricted, family, and_(on_case, as_staff, Contribution.visibility.in_(shared))))
    else:
        query = query.where(or_(own, restricted, family))
    if learner is not None:
        query = query.where(Contribution.learner_id == learner.id)
    return query


def visible_meetings(user, learner=None, *, row_by_row: bool = False) -> Select:
    """The meetings `user` may read; `row_by_row` as in `visible_contributions`."""
    query = select(Meeting).order_by(Meeting.held_on.desc(), Meeting.id.desc())
    ids = _case_learner_ids(user, learner=learner)
    if ids is None:
        return query.where(False)
    query = query.where(_on_case_row(user, Meeting.learner_id) if row_by_row else Meeting.learner_id.in_(ids))
    family = and_(Meeting.shared_with_family.is_(True), Meeting.signed_off_at.is_not(None))
    if user.role is Role.PARENT:
        query = query.where(family)
    else:
        query = query.where(or_(Meeting.learner_id.not_in(_own_children_ids(user)), family))
    if learner is not None:
        query = query.where(Meeting.learner_id == learner.id)
    return query


def visible_actions(user, *, row_by_row: bool = False) -> Select:
    """The actions of the meetings `user` may read; `row_by_row` (for a statement that finds its actions by owner)
    checks each action's meeting on its own rather than gathering every meeting the user may read."""
    meetings = visible_meetings(user, row_by_row=row_by_row).order_by(None).with_only_columns(_meeting_id())
    if row_by_row:
        # Never correlated with a `meeting` of the outer statement: its meeting is this action's own.
        seen = meetings.where(Meeting.id == MeetingAction.meeting_id).correlate_except(Meeting).exists()
    else:
        seen = MeetingAction.meeting_id.in_(meetings)
    return select(MeetingAction).where(seen).order_by(MeetingAction.due_on, MeetingAction.id)


def _meeting_id():
    return Meeting.id


def visible_concerns(user, learner=None) -> Select:
    """Safeguarding concerns: the DSL sees their school's, everyone else only those they raised."""

    query = select(SafeguardingConcern).order_by(SafeguardingConcern.recorded_at.desc(), SafeguardingConcern.id.desc())
    if not signed_in(user) or (user.restricted and user.access_has_expired()):
        return query.where(False)
    mine = SafeguardingConcern.author_id == user.id
    if user.role is Role.DSL and not user.restricted:
        # Never about their own child: there the DSL is a parent (the school's deputy DSL reads those).
        school = SafeguardingConcern.learner_id.in_(_of_school(user, learner).where(
            Learner.id.not_in(_own_children_ids(user))))
        query = query.where(or_(mine, school))
    elif is_school_senco(user):
        query = query.where(mine)
    else:
        # Their own concerns, but not on a restricted record (its SENCo and DSL alone read it).
        query = query.where(mine, SafeguardingConcern.learner_id.in_(_unrestricted(
            select(SafeguardingConcern.learner_id).where(mine))))
    if learner is not None:
        query = query.where(SafeguardingConcern.learner_id == learner.id)
    return query


def visible_attachments(user) -> Select:
    """Attached files: those of the contributions, meetings and concerns `user` may read (the rules check the
    parent again, row by row)."""
    contributions = visible_contributions(user).order_by(None).with_only_columns(Contribution.id)
    meetings = visible_meetings(user).order_by(None).with_only_columns(_meeting_id())
    concerns = visible_concerns(user).order_by(None).with_only_columns(SafeguardingConcern.id)
    return select(Attachment).where(or_(
        Attachment.contribution_id.in_(contributions), Attachment.meeting_id.in_(meetings),
        Attachment.concern_id.in_(concerns),
    )).order_by(Attachment.uploaded_at, Attachment.id)


def case_concerns(user, learner) -> Select:
    """`learner`'s concerns as their school's DSL reads them among the case's events (the chronology): nobody
    else sees them there, not even their author (who reads their own on the concerns page)."""
    query = visible_concerns(user, learner)
    return query if learner is not None and can(user, Action.LIST_CASE_CONCERNS, learner) else query.where(false())


def plan_cycles(user, learner) -> Select:
    """`learner`'s plan cycles, as far as `user` may read their plan (the cycle pages' own scope)."""
    if learner is None:
        return _cycle_scope(user).where(false())
    return _cycle_scope(user, learner).where(SupportPlan.learner_id == learner.id)


def case_invitations(user, learner) -> Select:
    """Every invitation onto `learner`'s case (open or not): only the SENCo who manages the team."""
    if learner is None or not can(user, Action.MANAGE_TEAM, learner):
        return select(Invitation).where(false())
    return _invitation_scope(user).where(Invitation.learner_id == learner.id)


def _cycle_scope(user, learner=None) -> Select:
    ids = _case_learner_ids(user, learner=learner)
    query = select(PlanCycle).join(SupportPlan, SupportPlan.id == PlanCycle.plan_id)
    return query.where(False) if ids is None else query.where(SupportPlan.learner_id.in_(ids))


def _outcome_scope(user) -> Select:
    cycles = _cycle_scope(user).with_only_columns(_cycle_id())
    return select(Outcome).where(Outcome.cycle_id.in_(cycles))


def _provision_scope(user) -> Select:
    cycles = _cycle_scope(user).with_only_columns(_cycle_id())
    return select(Provision).where(Provision.cycle_id.in_(cycles))


def _cycle_id():
    return PlanCycle.id


def _invitation_scope(user) -> Select:
    query = select(Invitation)
    if not signed_in(user) or not is_school_senco(user):
        return query.where(False)
    return query.where(Invitation.learner_id.in_(select(Learner.id).where(Learner.school_id == user.agency_id)))


def _membership_scope(user) -> Select:
    query = select(TeamMembership)
    if not signed_in(user) or not is_school_senco(user):
        return query.where(False)
    return query.where(TeamMembership.learner_id.in_(select(Learner.id).where(Learner.school_id == user.agency_id)))


def _consent_scope(user) -> Select:
    """Consents of the school's learners, for its SENCo and DSL; of their own child's case, for a parent on it
    (the rules then ask VIEW_CONSENTS of each)."""
    query = select(Consent)
    if not signed_in(user):
        return query.where(False)
    family = select(TeamMembership.learner_id).where(TeamMembership.user_id == user.id,
                                                     TeamMembership.role == Role.PARENT)
    if user.role in (Role.SENCO, Role.DSL) and not user.restricted:
        school = select(Learner.id).where(Learner.school_id == user.agency_id)
        return query.where(or_(Consent.learner_id.in_(school), Consent.learner_id.in_(family)))
    return query.where(Consent.learner_id.in_(family))


def team_memberships(user, learner) -> Select:
    """Everyone who is or was on `learner`'s team, for those on the case (names, roles, dates)."""

    query = select(TeamMembership).order_by(TeamMembership.starts_at, TeamMembership.id)
    if learner is None or not can(user, Action.VIEW_CASE, learner):
        return query.where(False)
    return query.where(TeamMembership.learner_id == learner.id)


def open_invitations(user, learner) -> Select:
    """`learner`'s invitations not yet accepted, revoked or expired: only the SENCo who manages the team."""

    if learner is None or not can(user, Action.MANAGE_TEAM, learner):
        return select(Invitation).where(False)
    return _invitation_scope(user).where(
        Invitation.learner_id == learner.id,
        Invitation.accepted_at.is_(None),
        Invitation.revoked_at.is_(None),
        Invitation.expires_at > utcnow(),
    ).order_by(Invitation.created_at, Invitation.id)


def closed_invitations(user, learner) -> Select:
    """`learner`'s invitations revoked, or expired without being used: only the SENCo who manages the team."""

    if learner is None or not can(user, Action.MANAGE_TEAM, learner):
        return select(Invitation).where(False)
    return _invitation_scope(user).where(
        Invitation.learner_id == learner.id,
        Invitation.accepted_at.is_(None),
        (Invitation.revoked_at.is_not(None)) | (Invitation.expires_at <= utcnow()),
    ).order_by(Invitation.created_at, Invitation.id)


# The roles a membership has when someone from outside the school is on a case (a parent may also be staff).
OUTSIDE_ROLES = (Role.EP, Role.PARENT, Role.SLT)


def outside_memberships(user) -> Select:
    """The memberships of externals and parents on the cases of `user`'s school, for its administrator: who and
    until when, to count; the administrator is never shown which learner each is for."""
    query = select(TeamMembership).order_by(TeamMembership.id)
    if not can(user, Action.LIST_OUTSIDE_ACCOUNTS):
        return query.where(False)
    return query.where(
        TeamMembership.role.in_(OUTSIDE_ROLES),
        TeamMembership.learner_id.in_(select(Learner.id).where(Learner.school_id == user.agency_id)),
    )


def school_staff(user, learner) -> Select:
    """The active staff of `learner`'s school a SENCo may add to the team (never admins or externals)."""
    query = select(User).order_by(User.id)  # names are sealed: callers sort with people_by_name
    if learner is None or not can(user, Action.MANAGE_TEAM, learner):
        return query.where(False)
    parents = select(TeamMembership.user_id).where(TeamMembership.learner_id == learner.id,
                                                   TeamMembership.role == Role.PARENT)
    return query.where(
        User.agency_id == learner.school_id,
        User.active.is_(True),
        User.restricted.is_(False),
        User.role.in_(sorted(SCHOOL_CASE_ROLES, key=lambda role: role.value)),
        User.id.not_in(parents),  # staff who are the child's parent are on the case as its parent only
    )


def invitable_agencies(user) -> Select:
    """Agencies a SENCo may name on an invitation: public services, and families already on their cases.

    Family agencies are named after families: a SENCo sees only those linked to their own school.
    """

    query = select(Agency).order_by(Agency.id)  # names are sealed: callers sort with agencies_by_name
    if not signed_in(user) or not is_school_senco(user):
        return query.where(False)
    school_learners = select(Learner.id).where(Learner.school_id == user.agency_id)
    families = or_(
        Agency.id.in_(select(Invitation.agency_id).where(Invitation.learner_id.in_(school_learners))),
        Agency.id.in_(
            select(User.agency_id)
            .join(TeamMembership, TeamMembership.user_id == User.id)
            .where(TeamMembership.learner_id.in_(school_learners))
        ),
    )
    services = [AgencyKind.NHS_SERVICE, AgencyKind.EP_SERVICE, AgencyKind.LOCAL_AUTHORITY]
    return query.where(or_(Agency.kind.in_(services), and_(Agency.kind == AgencyKind.FAMILY, families)))


def cpd_log_owners(user) -> Select:
    """Whose CPD logs `user` may open: their own (if they keep one) and their line reports'."""
    query = select(User).order_by(User.id)  # names are sealed: callers sort with people_by_name
    if not signed_in(user) or (user.restricted and user.access_has_expired()):
        return query.where(False)
    own = and_(User.id == user.id, User.role.in_(sorted(PRACTITIONER_ROLES, key=lambda role: role.value)))
    reports = and_(User.line_manager_id == user.id, User.id != user.id,
                   User.role.in_(sorted(PRACTITIONER_ROLES, key=lambda role: role.value)))
    return query.where(or_(own, reports))


def cpd_reports(user) -> Select:
    """`user`'s active line reports who keep a CPD log: the logs a line manager may open."""
    return line_reports(user).where(User.role.in_(sorted(PRACTITIONER_ROLES, key=lambda role: role.value)))


def _cpd_scope(model):
    def scope(user) -> Select:
        owners = cpd_log_owners(user).order_by(None).with_only_columns(User.id)
        return select(model).where(model.owner_id.in_(owners))

    return scope


def visible_progress_reviews(user, practitioner=None) -> Select:
    """Progress reviews `user` wrote as line manager or that are about them, newest first."""

    query = select(ProgressReview).order_by(ProgressReview.held_on.desc(), ProgressReview.id.desc())
    if not signed_in(user) or (user.restricted and user.access_has_expired()):
        return query.where(False)
    query = query.where(or_(ProgressReview.practitioner_id == user.id, ProgressReview.manager_id == user.id))
    if practitioner is not None:
        query = query.where(ProgressReview.practitioner_id == practitioner.id)
    return query


def _school_learner_ids(user, roles) -> Select | None:
    if not signed_in(user) or user.restricted or user.role not in roles:
        return None
    return select(Learner.id).where(Learner.school_id == user.agency_id)


def visible_transfer_bundles(user) -> Select:
    """Transfer bundles of the school's learners, for its SENCo and DSL (only the SENCo downloads one)."""
    ids = _school_learner_ids(user, (Role.SENCO, Role.DSL))
    query = select(TransferBundle).order_by(TransferBundle.made_at.desc(), TransferBundle.id.desc())
    return query.where(false()) if ids is None else query.where(TransferBundle.learner_id.in_(ids))


def visible_cp_transfers(user) -> Select:
    """Records of child-protection files sent: the school's DSL's alone (for anyone else they do not exist)."""
    ids = _school_learner_ids(user, (Role.DSL,))
    query = select(ChildProtectionTransfer).order_by(ChildProtectionTransfer.id.desc())
    return query.where(false()) if ids is None else query.where(ChildProtectionTransfer.learner_id.in_(ids))


def visible_unsent_mail(user) -> Select:
    """Messages not sent (newest first) of the administrator's own agency, to see what is stuck and send a failed
    one again. A message with no agency (written before 0033) is nobody's to see: it is still sent."""
    query = select(OutboxMessage).where(OutboxMessage.sent_at.is_(None)).order_by(OutboxMessage.id.desc())
    if not (signed_in(user) and is_agency_admin(user)):
        return query.where(false())
    return query.where(OutboxMessage.agency_id == user.agency_id)


def scopes_by_model():
    return {
        OutboxMessage: (visible_unsent_mail, Action.VIEW_UNSENT_MAIL),
        User: (visible_accounts, Action.VIEW_ACCOUNT),
        Learner: (visible_learners, Action.VIEW_LEARNER),
        LearnerImport: (visible_imports, Action.VIEW_LEARNER_IMPORT),
        Contribution: (visible_contributions, Action.VIEW_CONTRIBUTION),
        Meeting: (visible_meetings, Action.VIEW_MEETING),
        # The scope already limits actions to meetings the user sees: one they may not update is a 403.
        MeetingAction: (visible_actions, None),
        SafeguardingConcern: (visible_concerns, Action.VIEW_CONCERN),
        Attachment: (visible_attachments, Action.DOWNLOAD_ATTACHMENT),
        PlanCycle: (_cycle_scope, None),
        Outcome: (_outcome_scope, None),
        Provision: (_provision_scope, None),
        Invitation: (_invitation_scope, None),
        TeamMembership: (_membership_scope, None),
        Consent: (_consent_scope, Action.VIEW_CONSENTS),
        ReflectiveEntry: (_cpd_scope(ReflectiveEntry), Action.VIEW_CPD_RECORD),
        DevelopmentGoal: (_cpd_scope(DevelopmentGoal), Action.VIEW_CPD_RECORD),
        ProgressReview: (visible_progress_reviews, Action.VIEW_PROGRESS_REVIEW),
        TransferBundle: (visible_transfer_bundles, Action.VIEW_TRANSFERS),
        ChildProtectionTransfer: (visible_cp_transfers, Action.VIEW_CP_TRANSFERS),
        SchoolCalendarPeriod: (visible_calendar_periods, None),
        SubjectAccessRequest: (visible_access_requests, Action.VIEW_ACCESS_REQUEST),
    }
