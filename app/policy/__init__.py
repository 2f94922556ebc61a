"""THE authorization rules: every view, query and template asks here, and the answer fails closed.

actions (what may be asked, and the roles the rules single out), rules (one predicate per action),
decisions (can, shows, require), scopes (where every list query starts) and loading (get_or_404: load,
then check). The policy reads every domain's models, never their services or views (pyproject's contracts).
"""
from app.policy.actions import MFA_REQUIRED_ROLES, PRACTITIONER_ROLES, SCHOOL_CASE_ROLES, Action
from app.policy.attempts import attempted
from app.policy.bound import BoundLearner, bound_statement, learner_params_of, params_of
from app.policy.decisions import DECISION_MADE, audit_action_for, can, refuse, require, shows
from app.policy.loading import RECORD_LEARNER, cpd_owner_or_404, get_or_404, survivor_public_id
from app.policy.machines import may_read_metrics, metrics_enabled
from app.policy.mail import mail_keeper
from app.policy.rules import (
    case_role,
    forget_break_glass,
    forget_memberships,
    know_memberships,
    processing_restricted,
)
from app.policy.scopes import (
    case_concerns,
    case_invitations,
    case_learners,
    closed_invitations,
    cpd_log_owners,
    cpd_reports,
    invitable_agencies,
    line_reports,
    listed_learners,
    on_own_case,
    open_invitations,
    outside_memberships,
    plan_cycles,
    school_staff,
    team_memberships,
    visible_accounts,
    visible_actions,
    visible_concerns,
    visible_contributions,
    visible_imports,
    visible_learners,
    visible_meetings,
    visible_progress_reviews,
    visible_unsent_mail,
)

__all__ = [
    "DECISION_MADE", "RECORD_LEARNER", "MFA_REQUIRED_ROLES", "PRACTITIONER_ROLES", "SCHOOL_CASE_ROLES", "Action",
    "BoundLearner", "attempted", "audit_action_for", "bound_statement", "can", "case_concerns", "case_invitations",
    "closed_invitations", "learner_params_of", "mail_keeper",
    "case_learners", "case_role", "cpd_log_owners", "cpd_owner_or_404", "cpd_reports", "forget_break_glass",
    "forget_memberships", "know_memberships", "get_or_404", "invitable_agencies", "line_reports", "listed_learners",
    "may_read_metrics",
    "metrics_enabled", "on_own_case", "open_invitations", "params_of",
    "outside_memberships", "plan_cycles", "processing_restricted", "refuse", "require", "school_staff", "shows",
    "survivor_public_id",
    "team_memberships",
    "visible_accounts", "visible_actions", "visible_concerns",
    "visible_contributions", "visible_imports", "visible_learners", "visible_meetings", "visible_progress_reviews",
    "visible_unsent_mail",
]
