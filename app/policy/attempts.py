"""What a refused request asked for, in the audit trail's words: one row per policy action, read with the method.

A refusal is labelled for what was asked, not for the record that holds it: a parent who opens the "raise a
concern" form was refused a *view* of that form (about their child), and one who posts it the *creation* of a
concern. Each action says what it attempts and of what type of object, and, when a GET of it shows a form,
which form; a GET is recorded as a view (of the form, or of the object) or a download's export, never as a
change it did not make. The object types are labelled where their domain labels its types (the trail.py
modules, app.audit.review.services for the trail's own); a test holds every type here to a label.
"""
from __future__ import annotations

from dataclasses import dataclass

from app.audit.models import AuditAction
from app.policy.actions import Action

VIEW, CREATE, UPDATE, DELETE, EXPORT = (AuditAction.VIEW, AuditAction.CREATE, AuditAction.UPDATE,
                                        AuditAction.DELETE, AuditAction.EXPORT)
THING = None  # the object type of the record the action was asked of (an action over several kinds of record)


@dataclass(frozen=True)
class Attempt:
    action: AuditAction  # what the request attempted (any method but GET, and a GET of a read or download)
    object_type: str | None  # of what; THING: the type of the record asked for
    form: str | None = None  # what a GET of a change shows: the form's object type


