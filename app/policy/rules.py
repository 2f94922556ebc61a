"""The rules: one predicate per action, taking (user, thing), reached only for a signed-in, active user."""
from __future__ import annotations

from flask import g, has_request_context
from sqlalchemy import and_, or_, select
from werkzeug.local import LocalProxy

from app.agencies.accounts.models import AgencyKind, Role, User
from app.audit.events import note_purpose
from app.cases.attachments.models import Attachment
from app.cases.break_glass.models import BreakGlassAccess
from app.cases.concerns.models import SafeguardingConcern
from app.cases.consents.models import Consent
from app.cases.contributions.models import KINDS_BY_ROLE, Contribution, Visibility
from app.cases.family_profile.models import FamilyProfile
from app.cases.learners.models import Learner
from app.cases.meetings.models import Attendance, Meeting
from app.cases.team.models import TeamMembership
from app.cases.transfers.models import ChildProtectionTransfer, TransferBundle
from app.cpd.entries.models import ReflectiveEntry
from app.data_protection.bundles.models import SubjectAccessBundle
from app.data_protection.requests.models import RequestKind, SubjectAccessRequest
from app.extensions import db
from app.policy.actions import MFA_REQUIRED_ROLES, PRACTITIONER_ROLES, SCHOOL_CASE_ROLES, Action
from app.types import utcnow


def real_user(user):
    """The account behind Flask-Login's `current_user`: every read through the proxy finds the user again, and a
    page's decisions read the user about a hundred times."""
    return user._get_current_object() if type(user) is LocalProxy else user


