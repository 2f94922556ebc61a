"""THE authorization rules: every view, query and template asks here, and the answer fails closed."""
from __future__ import annotations

import enum
import re

from flask import abort, g, has_request_context
from sqlalchemy import Select, and_, false, or_, select

from app.agencies.accounts.models import Agency, AgencyKind, Role, User
from app.audit.events import note_purpose, note_read, note_refusal, object_type_of
from app.audit.models import AuditAction, BreakGlassAccess
from app.cases.concerns.models import SafeguardingConcern
from app.cases.contributions.models import KINDS_BY_ROLE, Contribution, Visibility
from app.cases.learners.models import Learner
from app.cases.meetings.models import Attendance, Meeting, MeetingAction
from app.cases.plans.models import Outcome, PlanCycle, Provision, SupportPlan
from app.cases.team.models import Invitation, TeamMembership
from app.cpd.entries.models import ReflectiveEntry
from app.cpd.goals.models import DevelopmentGoal
from app.cpd.reviews.models import ProgressReview
from app.extensions import db
from app.types import utcnow


# Roles that hold the most sensitive records, or come from outside the school: the second step of signing
# in is not optional for them (app.agencies.two_step asks here).
MFA_REQUIRED_ROLES = frozenset({Role.DSL, Role.SENCO, Role.ADMIN, Role.SLT, Role.EP})


class Action(enum.Enum):
    VIEW_HOME = "view_home"
    SIGN_OUT = "sign_out"
    CHANGE_OWN_PASSWORD = "change_own_password"
    MANAGE_OWN_TWO_STEP = "manage_own_two_step"  # one's own authenticator and recovery codes (app.agencies.mfa)
    TURN_OFF_TWO_STEP = "turn_off_two_step"  # only where the role does not require it
    LIST_ACCOUNTS = "list_accounts"
    CREATE_ACCOUNT = "create_account"
    VIEW_ACCOUNT = "view_account"
    DEACTIVATE_ACCOUNT = "deactivate_account"
    REACTIVATE_ACCOUNT = "reactivate_account"
    RESET_ACCOUNT_PASSWORD = "reset_account_password"
    RESET_ACCOUNT_TWO_STEP = "reset_account_two_step"  # a lost authenticator: the person sets up a new one
    LIST_LEARNERS = "list_learners"
    FIND_LEARNER = "find_learner"
    REGISTER_LEARNER = "register_learner"
    VIEW_LEARNER = "view_learner"
    # A learner's case (thing: the Learner)
    VIEW_CASE = "view_case"  # the plan, the team, and whatever of the rest is shared with the user
    EDIT_PLAN = "edit_plan"  # cycles, views, needs, outcomes, provision
    MANAGE_TEAM = "manage_team"  # add school staff, invite externals and parents, end memberships
    ADD_CONTRIBUTION = "add_contribution"
    RECORD_MEETING = "record_meeting"
    RECORD_CONCERN = "record_concern"
    # Things inside a case (thing: the object itself)
    VIEW_CONTRIBUTION = "view_contribution"
    VIEW_CONTRIBUTION_REVISION = "view_contribution_revision"  # thing: the ContributionRevision
    EDIT_CONTRIBUTION = "edit_contribution"
    VIEW_MEETING = "view_meeting"
    EDIT_MEETING = "edit_meeting"
    SIGN_OFF_MEETING = "sign_off_meeting"
    UPDATE_ACTION = "update_action"
    VIEW_CONCERN = "view_concern"
    RECORD_CONCERN_ACTION = "record_concern_action"
    LIST_CONCERNS = "list_concerns"
    REVIEW_CONCERNS = "review_concerns"  # the DSL's school-wide count of concerns awaiting action
    VIEW_CASEWORK = "view_casework"  # the home page's open actions, reviews due and cases
    # The audit trail and break-glass access (issue 5)
    REVIEW_AUDIT = "review_audit"  # the DSL's review of their school's trail (thing: None, a Learner or a User)
    EXPORT_AUDIT = "export_audit"
    BREAK_GLASS = "break_glass"  # open a case one is not on, for an hour, giving a reason (thing: the Learner)
    # The reflective CPD log (issue 6)
    KEEP_CPD_LOG = "keep_cpd_log"  # write in one's own log: entries, goals (thing: None)
    VIEW_CPD_LOG = "view_cpd_log"  # read a log, its coverage and hours, export it (thing: the log's owner, a User)
    VIEW_CPD_RECORD = "view_cpd_record"  # thing: a ReflectiveEntry or DevelopmentGoal
    EDIT_CPD_RECORD = "edit_cpd_record"  # thing: a ReflectiveEntry or DevelopmentGoal (the owner only)
    REFLECT_ON_WORK = "reflect_on_work"  # start a case-work entry from a Contribution or Meeting of one's own
    EXPORT_CPD_LOG = "export_cpd_log"  # thing: the log's owner
    LIST_CPD_REPORTS = "list_cpd_reports"  # one's own line reports who keep a log (thing: None)
    RECORD_PROGRESS_REVIEW = "record_progress_review"  # thing: the practitioner (a User) whose line manager one is
    VIEW_PROGRESS_REVIEW = "view_progress_review"  # thing: a ProgressReview
    EDIT_PROGRESS_REVIEW = "edit_progress_review"
    SIGN_PROGRESS_REVIEW = "sign_progress_review"
    # Background jobs (issue 15)
    VIEW_JOBS = "view_jobs"  # the administrator's page of job runs: names, statuses, error classes, no personal data


