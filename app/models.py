"""Every table's model, imported in one place so that the ORM and Alembic see the whole schema, and the
records the audit trail may name (app.audit.subjects): the audit package itself knows no domain."""
from app.agencies.accounts.models import Agency, User
from app.agencies.password_reset import models as password_reset  # noqa: F401
from app.agencies.two_step import models as two_step  # noqa: F401
from app.audit import subjects
from app.audit.models import AuditExport, BreakGlassAccess
from app.cases.concerns.models import SafeguardingConcern
from app.cases.contributions.models import Contribution, ContributionRevision
from app.cases.learners.models import Learner
from app.cases.meetings.models import Meeting, MeetingAction, MeetingRecord, OutcomeReview
from app.cases.plans.models import Outcome, PlanCycle, Provision, SupportPlan
from app.cases.team.models import Invitation, TeamMembership
from app.core.jobs.models import JobRun
from app.core.mail import models as mail  # noqa: F401
from app.cpd.entries.models import ReflectiveEntry
from app.cpd.goals.models import DevelopmentGoal
from app.cpd.reviews.models import ProgressReview, ReviewTarget
from app.security import models as security  # noqa: F401

subjects.register(
    Agency, User,
    Learner, SupportPlan, PlanCycle, Outcome, Provision, Contribution, ContributionRevision, Meeting, MeetingAction,
    MeetingRecord, OutcomeReview, SafeguardingConcern, TeamMembership, Invitation,
    ReflectiveEntry, DevelopmentGoal, ProgressReview, ReviewTarget,
    BreakGlassAccess, AuditExport, JobRun,
)