def signed_in(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def is_agency_admin(user) -> bool:
    return user.role is Role.ADMIN and not user.restricted


def _same_agency(user, other: User) -> bool:
    return other is not None and other.agency_id == user.agency_id


def _can_manage_account(user, account: User | None) -> bool:
    return is_agency_admin(user) and _same_agency(user, account)


def is_school_senco(user) -> bool:
    # Restricted accounts never search or list: they see only what they were invited to.
    return user.role is Role.SENCO and not user.restricted


def _imports_for(user, learner_import) -> bool:
    return is_school_senco(user) and (learner_import is None or learner_import.school_id == user.agency_id)


def _senco_of(user, learner) -> bool:
    return is_school_senco(user) and learner is not None and learner.school_id == user.agency_id


def _dsl_of(user, learner) -> bool:
    return user.role is Role.DSL and not user.restricted and learner is not None and learner.school_id == user.agency_id


# --- the team around the child --------------------------------------------------------------


def _clause_now(user, now):
    """`now`, else a bound user's "now" parameter (a statement built once: app.policy.bound), else the clock."""
    if now is not None:
        return now
    bound = getattr(user, "bound_now", None)
    return bound if bound is not None else utcnow()


def live_membership_clause(user, now=None, membership=TeamMembership):
    """`user`'s membership in force now; on `membership`, the model or an alias a subquery of its own reads."""
    return and_(membership.user_id == user.id, _live_at(_clause_now(user, now), membership))


def _live_at(now, membership=TeamMembership):
    """A membership in force at `now`: begun, not ended early, not past its end."""
    return and_(
        membership.ended_at.is_(None),
        membership.starts_at <= now,
        or_(membership.ends_at.is_(None), membership.ends_at > now),
    )


def _member_of(user, learner) -> bool:
    """Is `user` on `learner`'s team today? School staff only on their own school's cases."""

    if learner is None or user.access_has_expired() or user.role is Role.ADMIN:
        return False  # an administrator is on no case (a role changed to it leaves its memberships behind)
    if not user.restricted and learner.school_id != user.agency_id:
        return False
    # One query per person per request, not one per learner: pages ask this for every row they show.
    cache = g.setdefault("_braid_membership", {}) if has_request_context() else {}
    if user.id not in cache:
        cache[user.id] = frozenset(db.session.scalars(
            select(TeamMembership.learner_id).where(live_membership_clause(user))))
    return learner.id in cache[user.id]


def know_memberships(users) -> None:
    """The team question asked of many people at once (a notification's recipients): one query settles each one's
    answer for the rest of the request, where `_member_of` would have asked once per person."""
    if not has_request_context():
        return
    cache = g.setdefault("_braid_membership", {})
    wanted = {user.id for user in users if user is not None and user.id not in cache}
    if len(wanted) < 2:
        return
    found: dict[int, set[int]] = {user_id: set() for user_id in wanted}
    for user_id, learner_id in db.session.execute(select(TeamMembership.user_id, TeamMembership.learner_id).where(
            TeamMembership.user_id.in_(wanted), _live_at(utcnow()))):
        found[user_id].add(learner_id)
    cache.update((user_id, frozenset(learners)) for user_id, learners in found.items())


def forget_memberships() -> None:
    """Drop this request's cached answers after the team changes."""
    if has_request_context():
        g.pop("_braid_membership", None)
        g.pop("_braid_parent_of", None)
        g.pop("_braid_parents_of_learner", None)


# --- a member of staff who is also a parent ---------------------------------------------------------


def is_parent_of(user, learner) -> bool:
    """Is `user` on `learner`'s case as their parent or carer (now or in the past), whatever their account's role?

    A member of staff invited as the parent of their own child acts on that case as a parent, never as staff."""
    if learner is None or getattr(learner, "id", None) is None:
        return False
    # One query per person per request: pages ask this for every learner they list. Of anyone but the person
    # signed in (the authors a case's page names), one query per learner: the case's parents and carers.
    cache = g.setdefault("_braid_parent_of", {}) if has_request_context() else {}
    if user.id in cache:
        return learner.id in cache[user.id]
    signed_in_user = g.get("_login_user") if has_request_context() else None
    if signed_in_user is not None and getattr(signed_in_user, "id", None) != user.id:
        parents = g.setdefault("_braid_parents_of_learner", {})
        if learner.id not in parents:
            parents[learner.id] = frozenset(db.session.scalars(
                select(TeamMembership.user_id).where(TeamMembership.learner_id == learner.id,
                                                     TeamMembership.role == Role.PARENT)))
        return user.id in parents[learner.id]
    cache[user.id] = frozenset(db.session.scalars(
        select(TeamMembership.learner_id).where(TeamMembership.user_id == user.id,
                                                TeamMembership.role == Role.PARENT)))
    return learner.id in cache[user.id]


class AsParent:
    """The rules' view of a member of staff on their own child's case: a parent, invited like any other
    (restricted to the cases they are on), with nothing of their staff role."""

    role = Role.PARENT
    restricted = True

    def __init__(self, user):
        self._user = user

    def __getattr__(self, name):
        return getattr(self._user, name)

    def access_has_expired(self, now=None) -> bool:
        return self._user.access_has_expired(now)  # their membership's end date still bounds the case


def case_learner_of(thing):
    """The learner whose case `thing` is part of (the learner itself, a contribution, a revision, a meeting's
    action, ...), or None for anything else (accounts, the CPD log's own records)."""
    if thing is None or isinstance(thing, User):
        return None
    # Asked of the class: on a learner, hasattr() would load its memberships (a query per learner a page lists).
    if hasattr(type(thing), "school_id") and hasattr(type(thing), "memberships"):
        return thing
    for through in ("contribution", "meeting"):
        inner = getattr(thing, through, None)
        if inner is not None and hasattr(inner, "learner"):
            return inner.learner
    learner = getattr(thing, "learner", None)
    return learner if hasattr(learner, "school_id") else None


def in_capacity(user, thing):
    """`user` as the rules should see them for `thing`: as a parent on their own child's case, else themselves."""
    if user.role is Role.PARENT:
        return user
    learner = case_learner_of(thing)
    return AsParent(user) if learner is not None and is_parent_of(user, learner) else user


def case_role(user, learner) -> Role:
    """The role `user` acts in on `learner`'s case (a parent on their own child's, whatever their account says)."""
    return in_capacity(user, learner).role


def _break_glass_of(user, learner) -> bool:
    """An open break-glass grant: one hour's read access to a case of the user's own school."""

    if learner is None or user.restricted or user.role not in SCHOOL_CASE_ROLES or learner.school_id != user.agency_id:
        return False
    # The learners of every open grant of the person, in one query per request (pages ask per row).
    cache = g.setdefault("_braid_break_glass", {}) if has_request_context() else {}
    if user.id not in cache:
        cache[user.id] = frozenset(db.session.scalars(
            select(BreakGlassAccess.learner_id).where(open_grant_clause(user))))
    if learner.id in cache[user.id]:
        note_purpose("break_glass")  # every read made through the grant says so in the trail
        return True
    return False


def open_grant_clause(user, now=None, grant=BreakGlassAccess):
    return and_(grant.user_id == user.id, grant.expires_at > _clause_now(user, now))


def forget_break_glass() -> None:
    if has_request_context():
        g.pop("_braid_break_glass", None)


def _lists_learners(user) -> bool:
    return not user.restricted and user.role in SCHOOL_CASE_ROLES


def _opens_break_glass(user, learner) -> bool:
    # Only for a case of one's own school that one is not already on, by those who list the school's learners (never
    # admins or external accounts): app.cases.break_glass asks nothing of anyone who does not list them.
    return (
        learner is not None
        and _lists_learners(user)
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
    if contribution is None or learner is None or contribution.withdrawn:
        return False  # a withdrawn contribution has left the case: only the DSL's withdrawn page reads it
    visibility = visibility or contribution.visibility
    if contribution.author_id == user.id and _on_case(user, learner):
        return True
    if visibility is Visibility.RESTRICTED:
        return _senco_of(user, learner) or _dsl_of(user, learner)
    if visibility is Visibility.TEAM:
        return _professional_on_case(user, learner) or _break_glass_of(user, learner)
    return _on_case(user, learner) or _break_glass_of(user, learner)  # team and family


def _withdraws_contribution(user, contribution) -> bool:
    return _sees_contribution(user, contribution) and (
        (contribution.author_id == user.id and _on_case(user, contribution.learner))
        or _senco_of(user, contribution.learner))


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


def _sees_family_profile(user, thing) -> bool:
    """The profile (a FamilyProfile), or the learner's profile page while there is none yet (the Learner)."""
    if isinstance(thing, FamilyProfile):
        learner, shared = thing.learner, thing.is_published
    elif isinstance(thing, Learner):
        learner, shared = thing, False
    else:
        return False
    if user.role is Role.PARENT:
        return shared and _on_case(user, learner)  # a draft is the school's until it is shared with the family
    return _on_case(user, learner) or _break_glass_of(user, learner)


def _exports_document(user, thing) -> bool:
    """The PDF of a page, for those who may view the page (a meeting's record, the family profile, a cycle's plan).

    Restricted accounts cannot export (DOMAIN.md): an invited professional or a parent prints the page instead.
    The family profile is the exception for the family: it is written for them, to keep.
    """
    if isinstance(thing, FamilyProfile):
        return _sees_family_profile(user, thing) and (not user.restricted or user.role is Role.PARENT)
    if user.restricted:
        return False
    if isinstance(thing, Meeting):
        return _sees_meeting(user, thing)
    learner = _case_of(thing)
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


def _sees_parent(user, parent) -> bool:
    """May `user` read the contribution, meeting or concern an attachment belongs to (and so the attachment)?"""
    if isinstance(parent, Contribution):
        return _sees_contribution(user, parent)
    if isinstance(parent, Meeting):
        return _sees_meeting(user, parent)
    if isinstance(parent, SafeguardingConcern):
        return _sees_concern(user, parent)
    return False


def _attaches_file(user, parent) -> bool:
    """Who adds to the parent adds files to it: a contribution's author, whoever edits a meeting (its recorder,
    its chair, the SENCo), a concern's author and the DSL (the two who read it)."""
    if isinstance(parent, Contribution):
        return _sees_contribution(user, parent) and parent.author_id == user.id and _on_case(user, parent.learner)
    if isinstance(parent, Meeting):
        return _edits_meeting(user, parent)
    return isinstance(parent, SafeguardingConcern) and _sees_concern(user, parent)


def _sees_attachment(user, attachment) -> bool:
    return isinstance(attachment, Attachment) and _sees_parent(user, attachment.parent)


def _removes_attachment(user, attachment) -> bool:
    """Its uploader, or whoever keeps the parent's records: the DSL for a concern, the SENCo otherwise."""
    if not _sees_attachment(user, attachment):
        return False
    if attachment.uploaded_by_id == user.id:
        return True
    learner = attachment.learner
    return _dsl_of(user, learner) if attachment.concern_id is not None else _senco_of(user, learner)


def _adds_contribution(user, learner) -> bool:
    return user.role in KINDS_BY_ROLE and _on_case(user, learner)


def _manages_team(user, thing) -> bool:
    # The thing is the learner (add, invite) or a membership or invitation on their case (end, revoke).
    learner = thing if hasattr(thing, "school_id") else _learner_of(thing)
    return _senco_of(user, learner)


def _case_of(thing):
    # The learner itself, or the learner whose plan a cycle, outcome or provision belongs to.
    return thing if thing is None or hasattr(thing, "school_id") else _learner_of(thing)


def _sees_family_summary(user, learner) -> bool:
    """The family's summary of who has seen the record: a parent or carer on the case today (an ended membership,
    say under a court order, ends it at once); the school's SENCo and DSL preview what the family sees."""
    if not isinstance(learner, Learner):
        return False
    if user.role is Role.PARENT:
        return _member_of(user, learner)
    return _senco_of(user, learner) or _dsl_of(user, learner)


def _records_meeting(user, learner) -> bool:
    return (user.role is Role.LSP and _member_of(user, learner)) or _senco_of(user, learner)


def _records_concern(user, learner) -> bool:
    return _professional_on_case(user, learner) or _dsl_of(user, learner)


# --- the reflective CPD log -------------------------------------------------------------------

# Everyone whose practice a CPD log records: not parents, not agency administrators.


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
    # A withdrawn entry is kept as it was withdrawn: history, no longer changed.
    return record is not None and record.owner_id == user.id and _keeps_cpd_log(user) \
        and getattr(record, "withdrawn_at", None) is None


def _withdraws_cpd_entry(user, entry) -> bool:
    return isinstance(entry, ReflectiveEntry) and _writes_cpd_record(user, entry)


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
    # A designated data protection officer reads subject access requests (names, family circumstances) whatever
    # their role: the second step is not optional for them either.
    return user.role in MFA_REQUIRED_ROLES or bool(getattr(user, "is_dpo", False))


# --- the school year ---------------------------------------------------------------------------


def _school_staff(user) -> bool:
    return not user.restricted and user.agency is not None and user.agency.kind is AgencyKind.SCHOOL \
        and (user.role in SCHOOL_CASE_ROLES or user.role is Role.ADMIN)


def _school_dpo(user) -> bool:
    """The school's data protection officer: a designation on a staff account of a school (never a family's)."""
    return _is_dpo_of(user, user.agency)


def _keeps_calendar(user, period) -> bool:
    # The administrator keeps the dates: they name no learner, and the admin sees none.
    return is_agency_admin(user) and _school_staff(user) and (period is None or period.school_id == user.agency_id)


def _manages_year_end(user, year_end) -> bool:
    # The SENCo: the year end changes learners' records (moves them up, archives leavers), which the
    # administrator never sees; the SENCo already keeps those records (registers, corrects, imports them).
    return is_school_senco(user) and (year_end is None or year_end.school_id == user.agency_id)


# --- archived learners (leavers) -----------------------------------------------------------------

# What may still be asked of an archived learner's record: reads, by the SENCo and the DSL only; and the transfer
# to the next school, which can finish after the child has left (the child-protection file goes within days of
# the new school's start, and the new school may ask for the bundle again). A new bundle is made before archiving.
ARCHIVE_READS = frozenset({
    Action.VIEW_LEARNER, Action.VIEW_LEARNER_HISTORY, Action.VIEW_CASE, Action.VIEW_CONTRIBUTION,
    Action.VIEW_CONTRIBUTION_REVISION, Action.VIEW_MEETING, Action.VIEW_CONCERN, Action.LIST_CASE_CONCERNS,
    Action.REVIEW_AUDIT,
    Action.VIEW_TRANSFERS, Action.DOWNLOAD_TRANSFER_BUNDLE, Action.VIEW_CP_TRANSFERS, Action.RECORD_CP_TRANSFER,
    Action.CONFIRM_CP_RECEIPT, Action.VIEW_WITHDRAWN_CONTRIBUTIONS, Action.EXPORT_CASE_DOCUMENT,
    Action.VIEW_FAMILY_PROFILE, Action.DOWNLOAD_ATTACHMENT, Action.VIEW_FAMILY_ACCESS_SUMMARY,
    Action.VIEW_CONSENTS,
    # A leaver's record is kept for years: its processing can be restricted, and the restriction lifted.
    Action.RESTRICT_PROCESSING, Action.LIFT_RESTRICTION,
    # A child-protection file falls due for review years after the child left (the 25th birthday).
    Action.REVIEW_CHILD_PROTECTION_FILE,
})


def record_learner_of(thing) -> Learner | None:
    """The learner whose record `thing` is (the learner, or something of their case), or None."""
    if thing is None or isinstance(thing, User):
        return None
    learner = thing if isinstance(thing, Learner) else getattr(thing, "learner", None)
    if learner is None:
        parent = getattr(thing, "contribution", None) or getattr(thing, "meeting", None)
        learner = getattr(parent, "learner", None)
    return learner if isinstance(learner, Learner) else None


def archived_learner_of(thing) -> Learner | None:
    """The archived learner whose record `thing` is (the learner, or something of their case), or None."""
    learner = record_learner_of(thing)
    return learner if learner is not None and learner.archived_at is not None else None


def _minding_archive(action: Action, rule):
    """Every rule, refusing on an archived learner's record all but the SENCo's and the DSL's reads."""

    def decide(user, thing) -> bool:
        learner = archived_learner_of(thing)
        if learner is None:
            return rule(user, thing)
        return action in ARCHIVE_READS and (_senco_of(user, learner) or _dsl_of(user, learner)) and rule(user, thing)

    return decide


# --- restriction of processing (UK GDPR Article 18) -----------------------------------------------

# On a restricted learner's record (the learner, or anything of their case) every action falls in one of these.
# Reads: the SENCo and the DSL only, each as far as their own rules allow (the record stays readable, as Article 18
# keeps it stored; an attached file is read, not shared, and its download stays in the trail).
RESTRICTED_READS = frozenset({
    Action.VIEW_LEARNER, Action.VIEW_LEARNER_HISTORY, Action.VIEW_CASE, Action.VIEW_CONTRIBUTION,
    Action.VIEW_CONTRIBUTION_REVISION, Action.VIEW_MEETING, Action.VIEW_CONCERN, Action.LIST_CASE_CONCERNS,
    Action.REVIEW_AUDIT, Action.VIEW_TRANSFERS, Action.VIEW_CP_TRANSFERS, Action.VIEW_WITHDRAWN_CONTRIBUTIONS,
    Action.VIEW_FAMILY_PROFILE, Action.DOWNLOAD_ATTACHMENT,
    # Who has seen the record: the SENCo's and DSL's preview still reads; the family's own page waits for the lift.
    Action.VIEW_FAMILY_ACCESS_SUMMARY,
    Action.VIEW_CONSENTS,
})
# Changes: refused for every role, the SENCo and the DSL included (restricting again is a change too).
RESTRICTED_CHANGES = frozenset({
    Action.CORRECT_LEARNER, Action.MARK_LEAVING, Action.MERGE_LEARNERS, Action.EDIT_PLAN, Action.ADD_CONTRIBUTION,
    Action.RECORD_MEETING, Action.RECORD_CONCERN, Action.EDIT_CONTRIBUTION, Action.WITHDRAW_CONTRIBUTION,
    Action.MOVE_CONTRIBUTION, Action.EDIT_FAMILY_PROFILE, Action.EDIT_MEETING, Action.SIGN_OFF_MEETING,
    Action.UPDATE_ACTION, Action.ATTACH_FILE, Action.REMOVE_ATTACHMENT, Action.RECORD_CONCERN_ACTION,
    Action.CONFIRM_CP_RECEIPT, Action.RESTRICT_PROCESSING,
    Action.DECIDE_FAMILY_VISIBILITY,  # withholding or releasing what the family is shown of the record's openings
    Action.REVIEW_CHILD_PROTECTION_FILE,  # deciding to destroy or keep a file waits for the restriction's lift
    # Consent is recorded once the restriction is lifted; withdrawing it is never refused (below).
    Action.RECORD_CONSENT,
})
# Shares: the record going to anyone new, refused for every role: the team (invitations, members), a PDF or
# bundle leaving Braid, the child-protection file sent on, break-glass, and a CPD log entry drawn from the work
# (read by a line manager and quality assurers).
RESTRICTED_SHARES = frozenset({
    Action.MANAGE_TEAM, Action.EXPORT_CASE_DOCUMENT, Action.MAKE_TRANSFER_BUNDLE, Action.DOWNLOAD_TRANSFER_BUNDLE,
    Action.RECORD_CP_TRANSFER, Action.BREAK_GLASS, Action.REFLECT_ON_WORK,
})


def restricted_learner_of(thing) -> Learner | None:
    """The learner whose record `thing` is, when processing of it is restricted; else None."""
    learner = record_learner_of(thing)
    return learner if learner is not None and learner.restricted_at is not None else None


def processing_restricted(thing) -> bool:
    """Is `thing` (a learner, or anything of their case) part of a record whose processing is restricted?"""
    return restricted_learner_of(thing) is not None


def _minding_restriction(action: Action, rule):
    """Every rule, refusing on a restricted learner's record all but the SENCo's and the DSL's reads and the lifting
    of the restriction (an action in no list above is refused too: fail closed)."""

    def decide(user, thing) -> bool:
        learner = restricted_learner_of(thing)
        if learner is None:
            return rule(user, thing)
        if action is Action.WITHDRAW_CONSENT:
            # Article 7(3): withdrawing consent is as easy as giving it, whatever else holds; it only stops sharing.
            return rule(user, thing)
        if action not in RESTRICTED_READS and action is not Action.LIFT_RESTRICTION:
            return False
        return (_senco_of(user, learner) or _dsl_of(user, learner)) and rule(user, thing)

    return decide


def _restricts(user, learner) -> bool:
    return isinstance(learner, Learner) and learner.merged_into_id is None and learner.restricted_at is None \
        and (_senco_of(user, learner) or _dsl_of(user, learner))


def _lifts_restriction(user, learner) -> bool:
    return isinstance(learner, Learner) and learner.restricted_at is not None \
        and (_senco_of(user, learner) or _dsl_of(user, learner))


# --- data protection (UK GDPR): the data protection officer ----------------------------------------


def _is_dpo_of(user, agency) -> bool:
    """Is `user` a data protection officer designated by `agency`, a school (the controller)?

    A designation, not a role (app.agencies.accounts.models.User.dpo_designated_at): the DPO is usually already
    on the staff (a business manager, an assistant head) or a bought-in service with an account of the school.
    Their role says what casework they do; the designation adds the statutory duty (requests, retention) and no
    casework access: a designated teacher reads their own cases as a teacher, and the register as the DPO.
    """
    return (
        agency is not None and getattr(user, "is_dpo", False) and not user.restricted
        and user.role is not Role.PARENT and user.agency_id == agency.id and agency.kind is AgencyKind.SCHOOL
    )


def _dpo_of(user, learner) -> bool:
    """The DPO of the learner's school (a record merged away is reached through the one it was merged into)."""
    return isinstance(learner, Learner) and learner.merged_into_id is None and _is_dpo_of(user, learner.school)


def _handles_request(user, request) -> bool:
    return isinstance(request, SubjectAccessRequest) and _is_dpo_of(user, request.agency) \
        and request.learner is not None and request.learner.school_id == request.agency_id


def _handles_open_request(user, request) -> bool:
    return _handles_request(user, request) and request.is_open


def _designates_dpo(user, account) -> bool:
    """The school's administrator, on a staff account of their own school: never a parent's or an outside
    agency's account (restricted accounts), never an account of another agency."""
    return (
        isinstance(account, User) and _can_manage_account(user, account) and user.agency is not None
        and user.agency.kind is AgencyKind.SCHOOL and account.role is not Role.PARENT and not account.restricted
    )


# Duties the school owes the learner as controller: an archived or restricted record does not stop them (Article
# 18(2) keeps the data subject's rights; a leaver's record is still subject to access), and they read no content.
DATA_PROTECTION_DUTIES = frozenset({
    Action.LIST_ACCESS_REQUESTS, Action.REGISTER_ACCESS_REQUEST, Action.VIEW_ACCESS_REQUEST,
    Action.RECORD_REQUESTER_IDENTITY, Action.EXTEND_ACCESS_REQUEST, Action.CLOSE_ACCESS_REQUEST,
    # A leaver's records are what retention is about, and a record restricted (Article 18) pending a legal claim is
    # the one a hold protects. None of these reads or shares content.
    Action.VIEW_RETENTION, Action.EDIT_RETENTION_RULE, Action.PLACE_LEGAL_HOLD, Action.LIFT_LEGAL_HOLD,
    Action.REQUEST_ERASURE,
})
# --- consent to a referral or to sharing -----------------------------------------------------------


def _family_member_of(user, learner) -> bool:
    return user.role is Role.PARENT and _member_of(user, learner)


def _sees_consents(user, thing) -> bool:
    """The learner's consent and sharing page (thing: the Learner), or one consent on it."""
    learner = thing.learner if isinstance(thing, Consent) else thing
    return isinstance(learner, Learner) and (
        _senco_of(user, learner) or _dsl_of(user, learner) or _family_member_of(user, learner))


def _records_consent(user, learner) -> bool:
    # The SENCo records any consent; a parent on the team gives their own (the service makes it theirs).
    return isinstance(learner, Learner) and (_senco_of(user, learner) or _family_member_of(user, learner))


def _withdraws_consent(user, consent) -> bool:
    if not isinstance(consent, Consent) or not consent.is_live:
        return False
    learner = consent.learner
    return _senco_of(user, learner) or (_family_member_of(user, learner) and consent.given_by_id == user.id)


def _downloads_bundle(user, bundle) -> bool:
    return isinstance(bundle, SubjectAccessBundle) and _handles_request(user, bundle.request)


def _releases_concerns(user, request) -> bool:
    """The DSL of the learner's school (KCSIE: what a concern may disclose is their judgement), on an open request;
    None: their list of their school's requests."""
    if request is None:
        return user.role is Role.DSL and not user.restricted
    return isinstance(request, SubjectAccessRequest) and request.is_open and request.learner is not None \
        and request.learner.school_id == request.agency_id and _dsl_of(user, request.learner)


# The bundle answers the same right: neither an archived nor a restricted record stops it.
DATA_PROTECTION_DUTIES = DATA_PROTECTION_DUTIES | {
    Action.PREPARE_SUBJECT_ACCESS_BUNDLE, Action.DOWNLOAD_SUBJECT_ACCESS_BUNDLE, Action.RELEASE_CONCERNS_FOR_REQUEST,
}


# Each rule takes (user, thing) and is only reached for a signed-in, active user.
_RULES = {
    Action.VIEW_HOME: lambda user, thing: True,
    Action.SIGN_OUT: lambda user, thing: True,
    Action.CHANGE_OWN_PASSWORD: lambda user, thing: True,
    # Everyone's own notifications (their queries start from the recipient): what each is about was checked
    # against the policy when it was made, and is again when the page shows it (app.notifications.subjects).
    Action.VIEW_NOTIFICATIONS: lambda user, thing: True,
    Action.MANAGE_NOTIFICATIONS: lambda user, thing: True,
    Action.MANAGE_OWN_TWO_STEP: lambda user, thing: True,
    Action.TURN_OFF_TWO_STEP: lambda user, thing: not _two_step_required(user),
    Action.LIST_ACCOUNTS: lambda user, thing: is_agency_admin(user),
    Action.CREATE_ACCOUNT: lambda user, thing: is_agency_admin(user),
    Action.VIEW_ACCOUNT: _can_manage_account,
    Action.EDIT_ACCOUNT: _can_manage_account,
    # Only a school's administrator: outside accounts are linked to a school through its cases.
    Action.LIST_OUTSIDE_ACCOUNTS: lambda user, thing: is_agency_admin(user) and user.agency.kind is AgencyKind.SCHOOL,
    Action.RESET_ACCOUNT_PASSWORD: _can_manage_account,
    # Never one's own: a stolen password must not be enough to take over an admin's second step.
    Action.RESET_ACCOUNT_TWO_STEP: lambda user, thing: _can_manage_account(user, thing) and thing.id != user.id,
    # An admin cannot lock themselves out of their own agency.
    Action.DEACTIVATE_ACCOUNT: lambda user, thing: _can_manage_account(user, thing)
    and thing.id != user.id
    and thing.active,
    Action.REACTIVATE_ACCOUNT: lambda user, thing: _can_manage_account(user, thing) and not thing.active,
    Action.LIST_LEARNERS: lambda user, thing: _lists_learners(user),
    Action.FIND_LEARNER: lambda user, thing: is_school_senco(user),
    Action.REGISTER_LEARNER: lambda user, thing: is_school_senco(user),
    # The MIS import: the school's SENCo, for their own school's imports (an administrator sees no learner).
    Action.IMPORT_LEARNERS: lambda user, thing: _imports_for(user, thing),
    Action.VIEW_LEARNER_IMPORT: lambda user, thing: _imports_for(user, thing),
    # The DSL knows every learner of the school by name (to read concerns), not their case.
    Action.VIEW_LEARNER: lambda user, thing: _on_case(user, thing)
    or _dsl_of(user, thing)
    or _break_glass_of(user, thing),
    # Rectification (UK GDPR Article 16) is the SENCo's; the earlier values are for the SENCo and the DSL.
    Action.CORRECT_LEARNER: lambda user, thing: _senco_of(user, thing),
    Action.VIEW_LEARNER_HISTORY: lambda user, thing: _senco_of(user, thing) or _dsl_of(user, thing),
    # Two records of one child become one: the SENCo's, for a record not merged away already.
    Action.MERGE_LEARNERS: lambda user, thing: _senco_of(user, thing) and thing.merged_into_id is None,
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
    Action.WITHDRAW_CONTRIBUTION: _withdraws_contribution,
    Action.MOVE_CONTRIBUTION: lambda user, thing: _sees_contribution(user, thing) and _senco_of(user, thing.learner),
    # Withdrawn work is kept for safeguarding: the DSL alone reads it, with the reasons.
    Action.VIEW_WITHDRAWN_CONTRIBUTIONS: lambda user, thing: _dsl_of(user, thing),
    Action.VIEW_MEETING: _sees_meeting,
    Action.EXPORT_CASE_DOCUMENT: _exports_document,
    Action.VIEW_FAMILY_PROFILE: _sees_family_profile,
    Action.EDIT_FAMILY_PROFILE: lambda user, thing: _senco_of(user, _case_of(thing)),
    Action.EDIT_MEETING: _edits_meeting,
    Action.SIGN_OFF_MEETING: _signs_off,
    Action.UPDATE_ACTION: _updates_action,
    Action.VIEW_CONCERN: _sees_concern,
    Action.ATTACH_FILE: _attaches_file,
    Action.DOWNLOAD_ATTACHMENT: _sees_attachment,
    Action.REMOVE_ATTACHMENT: _removes_attachment,
    Action.RECORD_CONCERN_ACTION: lambda user, thing: thing is not None and _dsl_of(user, _learner_of(thing)),
    Action.LIST_CONCERNS: lambda user, thing: user.role is not Role.PARENT and user.role is not Role.ADMIN,
    Action.LIST_CASE_CONCERNS: lambda user, thing: _dsl_of(user, thing),
    Action.REVIEW_CONCERNS: lambda user, thing: user.role is Role.DSL and not user.restricted,
    # Administrators manage accounts only: no case work on their home page.
    Action.VIEW_CASEWORK: lambda user, thing: user.role is not Role.ADMIN,
    Action.REVIEW_AUDIT: _reviews_audit,
    Action.EXPORT_AUDIT: lambda user, thing: user.role is Role.DSL and not user.restricted,
    Action.BREAK_GLASS: _opens_break_glass,
    Action.VIEW_FAMILY_ACCESS_SUMMARY: _sees_family_summary,
    # KCSIE: withholding from the family what could cause serious harm is the DSL's judgement, for their school.
    Action.DECIDE_FAMILY_VISIBILITY: lambda user, thing: isinstance(thing, Learner) and _dsl_of(user, thing),
    Action.MANAGE_FAMILY_VIEW_SETTINGS: lambda user, thing: _school_staff(user)
    and (is_school_senco(user) or is_agency_admin(user)),
    Action.KEEP_CPD_LOG: lambda user, thing: _keeps_cpd_log(user),
    Action.VIEW_CPD_LOG: _reads_cpd_log,
    Action.VIEW_CPD_RECORD: _reads_cpd_record,
    Action.EDIT_CPD_RECORD: _writes_cpd_record,
    Action.WITHDRAW_CPD_ENTRY: _withdraws_cpd_entry,
    Action.REFLECT_ON_WORK: _reflects_on,
    Action.EXPORT_CPD_LOG: _reads_cpd_log,
    # Anyone signed in may ask: the list holds only their own reports (`cpd_reports`), empty for most.
    Action.LIST_CPD_REPORTS: lambda user, thing: True,
    Action.RECORD_PROGRESS_REVIEW: lambda user, thing: _line_manages(user, thing) and thing.role in PRACTITIONER_ROLES,
    Action.VIEW_PROGRESS_REVIEW: _sees_review,
    Action.EDIT_PROGRESS_REVIEW: _edits_review,
    Action.SIGN_PROGRESS_REVIEW: _signs_review,
    Action.VIEW_JOBS: lambda user, thing: is_agency_admin(user),
    Action.VIEW_UNSENT_MAIL: lambda user, thing: is_agency_admin(user),
    Action.RETRY_MAIL: lambda user, thing: is_agency_admin(user) and thing is not None and thing.sent_at is None,
    # Development only (the view answers 404 elsewhere): the one running the demo signs in as an administrator
    # to follow an invitation or reset link. Not anyone signed in: a demo parent would read the SENCo's links.
    Action.VIEW_DEV_OUTBOX: lambda user, thing: is_agency_admin(user),
    # Transfers: the record and SEND file are the SENCo's to send; the child-protection file is the DSL's, and
    # only the DSL learns that one was sent (KCSIE: it travels separately from the main record).
    Action.VIEW_TRANSFERS: lambda user, thing: _senco_of(user, _case_of(thing)) or _dsl_of(user, _case_of(thing)),
    Action.MAKE_TRANSFER_BUNDLE: lambda user, thing: _senco_of(user, thing),
    Action.DOWNLOAD_TRANSFER_BUNDLE: lambda user, thing: isinstance(thing, TransferBundle)
    and _senco_of(user, thing.learner),
    Action.VIEW_CP_TRANSFERS: lambda user, thing: _dsl_of(user, _case_of(thing)),
    Action.RECORD_CP_TRANSFER: lambda user, thing: _dsl_of(user, thing),
    Action.CONFIRM_CP_RECEIPT: lambda user, thing: isinstance(thing, ChildProtectionTransfer)
    and _dsl_of(user, thing.learner) and not thing.is_confirmed,
    Action.VIEW_SCHOOL_CALENDAR: lambda user, thing: _school_staff(user),
    Action.EDIT_SCHOOL_CALENDAR: _keeps_calendar,
    Action.MANAGE_YEAR_END: _manages_year_end,
    Action.LIST_ARCHIVED_LEARNERS: lambda user, thing: user.role in (Role.SENCO, Role.DSL) and not user.restricted,
    Action.MARK_LEAVING: lambda user, thing: _senco_of(user, thing),
    # Article 18: the school's SENCo or DSL restricts a learner's record, and lifts the restriction.
    Action.RESTRICT_PROCESSING: _restricts,
    Action.LIFT_RESTRICTION: _lifts_restriction,
    # The record of processing (Article 30) names the school's DPO and every category of data it holds.
    Action.VIEW_RECORD_OF_PROCESSING: lambda user, thing: _school_dpo(user),
    # Retention and erasure: the school's DPO.
    Action.VIEW_RETENTION: lambda user, thing: _school_dpo(user),
    Action.EDIT_RETENTION_RULE: lambda user, thing: _school_dpo(user),
    Action.PLACE_LEGAL_HOLD: _dpo_of,
    Action.LIFT_LEGAL_HOLD: _dpo_of,
    Action.REQUEST_ERASURE: _dpo_of,
    # The DSL decides whether a child-protection file due for review is destroyed or kept (a leaver's, mostly).
    Action.REVIEW_CHILD_PROTECTION_FILE: lambda user, thing: isinstance(thing, Learner) and _dsl_of(user, thing),
    Action.DESIGNATE_DPO: _designates_dpo,
    Action.LIST_ACCESS_REQUESTS: lambda user, thing: _school_dpo(user),
    Action.REGISTER_ACCESS_REQUEST: lambda user, thing: _school_dpo(user),
    Action.VIEW_ACCESS_REQUEST: _handles_request,
    Action.RECORD_REQUESTER_IDENTITY: lambda user, thing: _handles_open_request(user, thing)
    and not thing.identity_checked,
    # Once (Article 12(3)), for a subject access request whose clock is known (identity checked): the educational
    # record's 15 school days are not extended.
    Action.EXTEND_ACCESS_REQUEST: lambda user, thing: _handles_open_request(user, thing)
    and thing.kind is RequestKind.ARTICLE_15 and thing.identity_checked and not thing.is_extended,
    Action.CLOSE_ACCESS_REQUEST: _handles_open_request,
    Action.VIEW_CONSENTS: _sees_consents,
    Action.RECORD_CONSENT: _records_consent,
    Action.WITHDRAW_CONSENT: _withdraws_consent,
    Action.PREPARE_SUBJECT_ACCESS_BUNDLE: _handles_open_request,
    Action.DOWNLOAD_SUBJECT_ACCESS_BUNDLE: _downloads_bundle,
    Action.RELEASE_CONCERNS_FOR_REQUEST: _releases_concerns,
}
RULES = {action: rule if action in DATA_PROTECTION_DUTIES
         else _minding_restriction(action, _minding_archive(action, rule)) for action, rule in _RULES.items()}