def _signed_in(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def _is_agency_admin(user) -> bool:
    return user.role is Role.ADMIN and not user.restricted


def _same_agency(user, other: User) -> bool:
    return other is not None and other.agency_id == user.agency_id


def _can_manage_account(user, account: User | None) -> bool:
    return _is_agency_admin(user) and _same_agency(user, account)


def _is_school_senco(user) -> bool:
    # Restricted accounts never search or list: they see only what they were invited to.
    return user.role is Role.SENCO and not user.restricted


def _senco_of(user, learner) -> bool:
    return _is_school_senco(user) and learner is not None and learner.school_id == user.agency_id


def _dsl_of(user, learner) -> bool:
    return user.role is Role.DSL and not user.restricted and learner is not None and learner.school_id == user.agency_id


# --- the team around the child --------------------------------------------------------------


def _live_membership_clause(user, now=None):

    now = now or utcnow()
    return and_(
        TeamMembership.user_id == user.id,
        TeamMembership.ended_at.is_(None),
        TeamMembership.starts_at <= now,
        or_(TeamMembership.ends_at.is_(None), TeamMembership.ends_at > now),
    )


def _member_of(user, learner) -> bool:
    """Is `user` on `learner`'s team today? School staff only on their own school's cases."""

    if learner is None or user.access_has_expired():
        return False
    if not user.restricted and learner.school_id != user.agency_id:
        return False
    cache = g.setdefault("_braid_membership", {}) if has_request_context() else {}
    key = (user.id, learner.id)
    if key not in cache:
        cache[key] = db.session.scalar(
            select(TeamMembership.id).where(TeamMembership.learner_id == learner.id, _live_membership_clause(user)).limit(1)
        ) is not None
    return cache[key]


def forget_memberships() -> None:
    """Drop this request's cached answers after the team changes."""
    if has_request_context():
        g.pop("_braid_membership", None)


def _break_glass_of(user, learner) -> bool:
    """An open break-glass grant: one hour's read access to a case of the user's own school."""

    if learner is None or user.restricted or user.role not in SCHOOL_CASE_ROLES or learner.school_id != user.agency_id:
        return False
    cache = g.setdefault("_braid_break_glass", {}) if has_request_context() else {}
    key = (user.id, learner.id)
    if key not in cache:
        cache[key] = db.session.scalar(
            select(BreakGlassAccess.id).where(_open_grant_clause(user), BreakGlassAccess.learner_id == learner.id).limit(1)
        ) is not None
    if cache[key]:

        note_purpose("break_glass")  # every read made through the grant says so in the trail
    return cache[key]


def _open_grant_clause(user, now=None):

    return and_(BreakGlassAccess.user_id == user.id, BreakGlassAccess.expires_at > (now or utcnow()))


def forget_break_glass() -> None:
    if has_request_context():
        g.pop("_braid_break_glass", None)


def _opens_break_glass(user, learner) -> bool:
    # Only for a case of one's own school that one is not already on; never admins or external accounts.
    return (
        learner is not None
        and not user.restricted
        and user.role in SCHOOL_CASE_ROLES
        and learner.school_id == user.agency_id
        and not _on_case(user, learner)
    )


def _reviews_audit(user, thing) -> bool:
    """The DSL reviews their own school's trail; a user's activity is shown only as far as it touched it."""
    if user.role is not Role.DSL or user.restricted:
        return False
    return not hasattr(thing, "school_id") or thing.school_id == user.agency_id


def _on_case(user, learner) -> bool:
    """Works on the case, or is the family on it: the SENCo of the school or a live team member."""
    return _senco_of(user, learner) or _member_of(user, learner)


def _professional_on_case(user, learner) -> bool:
    return user.role is not Role.PARENT and _on_case(user, learner)


def _learner_of(thing):
    return getattr(thing, "learner", None)


# --- contributions, meetings, concerns ------------------------------------------------------


def _sees_contribution(user, contribution, visibility=None) -> bool:

    learner = _learner_of(contribution)
    if contribution is None or learner is None:
        return False
    visibility = visibility or contribution.visibility
    if contribution.author_id == user.id and _on_case(user, learner):
        return True
    if visibility is Visibility.RESTRICTED:
        return _senco_of(user, learner) or _dsl_of(user, learner)
    if visibility is Visibility.TEAM:
        return _professional_on_case(user, learner) or _break_glass_of(user, learner)
    return _on_case(user, learner) or _break_glass_of(user, learner)  # team and family


def _sees_revision(user, revision) -> bool:
    # An earlier version keeps the visibility it was written with: widening a restricted
    # contribution later does not open its restricted past to the team or the family.
    contribution = getattr(revision, "contribution", None)
    return _sees_contribution(user, contribution) and _sees_contribution(user, contribution, revision.visibility)


def _sees_meeting(user, meeting) -> bool:
    learner = _learner_of(meeting)
    if meeting is None or learner is None:
        return False
    if user.role is Role.PARENT:
        return meeting.shared_with_family and meeting.is_signed_off and _on_case(user, learner)
    return _on_case(user, learner) or _break_glass_of(user, learner)


def _edits_meeting(user, meeting) -> bool:
    return _sees_meeting(user, meeting) and user.role is not Role.PARENT and (
        user.id in (meeting.recorded_by_id, meeting.chair_id) or _senco_of(user, meeting.learner)
    )


def _signs_off(user, meeting) -> bool:
    return _sees_meeting(user, meeting) and meeting.chair_id == user.id and not meeting.is_signed_off


def _updates_action(user, action) -> bool:
    meeting = getattr(action, "meeting", None)
    return (
        meeting is not None
        and _sees_meeting(user, meeting)
        and user.role is not Role.PARENT
        and (user.id in (action.owner_id, meeting.recorded_by_id) or _senco_of(user, meeting.learner))
    )


def _sees_concern(user, concern) -> bool:
    # Keeping Children Safe in Education: the DSL and the person who raised it, nobody else.
    return concern is not None and (concern.author_id == user.id or _dsl_of(user, _learner_of(concern)))


def _adds_contribution(user, learner) -> bool:

    return user.role in KINDS_BY_ROLE and _on_case(user, learner)


def _manages_team(user, thing) -> bool:
    # The thing is the learner (add, invite) or a membership or invitation on their case (end, revoke).
    learner = thing if hasattr(thing, "school_id") else _learner_of(thing)
    return _senco_of(user, learner)


def _case_of(thing):
    # The learner itself, or the learner whose plan a cycle, outcome or provision belongs to.
    return thing if thing is None or hasattr(thing, "school_id") else _learner_of(thing)


def _records_meeting(user, learner) -> bool:
    return (user.role is Role.LSP and _member_of(user, learner)) or _senco_of(user, learner)


def _records_concern(user, learner) -> bool:
    return _professional_on_case(user, learner) or _dsl_of(user, learner)


# --- the reflective CPD log -------------------------------------------------------------------

# Everyone whose practice a CPD log records: not parents, not agency administrators.
PRACTITIONER_ROLES = frozenset({Role.LSP, Role.TEACHER, Role.SENCO, Role.DSL, Role.SLT, Role.EP})


def _keeps_cpd_log(user) -> bool:
    return user.role in PRACTITIONER_ROLES


def _line_manages(user, person) -> bool:
    return person is not None and person.line_manager_id == user.id and person.id != user.id


def _reads_cpd_log(user, owner) -> bool:
    """One's own log; a line manager reads their reports' logs (read-only); nobody else."""
    if not isinstance(owner, User) or owner.role not in PRACTITIONER_ROLES:
        return False
    return (owner.id == user.id and _keeps_cpd_log(user)) or _line_manages(user, owner)


def _reads_cpd_record(user, record) -> bool:
    return record is not None and _reads_cpd_log(user, getattr(record, "owner", None))


def _writes_cpd_record(user, record) -> bool:
    return record is not None and record.owner_id == user.id and _keeps_cpd_log(user)


def _reflects_on(user, work) -> bool:
    """A contribution one wrote, or a meeting one attended (present), chaired or recorded — and can still read."""

    if not _keeps_cpd_log(user) or work is None:
        return False
    if isinstance(work, Contribution):
        return work.author_id == user.id and _sees_contribution(user, work)
    if isinstance(work, Meeting):
        took_part = user.id in (work.recorded_by_id, work.chair_id) or any(
            attendee.user_id == user.id and attendee.attendance is Attendance.PRESENT for attendee in work.attendees
        )
        return took_part and _sees_meeting(user, work)
    return False


def _sees_review(user, review) -> bool:
    return review is not None and user.id in (review.practitioner_id, review.manager_id)


def _edits_review(user, review) -> bool:
    # The manager writes the review; once both have signed it is the record and stays as signed.
    return review is not None and review.manager_id == user.id and not review.is_signed \
        and _line_manages(user, review.practitioner)


def _signs_review(user, review) -> bool:
    if review is None:
        return False
    if user.id == review.manager_id:
        return review.manager_signed_at is None and _line_manages(user, review.practitioner)
    return user.id == review.practitioner_id and review.practitioner_signed_at is None


def _two_step_required(user) -> bool:
    return user.role in MFA_REQUIRED_ROLES


# Each rule takes (user, thing) and is only reached for a signed-in, active user.
_RULES = {
    Action.VIEW_HOME: lambda user, thing: True,
    Action.SIGN_OUT: lambda user, thing: True,
    Action.CHANGE_OWN_PASSWORD: lambda user, thing: True,
    Action.MANAGE_OWN_TWO_STEP: lambda user, thing: True,
    Action.TURN_OFF_TWO_STEP: lambda user, thing: not _two_step_required(user),
    Action.LIST_ACCOUNTS: lambda user, thing: _is_agency_admin(user),
    Action.CREATE_ACCOUNT: lambda user, thing: _is_agency_admin(user),
    Action.VIEW_ACCOUNT: _can_manage_account,
    Action.RESET_ACCOUNT_PASSWORD: _can_manage_account,
    # Never one's own: a stolen password must not be enough to take over an admin's second step.
    Action.RESET_ACCOUNT_TWO_STEP: lambda user, thing: _can_manage_account(user, thing) and thing.id != user.id,
    # An admin cannot lock themselves out of their own agency.
    Action.DEACTIVATE_ACCOUNT: lambda user, thing: _can_manage_account(user, thing)
    and thing.id != user.id
    and thing.active,
    Action.REACTIVATE_ACCOUNT: lambda user, thing: _can_manage_account(user, thing) and not thing.active,
    Action.LIST_LEARNERS: lambda user, thing: not user.restricted and user.role in SCHOOL_CASE_ROLES,
    Action.FIND_LEARNER: lambda user, thing: _is_school_senco(user),
    Action.REGISTER_LEARNER: lambda user, thing: _is_school_senco(user),
    # The DSL knows every learner of the school by name (to read concerns), not their case.
    Action.VIEW_LEARNER: lambda user, thing: _on_case(user, thing) or _dsl_of(user, thing) or _break_glass_of(user, thing),
    Action.VIEW_CASE: lambda user, thing: _on_case(user, _case_of(thing)) or _break_glass_of(user, _case_of(thing)),
    Action.EDIT_PLAN: lambda user, thing: _senco_of(user, _case_of(thing)),
    Action.MANAGE_TEAM: _manages_team,
    Action.ADD_CONTRIBUTION: _adds_contribution,
    Action.RECORD_MEETING: _records_meeting,
    Action.RECORD_CONCERN: _records_concern,
    Action.VIEW_CONTRIBUTION: _sees_contribution,
    Action.VIEW_CONTRIBUTION_REVISION: _sees_revision,
    Action.EDIT_CONTRIBUTION: lambda user, thing: thing is not None
    and thing.author_id == user.id
    and _on_case(user, _learner_of(thing)),
    Action.VIEW_MEETING: _sees_meeting,
    Action.EDIT_MEETING: _edits_meeting,
    Action.SIGN_OFF_MEETING: _signs_off,
    Action.UPDATE_ACTION: _updates_action,
    Action.VIEW_CONCERN: _sees_concern,
    Action.RECORD_CONCERN_ACTION: lambda user, thing: thing is not None and _dsl_of(user, _learner_of(thing)),
    Action.LIST_CONCERNS: lambda user, thing: user.role is not Role.PARENT and user.role is not Role.ADMIN,
    Action.REVIEW_CONCERNS: lambda user, thing: user.role is Role.DSL and not user.restricted,
    # Administrators manage accounts only: no case work on their home page.
    Action.VIEW_CASEWORK: lambda user, thing: user.role is not Role.ADMIN,
    Action.REVIEW_AUDIT: _reviews_audit,
    Action.EXPORT_AUDIT: lambda user, thing: user.role is Role.DSL and not user.restricted,
    Action.BREAK_GLASS: _opens_break_glass,
    Action.KEEP_CPD_LOG: lambda user, thing: _keeps_cpd_log(user),
    Action.VIEW_CPD_LOG: _reads_cpd_log,
    Action.VIEW_CPD_RECORD: _reads_cpd_record,
    Action.EDIT_CPD_RECORD: _writes_cpd_record,
    Action.REFLECT_ON_WORK: _reflects_on,
    Action.EXPORT_CPD_LOG: _reads_cpd_log,
    # Anyone signed in may ask: the list holds only their own reports (`cpd_reports`), empty for most.
    Action.LIST_CPD_REPORTS: lambda user, thing: True,
    Action.RECORD_PROGRESS_REVIEW: lambda user, thing: _line_manages(user, thing) and thing.role in PRACTITIONER_ROLES,
    Action.VIEW_PROGRESS_REVIEW: _sees_review,
    Action.EDIT_PROGRESS_REVIEW: _edits_review,
    Action.SIGN_PROGRESS_REVIEW: _signs_review,
    Action.VIEW_JOBS: lambda user, thing: _is_agency_admin(user),
}

# School roles that work on cases (admins never see case content).
SCHOOL_CASE_ROLES = frozenset({Role.SENCO, Role.LSP, Role.TEACHER, Role.DSL})


# Set in flask.g by every call of `can` in a request: app.web refuses a page whose view never asked.
DECISION_MADE = "braid_policy_decided"


def can(user, action: Action, thing=None) -> bool:
    """May `user` do `action` (to `thing`)? Unknown actions and anonymous users get no.

    In a request, the asking is noted (a no is a decision too): deny by default in app.web needs it.
    """
    if has_request_context():
        setattr(g, DECISION_MADE, True)
    return _decide(user, action, thing)


def shows(user, action: Action, thing=None) -> bool:
    """`can` for templates: the same answer, not noted, so a page's navigation never stands in for
    its view's own decision."""
    return _decide(user, action, thing)


def _decide(user, action: Action, thing=None) -> bool:
    if not _signed_in(user):
        return False
    if user.restricted and user.access_has_expired():
        return False
    rule = _RULES.get(action)
    if rule is None:
        return False
    return bool(rule(user, thing))


def require(user, action: Action, thing=None) -> None:
    """:raise 403: when `user` may not do `action` (the refusal is noted for the audit trail)."""
    if not can(user, action, thing):
        _refuse(403, action, thing)


# What each refused policy action was an attempt to do, in the audit trail's words; the rest are updates.
_ATTEMPTS = {
    "VIEW": {Action.VIEW_HOME, Action.LIST_ACCOUNTS, Action.VIEW_ACCOUNT, Action.LIST_LEARNERS, Action.FIND_LEARNER,
             Action.VIEW_LEARNER, Action.VIEW_CASE, Action.VIEW_CONTRIBUTION, Action.VIEW_CONTRIBUTION_REVISION,
             Action.VIEW_MEETING, Action.VIEW_CONCERN, Action.LIST_CONCERNS, Action.REVIEW_CONCERNS,
             Action.VIEW_CASEWORK, Action.REVIEW_AUDIT, Action.VIEW_CPD_LOG, Action.VIEW_CPD_RECORD,
             Action.VIEW_PROGRESS_REVIEW, Action.LIST_CPD_REPORTS, Action.VIEW_JOBS},
    "CREATE": {Action.CREATE_ACCOUNT, Action.REGISTER_LEARNER, Action.ADD_CONTRIBUTION, Action.RECORD_MEETING,
               Action.RECORD_CONCERN, Action.KEEP_CPD_LOG, Action.REFLECT_ON_WORK, Action.RECORD_PROGRESS_REVIEW},
    "EXPORT": {Action.EXPORT_AUDIT, Action.EXPORT_CPD_LOG},
    "BREAK_GLASS": {Action.BREAK_GLASS},
}


def audit_action_for(action: Action):

    for name, actions in _ATTEMPTS.items():
        if action in actions:
            return AuditAction[name]
    return AuditAction.UPDATE


def _refuse(status: int, action: Action, thing=None, model=None):
    """Note the refusal for the audit trail, naming `thing` (a record that exists) or only `model`'s type:
    never an id that was typed and names nothing."""

    object_type = object_type_of(thing) if thing is not None else getattr(model, "__tablename__", None)
    note_refusal(audit_action_for(action), object_type, getattr(thing, "public_id", None), thing)
    abort(status)


# --- query scopes: every list starts from one of these ----------------------------------------


def visible_accounts(user) -> Select:
    """The accounts `user` may see as an administrator: their own agency's, nobody else's."""
    query = select(User).order_by(User.display_name, User.id)
    if not _signed_in(user) or not _is_agency_admin(user):
        return query.where(False)
    return query.where(User.agency_id == user.agency_id)


def line_reports(user) -> Select:
    """The active people `user` line manages: names and roles only, for their own home page."""
    query = select(User).order_by(User.display_name, User.id)
    if not _signed_in(user):
        return query.where(False)
    return query.where(User.line_manager_id == user.id, User.active.is_(True))


def _case_learner_ids(user, break_glass: bool = True):
    """Ids of the learners whose case `user` is on (SQL), or None for nobody; with `break_glass`, also
    the cases opened with a live break-glass grant (readable for their hour)."""

    if not _signed_in(user) or (user.restricted and user.access_has_expired()):
        return None
    if _is_school_senco(user):
        return select(Learner.id).where(Learner.school_id == user.agency_id)
    if user.role is Role.ADMIN:
        return None

    members = select(TeamMembership.learner_id).where(_live_membership_clause(user))
    if not user.restricted:
        members = members.join(Learner, Learner.id == TeamMembership.learner_id).where(
            Learner.school_id == user.agency_id
        )
        if break_glass and user.role in SCHOOL_CASE_ROLES:
            # Cases opened with break-glass are readable for their hour (the rules keep them read-only).
            grants = select(BreakGlassAccess.learner_id).join(Learner, Learner.id == BreakGlassAccess.learner_id).where(
                _open_grant_clause(user), Learner.school_id == user.agency_id
            )
            members = members.union(grants)
    return members


def visible_learners(user) -> Select:
    """The learners `user` may see: the SENCo and DSL their school's, others the cases they are on."""

    query = select(Learner).order_by(Learner.year_group, Learner.id)
    if _signed_in(user) and user.role is Role.DSL and not user.restricted:
        return query.where(Learner.school_id == user.agency_id)
    ids = _case_learner_ids(user)
    if ids is None:
        return query.where(False)
    return query.where(Learner.id.in_(ids))


def case_learners(user) -> Select:
    """The learners whose case `user` is on (not the DSL's school-wide view)."""

    query = select(Learner).order_by(Learner.year_group, Learner.id)
    ids = _case_learner_ids(user, break_glass=False)  # a break-glass case is not one's own (the home page lists grants apart)
    return query.where(False) if ids is None else query.where(Learner.id.in_(ids))


def visible_contributions(user, learner=None) -> Select:
    """The contributions `user` may read, by the same rules as `_sees_contribution`, in SQL."""

    query = select(Contribution).order_by(Contribution.created_at, Contribution.id)
    ids = _case_learner_ids(user)
    if ids is None:
        return query.where(False)
    on_case = Contribution.learner_id.in_(ids)
    own = and_(Contribution.author_id == user.id, on_case)
    school_lead = user.role in (Role.SENCO, Role.DSL) and not user.restricted
    restricted = and_(
        Contribution.visibility == Visibility.RESTRICTED,
        Contribution.learner_id.in_(select(Learner.id).where(Learner.school_id == user.agency_id))
        if school_lead else false(),
    )
    shared = [Visibility.TEAM_AND_FAMILY] if user.role is Role.PARENT else [Visibility.TEAM, Visibility.TEAM_AND_FAMILY]
    query = query.where(or_(own, restricted, and_(on_case, Contribution.visibility.in_(shared))))
    if learner is not None:
        query = query.where(Contribution.learner_id == learner.id)
    return query


def visible_meetings(user, learner=None) -> Select:

    query = select(Meeting).order_by(Meeting.held_on.desc(), Meeting.id.desc())
    ids = _case_learner_ids(user)
    if ids is None:
        return query.where(False)
    query = query.where(Meeting.learner_id.in_(ids))
    if user.role is Role.PARENT:
        query = query.where(Meeting.shared_with_family.is_(True), Meeting.signed_off_at.is_not(None))
    if learner is not None:
        query = query.where(Meeting.learner_id == learner.id)
    return query


def visible_actions(user) -> Select:

    meetings = visible_meetings(user).order_by(None).with_only_columns(_meeting_id())
    return select(MeetingAction).where(MeetingAction.meeting_id.in_(meetings)).order_by(MeetingAction.due_on, MeetingAction.id)


def _meeting_id():

    return Meeting.id


def visible_concerns(user, learner=None) -> Select:
    """Safeguarding concerns: the DSL sees their school's, everyone else only those they raised."""

    query = select(SafeguardingConcern).order_by(SafeguardingConcern.recorded_at.desc(), SafeguardingConcern.id.desc())
    if not _signed_in(user) or (user.restricted and user.access_has_expired()):
        return query.where(False)
    mine = SafeguardingConcern.author_id == user.id
    if user.role is Role.DSL and not user.restricted:
        school = SafeguardingConcern.learner_id.in_(select(Learner.id).where(Learner.school_id == user.agency_id))
        query = query.where(or_(mine, school))
    else:
        query = query.where(mine)
    if learner is not None:
        query = query.where(SafeguardingConcern.learner_id == learner.id)
    return query


def _cycle_scope(user) -> Select:

    ids = _case_learner_ids(user)
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
    if not _signed_in(user) or not _is_school_senco(user):
        return query.where(False)
    return query.where(Invitation.learner_id.in_(select(Learner.id).where(Learner.school_id == user.agency_id)))


def _membership_scope(user) -> Select:

    query = select(TeamMembership)
    if not _signed_in(user) or not _is_school_senco(user):
        return query.where(False)
    return query.where(TeamMembership.learner_id.in_(select(Learner.id).where(Learner.school_id == user.agency_id)))


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


def school_staff(user, learner) -> Select:
    """The active staff of `learner`'s school a SENCo may add to the team (never admins or externals)."""
    query = select(User).order_by(User.display_name, User.id)
    if learner is None or not can(user, Action.MANAGE_TEAM, learner):
        return query.where(False)
    return query.where(
        User.agency_id == learner.school_id,
        User.active.is_(True),
        User.restricted.is_(False),
        User.role.in_(sorted(SCHOOL_CASE_ROLES, key=lambda role: role.value)),
    )


def invitable_agencies(user) -> Select:
    """Agencies a SENCo may name on an invitation: public services, and families already on their cases.

    Family agencies are named after families: a SENCo sees only those linked to their own school.
    """

    query = select(Agency).order_by(Agency.name, Agency.id)
    if not _signed_in(user) or not _is_school_senco(user):
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
    query = select(User).order_by(User.display_name, User.id)
    if not _signed_in(user) or (user.restricted and user.access_has_expired()):
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
    if not _signed_in(user) or (user.restricted and user.access_has_expired()):
        return query.where(False)
    query = query.where(or_(ProgressReview.practitioner_id == user.id, ProgressReview.manager_id == user.id))
    if practitioner is not None:
        query = query.where(ProgressReview.practitioner_id == practitioner.id)
    return query


def _scopes():
    return {
        User: (visible_accounts, Action.VIEW_ACCOUNT),
        Learner: (visible_learners, Action.VIEW_LEARNER),
        Contribution: (visible_contributions, Action.VIEW_CONTRIBUTION),
        Meeting: (visible_meetings, Action.VIEW_MEETING),
        # The scope already limits actions to meetings the user sees: one they may not update is a 403.
        MeetingAction: (visible_actions, None),
        SafeguardingConcern: (visible_concerns, Action.VIEW_CONCERN),
        PlanCycle: (_cycle_scope, None),
        Outcome: (_outcome_scope, None),
        Provision: (_provision_scope, None),
        Invitation: (_invitation_scope, None),
        TeamMembership: (_membership_scope, None),
        ReflectiveEntry: (_cpd_scope(ReflectiveEntry), Action.VIEW_CPD_RECORD),
        DevelopmentGoal: (_cpd_scope(DevelopmentGoal), Action.VIEW_CPD_RECORD),
        ProgressReview: (visible_progress_reviews, Action.VIEW_PROGRESS_REVIEW),
    }


# Public ids are URL-safe base64 (app.types.new_public_id); anything else is refused before any query.
_PUBLIC_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def get_or_404(model, public_id: str, user, action: Action):
    """Load `model` by public id through the user's scope, then check `action`.

    :raise 404: when the object does not exist or is outside the user's sight.
    :raise 403: when the user can see it but may not do `action`.
    """
    scope, view_action = _scopes().get(model, (None, None))
    return _load_or_404(model, scope, view_action, public_id, user, action)


def cpd_owner_or_404(public_id: str, user, action: Action) -> User:
    """The practitioner whose CPD log `user` asks for, through `cpd_log_owners`.

    :raise 404: when the person does not exist or is neither `user` nor one of their line reports.
    :raise 403: when they are, but `user` may not do `action`.
    """
    return _load_or_404(User, cpd_log_owners, Action.VIEW_CPD_LOG, public_id, user, action)


def _load_or_404(model, scope, view_action, public_id, user, action: Action):
    if scope is None or not isinstance(public_id, str) or not _PUBLIC_ID.fullmatch(public_id):
        _refuse(404, action, model=model)  # never sent to the database: it could not name anything
    thing = db.session.scalars(scope(user).where(model.public_id == public_id)).first()
    if thing is None or (view_action is not None and not can(user, view_action, thing)):
        # Out of sight: the trail still names what was asked for, and whose record it was, if it exists.
        _refuse(404, action, _existing(model, public_id), model=model)
    require(user, action, thing)

    note_read(thing)
    return thing


def _existing(model, public_id: str):
    return db.session.scalars(select(model).where(model.public_id == public_id)).first()
