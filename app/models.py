"""Every table's model, imported in one place so that the ORM and Alembic see the whole schema; and what the
audit trail may name (app.audit.subjects) and how (app.audit.directory): the audit package knows no domain."""
from app.agencies import trail as agencies_trail
from app.agencies.accounts.models import Agency, User
from app.agencies.calendar.models import SchoolCalendarPeriod
from app.agencies.password_reset import models as password_reset  # noqa: F401
from app.agencies.two_step import models as two_step  # noqa: F401
from app.audit import subjects
from app.audit.family.models import FamilyVisibilityDecision
from app.audit.models import AuditExport
from app.cases import trail as cases_trail
from app.cases.attachments.models import Attachment
from app.cases.break_glass.models import BreakGlassAccess
from app.cases.concerns.models import SafeguardingConcern
from app.cases.consents.models import Consent
from app.cases.contributions.models import Contribution, ContributionMove, ContributionRevision
from app.cases.family_profile.models import FamilyProfile
from app.cases.learners.models import Learner, LearnerRevision
from app.cases.meetings.models import Meeting, MeetingAction, MeetingRecord, OutcomeReview
from app.cases.mis_import.models import LearnerImport
from app.cases.plans.models import CycleStageChange, Outcome, PlanCycle, Provision, SupportPlan
from app.cases.restrictions.models import ProcessingRestriction
from app.cases.team.models import Invitation, TeamMembership
from app.cases.transfers.models import ChildProtectionTransfer, TransferBundle
from app.cases.year_end.models import SchoolYearEnd
from app.core.jobs.models import JobRun
from app.core.mail.models import OutboxMessage
from app.cpd import trail as cpd_trail
from app.cpd.entries.models import ReflectiveEntry
from app.cpd.goals.models import DevelopmentGoal
from app.cpd.reviews.models import ProgressReview, ReviewTarget
from app.data_protection import trail as data_protection_trail
from app.data_protection.bundles import trail as bundles_trail
from app.data_protection.bundles.models import BundleRedaction, ConcernRelease, SubjectAccessBundle
from app.data_protection.requests.models import SubjectAccessRequest
from app.data_protection.retention.models import (
    ChildProtectionReview,
    DestructionEntry,
    ErasureRequest,
    LegalHold,
    RetentionRule,
)
from app.notifications import models as notifications  # noqa: F401
from app.security import models as security  # noqa: F401

subjects.register(
    Agency, User,
    Learner, LearnerRevision, SupportPlan, PlanCycle, CycleStageChange, Outcome, Provision, Contribution,
    ContributionRevision,
    ContributionMove, Meeting, MeetingAction, MeetingRecord, OutcomeReview, SafeguardingConcern, TeamMembership,
    Invitation, ReflectiveEntry, DevelopmentGoal, ProgressReview, ReviewTarget,
    BreakGlassAccess, AuditExport, JobRun, LearnerImport, TransferBundle, ChildProtectionTransfer,
    SchoolCalendarPeriod, SchoolYearEnd, FamilyProfile, Attachment, OutboxMessage, ProcessingRestriction,
    FamilyVisibilityDecision, RetentionRule, LegalHold, ChildProtectionReview, ErasureRequest, DestructionEntry,
    SubjectAccessRequest, Consent, SubjectAccessBundle, BundleRedaction, ConcernRelease,
)
# What a refused request asked for (app.policy.attempts) is named by the record it was asked of: a CPD log by
# its owner, the form to edit a record by that record.
for object_type, model in (("cpd_log", User), ("account_form", User), ("account_change_form", User),
                           ("learner_form", Learner), ("leaving_form", Learner), ("merge_form", Learner),
                           ("contribution_form", Contribution), ("contribution_withdraw_form", Contribution),
                           ("contribution_move_form", Contribution), ("meeting_form", Meeting),
                           ("family_profile_form", FamilyProfile), ("attachment_remove_form", Attachment),
                           ("calendar_form", SchoolCalendarPeriod), ("progress_review_form", ProgressReview),
                           ("cp_receipt_form", ChildProtectionTransfer), ("legal_hold_form", Learner),
                           ("erasure_request_form", Learner), ("child_protection_review_form", Learner),
                           ("subject_access_request_form", SubjectAccessRequest), ("consent_form", Consent),
                           ("subject_access_bundle_form", SubjectAccessRequest),
                           ("concern_release_form", SubjectAccessRequest),
                           ("subject_access_download_form", SubjectAccessBundle)):
    subjects.register_named_by(object_type, model)
agencies_trail.register()
cases_trail.register()
cpd_trail.register()
data_protection_trail.register()
bundles_trail.register()