ATTEMPTS: dict[Action, Attempt] = {
    Action.VIEW_HOME: Attempt(VIEW, "home_page"),
    Action.SIGN_OUT: Attempt(AuditAction.SIGN_OUT, "user_account"),
    Action.CHANGE_OWN_PASSWORD: Attempt(UPDATE, "user_account", "password_form"),
    Action.MANAGE_OWN_TWO_STEP: Attempt(UPDATE, "user_account", "two_step_form"),
    Action.TURN_OFF_TWO_STEP: Attempt(UPDATE, "user_account", "two_step_form"),
    Action.LIST_ACCOUNTS: Attempt(VIEW, "account_list"),
    Action.CREATE_ACCOUNT: Attempt(CREATE, "user_account", "account_form"),
    Action.VIEW_ACCOUNT: Attempt(VIEW, "user_account"),
    Action.EDIT_ACCOUNT: Attempt(UPDATE, "user_account", "account_form"),
    Action.LIST_OUTSIDE_ACCOUNTS: Attempt(VIEW, "account_list"),
    Action.DEACTIVATE_ACCOUNT: Attempt(UPDATE, "user_account", "account_change_form"),
    Action.REACTIVATE_ACCOUNT: Attempt(UPDATE, "user_account", "account_change_form"),
    Action.RESET_ACCOUNT_PASSWORD: Attempt(UPDATE, "user_account", "account_change_form"),
    Action.RESET_ACCOUNT_TWO_STEP: Attempt(UPDATE, "user_account", "account_change_form"),
    Action.LIST_LEARNERS: Attempt(VIEW, "learner_list"),
    Action.FIND_LEARNER: Attempt(VIEW, "learner_search"),
    Action.REGISTER_LEARNER: Attempt(CREATE, "learner", "learner_form"),
    Action.IMPORT_LEARNERS: Attempt(CREATE, "learner_import", "learner_import_form"),
    Action.VIEW_LEARNER_IMPORT: Attempt(VIEW, "learner_import"),
    Action.VIEW_LEARNER: Attempt(VIEW, "learner"),
    Action.CORRECT_LEARNER: Attempt(UPDATE, "learner", "learner_form"),
    Action.VIEW_LEARNER_HISTORY: Attempt(VIEW, "learner_revision"),
    Action.LIST_ARCHIVED_LEARNERS: Attempt(VIEW, "learner_list"),
    Action.MARK_LEAVING: Attempt(UPDATE, "learner", "leaving_form"),
    Action.VIEW_SCHOOL_CALENDAR: Attempt(VIEW, "school_calendar"),
    Action.EDIT_SCHOOL_CALENDAR: Attempt(UPDATE, "school_calendar_period", "calendar_form"),
    Action.MANAGE_YEAR_END: Attempt(UPDATE, "school_year_end", "year_end_form"),
    Action.MERGE_LEARNERS: Attempt(UPDATE, "learner", "merge_form"),
    Action.RESTRICT_PROCESSING: Attempt(CREATE, "processing_restriction", "restriction_form"),
    Action.LIFT_RESTRICTION: Attempt(UPDATE, "processing_restriction", "restriction_form"),
    Action.VIEW_CONSENTS: Attempt(VIEW, "consent_list"),
    Action.RECORD_CONSENT: Attempt(CREATE, "consent", "consent_form"),
    Action.WITHDRAW_CONSENT: Attempt(UPDATE, "consent", "consent_form"),
    Action.VIEW_CASE: Attempt(VIEW, THING),  # the learner's case, or a plan cycle of it
    Action.EDIT_PLAN: Attempt(UPDATE, THING, "plan_form"),
    Action.MANAGE_TEAM: Attempt(UPDATE, THING, "team_form"),  # the learner's team, a membership, an invitation
    Action.ADD_CONTRIBUTION: Attempt(CREATE, "contribution", "contribution_form"),
    Action.RECORD_MEETING: Attempt(CREATE, "meeting", "meeting_form"),
    Action.RECORD_CONCERN: Attempt(CREATE, "safeguarding_concern", "concern_form"),
    Action.VIEW_CONTRIBUTION: Attempt(VIEW, "contribution"),
    Action.VIEW_CONTRIBUTION_REVISION: Attempt(VIEW, "contribution_revision"),
    Action.EDIT_CONTRIBUTION: Attempt(UPDATE, "contribution", "contribution_form"),
    Action.WITHDRAW_CONTRIBUTION: Attempt(UPDATE, "contribution", "contribution_withdraw_form"),
    Action.MOVE_CONTRIBUTION: Attempt(UPDATE, "contribution", "contribution_move_form"),
    Action.VIEW_WITHDRAWN_CONTRIBUTIONS: Attempt(VIEW, "withdrawn_contributions"),
    Action.VIEW_MEETING: Attempt(VIEW, "meeting"),
    Action.EXPORT_CASE_DOCUMENT: Attempt(EXPORT, THING),
    Action.VIEW_FAMILY_PROFILE: Attempt(VIEW, "family_profile"),
    Action.EDIT_FAMILY_PROFILE: Attempt(UPDATE, "family_profile", "family_profile_form"),
    Action.EDIT_MEETING: Attempt(UPDATE, "meeting", "meeting_form"),
    Action.SIGN_OFF_MEETING: Attempt(UPDATE, "meeting"),
    Action.UPDATE_ACTION: Attempt(UPDATE, "meeting_action"),
    Action.VIEW_CONCERN: Attempt(VIEW, "safeguarding_concern"),
    Action.ATTACH_FILE: Attempt(CREATE, "attachment", "attachment_form"),
    Action.DOWNLOAD_ATTACHMENT: Attempt(EXPORT, "attachment"),
    Action.REMOVE_ATTACHMENT: Attempt(DELETE, "attachment", "attachment_remove_form"),
    Action.RECORD_CONCERN_ACTION: Attempt(UPDATE, "safeguarding_concern"),
    Action.LIST_CONCERNS: Attempt(VIEW, "concern_list"),
    Action.LIST_CASE_CONCERNS: Attempt(VIEW, "concern_list"),
    Action.REVIEW_CONCERNS: Attempt(VIEW, "concern_list"),
    Action.VIEW_CASEWORK: Attempt(VIEW, "casework"),
    Action.REVIEW_AUDIT: Attempt(VIEW, "audit_trail"),
    Action.EXPORT_AUDIT: Attempt(EXPORT, "audit_export"),
    Action.BREAK_GLASS: Attempt(AuditAction.BREAK_GLASS, "learner", "break_glass_form"),
    Action.VIEW_FAMILY_ACCESS_SUMMARY: Attempt(VIEW, "access_summary"),
    Action.DECIDE_FAMILY_VISIBILITY: Attempt(CREATE, "family_visibility_decision", "family_visibility_form"),
    Action.MANAGE_FAMILY_VIEW_SETTINGS: Attempt(UPDATE, "agency", "family_view_settings_form"),
    Action.KEEP_CPD_LOG: Attempt(CREATE, "cpd_log"),  # also the gate of one's own log page: no form
    Action.VIEW_CPD_LOG: Attempt(VIEW, "cpd_log"),
    Action.VIEW_CPD_RECORD: Attempt(VIEW, THING),
    Action.EDIT_CPD_RECORD: Attempt(UPDATE, THING, "cpd_log_form"),
    Action.WITHDRAW_CPD_ENTRY: Attempt(UPDATE, "cpd_entry", "cpd_withdraw_form"),
    Action.REFLECT_ON_WORK: Attempt(CREATE, "cpd_entry", "cpd_log_form"),
    Action.EXPORT_CPD_LOG: Attempt(EXPORT, "cpd_log"),
    Action.LIST_CPD_REPORTS: Attempt(VIEW, "cpd_report_list"),
    Action.RECORD_PROGRESS_REVIEW: Attempt(CREATE, "cpd_progress_review", "progress_review_form"),
    Action.VIEW_PROGRESS_REVIEW: Attempt(VIEW, "cpd_progress_review"),
    Action.EDIT_PROGRESS_REVIEW: Attempt(UPDATE, "cpd_progress_review", "progress_review_form"),
    Action.SIGN_PROGRESS_REVIEW: Attempt(UPDATE, "cpd_progress_review"),
    Action.VIEW_TRANSFERS: Attempt(VIEW, "transfer_list"),
    Action.MAKE_TRANSFER_BUNDLE: Attempt(CREATE, "transfer_bundle", "transfer_bundle_form"),
    Action.DOWNLOAD_TRANSFER_BUNDLE: Attempt(EXPORT, "transfer_bundle"),
    Action.VIEW_CP_TRANSFERS: Attempt(VIEW, "child_protection_transfer"),
    Action.RECORD_CP_TRANSFER: Attempt(CREATE, "child_protection_transfer", "cp_transfer_form"),
    Action.CONFIRM_CP_RECEIPT: Attempt(UPDATE, "child_protection_transfer", "cp_receipt_form"),
    Action.VIEW_NOTIFICATIONS: Attempt(VIEW, "notification_list"),
    Action.MANAGE_NOTIFICATIONS: Attempt(UPDATE, "user_account", "notification_settings_form"),
    Action.VIEW_JOBS: Attempt(VIEW, "job_run"),
    Action.VIEW_UNSENT_MAIL: Attempt(VIEW, "outbox_message"),
    Action.RETRY_MAIL: Attempt(UPDATE, "outbox_message"),
    Action.VIEW_DEV_OUTBOX: Attempt(VIEW, "outbox_message"),
    Action.VIEW_RECORD_OF_PROCESSING: Attempt(VIEW, "record_of_processing"),
    Action.VIEW_RETENTION: Attempt(VIEW, "retention_schedule"),
    Action.EDIT_RETENTION_RULE: Attempt(UPDATE, "retention_rule", "retention_rule_form"),
    Action.PLACE_LEGAL_HOLD: Attempt(CREATE, "legal_hold", "legal_hold_form"),
    Action.LIFT_LEGAL_HOLD: Attempt(UPDATE, "legal_hold", "legal_hold_form"),
    Action.REQUEST_ERASURE: Attempt(CREATE, "erasure_request", "erasure_request_form"),
    Action.REVIEW_CHILD_PROTECTION_FILE: Attempt(CREATE, "child_protection_review", "child_protection_review_form"),
    Action.DESIGNATE_DPO: Attempt(UPDATE, "user_account", "account_change_form"),
    Action.LIST_ACCESS_REQUESTS: Attempt(VIEW, "subject_access_register"),
    Action.REGISTER_ACCESS_REQUEST: Attempt(CREATE, "subject_access_request", "subject_access_request_form"),
    Action.VIEW_ACCESS_REQUEST: Attempt(VIEW, "subject_access_request"),
    Action.RECORD_REQUESTER_IDENTITY: Attempt(UPDATE, "subject_access_request", "subject_access_request_form"),
    Action.EXTEND_ACCESS_REQUEST: Attempt(UPDATE, "subject_access_request", "subject_access_request_form"),
    Action.CLOSE_ACCESS_REQUEST: Attempt(UPDATE, "subject_access_request", "subject_access_request_form"),
    Action.PREPARE_SUBJECT_ACCESS_BUNDLE: Attempt(UPDATE, "subject_access_request", "subject_access_bundle_form"),
    Action.DOWNLOAD_SUBJECT_ACCESS_BUNDLE: Attempt(EXPORT, "subject_access_bundle", "subject_access_download_form"),
    Action.RELEASE_CONCERNS_FOR_REQUEST: Attempt(CREATE, "concern_release", "concern_release_form"),
}

READS = frozenset({AuditAction.VIEW, AuditAction.EXPORT})  # a GET of these (a page, a download) asked for that


def attempted(action: Action, method: str | None, thing_type: str | None) -> tuple[AuditAction, str | None]:
    """(audit action, object type) of a request for `action` by `method`, about a record of `thing_type`.

    A GET of a change with a form asked to see the form; a GET of any other change asked to see the object;
    otherwise the request attempted the action itself (a GET of an export's page, or a download, is the export:
    the page is where the log or trail leaves).
    """
    attempt = ATTEMPTS.get(action) or Attempt(UPDATE, THING)  # an action added without a row: still recorded
    object_type = attempt.object_type or thing_type
    if method in ("GET", "HEAD"):
        if attempt.form is not None:
            return VIEW, attempt.form
        if attempt.action not in READS:
            return VIEW, object_type
    return attempt.action, object_type
