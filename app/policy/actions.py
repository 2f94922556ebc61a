"""What may be asked of the policy: every action, and the roles the rules single out."""
from __future__ import annotations

import enum

from app.agencies.accounts.models import Role

# Roles that hold the most sensitive records, or come from outside the school: the second step of signing
# in is not optional for them (app.agencies.two_step asks here).
MFA_REQUIRED_ROLES = frozenset({Role.DSL, Role.SENCO, Role.ADMIN, Role.SLT, Role.EP})


# School roles that work on cases (admins never see case content).
SCHOOL_CASE_ROLES = frozenset({Role.SENCO, Role.LSP, Role.TEACHER, Role.DSL})
# Roles that keep a reflective CPD log (and may have their progress reviewed).
PRACTITIONER_ROLES = frozenset({Role.LSP, Role.TEACHER, Role.SENCO, Role.DSL, Role.SLT, Role.EP})


class Action(enum.Enum):
    VIEW_HOME = "view_home"
    SIGN_OUT = "sign_out"
    CHANGE_OWN_PASSWORD = "change_own_password"
    MANAGE_OWN_TWO_STEP = "manage_own_two_step"  # one's own authenticator and recovery codes (app.agencies.two_step)
    TURN_OFF_TWO_STEP = "turn_off_two_step"  # only where the role does not require it
    LIST_ACCOUNTS = "list_accounts"
    CREATE_ACCOUNT = "create_account"
    VIEW_ACCOUNT = "view_account"
    EDIT_ACCOUNT = "edit_account"  # name, email, role, FTE, line manager, CPD year start (thing: the User)
    LIST_OUTSIDE_ACCOUNTS = "list_outside_accounts"  # externals and parents on the school's cases, no learners
    DEACTIVATE_ACCOUNT = "deactivate_account"
    REACTIVATE_ACCOUNT = "reactivate_account"
    RESET_ACCOUNT_PASSWORD = "reset_account_password"
    RESET_ACCOUNT_TWO_STEP = "reset_account_two_step"  # a lost authenticator: the person sets up a new one
    LIST_LEARNERS = "list_learners"
    FIND_LEARNER = "find_learner"
    REGISTER_LEARNER = "register_learner"
    IMPORT_LEARNERS = "import_learners"
    VIEW_LEARNER_IMPORT = "view_learner_import"
    VIEW_LEARNER = "view_learner"
    CORRECT_LEARNER = "correct_learner"
    VIEW_LEARNER_HISTORY = "view_learner_history"
    LIST_ARCHIVED_LEARNERS = "list_archived_learners"  # the "include archived" filter of lists and search
    MARK_LEAVING = "mark_leaving"  # thing: the Learner (archived at the leaving date or the year end)
    # The school year: the calendar (kept by the administrator, read by the school's staff) and its year end
    VIEW_SCHOOL_CALENDAR = "view_school_calendar"
    EDIT_SCHOOL_CALENDAR = "edit_school_calendar"  # thing: None (add) or a SchoolCalendarPeriod
    MANAGE_YEAR_END = "manage_year_end"  # thing: None or the SchoolYearEnd
    MERGE_LEARNERS = "merge_learners"  # thing: a Learner not merged away (the other record is checked alike)
    # Restriction of processing (UK GDPR Article 18), thing: the Learner. While restricted, their record is read by
    # the SENCo and the DSL only, and nobody changes or shares it (app.policy.rules: RESTRICTED_CHANGES, ...)
    RESTRICT_PROCESSING = "restrict_processing"
    LIFT_RESTRICTION = "lift_restriction"
    # Consent to a referral or to sharing the case (thing: the Learner to view and record; the Consent to withdraw):
    # the SENCo records and withdraws any; a parent on the team gives, and withdraws, their own through Braid.
    VIEW_CONSENTS = "view_consents"  # the learner's "Consent and sharing" page: the SENCo, the DSL, the family
    RECORD_CONSENT = "record_consent"
    WITHDRAW_CONSENT = "withdraw_consent"
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
    # Misfiled work (thing: a Contribution not yet withdrawn): the author or the SENCo withdraws it; the SENCo moves it
    WITHDRAW_CONTRIBUTION = "withdraw_contribution"
    MOVE_CONTRIBUTION = "move_contribution"
    VIEW_WITHDRAWN_CONTRIBUTIONS = "view_withdrawn_contributions"  # thing: the Learner; the DSL only
    VIEW_MEETING = "view_meeting"
    # A PDF of a page one may view, audited as an export (thing: a PlanCycle, a Meeting or a FamilyProfile):
    # exactly who may view that page may download it
    EXPORT_CASE_DOCUMENT = "export_case_document"
    # The family one-page profile: read by the team, and by the family once shared (thing: the FamilyProfile);
    # drafted and edited by the SENCo (thing: the Learner or the FamilyProfile)
    VIEW_FAMILY_PROFILE = "view_family_profile"
    EDIT_FAMILY_PROFILE = "edit_family_profile"
    EDIT_MEETING = "edit_meeting"
    SIGN_OFF_MEETING = "sign_off_meeting"
    UPDATE_ACTION = "update_action"
    VIEW_CONCERN = "view_concern"
    # Attached files (thing: the parent Contribution, Meeting or SafeguardingConcern to attach; the Attachment to
    # download or remove): an attachment is seen by exactly who sees its parent
    ATTACH_FILE = "attach_file"
    DOWNLOAD_ATTACHMENT = "download_attachment"
    REMOVE_ATTACHMENT = "remove_attachment"
    RECORD_CONCERN_ACTION = "record_concern_action"
    LIST_CONCERNS = "list_concerns"
    # thing: the Learner; their concerns among the rest of their chronology: the school's DSL only (an author
    # reads their own on the concerns page, never among the case's events)
    LIST_CASE_CONCERNS = "list_case_concerns"
    REVIEW_CONCERNS = "review_concerns"  # the DSL's school-wide count of concerns awaiting action
    VIEW_CASEWORK = "view_casework"  # the home page's open actions, reviews due and cases
    # The audit trail and break-glass access
    REVIEW_AUDIT = "review_audit"  # the DSL's review of their school's trail (thing: None, a Learner or a User)
    EXPORT_AUDIT = "export_audit"
    BREAK_GLASS = "break_glass"  # open a case one is not on, for an hour, giving a reason (thing: the Learner)
    # Who has seen a child's record, for the family (thing: the Learner): a parent or carer on the case today,
    # and the school's SENCo and DSL, who preview it; what the family is shown of each opening is the DSL's to
    # withhold or release (thing: the Learner); whether staff are named is the school's choice (thing: None).
    VIEW_FAMILY_ACCESS_SUMMARY = "view_family_access_summary"
    DECIDE_FAMILY_VISIBILITY = "decide_family_visibility"
    MANAGE_FAMILY_VIEW_SETTINGS = "manage_family_view_settings"
    # The reflective CPD log
    KEEP_CPD_LOG = "keep_cpd_log"  # write in one's own log: entries, goals (thing: None)
    VIEW_CPD_LOG = "view_cpd_log"  # read a log, its coverage and hours, export it (thing: the log's owner, a User)
    VIEW_CPD_RECORD = "view_cpd_record"  # thing: a ReflectiveEntry or DevelopmentGoal
    EDIT_CPD_RECORD = "edit_cpd_record"  # thing: a ReflectiveEntry or DevelopmentGoal (the owner only)
    # thing: a ReflectiveEntry not yet withdrawn (the owner only; it stays in the log, marked withdrawn)
    WITHDRAW_CPD_ENTRY = "withdraw_cpd_entry"
    REFLECT_ON_WORK = "reflect_on_work"  # start a case-work entry from a Contribution or Meeting of one's own
    EXPORT_CPD_LOG = "export_cpd_log"  # thing: the log's owner
    LIST_CPD_REPORTS = "list_cpd_reports"  # one's own line reports who keep a log (thing: None)
    RECORD_PROGRESS_REVIEW = "record_progress_review"  # thing: the practitioner (a User) whose line manager one is
    VIEW_PROGRESS_REVIEW = "view_progress_review"  # thing: a ProgressReview
    EDIT_PROGRESS_REVIEW = "edit_progress_review"
    SIGN_PROGRESS_REVIEW = "sign_progress_review"
    # Transfers to the next school (thing: the Learner, or the bundle / record itself)
    VIEW_TRANSFERS = "view_transfers"  # the learner's transfers page (the SENCo and the DSL)
    MAKE_TRANSFER_BUNDLE = "make_transfer_bundle"  # the SENCo's sealed bundle of the record and SEND file
    DOWNLOAD_TRANSFER_BUNDLE = "download_transfer_bundle"  # thing: a TransferBundle
    VIEW_CP_TRANSFERS = "view_cp_transfers"  # child-protection transfers: the DSL's alone
    RECORD_CP_TRANSFER = "record_cp_transfer"
    CONFIRM_CP_RECEIPT = "confirm_cp_receipt"  # thing: a ChildProtectionTransfer not yet confirmed
    # One's own notifications (thing: None; every query starts from the recipient): the page, opening one,
    # marking them read, and how each kind is delivered
    VIEW_NOTIFICATIONS = "view_notifications"
    MANAGE_NOTIFICATIONS = "manage_notifications"
    # Background jobs
    VIEW_JOBS = "view_jobs"  # the administrator's page of job runs: names, statuses, error classes, no personal data
    # Mail: the administrator's list of messages not sent (addresses and subjects, never a body), and sending a
    # failed one again; the development outbox page (bodies and their sign-in links; off outside development).
    VIEW_UNSENT_MAIL = "view_unsent_mail"
    RETRY_MAIL = "retry_mail"  # thing: an OutboxMessage not sent
    VIEW_DEV_OUTBOX = "view_dev_outbox"
    # Data protection (UK GDPR): the school's designated data protection officer's (User.is_dpo)
    VIEW_RECORD_OF_PROCESSING = "view_record_of_processing"  # thing: None; the record of the DPO's own school
    # Retention and erasure (the school's data protection officer: a designation on a staff account). Unwrapped by
    # the archive and restriction rules: holds and erasure concern leavers' records and restricted ones above all.
    VIEW_RETENTION = "view_retention"  # the schedule, the register, what is due, erasure requests (thing: None)
    EDIT_RETENTION_RULE = "edit_retention_rule"  # the school's own period and action for a record class
    PLACE_LEGAL_HOLD = "place_legal_hold"  # thing: the Learner
    LIFT_LEGAL_HOLD = "lift_legal_hold"  # thing: the Learner
    REQUEST_ERASURE = "request_erasure"  # record an Article 17 request about the Learner, and act on it
    REVIEW_CHILD_PROTECTION_FILE = "review_child_protection_file"  # the DSL's decision on a file due for review
    # Data protection (app.data_protection). The school's administrator designates its data protection officer(s)
    # (thing: a staff account of their school); the DPO keeps the register of subject access requests (thing:
    # None for the register and a new request, else the SubjectAccessRequest). Answering a request is the
    # learner's right (Article 15): neither an archived nor a restricted record stops it (rules.py).
    DESIGNATE_DPO = "designate_dpo"  # designate or clear the designation
    LIST_ACCESS_REQUESTS = "list_access_requests"
    REGISTER_ACCESS_REQUEST = "register_access_request"
    VIEW_ACCESS_REQUEST = "view_access_request"
    RECORD_REQUESTER_IDENTITY = "record_requester_identity"  # thing: an open request whose identity is unchecked
    EXTEND_ACCESS_REQUEST = "extend_access_request"  # thing: an open Article 15 request not yet extended
    CLOSE_ACCESS_REQUEST = "close_access_request"  # complete, withdraw or refuse (thing: an open request)
    # The bundle answering a request (app.data_protection.bundles): the DPO builds, reviews and redacts it, and
    # finalises it (thing: an open SubjectAccessRequest); downloads it (thing: its SubjectAccessBundle); the DSL of
    # the learner's school releases safeguarding concerns into it or keeps them out (thing: an open request; None
    # for the DSL's list of requests to consider).
    PREPARE_SUBJECT_ACCESS_BUNDLE = "prepare_subject_access_bundle"
    DOWNLOAD_SUBJECT_ACCESS_BUNDLE = "download_subject_access_bundle"
    RELEASE_CONCERNS_FOR_REQUEST = "release_concerns_for_request"
