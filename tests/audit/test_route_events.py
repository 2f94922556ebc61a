"""Every route leaves the audit events the trail promises: a table with one row (or more) per route and method.

Each row names who makes the request, the form that makes a write succeed (or the typical outcome),
and the events the request must leave: action, outcome, object type, object public id and the
learners' public ids. The rows run in order against one world per backend (the authorization
matrix's world, built through the real services); the events of each request are those with an id
above the highest before it (requests are sequential). Every mismatch is collected and printed.

Placeholders in URLs and forms ({alpha}, {cycle}, ...) are the matrix's (tests/test_authorization_matrix.py),
plus a few named below; `*_version` placeholders are read from the database before each request.
In expected events, object ids and learners are placeholder names, None for none, and NEW for a
public id the request itself created (`keep` binds it to a name for later rows).
"""
from __future__ import annotations

import io
import re
from collections import namedtuple
from datetime import timedelta
from urllib.parse import quote

import pytest
from sqlalchemy import func, select

from app.agencies.accounts.models import Agency, User
from app.agencies.calendar.england import school_year_bounds, school_year_of
from app.agencies.calendar.models import SchoolCalendarPeriod
from app.audit.models import AuditEvent, AuditEventLearner
from app.cases.concerns.models import SafeguardingConcern
from app.cases.contributions.models import Contribution
from app.cases.family_profile.models import FamilyProfile
from app.cases.learners.models import Learner
from app.cases.meetings.models import Meeting, MeetingAction
from app.cases.plans.models import Outcome, PlanCycle, Provision
from app.cases.team.models import Invitation
from app.cases.team.services import hash_token
from app.core.dates import today as school_today
from app.cpd.entries.models import ReflectiveEntry
from app.cpd.goals.models import DevelopmentGoal
from app.cpd.reviews.models import ProgressReview
from app.data_protection.requests.models import SubjectAccessRequest
from app.extensions import db
from app.types import utcnow
from tests.fixtures.accounts import PASSWORD
from tests.fixtures.application import sign_in
from tests.test_authorization_matrix import (
    ALPHA,
    BRAVO,
    EXCLUDED_ENDPOINTS,
    build_world,
    expire,
    report_pdf,
    sign_in_columns,
)

E = namedtuple("E", "action outcome object_type object learners", defaults=((),))
NEW = "<new>"
OK, NO = "allowed", "refused"

# Values that must never reach the trail: typed by the rows below, or held by the world.
NEW_PASSWORD = "copper-kettle-harbour-77"
INVITEE_PASSWORD = "velvet-compass-orchard-31"
WRONG_PASSWORD = "wrong-password-canary-8c2d"
UNKNOWN_EMAIL = "nobody-canary@example.org"
# An MIS export of one learner (sealed on upload: the trail names the import, never the learner's values).
IMPORT_FILE = (b"UPN,Legal Forename,Legal Surname,DOB,Year,SEN Status\r\n"
               b"P207000016049,Delta,Importcanary,14/05/2018,3,K\r\n")
# An attached report (sealed: the trail names the attachment, never its name, description or content).
ATTACHED_PDF = report_pdf("CANARY-ATTACHED-REPORT-2b5f")
# What a visitor types where a public id goes: as typed, and squeezed into the public-id alphabet.
FREE_TEXT = "Maya Carter DOB 2016-03-04 lives at 1 Oak Rd"
FREE_TEXT_ID = "Maya_Carter_DOB_2016-03-04_lives_at_1_Oak_Rd"
CHARLIE = {"name": "Charlie Canarylearner", "preferred_name": "Chaz Canary", "upn": "X12345678901A",
           "notes": "CHARLIE-CANARY-NOTES-51ab"}
TEXTS = {
    "views": "CANARY-VIEWS-0d4e", "outcome": "CANARY-OUTCOME-7a21", "outcome_edit": "CANARY-OUTCOME-EDIT-93bf",
    "provision": "CANARY-PROVISION-c6d0", "provision_edit": "CANARY-PROVISION-EDIT-2e88",
    "review": "CANARY-REVIEW-SUMMARY-4f17", "contribution": "CANARY-CONTRIBUTION-b03c",
    "contribution_edit": "CANARY-CONTRIBUTION-EDIT-61e9", "agenda": "CANARY-AGENDA-8d5a",
    "minutes": "CANARY-MINUTES-1c7f", "minutes_edit": "CANARY-MINUTES-EDIT-a4b2", "concern": "CANARY-CONCERN-57de",
    "action_taken": "CANARY-ACTION-TAKEN-e390", "invitee": "Canary Invitee Person",
    "requester": "Canary Requester Name", "entitlement": "CANARY-ENTITLEMENT-77aa",
    "identity_note": "CANARY-IDENTITY-NOTE-3c1e", "extension_reason": "CANARY-EXTENSION-REASON-9d0b",
    "refusal_reason": "CANARY-REFUSAL-REASON-5e2f",
    "cpd_title": "CANARY-CPD-TITLE-5e0a", "cpd_content": "CANARY-CPD-CONTENT-c417",
    "cpd_reflection": "CANARY-CPD-REFLECTION-0f3b", "cpd_action": "CANARY-CPD-ACTION-9d26",
    "goal": "CANARY-GOAL-SPECIFIC-47e1", "goal_measure": "CANARY-GOAL-MEASURE-b2a8",
    "manager_summary": "CANARY-REVIEW-MANAGER-SUMMARY-6c3d",
    "withdraw_reason": "CANARY-CPD-WITHDRAW-REASON-3b9e",
    "profile": "CANARY-FAMILY-PROFILE-5b3a",
    "receiving_school": "CANARY-RECEIVING-SCHOOL-6a0d", "cp_reference": "CANARY-CP-REFERENCE-e2c7",
    "confirmed_by": "CANARY-CONFIRMED-BY-7b31",
    "contribution_withdraw_reason": "CANARY-CONTRIBUTION-WITHDRAW-REASON-5a1c",
    "contribution_move_reason": "CANARY-CONTRIBUTION-MOVE-REASON-8e3d",
    "stage_back_reason": "CANARY-STAGE-BACK-REASON-4d2a",
    "attachment": "CANARY-ATTACHMENT-DESCRIPTION-71c0",
}


def _day(offset: int) -> list[str]:
    day = utcnow().date() + timedelta(days=offset)
    return [str(day.day), str(day.month), str(day.year)]


def _cpd_entry_form(title: str, **extra) -> dict:
    """A Driscoll entry (three prompts), as the entry form posts it."""
    return {
        "reflective_model": "driscoll", "activity_on": _day(0), "hours": "1.5", "participation": "participatory",
        "title": title, "content": TEXTS["cpd_content"], "prompt_what": TEXTS["cpd_reflection"],
        "prompt_so_what": TEXTS["cpd_reflection"], "prompt_now_what": TEXTS["cpd_reflection"],
        "action_what": TEXTS["cpd_action"], "action_how": TEXTS["cpd_action"], "action_by": _day(14),
        "standard_codes": ["AP 12", "BP 4"], **extra,
    }


def _goal_form(**extra) -> dict:
    return {"specific": TEXTS["goal"], "measure": TEXTS["goal_measure"], "relevant_to": "standard",
            "standard_code": "AP 17", "target_on": _day(60), **extra}


def _meeting_form(*, agenda, minutes, action_id="", version="") -> dict:
    return {
        "kind": "planning", "held_on": _day(0), "starts_at": "10:00", "duration_minutes": "30",
        "chair": "{account_lsp}", "attendance-{account_lsp}": "present", "attendance-{account_teacher}": "present",
        "other_attendees": "", "agenda": f"<p>{agenda}</p>", "minutes": f"<p>{minutes}</p>", "decisions": "",
        "actions-0-action_id": action_id, "actions-0-description": "Send home a reading book",
        "actions-0-owner": "{account_teacher}", "actions-0-due_on": _day(7),
        "actions-1-description": "", "actions-1-owner": "", "actions-1-due_on": ["", "", ""],
        "actions-2-description": "", "actions-2-owner": "", "actions-2-due_on": ["", "", ""],
        "version": version,
    }


# Columns: the matrix's signed-in roles; "anonymous" is a fresh client each time; "colleague" is the
# world's spare teacher, signed in for the password change and the sign-out.
# endpoint, method, url, column, form data, expected events[, keep]
ROWS = [
    # --- the home page: one event naming every learner shown -------------------------------------------------
    ("home.index", "GET", "/", "senco", None,
     [E("listed", OK, "learner_list", None, ("alpha", "bravo", "restricted"))]),
    ("home.index", "GET", "/", "teacher", None, [E("listed", OK, "learner_list", None, ("alpha",))]),
    ("home.index", "GET", "/", "admin", None, []),  # administrators see no learner
    ("home.index", "GET", "/", "anonymous", None, []),  # a redirect to sign in, naming nothing
    # --- signing in ------------------------------------------------------------------------------------------
    ("agencies.sign_in", "GET", "/sign-in", "anonymous", None, []),
    ("agencies.sign_in", "POST", "/sign-in", "anonymous", {"email": UNKNOWN_EMAIL, "password": WRONG_PASSWORD},
     [E("sign_in_failed", NO, None, None)]),  # no account: nothing named, the address never written
    ("agencies.sign_in", "POST", "/sign-in", "anonymous", {"email": "{colleague_email}", "password": WRONG_PASSWORD},
     [E("sign_in_failed", NO, "user_account", "colleague")]),
    ("agencies.sign_in", "POST", "/sign-in", "anonymous", {"email": "{colleague_email}", "password": PASSWORD},
     [E("sign_in", OK, "user_account", "colleague")]),
    ("agencies.change_password", "GET", "/account/password", "colleague", None, []),
    ("agencies.change_password", "POST", "/account/password", "colleague",
     {"current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD},
     [E("update", OK, "user_account", "colleague")]),
    # Two-step verification. With no password given first, the code pages name nobody (a redirect to
    # sign in). Codes accepted and refused during sign-in: tests/agencies/test_mfa.py.
    ("agencies.mfa_verify", "GET", "/sign-in/code", "anonymous", None, []),
    ("agencies.mfa_verify", "POST", "/sign-in/code", "anonymous", {"code": "123456"}, []),
    ("agencies.mfa_enrol", "GET", "/sign-in/set-up", "anonymous", None, []),
    ("agencies.mfa_enrol", "POST", "/sign-in/set-up", "anonymous", {"code": "123456"}, []),
    ("agencies.two_step", "GET", "/account/two-step", "teacher", None, []),
    ("agencies.two_step", "POST", "/account/two-step", "senco",
     {"codes-code": "not-a-code", "codes-submit": "Get new recovery codes"},
     [E("update", NO, "user_account", "account_senco")]),  # a wrong code: no new recovery codes
    ("agencies.two_step", "POST", "/account/two-step", "senco",
     {"off-code": "not-a-code", "off-submit": "Turn off two-step verification"},
     [E("update", NO, "user_account", None)]),  # 403: the SENCo's role requires it
    ("agencies.two_step_set_up", "GET", "/account/two-step/set-up", "teacher", None, []),
    ("agencies.two_step_set_up", "POST", "/account/two-step/set-up", "teacher", {}, []),  # unconfirmed: no event yet
    ("agencies.two_step_set_up", "POST", "/account/two-step/set-up", "teacher", {"code": "not-a-code"},
     [E("update", NO, "user_account", "account_teacher")]),  # a wrong code is audited on every code form
    # Forgotten passwords: an unknown address is named nowhere; a link asked for names its account;
    # an unusable link is a refusal naming the account behind it (none here), never the token.
    ("agencies.password_reset_request", "GET", "/sign-in/reset", "anonymous", None, []),
    ("agencies.password_reset_request", "POST", "/sign-in/reset", "anonymous", {"email": UNKNOWN_EMAIL},
     [E("update", NO, None, None)]),
    ("agencies.password_reset_request", "POST", "/sign-in/reset", "anonymous", {"email": "{colleague_email}"},
     [E("update", OK, "user_account", "colleague")]),
    ("agencies.password_reset_request", "GET", "/sign-in/reset", "teacher", None, []),  # sent home
    ("agencies.password_reset", "GET", "/sign-in/reset/not-a-real-token-0000", "anonymous", None,
     [E("view", NO, "user_account", None)]),
    ("agencies.password_reset", "POST", "/sign-in/reset/not-a-real-token-0000", "anonymous", {"new_password": ""},
     [E("update", NO, "user_account", None)]),
    # --- accounts --------------------------------------------------------------------------------------------
    ("agencies.account_list", "GET", "/accounts", "admin", None, []),
    ("agencies.account_list", "GET", "/accounts", "senco", None, [E("view", NO, "account_list", None)]),  # 403
    ("agencies.account_new", "GET", "/accounts/new", "admin", None, []),
    ("agencies.account_new", "POST", "/accounts/new", "admin",
     {"display_name": "Canary New Teacher", "email": "canary.new.teacher@example.org", "role": "teacher",
      "fte": "0.8", "line_manager": "", "access_ends_on": ["", "", ""]},
     [E("create", OK, "user_account", NEW)]),
    ("agencies.account_detail", "GET", "/accounts/{colleague}", "admin", None,
     [E("view", OK, "user_account", "colleague")]),
    ("agencies.account_detail", "GET", "/accounts/{colleague}", "senco", None,
     [E("view", NO, "user_account", "colleague")]),  # 404: out of sight, still named
    ("agencies.account_change", "GET", "/accounts/{colleague}/deactivate", "admin", None,
     [E("view", OK, "user_account", "colleague")]),
    ("agencies.account_change", "GET", "/accounts/{colleague}/explode", "admin", None,
     [E("view", NO, "user_account", "colleague")]),  # 404 before any load: the account the id names
    ("agencies.account_change", "POST", "/accounts/{dormant}/deactivate", "admin", {},
     [E("update", OK, "user_account", "dormant")]),
    ("agencies.account_change", "POST", "/accounts/{inactive}/reactivate", "admin", {},
     [E("update", OK, "user_account", "inactive")]),
    ("agencies.account_change", "POST", "/accounts/{dormant2}/reset-two-step", "admin", {},
     [E("update", OK, "user_account", "dormant2")]),
    ("agencies.account_change", "POST", "/accounts/{dormant2}/reset-two-step", "dsl", {},
     [E("update", NO, "user_account", "dormant2")]),  # 404: out of sight, still named
    ("agencies.account_edit", "GET", "/accounts/{colleague}/edit", "admin", None,
     [E("view", OK, "user_account", "colleague")]),
    ("agencies.account_edit", "POST", "/accounts/{colleague}/edit", "senco", {},
     [E("update", NO, "user_account", "colleague")]),  # 404: out of sight, still named
    ("agencies.account_edit", "POST", "/accounts/{dormant2}/edit", "admin",
     {"display_name": "Canary Renamed Teacher", "email": "canary.renamed@example.org", "role": "teacher",
      "fte": "0.6", "cpd_year_start_month": "9", "line_manager": "", "version": "1"},
     [E("update", OK, "user_account", "dormant2")]),
    # The administrator's outside accounts: counts and dates, no learner named; anyone else is refused.
    ("cases.outside_accounts", "GET", "/accounts/outside", "admin", None, []),
    ("cases.outside_accounts", "GET", "/accounts/outside", "senco", None, [E("view", NO, "account_list", None)]),  # 403
    ("agencies.account_reset_password", "GET", "/accounts/{colleague}/reset-password", "admin", None,
     [E("view", OK, "user_account", "colleague")]),
    ("agencies.account_reset_password", "POST", "/accounts/{dormant2}/reset-password", "admin", {},
     [E("update", OK, "user_account", "dormant2")]),
    # --- notifications: the page names the learners it shows (as the home page); opening one is a redirect to
    # its item (whose own page is audited); marking read names nothing; a change of settings is the account's ---
    ("notifications.notification_list", "GET", "/notifications", "teacher", None,
     [E("listed", OK, "learner_list", None, ("alpha",))]),
    ("notifications.notification_list", "GET", "/notifications", "admin", None, []),
    ("notifications.open_notification", "GET", "/notifications/{notification}", "senco", None,
     [E("view", NO, None, None)]),  # someone else's: 404
    ("notifications.open_notification", "GET", "/notifications/{notification}", "teacher", None, []),
    ("notifications.mark_all_read", "POST", "/notifications/read", "teacher", {}, []),
    ("notifications.settings", "GET", "/notifications/settings", "teacher", None, []),
    ("notifications.settings", "POST", "/notifications/settings", "teacher",
     {"action_assigned": "page_only", "action_due_tomorrow": "daily_summary", "action_overdue": "daily_summary",
      "meeting_awaiting_sign_off": "at_once", "review_due": "daily_summary", "contribution_added": "page_only",
      "progress_review_to_sign": "at_once"},
     [E("update", OK, "user_account", "account_teacher")]),
    # --- background jobs: the administrator's page names no record; anyone else is refused ------------------
    ("jobs.job_list", "GET", "/admin/jobs", "admin", None, []),
    ("jobs.job_list", "GET", "/admin/jobs", "dsl", None, [E("view", NO, "job_run", None)]),  # 403
    # --- mail: the unsent list names no record; "try again" names the message; the dev outbox is off (404) ------
    ("mail.unsent_list", "GET", "/admin/mail", "admin", None, []),
    ("mail.unsent_list", "GET", "/admin/mail", "dsl", None, [E("view", NO, "outbox_message", None)]),  # 403
    # The record of processing: the designated DPO's (no one here is; tests/data_protection/test_article30.py)
    ("data_protection.record_of_processing", "GET", "/data-protection/record-of-processing", "senco", None,
     [E("view", NO, "record_of_processing", None)]),  # 403
    ("mail.send_again", "POST", "/admin/mail/{outbox_message}/send-again", "senco", {},
     [E("update", NO, "outbox_message", "outbox_message")]),  # 404: out of sight, still named
    # 400: mail is off, so nothing is queued; the message was loaded (and read) all the same
    ("mail.send_again", "POST", "/admin/mail/{outbox_message}/send-again", "admin", {},
     [E("view", OK, "outbox_message", "outbox_message")]),
    ("mail.dev_outbox", "GET", "/dev/outbox", "admin", None, [E("view", NO, None, None)]),  # 404: not in this config
    # --- learners --------------------------------------------------------------------------------------------
    ("cases.learner_list", "GET", "/learners", "senco", None,
     [E("listed", OK, "learner_list", None, ("alpha", "bravo", "restricted"))]),
    ("cases.learner_list", "GET", "/learners", "teacher", None, [E("listed", OK, "learner_list", None, ("alpha",))]),
    ("cases.learner_list", "GET", "/learners", "admin", None, [E("view", NO, "learner_list", None)]),  # 403
    ("cases.learner_new", "GET", "/learners/new", "senco", None, []),
    ("cases.learner_new", "POST", "/learners/new", "senco",
     {"name": CHARLIE["name"], "preferred_name": CHARLIE["preferred_name"], "date_of_birth": ["14", "5", "2017"],
      "year_group": "3", "upn": CHARLIE["upn"], "notes": f"<p>{CHARLIE['notes']}</p>",
      "areas_of_need": ["communication_interaction"]},
     [E("create", OK, "learner", NEW, (NEW,))], {"charlie": "object"}),
    ("cases.learner_find", "GET", "/learners/find", "senco", None, []),
    ("cases.learner_find", "POST", "/learners/find", "senco", {"query": "Alpha Learner"},
     [E("listed", OK, "learner_list", None, ("alpha",))]),  # a search result: named, not opened
    ("cases.learner_find", "POST", "/learners/find", "senco", {"query": CHARLIE["upn"]},
     [E("listed", OK, "learner_list", None, ("charlie",))]),
    ("cases.learner_find", "POST", "/learners/find", "senco", {"query": "Nobody Canaryname"}, []),  # no match shown
    ("cases.learner_detail", "GET", "/learners/{alpha}", "senco", None,
     [E("view", OK, "learner", "alpha", ("alpha",))]),
    ("cases.learner_detail", "GET", "/learners/{alpha}", "admin", None,
     [E("view", NO, "learner", "alpha", ("alpha",))]),  # 404: out of sight, on the learner's history
    ("cases.learner_detail", "GET", "/learners/{alpha}", "anonymous", None,
     [E("view", NO, "learner", "alpha")]),  # a redirect to sign in: the record the id names
    ("cases.learner_detail", "GET", "/learners/{alpha}", "expired", None, [E("view", NO, "learner", "alpha")]),
    ("cases.learner_edit", "GET", "/learners/{alpha}/edit", "senco", None,
     [E("view", OK, "learner", "alpha", ("alpha",))]),
    ("cases.learner_edit", "POST", "/learners/{alpha}/edit", "senco", {},
     [E("view", OK, "learner", "alpha", ("alpha",))]),  # 400: the form shown again, nothing changed
    ("cases.learner_edit", "POST", "/learners/{alpha}/edit", "teacher", {},
     [E("update", NO, "learner", "alpha", ("alpha",))]),  # 403
    # The chronology: one view of the learner's record per page, whatever it lists; refused out of sight.
    ("cases.chronology", "GET", "/learners/{alpha}/chronology", "senco", None,
     [E("view", OK, "learner", "alpha", ("alpha",))]),
    ("cases.chronology", "GET", "/learners/{alpha}/chronology", "admin", None,
     [E("view", NO, "learner", "alpha", ("alpha",))]),
    ("cases.learner_history", "GET", "/learners/{alpha}/history", "dsl", None,
     [E("view", OK, "learner", "alpha", ("alpha",))]),
    ("cases.learner_history", "GET", "/learners/{alpha}/history", "teacher", None,
     [E("view", NO, "learner_revision", None, ("alpha",))]),  # 403
    # --- transfers to the next school: the SENCo's bundle, the DSL's child-protection records ----------------
    ("cases.transfers", "GET", "/learners/{alpha}/transfers", "senco", None,
     [E("view", OK, "learner", "alpha", ("alpha",))]),
    ("cases.transfers", "GET", "/learners/{alpha}/transfers", "teacher", None,
     [E("view", NO, "transfer_list", None, ("alpha",))]),  # 403
    ("cases.transfer_bundle_new", "GET", "/learners/{alpha}/transfers/bundle", "senco", None,
     [E("view", OK, "learner", "alpha", ("alpha",))]),
    ("cases.transfer_bundle_new", "POST", "/learners/{alpha}/transfers/bundle", "senco",
     {"receiving_school": TEXTS["receiving_school"]},
     [E("create", OK, "transfer_bundle", NEW, ("alpha",))], {"new_bundle": "object"}),
    ("cases.transfer_bundle_new", "POST", "/learners/{alpha}/transfers/bundle", "dsl",
     {"receiving_school": "Elsewhere"}, [E("create", NO, "transfer_bundle", None, ("alpha",))]),  # 403
    ("cases.transfer_bundle_download", "POST", "/transfer-bundles/{new_bundle}/download", "senco", {},
     [E("export", OK, "transfer_bundle", "new_bundle", ("alpha",))]),
    ("cases.transfer_bundle_download", "POST", "/transfer-bundles/{bundle}/download", "dsl", {},
     [E("export", NO, "transfer_bundle", "bundle", ("alpha",))]),  # 403
    ("cases.transfer_bundle_download", "POST", "/transfer-bundles/{bundle}/download", "teacher", {},
     [E("export", NO, "transfer_bundle", "bundle", ("alpha",))]),  # 404: named, since it exists
    ("cases.cp_transfer_new", "GET", "/learners/{alpha}/transfers/child-protection", "dsl", None,
     [E("view", OK, "learner", "alpha", ("alpha",))]),
    ("cases.cp_transfer_new", "POST", "/learners/{alpha}/transfers/child-protection", "dsl",
     {"receiving_school": TEXTS["receiving_school"], "method": "by_hand", "sent_on": _day(0),
      "reference": TEXTS["cp_reference"]},
     [E("create", OK, "child_protection_transfer", NEW, ("alpha",))]),
    ("cases.cp_transfer_new", "POST", "/learners/{alpha}/transfers/child-protection", "senco", {},
     [E("create", NO, "child_protection_transfer", None, ("alpha",))]),  # 403
    ("cases.cp_receipt", "GET", "/child-protection-transfers/{cp_transfer}/receipt", "dsl", None,
     [E("view", OK, "child_protection_transfer", "cp_transfer", ("alpha",))]),
    ("cases.cp_receipt", "POST", "/child-protection-transfers/{cp_transfer}/receipt", "senco",
     {"confirmed_on": _day(0), "confirmed_by": "Someone"},
     [E("update", NO, "child_protection_transfer", "cp_transfer", ("alpha",))]),  # 404
    ("cases.cp_receipt", "POST", "/child-protection-transfers/{cp_transfer}/receipt", "dsl",
     {"confirmed_on": _day(0), "confirmed_by": TEXTS["confirmed_by"]},
     [E("update", OK, "child_protection_transfer", "cp_transfer", ("alpha",))]),
    ("cases.cp_receipt", "POST", "/child-protection-transfers/{cp_transfer}/receipt", "dsl",
     {"confirmed_on": _day(0), "confirmed_by": "Again"},
     [E("update", NO, "child_protection_transfer", "cp_transfer", ("alpha",))]),  # 403: confirmed already
    # --- the MIS import: the upload, the SENCo's own pages of it, the job's start; others refused --------------
    ("cases.mis_import_upload", "GET", "/learners/import", "senco", None, []),
    ("cases.mis_import_upload", "GET", "/learners/import", "admin", None,
     [E("view", NO, "learner_import_form", None)]),  # 403
    ("cases.mis_import_upload", "POST", "/learners/import", "senco", {"file": IMPORT_FILE},
     [E("create", OK, "learner_import", NEW)], {"mis_upload": "object"}),
    ("cases.mis_import_detail", "GET", "/learners/import/{mis_upload}", "senco", None,
     [E("view", OK, "learner_import", "mis_upload")]),
    ("cases.mis_import_detail", "GET", "/learners/import/{mis_upload}", "dsl", None,
     [E("view", NO, "learner_import", "mis_upload")]),  # 404: another role's import is out of sight
    ("cases.mis_import_columns", "GET", "/learners/import/{mis_upload}/columns", "senco", None,
     [E("view", OK, "learner_import", "mis_upload")]),
    ("cases.mis_import_columns", "POST", "/learners/import/{mis_upload}/columns", "senco",
     {"upn": "0", "forename": "1", "surname": "2", "date_of_birth": "3", "year_group": "4", "sen_status": "5"},
     [E("update", OK, "learner_import", "mis_upload")]),
    ("cases.mis_import_progress", "GET", "/learners/import/{mis_upload}/progress", "senco", None,
     [E("view", OK, "learner_import", "mis_upload")]),
    ("cases.mis_import_retry", "POST", "/learners/import/{mis_upload}/try-again", "senco", {},
     [E("view", OK, "learner_import", "mis_upload")]),  # refused by the service (it has not failed): nothing changed
    ("cases.mis_import_confirm", "POST", "/learners/import/{mis_upload}/confirm", "teacher", {},
     [E("create", NO, "learner_import", "mis_upload")]),  # 404
    ("cases.mis_import_confirm", "POST", "/learners/import/{mis_upload}/confirm", "senco", {},
     [E("update", OK, "learner_import", "mis_upload")]),
    ("cases.mis_import_cancel", "POST", "/learners/import/{mis_upload}/cancel", "senco", {},
     [E("view", OK, "learner_import", "mis_upload")]),  # too late to cancel: refused by the service, nothing changed
    # An id that names no record is never written, whoever typed it and whatever it says.
    ("cases.learner_detail", "GET", "/learners/{free_text_id}", "anonymous", None, [E("view", NO, None, None)]),
    ("cases.learner_detail", "GET", "/learners/{free_text_id}", "senco", None, [E("view", NO, "learner", None)]),
    ("cases.learner_detail", "GET", "/learners/{free_text}", "teacher", None, [E("view", NO, "learner", None)]),
    # --- the support plan ------------------------------------------------------------------------------------
    ("cases.plan", "GET", "/learners/{alpha}/plan", "lsp", None, [E("view", OK, "learner", "alpha", ("alpha",))]),
    ("cases.plan", "GET", "/learners/{alpha}/plan", "dsl", None,
     [E("view", NO, "learner", "alpha", ("alpha",))]),  # 403: the DSL is not on the case
    ("cases.plan_start", "POST", "/learners/{charlie}/plan", "senco", {},
     [E("create", OK, "support_plan", NEW, ("charlie",))]),
    ("cases.cycle_detail", "GET", "/cycles/{cycle}", "lsp", None, [E("view", OK, "plan_cycle", "cycle", ("alpha",))]),
    ("cases.family_profile", "GET", "/learners/{alpha}/family-profile", "parent", None,
     [E("view", OK, "learner", "alpha", ("alpha",))]),
    ("cases.family_profile", "GET", "/learners/{alpha}/family-profile", "dsl", None,
     [E("view", NO, "learner", "alpha", ("alpha",))]),  # 403: the DSL is not on the case
    ("cases.family_profile_pdf", "GET", "/learners/{alpha}/family-profile.pdf", "parent", None,
     [E("export", OK, "family_profile", "family_profile", ("alpha",))]),
    ("cases.family_profile_pdf", "GET", "/learners/{bravo}/family-profile.pdf", "senco", None,
     [E("export", NO, "learner", "bravo", ("bravo",))]),  # 404: Bravo has no profile
    ("cases.family_profile_edit", "GET", "/learners/{alpha}/family-profile/edit", "senco", None,
     [E("view", OK, "learner", "alpha", ("alpha",))]),
    ("cases.family_profile_edit", "POST", "/learners/{alpha}/family-profile/edit", "senco",
     {"good_at": TEXTS["profile"], "what_helps": "", "working_on": "", "who_to_talk_to": "",
      "version": "{family_profile_version}"},
     [E("update", OK, "family_profile", "family_profile", ("alpha",))]),
    ("cases.family_profile_edit", "POST", "/learners/{alpha}/family-profile/edit", "teacher",
     {"good_at": "Changed", "version": "{family_profile_version}"},
     [E("update", NO, "family_profile", None, ("alpha",))]),  # 403: only the SENCo writes it
    ("cases.plan_on_a_page", "GET", "/cycles/{cycle}/plan-on-a-page.pdf", "lsp", None,
     [E("export", OK, "plan_cycle", "cycle", ("alpha",))]),  # the export is the read: no second event
    ("cases.plan_on_a_page", "GET", "/cycles/{cycle}/plan-on-a-page.pdf", "parent", None,
     [E("export", NO, "plan_cycle", "cycle", ("alpha",))]),  # 403: restricted accounts cannot export
    ("cases.plan_on_a_page", "GET", "/cycles/{cycle}/plan-on-a-page.pdf", "dsl", None,
     [E("export", NO, "plan_cycle", "cycle", ("alpha",))]),  # 404: the DSL is not on the case
    ("cases.cycle_edit", "GET", "/cycles/{cycle}/edit", "senco", None,
     [E("view", OK, "plan_cycle", "cycle", ("alpha",))]),
    ("cases.cycle_edit", "POST", "/cycles/{cycle}/edit", "senco",
     {"assess_on": _day(0), "plan_on": _day(0), "do_from": ["", "", ""], "review_on": _day(20),
      "learner_views": f"<p>{TEXTS['views']}</p>", "version": "{cycle_version}"},
     [E("update", OK, "plan_cycle", "cycle", ("alpha",))]),
    ("cases.cycle_edit", "POST", "/cycles/{cycle}/edit", "lsp", {"version": "{cycle_version}"},
     [E("update", NO, "plan_cycle", "cycle", ("alpha",))]),  # 403: only the SENCo edits the plan
    ("cases.cycle_edit", "POST", "/cycles/{cycle}/edit", "senco", {"version": "0"},  # 409: a stale version
     [E("view", OK, "plan_cycle", "cycle", ("alpha",))]),
    ("cases.outcome_new", "GET", "/cycles/{cycle}/outcomes/new", "senco", None,
     [E("view", OK, "plan_cycle", "cycle", ("alpha",))]),
    ("cases.outcome_new", "POST", "/cycles/{cycle}/outcomes/new", "senco",
     {"description": TEXTS["outcome"], "measure": "Weekly check", "target_on": _day(60), "owner": "{account_lsp}",
      "progress": "not_yet_reviewed"},
     [E("create", OK, "outcome", NEW, ("alpha",))], {"outcome2": "object"}),
    ("cases.outcome_edit", "GET", "/outcomes/{outcome}/edit", "senco", None,
     [E("view", OK, "outcome", "outcome", ("alpha",))]),
    ("cases.outcome_edit", "POST", "/outcomes/{outcome}/edit", "senco",
     {"description": TEXTS["outcome_edit"], "measure": "Weekly reading record", "target_on": _day(60),
      "owner": "{account_lsp}", "progress": "not_yet_reviewed", "version": "{outcome_version}"},
     [E("update", OK, "outcome", "outcome", ("alpha",))]),
    ("cases.provision_new", "GET", "/cycles/{cycle}/provision/new", "senco", None,
     [E("view", OK, "plan_cycle", "cycle", ("alpha",))]),
    ("cases.provision_new", "POST", "/cycles/{cycle}/provision/new", "senco",
     {"description": TEXTS["provision"], "delivered_by": "Class teacher", "frequency": "Daily",
      "starts_on": _day(0), "ends_on": ["", "", ""]},
     [E("create", OK, "provision", NEW, ("alpha",))]),
    ("cases.provision_edit", "GET", "/provision/{provision}/edit", "senco", None,
     [E("view", OK, "provision", "provision", ("alpha",))]),
    ("cases.provision_edit", "POST", "/provision/{provision}/edit", "senco",
     {"description": TEXTS["provision_edit"], "delivered_by": "Learning support", "frequency": "Twice a week",
      "starts_on": _day(0), "ends_on": ["", "", ""], "version": "{provision_version}"},
     [E("update", OK, "provision", "provision", ("alpha",))]),
    ("cases.cycle_advance", "GET", "/cycles/{cycle}/stage", "senco", None,
     [E("view", OK, "plan_cycle", "cycle", ("alpha",))]),
    ("cases.cycle_advance", "POST", "/cycles/{cycle}/stage", "senco",
     {"confirm": "yes", "version": "{cycle_version}"},  # plan to do
     [E("update", OK, "plan_cycle", "cycle", ("alpha",))]),
    ("cases.cycle_move_back", "GET", "/cycles/{cycle}/stage/back", "senco", None,
     [E("view", OK, "plan_cycle", "cycle", ("alpha",))]),
    ("cases.cycle_move_back", "POST", "/cycles/{cycle}/stage/back", "senco",
     {"version": "{cycle_version}", "reason": TEXTS["stage_back_reason"]},  # do back to plan
     [E("update", OK, "plan_cycle", "cycle", ("alpha",))]),
    ("cases.cycle_advance", "POST", "/cycles/{cycle}/stage", "senco",
     {"confirm": "yes", "version": "{cycle_version}"},  # plan to do again
     [E("update", OK, "plan_cycle", "cycle", ("alpha",))]),
    ("cases.cycle_advance", "POST", "/cycles/{cycle}/stage", "senco",
     {"confirm": "yes", "version": "{cycle_version}"},  # do to review
     [E("update", OK, "plan_cycle", "cycle", ("alpha",))]),
    ("cases.cycle_close", "GET", "/cycles/{cycle}/close", "senco", None,
     [E("view", OK, "plan_cycle", "cycle", ("alpha",))]),
    ("cases.cycle_close", "POST", "/cycles/{cycle}/close", "senco",
     {"review_summary": f"<p>{TEXTS['review']}</p>", "rating_{outcome}": "met", "rating_{outcome2}": "partly_met",
      "version": "{cycle_version}"},
     [E("update", OK, "plan_cycle", "cycle", ("alpha",)), E("create", OK, "plan_cycle", NEW, ("alpha",))]),
    # --- the team around the child ---------------------------------------------------------------------------
    ("cases.team", "GET", "/learners/{alpha}/team", "lsp", None, [E("view", OK, "learner", "alpha", ("alpha",))]),
    ("cases.team_add_staff", "POST", "/learners/{alpha}/team/staff", "senco",
     {"staff": "{colleague}", "ends_on": ["", "", ""]},
     [E("create", OK, "team_membership", NEW, ("alpha",))]),
    ("cases.team_add_staff", "POST", "/learners/{alpha}/team/staff", "teacher", {"staff": "{colleague}"},
     [E("update", NO, "learner", "alpha", ("alpha",))]),  # 403: only the SENCo manages the team
    ("cases.team_invite", "GET", "/learners/{alpha}/team/invite", "senco", None,
     [E("view", OK, "learner", "alpha", ("alpha",))]),
    ("cases.team_invite", "POST", "/learners/{alpha}/team/invite", "senco",
     {"display_name": TEXTS["invitee"], "email": "canary.invitee@example.org", "role": "ep", "agency": "{eps_agency}",
      "new_agency_name": "", "new_agency_kind": "", "access_ends_on": _day(60)},
     [E("invite", OK, "invitation", NEW, ("alpha",))]),
    # The EP, already an account, invited onto Charlie's case: accepted below with their password.
    ("cases.team_invite", "POST", "/learners/{charlie}/team/invite", "senco",
     {"display_name": "Matrix EP", "email": "{ep_email}", "role": "ep", "agency": "{eps_agency}",
      "new_agency_name": "", "new_agency_kind": "", "access_ends_on": _day(60)},
     [E("invite", OK, "invitation", NEW, ("charlie",))], {"invitation_ep": "object", "token_ep": "token"}),
    ("cases.membership_end", "GET", "/memberships/{spare_membership}/end", "senco", None,
     [E("view", OK, "team_membership", "spare_membership", ("alpha",))]),
    ("cases.membership_end", "POST", "/memberships/{spare_membership}/end", "senco",
     {"confirm": "yes", "version": "{spare_membership_stamp}"},
     [E("update", OK, "team_membership", "spare_membership", ("alpha",))]),
    ("cases.invitation_revoke", "GET", "/invitations/{invitation}/revoke", "senco", None,
     [E("view", OK, "invitation", "invitation", ("alpha",))]),
    ("cases.invitation_revoke", "POST", "/invitations/{invitation}/revoke", "senco", {"confirm": "yes"},
     [E("update", OK, "invitation", "invitation", ("alpha",))]),
    # Consent and sharing: the page, recording a consent (the SENCo) and withdrawing one through its confirmation.
    ("cases.consent_list", "GET", "/learners/{alpha}/consents", "dsl", None,
     [E("view", OK, "learner", "alpha", ("alpha",))]),
    ("cases.consent_new", "GET", "/learners/{alpha}/consents/new", "senco", None,
     [E("view", OK, "learner", "alpha", ("alpha",))]),
    ("cases.consent_new", "POST", "/learners/{alpha}/consents/new", "senco",
     {"purpose": "referral", "agency": "{eps_agency}", "given_by_name": "Alpha's father",
      "giver_relationship": "Father", "given_on": _day(0), "method": "verbally_at_meeting"},
     [E("create", OK, "consent", NEW, ("alpha",))]),
    ("cases.consent_new", "POST", "/learners/{alpha}/consents/new", "teacher", {"purpose": "referral"},
     [E("create", NO, "consent", None, ("alpha",))]),  # 403: the attempted change
    ("cases.consent_withdraw", "GET", "/consents/{consent}/withdraw", "senco", None,
     [E("view", OK, "consent", "consent", ("alpha",))]),
    ("cases.consent_withdraw", "POST", "/consents/{consent}/withdraw", "senco",
     {"confirm": "yes", "method": "in_writing", "reason": "Changed their mind"},
     [E("update", OK, "consent", "consent", ("alpha",))]),
    ("cases.invitation_accept", "GET", "/invitations/accept/not-a-real-token-0000", "anonymous", None,
     [E("view", NO, "invitation", None)]),  # 404: the token itself is never written
    ("cases.invitation_accept", "POST", "/invitations/accept/not-a-real-token-0000", "teacher", {},
     [E("accept_invitation", NO, "invitation", None)]),
    ("cases.invitation_accept", "GET", "/invitations/accept/{token_revoked}", "anonymous", None,
     [E("view", NO, "invitation", "invitation_revoked", ("alpha",))]),  # 410
    ("cases.invitation_accept", "GET", "/invitations/accept/{token_open}", "teacher", None,
     [E("view", NO, "invitation", "invitation_open", ("alpha",))]),  # 403: someone else's invitation
    ("cases.invitation_accept", "GET", "/invitations/accept/{token_open}", "anonymous", None, []),
    ("cases.invitation_accept", "POST", "/invitations/accept/{token_open}", "anonymous",
     {"display_name": "Invited Therapist", "new_password": INVITEE_PASSWORD, "confirm_password": INVITEE_PASSWORD},
     [E("create", OK, "user_account", NEW), E("accept_invitation", OK, "invitation", "invitation_open", ("alpha",))]),
    ("cases.invitation_accept", "POST", "/invitations/accept/{token_ep}", "anonymous", {"password": PASSWORD},
     [E("sign_in", OK, "user_account", "account_ep"),
      E("accept_invitation", OK, "invitation", "invitation_ep", ("charlie",))]),
    # --- contributions ---------------------------------------------------------------------------------------
    ("cases.contribution_list", "GET", "/learners/{alpha}/contributions", "lsp", None,
     [E("view", OK, "learner", "alpha", ("alpha",))]),
    ("cases.contribution_new", "GET", "/learners/{alpha}/contributions/new", "teacher", None,
     [E("view", OK, "learner", "alpha", ("alpha",))]),
    ("cases.contribution_new", "POST", "/learners/{alpha}/contributions/new", "slt",
     {"kind": "slt_assessment", "visibility": "team", "title": "Speech and language",
      "body": f"<p>{TEXTS['contribution']}</p>"},
     [E("create", OK, "contribution", NEW, ("alpha",))]),
    ("cases.contribution_detail", "GET", "/contributions/{c_team}", "teacher", None,
     [E("view", OK, "contribution", "c_team", ("alpha",))]),
    ("cases.contribution_detail", "GET", "/contributions/{c_team}", "parent", None,
     [E("view", NO, "contribution", "c_team", ("alpha",))]),  # 404: not shared with the family
    ("cases.contribution_edit", "GET", "/contributions/{c_team}/edit", "teacher", None,
     [E("view", OK, "contribution", "c_team", ("alpha",))]),
    ("cases.contribution_edit", "GET", "/contributions/{c_team}/edit", "senco", None,
     [E("view", NO, "contribution_form", "c_team", ("alpha",))]),  # 403: only its author edits it
    ("cases.contribution_edit", "POST", "/contributions/{c_team}/edit", "teacher",
     {"visibility": "team", "title": "In class", "body": f"<p>{TEXTS['contribution_edit']}</p>",
      "version": "{c_team_version}"},
     [E("update", OK, "contribution", "c_team", ("alpha",))]),
    ("cases.contribution_edit", "POST", "/contributions/{c_team}/edit", "teacher",  # 409: a stale version
     {"visibility": "team", "title": "Changed", "body": "<p>Changed</p>", "version": "0"},
     [E("view", OK, "contribution", "c_team", ("alpha",))]),
    ("cases.contribution_history", "GET", "/contributions/{c_team}/history", "teacher", None,
     [E("view", OK, "contribution", "c_team", ("alpha",))]),
    # --- misfiled work: withdrawn (the reason sealed, never in the trail), moved (audited on both learners) ------
    ("cases.contribution_withdraw", "GET", "/contributions/{c_misfiled}/withdraw", "teacher", None,
     [E("view", OK, "contribution", "c_misfiled", ("alpha",))]),
    ("cases.contribution_withdraw", "POST", "/contributions/{c_misfiled}/withdraw", "lsp",
     {"reason": "Not mine to withdraw", "version": "{c_misfiled_version}"},
     [E("update", NO, "contribution", "c_misfiled", ("alpha",))]),  # 403: neither its author nor the SENCo
    ("cases.contribution_withdraw", "POST", "/contributions/{c_misfiled}/withdraw", "teacher",
     {"reason": "", "version": "{c_misfiled_version}"},
     [E("view", OK, "contribution", "c_misfiled", ("alpha",))]),  # 400: no reason, nothing withdrawn
    ("cases.contribution_withdraw", "POST", "/contributions/{c_misfiled}/withdraw", "teacher",
     {"reason": TEXTS["contribution_withdraw_reason"], "version": "{c_misfiled_version}"},
     [E("update", OK, "contribution", "c_misfiled", ("alpha",))]),
    ("cases.contribution_withdraw", "POST", "/contributions/{c_misfiled}/withdraw", "teacher",
     {"reason": "Again", "version": "{c_misfiled_version}"},
     [E("update", NO, "contribution", "c_misfiled", ("alpha",))]),  # 404: withdrawn, out of the case
    ("cases.contributions_withdrawn", "GET", "/learners/{alpha}/contributions/withdrawn", "dsl", None,
     [E("view", OK, "learner", "alpha", ("alpha",))]),
    ("cases.contributions_withdrawn", "GET", "/learners/{alpha}/contributions/withdrawn", "senco", None,
     [E("view", NO, "withdrawn_contributions", None, ("alpha",))]),  # 403: the DSL's page
    ("cases.contribution_move", "GET", "/contributions/{c_to_move}/move", "senco", None,
     [E("view", OK, "contribution", "c_to_move", ("alpha",))]),
    ("cases.contribution_move", "POST", "/contributions/{c_to_move}/move", "teacher",
     {"learner": "{bravo}", "reason": "Mine", "version": "{c_to_move_version}"},
     [E("update", NO, "contribution", "c_to_move", ("alpha",))]),  # 403: the SENCo's
    ("cases.contribution_move", "POST", "/contributions/{c_to_move}/move", "senco",
     {"learner": "{elsewhere}", "reason": "Elsewhere", "version": "{c_to_move_version}"},
     [E("view", OK, "contribution", "c_to_move", ("alpha",))]),  # 400: a learner out of sight, nothing moved
    ("cases.contribution_move", "POST", "/contributions/{c_to_move}/move", "senco",
     {"learner": "{bravo}", "reason": TEXTS["contribution_move_reason"], "version": "{c_to_move_version}"},
     [E("update", OK, "contribution", "c_to_move", ("alpha", "bravo"))]),
    ("cases.contribution_detail", "GET", "/contributions/{c_to_move}", "senco", None,
     [E("view", OK, "contribution", "c_to_move", ("bravo",))]),
    # --- meetings --------------------------------------------------------------------------------------------
    ("cases.meeting_list", "GET", "/learners/{alpha}/meetings", "lsp", None,
     [E("view", OK, "learner", "alpha", ("alpha",))]),
    ("cases.meeting_new", "GET", "/learners/{alpha}/meetings/new", "lsp", None,
     [E("view", OK, "learner", "alpha", ("alpha",))]),
    ("cases.meeting_new", "POST", "/learners/{alpha}/meetings/new", "lsp",
     _meeting_form(agenda=TEXTS["agenda"], minutes=TEXTS["minutes"]),
     [E("create", OK, "meeting", NEW, ("alpha",))]),
    ("cases.meeting_detail", "GET", "/meetings/{meeting}", "lsp", None,
     [E("view", OK, "meeting", "meeting", ("alpha",))]),
    ("cases.meeting_detail", "GET", "/meetings/{meeting}", "dsl", None,
     [E("view", NO, "meeting", "meeting", ("alpha",))]),  # 404: the DSL is not on the case
    ("cases.meeting_record_pdf", "GET", "/meetings/{meeting}/record.pdf", "lsp", None,
     [E("export", OK, "meeting", "meeting", ("alpha",))]),
    ("cases.meeting_record_pdf", "GET", "/meetings/{meeting}/record.pdf", "parent", None,
     [E("export", NO, "meeting", "meeting", ("alpha",))]),  # 403: restricted accounts cannot export
    ("cases.meeting_record_pdf", "GET", "/meetings/{draft}/record.pdf", "parent", None,
     [E("export", NO, "meeting", "draft", ("alpha",))]),  # 404: a draft is never the family's
    ("cases.meeting_record", "GET", "/meetings/{meeting}/records/1", "lsp", None,
     [E("view", OK, "meeting", "meeting", ("alpha",))]),
    ("cases.meeting_record", "GET", "/meetings/{meeting}/records/9", "lsp", None,
     [E("view", NO, "meeting", "meeting", ("alpha",))]),  # 404 after the meeting was read: no such version
    ("cases.action_update", "POST", "/actions/{action}", "teacher",
     {"action-{action}-status": "done", "action-{action}-version": "{action_version}"},
     [E("update", OK, "meeting_action", "action", ("alpha",))]),
    ("cases.meeting_edit", "GET", "/meetings/{meeting}/edit", "lsp", None,
     [E("view", OK, "meeting", "meeting", ("alpha",))]),
    ("cases.meeting_edit", "POST", "/meetings/{meeting}/edit", "lsp",
     _meeting_form(agenda="Progress so far", minutes=TEXTS["minutes_edit"], action_id="{action}",
                   version="{meeting_version}"),
     [E("update", OK, "meeting", "meeting", ("alpha",))]),
    ("cases.meeting_sign_off", "POST", "/meetings/{draft}/sign-off", "lsp", {"version": "{draft_version}"},
     [E("update", OK, "meeting", "draft", ("alpha",))]),
    ("cases.meeting_sign_off", "POST", "/meetings/{draft}/sign-off", "teacher", {"version": "{draft_version}"},
     [E("update", NO, "meeting", "draft", ("alpha",))]),  # 403: only the chair signs off
    # --- safeguarding concerns -------------------------------------------------------------------------------
    ("cases.concern_list", "GET", "/concerns", "dsl", None,
     [E("listed", OK, "learner_list", None, ("alpha", "bravo", "restricted"))]),
    ("cases.concern_list", "GET", "/concerns", "teacher", None, [E("listed", OK, "learner_list", None, ("alpha",))]),
    ("cases.concern_list", "GET", "/concerns", "parent", None, [E("view", NO, "concern_list", None)]),  # 403
    ("cases.concern_new", "GET", "/learners/{alpha}/concerns/new", "teacher", None,  # the form: withheld from family
     [E("view", OK, "concern_form", None, ("alpha",))]),
    ("cases.concern_new", "POST", "/learners/{alpha}/concerns/new", "teacher", {"concern": TEXTS["concern"]},
     [E("create", OK, "safeguarding_concern", NEW, ("alpha",))]),
    ("cases.concern_detail", "GET", "/concerns/{concern}", "dsl", None,
     [E("view", OK, "safeguarding_concern", "concern", ("alpha",))]),
    ("cases.concern_detail", "GET", "/concerns/{concern}", "senco", None,
     [E("view", NO, "safeguarding_concern", "concern", ("alpha",))]),  # 404: the DSL's and the author's only
    ("cases.concern_action", "POST", "/concerns/{concern}/action", "dsl",
     {"action_taken": TEXTS["action_taken"], "version": "{concern_version}"},
     [E("update", OK, "safeguarding_concern", "concern", ("alpha",))]),
    # --- attached files: the upload, each download (an export of learner data) and the removal ---------------
    ("cases.contribution_attach", "GET", "/contributions/{c_team}/attachments/new", "teacher", None,
     [E("view", OK, "contribution", "c_team", ("alpha",))]),
    ("cases.contribution_attach", "POST", "/contributions/{c_team}/attachments/new", "teacher",
     {"file": ATTACHED_PDF, "description": TEXTS["attachment"]},
     [E("create", OK, "attachment", NEW, ("alpha",))], {"new_attachment": "object"}),
    ("cases.contribution_attach", "POST", "/contributions/{c_team}/attachments/new", "lsp",
     {"file": ATTACHED_PDF}, [E("create", NO, "attachment", None, ("alpha",))]),  # 403: not the author
    ("cases.meeting_attach", "GET", "/meetings/{meeting}/attachments/new", "lsp", None,
     [E("view", OK, "meeting", "meeting", ("alpha",))]),
    ("cases.meeting_attach", "POST", "/meetings/{meeting}/attachments/new", "lsp", {"file": ATTACHED_PDF},
     [E("create", OK, "attachment", NEW, ("alpha",))]),
    ("cases.concern_attach", "GET", "/concerns/{concern}/attachments/new", "dsl", None,
     [E("view", OK, "safeguarding_concern", "concern", ("alpha",))]),
    ("cases.concern_attach", "POST", "/concerns/{concern}/attachments/new", "senco", {"file": ATTACHED_PDF},
     [E("create", NO, "attachment", None, ("alpha",))]),  # 404: not the SENCo's to read
    ("cases.attachment_download", "GET", "/attachments/{new_attachment}", "slt", None,
     [E("export", OK, "attachment", "new_attachment", ("alpha",))]),
    ("cases.attachment_download", "GET", "/attachments/{a_team}", "parent", None,
     [E("export", NO, "attachment", "a_team", ("alpha",))]),  # 404: a staff-only contribution's file
    ("cases.attachment_download", "GET", "/attachments/{a_concern}", "dsl", None,
     [E("export", OK, "attachment", "a_concern", ("alpha",))]),
    ("cases.attachment_remove", "GET", "/attachments/{new_attachment}/remove", "teacher", None,
     [E("view", OK, "attachment", "new_attachment", ("alpha",))]),
    ("cases.attachment_remove", "POST", "/attachments/{new_attachment}/remove", "lsp", {},
     [E("delete", NO, "attachment", "new_attachment", ("alpha",))]),  # 403: neither uploader nor SENCo
    ("cases.attachment_remove", "POST", "/attachments/{new_attachment}/remove", "teacher", {},
     [E("delete", OK, "attachment", "new_attachment", ("alpha",))]),
    # --- who has seen the record, for the family; the DSL's withholding; the school's choice of names ----------
    # The family's summary is its own page (access_summary), never an opening of the record it lists.
    ("cases.access_summary", "GET", "/learners/{alpha}/who-has-seen", "parent", None,
     [E("view", OK, "access_summary", None, ("alpha",))]),
    ("cases.access_summary", "GET", "/learners/{alpha}/who-has-seen", "teacher", None,
     [E("view", NO, "access_summary", None, ("alpha",))]),  # 403: on the team, not the family
    ("cases.access_summary", "GET", "/learners/{bravo}/who-has-seen", "parent", None,
     [E("view", NO, "access_summary", None, ("bravo",))]),  # 404: another child
    ("audit.family_view_decision", "GET", "/audit/learner/family-view?learner={alpha}&event={alpha_opening}", "dsl",
     None, [E("view", OK, "audit_trail", None), E("listed", OK, "learner_list", None, ("alpha",))]),
    ("audit.family_view_decision", "POST", "/audit/learner/family-view?learner={alpha}&event={alpha_opening}", "dsl",
     {"decision": "withhold", "reason": TEXTS.setdefault("family_view_reason", "CANARY-FAMILY-VIEW-REASON-3c9e")},
     [E("create", OK, "family_visibility_decision", NEW, ("alpha",))]),
    ("audit.family_view_decision", "POST", "/audit/learner/family-view?learner={alpha}&event={alpha_opening}",
     "teacher", {"decision": "withhold", "reason": "x"},
     [E("create", NO, "family_visibility_decision", None, ("alpha",))]),  # 403: the DSL's alone
    ("agencies.family_view_settings", "GET", "/school/family-view", "senco", None, []),
    ("agencies.family_view_settings", "POST", "/school/family-view", "senco", {"show_staff_names": "yes"},
     [E("update", OK, "agency", "alpha_school")]),
    ("agencies.family_view_settings", "POST", "/school/family-view", "parent", {"show_staff_names": "yes"},
     [E("update", NO, "agency", None)]),  # 403
    # --- signing out -----------------------------------------------------------------------------------------
    ("agencies.sign_out", "POST", "/sign-out", "colleague", {}, [E("sign_out", OK, "user_account", "colleague")]),
    # --- audit review routes (added by the review helper) ---
    # The review page names every learner of the school (its learner filter lists them; Charlie was
    # registered above); a learner's history names that learner only; refusals name what was asked for.
    ("audit.review", "GET", "/audit", "dsl", None,
     [E("view", OK, "audit_trail", None), E("listed", OK, "learner_list", None, ("alpha", "bravo", "restricted"))]),
    ("audit.review", "GET", "/audit", "teacher", None, [E("view", NO, "audit_trail", None)]),  # 403
    ("audit.learner_history", "GET", "/audit/learner?learner={alpha}", "dsl", None,
     [E("view", OK, "audit_trail", None), E("listed", OK, "learner_list", None, ("alpha",))]),
    ("audit.learner_history", "GET", "/audit/learner?learner={alpha}", "teacher", None,
     [E("view", NO, "audit_trail", None, ("alpha",))]),  # 403, on Alpha's history
    ("audit.learner_history", "GET", "/audit/learner?learner={free_text}", "parent", None,
     [E("view", NO, "audit_trail", None)]),  # 403: no learner has that id, so none is named
    ("audit.learner_history", "GET", "/audit/learner?learner={free_text}", "dsl", None,
     [E("view", NO, "audit_filter", None)]),  # 404: a refused filter, naming nothing
    ("audit.review", "GET", "/audit?learner={free_text}", "dsl", None,  # 400: a refused filter, and the form's read
     [E("view", NO, "audit_filter", None)]),
    ("audit.user_activity", "GET", "/audit/person?user={free_text}", "dsl", None,
     [E("view", NO, "audit_filter", None)]),  # 404
    ("audit.user_activity", "GET", "/audit/person?user={free_text_id}", "parent", None,
     [E("view", NO, "user_account", None)]),  # 403
    ("audit.export", "GET", "/audit/export?user={free_text_id}", "dsl", None,
     [E("view", NO, "audit_filter", None)]),  # 400
    ("audit.user_activity", "GET", "/audit/person?user={colleague}", "dsl", None,
     [E("view", OK, "user_account", "colleague")]),  # the colleague's own events name no learner
    ("audit.user_activity", "GET", "/audit/person?user={colleague}", "lsp", None,
     [E("view", NO, "user_account", "colleague")]),  # 403
    ("audit.flags", "GET", "/audit/flags?date_from=2000-01-01&date_to=2000-01-31", "dsl", None,
     [E("view", OK, "audit_trail", None)]),  # nothing flagged in those days: the page alone
    ("audit.flags", "GET", "/audit/flags", "senco", None, [E("view", NO, "audit_trail", None)]),  # 403
    ("audit.export", "GET", "/audit/export?learner={alpha}", "dsl", None,
     [E("view", OK, "audit_trail", None), E("listed", OK, "learner_list", None, ("alpha",))]),
    ("audit.export", "POST", "/audit/export?learner={alpha}", "dsl",
     {"purpose": "subject_access", "details": "CANARY-EXPORT-DETAILS-3e1d"},
     [E("export", OK, "audit_export", NEW, ("alpha",))]),
    ("audit.export", "POST", "/audit/export", "dsl", {},
     [E("view", OK, "audit_trail", None)]),  # 400: no purpose; nothing exported
    ("audit.export", "POST", "/audit/export", "teacher", {"purpose": "inspection", "details": "x"},
     [E("export", NO, "audit_export", None)]),  # 403
    ("audit.verify", "POST", "/audit/verify", "dsl", {}, [E("verify_audit", OK, "audit_verification", None)]),
    ("audit.verify", "POST", "/audit/verify", "teacher", {}, [E("verify_audit", NO, "audit_verification", None)]),
    # --- the reflective CPD log ---
    # The LSP's own log lists the work not yet reflected on: the draft meeting they recorded on Alpha's case.
    ("cpd.log", "GET", "/cpd", "lsp", None, [E("listed", OK, "learner_list", None, ("alpha",))]),
    ("cpd.log", "GET", "/cpd", "admin", None, [E("view", NO, "cpd_log", None)]),  # 403: keeps no log
    # An earlier year's entries: the log's own, naming no learner.
    ("cpd.log_year", "GET", "/cpd/years/2020", "lsp", None, []),
    ("cpd.log_year", "GET", "/cpd/years/2020", "admin", None, [E("view", NO, "cpd_log", None)]),  # 403
    ("cpd.coverage", "GET", "/cpd/coverage", "lsp", None, []),  # the standards: nobody's record but the reader's
    ("cpd.entry_new", "GET", "/cpd/entries/new?model=gibbs", "lsp", None, []),
    ("cpd.entry_new", "POST", "/cpd/entries/new", "lsp", _cpd_entry_form(TEXTS["cpd_title"], activity_type="webinar"),
     [E("create", OK, "cpd_entry", NEW)]),
    ("cpd.entry_new", "POST", "/cpd/entries/new", "parent", _cpd_entry_form("x", activity_type="webinar"),
     [E("create", NO, "cpd_log", None)]),  # 403
    # Starting from one's own work reads it (Alpha's history shows it); linking it names Alpha too.
    ("cpd.entry_from_meeting", "GET", "/cpd/entries/new/from-meeting/{draft}", "lsp", None,
     [E("view", OK, "meeting", "draft", ("alpha",))]),
    ("cpd.entry_from_meeting", "POST", "/cpd/entries/new/from-meeting/{draft}", "lsp",
     _cpd_entry_form(TEXTS["cpd_title"], activity_type="case_work"),
     [E("create", OK, "cpd_entry", NEW, ("alpha",))]),
    ("cpd.entry_from_meeting", "GET", "/cpd/entries/new/from-meeting/{meeting}", "slt", None,
     [E("view", NO, "cpd_log_form", None, ("alpha",))]),  # 403: not at that meeting
    ("cpd.entry_from_contribution", "GET", "/cpd/entries/new/from-contribution/{c_team}", "teacher", None,
     [E("view", OK, "contribution", "c_team", ("alpha",))]),
    ("cpd.entry_from_contribution", "POST", "/cpd/entries/new/from-contribution/{c_team}", "teacher",
     _cpd_entry_form(TEXTS["cpd_title"], activity_type="case_work", participation="individual"),
     [E("create", OK, "cpd_entry", NEW, ("alpha",))]),
    ("cpd.entry_from_contribution", "GET", "/cpd/entries/new/from-contribution/{c_team}", "lsp", None,
     [E("view", NO, "cpd_log_form", None, ("alpha",))]),  # 403: the teacher's
    # Reading an entry is reading the practitioner's record, not the case: no learner is named.
    ("cpd.entry_detail", "GET", "/cpd/entries/{cpd_entry}", "senco", None, [E("view", OK, "cpd_entry", "cpd_entry")]),
    ("cpd.entry_detail", "GET", "/cpd/entries/{cpd_entry}", "teacher", None,
     [E("view", NO, "cpd_entry", "cpd_entry")]),  # 404
    ("cpd.entry_edit", "GET", "/cpd/entries/{cpd_entry}/edit", "lsp", None, [E("view", OK, "cpd_entry", "cpd_entry")]),
    ("cpd.entry_edit", "POST", "/cpd/entries/{cpd_entry}/edit", "lsp",
     _cpd_entry_form("Alpha's review meeting, looked at again", activity_type="case_work",
                     version="{cpd_entry_version}"),
     [E("update", OK, "cpd_entry", "cpd_entry")]),
    ("cpd.entry_edit", "POST", "/cpd/entries/{cpd_entry}/edit", "senco", {},
     [E("update", NO, "cpd_entry", "cpd_entry")]),  # 403: the manager reads only
    ("cpd.goal_new", "GET", "/cpd/goals/new", "lsp", None, []),
    ("cpd.goal_new", "POST", "/cpd/goals/new", "lsp", _goal_form(), [E("create", OK, "cpd_goal", NEW)]),
    ("cpd.goal_detail", "GET", "/cpd/goals/{cpd_goal}", "senco", None, [E("view", OK, "cpd_goal", "cpd_goal")]),
    ("cpd.goal_edit", "GET", "/cpd/goals/{cpd_goal}/edit", "lsp", None, [E("view", OK, "cpd_goal", "cpd_goal")]),
    ("cpd.goal_edit", "POST", "/cpd/goals/{cpd_goal}/edit", "lsp",
     _goal_form(status="in_progress", version="{cpd_goal_version}"), [E("update", OK, "cpd_goal", "cpd_goal")]),
    ("cpd.goal_edit", "POST", "/cpd/goals/{cpd_goal}/edit", "dsl", {}, [E("update", NO, "cpd_goal", "cpd_goal")]),
    ("cpd.reports", "GET", "/cpd/people", "senco", None, []),  # names and roles of one's own reports
    ("cpd.report_log", "GET", "/cpd/people/{lsp_user}", "senco", None, [E("view", OK, "user_account", "lsp_user")]),
    ("cpd.report_log", "GET", "/cpd/people/{lsp_user}", "teacher", None,
     [E("view", NO, "cpd_log", "account_lsp")]),  # 404
    ("cpd.report_log_year", "GET", "/cpd/people/{lsp_user}/years/2020", "senco", None,
     [E("view", OK, "user_account", "lsp_user")]),
    ("cpd.report_log_year", "GET", "/cpd/people/{lsp_user}/years/2020", "teacher", None,
     [E("view", NO, "cpd_log", "account_lsp")]),  # 404
    ("cpd.review_new", "GET", "/cpd/people/{lsp_user}/reviews/new", "senco", None,
     [E("view", OK, "user_account", "lsp_user")]),
    ("cpd.review_new", "POST", "/cpd/people/{lsp_user}/reviews/new", "senco",
     {"kind": "mid_year", "held_on": _day(0), "manager_summary": TEXTS["manager_summary"]},
     [E("create", OK, "cpd_progress_review", NEW)]),
    ("cpd.review_new", "POST", "/cpd/people/{lsp_user}/reviews/new", "lsp", {},
     [E("create", NO, "cpd_progress_review", None)]),  # 403: one does not review oneself
    ("cpd.review_detail", "GET", "/cpd/reviews/{cpd_review}", "lsp", None,
     [E("view", OK, "cpd_progress_review", "cpd_review")]),
    ("cpd.review_edit", "GET", "/cpd/reviews/{cpd_review}/edit", "senco", None,
     [E("view", OK, "cpd_progress_review", "cpd_review")]),
    ("cpd.review_edit", "POST", "/cpd/reviews/{cpd_review}/edit", "senco",
     {"kind": "annual", "held_on": _day(0), "manager_summary": TEXTS["manager_summary"],
      "version": "{cpd_review_version}"},
     [E("update", OK, "cpd_progress_review", "cpd_review")]),
    ("cpd.review_sign", "POST", "/cpd/reviews/{cpd_review}/sign", "senco", {"version": "{cpd_review_version}"},
     [E("update", OK, "cpd_progress_review", "cpd_review")]),
    ("cpd.review_sign", "POST", "/cpd/reviews/{cpd_review}/sign", "senco", {"version": "{cpd_review_version}"},
     [E("update", NO, "cpd_progress_review", "cpd_review")]),  # 403: signed already
    ("cpd.export", "GET", "/cpd/people/{lsp_user}/export", "lsp", None, [E("view", OK, "user_account", "lsp_user")]),
    ("cpd.export", "POST", "/cpd/people/{lsp_user}/export", "senco",
     {"year": "{cpd_year}", "file_format": "pdf", "purpose": "cpd_progress_review"},
     [E("export", OK, "user_account", "lsp_user")]),
    ("cpd.export", "POST", "/cpd/people/{lsp_user}/export", "dsl",
     {"year": "{cpd_year}", "file_format": "pdf", "purpose": "cpd_progress_review"},
     [E("export", NO, "cpd_log", "account_lsp")]),  # 404
    # --- CPD: withdrawing an entry
    # A second "Reflect on this" opens the entry the LSP already has on {meeting}: it reads the meeting, writes nothing.
    ("cpd.entry_from_meeting", "GET", "/cpd/entries/new/from-meeting/{meeting}", "lsp", None,
     [E("view", OK, "meeting", "meeting", ("alpha",))]),
    ("cpd.entry_from_meeting", "POST", "/cpd/entries/new/from-meeting/{meeting}", "lsp",
     _cpd_entry_form(TEXTS["cpd_title"], activity_type="case_work"), [E("view", OK, "meeting", "meeting", ("alpha",))]),
    ("cpd.entry_withdraw", "GET", "/cpd/entries/{cpd_withdrawable}/withdraw", "lsp", None,
     [E("view", OK, "cpd_entry", "cpd_withdrawable")]),
    ("cpd.entry_withdraw", "POST", "/cpd/entries/{cpd_withdrawable}/withdraw", "lsp", {"reason": ""},
     [E("view", OK, "cpd_entry", "cpd_withdrawable")]),  # 400: no reason, nothing withdrawn
    ("cpd.entry_withdraw", "POST", "/cpd/entries/{cpd_withdrawable}/withdraw", "senco", {"reason": "Not theirs"},
     [E("update", NO, "cpd_entry", "cpd_withdrawable")]),  # 403: the manager reads only
    ("cpd.entry_withdraw", "POST", "/cpd/entries/{cpd_withdrawable}/withdraw", "lsp",
     {"reason": TEXTS["withdraw_reason"]},
     [E("update", OK, "cpd_entry", "cpd_withdrawable")]),
    ("cpd.entry_withdraw", "POST", "/cpd/entries/{cpd_withdrawable}/withdraw", "lsp", {"reason": "Again"},
     [E("update", NO, "cpd_entry", "cpd_withdrawable")]),  # 403: withdrawn already
    ("cpd.entry_detail", "GET", "/cpd/entries/{cpd_withdrawable}", "senco", None,
     [E("view", OK, "cpd_entry", "cpd_withdrawable")]),
    # --- break-glass routes (added by the break-glass helper) ---
    # The page lists no one until a learner is found by the full name typed; it names only who was found (a
    # learner whose case one is on is never found).
    ("cases.break_glass", "GET", "/break-glass", "dsl", None, []),
    ("cases.break_glass", "GET", "/break-glass?learner_name=Bravo+Learner", "teacher", None,
     [E("listed", OK, "learner_list", None, ("bravo",))]),
    ("cases.break_glass", "GET", "/break-glass?learner_name=Alpha+Learner", "teacher", None, []),
    # 403: the SENCo is on every case
    ("cases.break_glass", "GET", "/break-glass", "senco", None, [E("view", NO, "break_glass_form", None)]),
    ("cases.break_glass", "GET", "/break-glass", "admin", None, [E("view", NO, "learner_list", None)]),  # 403
    ("cases.break_glass", "POST", "/break-glass", "dsl",  # 400: the reason is too short, nothing is opened
     {"learner": "{alpha}", "purpose": "safeguarding", "reason": "Too short"},
     [E("listed", OK, "learner_list", None, ("alpha",))]),  # the learner chosen, shown again
    ("cases.break_glass", "POST", "/break-glass", "teacher",  # 403: on Alpha's team already
     {"learner": "{alpha}", "purpose": "safeguarding", "reason": "A parent rang with an urgent worry."},
     [E("break_glass", NO, "learner", "alpha", ("alpha",))]),
    # The event names the grant and the learner (its purpose is checked in tests/cases/test_break_glass.py);
    # the reason is a canary added to TEXTS, so the sensitive-values test proves it never reaches the trail.
    ("cases.break_glass", "POST", "/break-glass", "teacher",
     {"learner": "{bravo}", "purpose": "safeguarding",
      "reason": TEXTS.setdefault("break_glass_reason", "CANARY-BREAK-GLASS-REASON-6b1f: nobody collected Bravo.")},
     [E("break_glass", OK, "break_glass_access", NEW, ("bravo",))]),
    ("cases.plan", "GET", "/learners/{bravo}/plan", "teacher", None,  # read through the grant
     [E("view", OK, "learner", "bravo", ("bravo",))]),
    # --- the school year: the calendar (no learner in it), the year end, leaving dates, an archived leaver -------
    ("agencies.school_calendar", "GET", "/school/calendar", "teacher", None, []),
    ("agencies.school_calendar", "GET", "/school/calendar", "parent", None,
     [E("view", NO, "school_calendar", None)]),  # 403
    ("agencies.school_calendar_new", "GET", "/school/calendar/new", "admin", None, []),
    ("agencies.school_calendar_new", "POST", "/school/calendar/new", "admin",
     {"kind": "closure", "name": "INSET day", "starts_on": _day(2), "ends_on": _day(2)},
     [E("create", OK, "school_calendar_period", NEW)]),
    ("agencies.school_calendar_new", "POST", "/school/calendar/new", "senco",
     {"kind": "closure", "name": "INSET day", "starts_on": _day(2), "ends_on": _day(2)},
     [E("update", NO, "school_calendar_period", None)]),  # 403: the administrator keeps the calendar
    ("agencies.school_calendar_default", "POST", "/school/calendar/default", "admin", {}, []),  # 400: no year chosen
    ("agencies.school_calendar_edit", "GET", "/school/calendar/{period}/edit", "admin", None,
     [E("view", OK, "school_calendar_period", "period")]),
    ("agencies.school_calendar_edit", "POST", "/school/calendar/{period}/edit", "admin",
     {"kind": "term", "name": "Autumn term", "starts_on": ["2", "9", "2026"], "ends_on": ["18", "12", "2026"],
      "version": "{period_version}"},
     [E("update", OK, "school_calendar_period", "period")]),
    ("agencies.school_calendar_edit", "POST", "/school/calendar/{period}/edit", "teacher", {},
     [E("update", NO, "school_calendar_period", "period")]),  # 404
    ("agencies.school_calendar_remove", "GET", "/school/calendar/{period}/remove", "admin", None,
     [E("view", OK, "school_calendar_period", "period")]),
    ("agencies.school_calendar_remove", "POST", "/school/calendar/{period_spare}/remove", "admin", {},
     [E("delete", OK, "school_calendar_period", "period_spare")]),
    ("cases.year_end", "GET", "/school/year-end", "senco", None, []),
    ("cases.year_end", "GET", "/school/year-end", "admin", None, [E("view", NO, "year_end_form", None)]),  # 403
    ("cases.year_end", "POST", "/school/year-end", "senco", {"year_end_on": ["1", "1", "1999"], "top_year_group": "6"},
     []),  # 400: outside the school year
    ("cases.year_end", "POST", "/school/year-end", "senco",
     {"year_end_on": ["{year_end_d}", "{year_end_m}", "{year_end_y}"], "top_year_group": "6"},
     [E("create", OK, "school_year_end", NEW)]),
    ("cases.year_end_run", "POST", "/school/year-end/run", "senco", {}, []),  # 400: not confirmed, nothing done
    ("cases.year_end_run", "POST", "/school/year-end/run", "dsl", {"confirm": "y"},
     [E("update", NO, "school_year_end", None)]),
    ("cases.learner_leaving", "GET", "/learners/{alpha}/leaving", "senco", None,
     [E("view", OK, "learner", "alpha", ("alpha",))]),
    ("cases.learner_leaving", "POST", "/learners/{alpha}/leaving", "senco", {"leaving_on": _day(120)},
     [E("update", OK, "learner", "alpha", ("alpha",))]),
    ("cases.learner_leaving", "POST", "/learners/{alpha}/leaving", "senco", {"not_leaving": "y"},
     [E("update", OK, "learner", "alpha", ("alpha",))]),
    ("cases.learner_leaving", "POST", "/learners/{alpha}/leaving", "teacher", {"not_leaving": "y"},
     [E("update", NO, "learner", "alpha", ("alpha",))]),  # 403
    ("cases.learner_detail", "GET", "/learners/{archived}", "dsl", None,
     [E("view", OK, "learner", "archived", ("archived",))]),
    ("cases.learner_detail", "GET", "/learners/{archived}", "teacher", None,
     [E("view", NO, "learner", "archived", ("archived",))]),  # 404: archived, no longer theirs to read
    ("cases.learner_leaving", "POST", "/learners/{archived}/leaving", "senco", {"not_leaving": "y"},
     [E("update", NO, "learner", "archived", ("archived",))]),  # 403: archived records are read-only
    ("cases.learner_list", "GET", "/learners?archived=1", "senco", None,
     [E("listed", OK, "learner_list", None, ("alpha", "archived", "bravo", "charlie", "restricted"))]),
    # --- merging two records of one learner: the pick page names every record it offers; the comparison both.
    # (A merge that succeeds is checked, on both learners, in tests/cases/test_learner_merges.py: here it would
    # take a learner out of every later row.)
    ("cases.learner_merge_pick", "GET", "/learners/{alpha}/merge", "senco", None,
     [E("view", OK, "learner", "alpha", ("alpha",)), E("listed", OK, "learner_list", None, ("bravo", "charlie"))]),
    ("cases.learner_merge_pick", "POST", "/learners/{alpha}/merge", "senco", {"other": "{bravo}"},  # 302
     [E("view", OK, "learner", "alpha", ("alpha",)), E("listed", OK, "learner_list", None, ("bravo", "charlie"))]),
    ("cases.learner_merge_pick", "GET", "/learners/{alpha}/merge", "teacher", None,
     [E("view", NO, "merge_form", "alpha", ("alpha",))]),  # 403
    ("cases.learner_merge", "GET", "/learners/{alpha}/merge/{bravo}", "senco", None,
     [E("view", OK, "learner", "alpha", ("alpha", "bravo"))]),
    ("cases.learner_merge", "POST", "/learners/{alpha}/merge/{bravo}", "senco", {},  # 400: no reason, no change
     [E("view", OK, "learner", "alpha", ("alpha", "bravo"))]),
    ("cases.learner_merge", "POST", "/learners/{alpha}/merge/{bravo}", "teacher", {"reason": "Same child"},
     [E("update", NO, "learner", "alpha", ("alpha",))]),  # 403
    # --- restriction of processing (UK GDPR Article 18): Delta ({restricted}) is restricted in the world ---------
    ("cases.learner_restrict", "GET", "/learners/{alpha}/restrict", "senco", None,
     [E("view", OK, "learner", "alpha", ("alpha",))]),
    ("cases.learner_restrict", "POST", "/learners/{alpha}/restrict", "dsl", {},  # 400: no reason, no change
     [E("view", OK, "learner", "alpha", ("alpha",))]),
    ("cases.learner_restrict", "GET", "/learners/{alpha}/restrict", "teacher", None,
     [E("view", NO, "restriction_form", None, ("alpha",))]),  # 403: the form asked for
    ("cases.learner_restrict", "POST", "/learners/{restricted}/restrict", "dsl", {"reason": "Twice"},  # 409
     [E("view", OK, "learner", "restricted", ("restricted",))]),
    ("cases.learner_lift_restriction", "GET", "/learners/{restricted}/restriction/lift", "dsl", None,
     [E("view", OK, "learner", "restricted", ("restricted",))]),
    ("cases.learner_restrict", "POST", "/learners/{alpha}/restrict", "teacher", {"reason": "Not theirs"},
     [E("create", NO, "processing_restriction", None, ("alpha",))]),  # 403: the attempted change
    ("cases.learner_lift_restriction", "POST", "/learners/{restricted}/restriction/lift", "teacher",
     {"reason": "Not theirs"}, [E("view", NO, "learner", "restricted", ("restricted",))]),  # 404: out of sight
    ("cases.learner_lift_restriction", "POST", "/learners/{restricted}/restriction/lift", "dsl",
     {"reason": "The father's objection was answered"},
     [E("update", OK, "processing_restriction", "r_restriction", ("restricted",)),
      E("update", OK, "learner", "restricted", ("restricted",))]),
    ("cases.learner_restrict", "POST", "/learners/{restricted}/restrict", "senco", {"reason": "Asked again"},
     [E("create", OK, "processing_restriction", NEW, ("restricted",)),
      E("update", OK, "learner", "restricted", ("restricted",))]),
    # --- retention and erasure: the DPO's (no one in the world is a DPO); the DSL reviews a child-protection file --
    ("data_protection.retention", "GET", "/data-protection/retention", "senco", None,
     [E("view", NO, "retention_schedule", None)]),
    ("data_protection.retention_rule", "GET", "/data-protection/retention/rules/send_file", "dsl", None,
     [E("view", NO, "retention_rule_form", None)]),
    ("data_protection.retention_rule", "POST", "/data-protection/retention/rules/send_file", "senco",
     {"years": "1", "action": "destroy"}, [E("update", NO, "retention_rule", None)]),
    ("data_protection.legal_hold_place", "GET", "/data-protection/learners/{alpha}/legal-hold", "senco", None,
     [E("view", NO, "legal_hold_form", "alpha", ("alpha",))]),
    ("data_protection.legal_hold_place", "POST", "/data-protection/learners/{alpha}/legal-hold", "admin",
     {"reason": "A claim"}, [E("create", NO, "legal_hold", None, ("alpha",))]),  # 404
    ("data_protection.legal_hold_lift", "GET", "/data-protection/learners/{alpha}/legal-hold/lift", "dsl", None,
     [E("view", NO, "legal_hold_form", "alpha", ("alpha",))]),
    ("data_protection.legal_hold_lift", "POST", "/data-protection/learners/{alpha}/legal-hold/lift", "senco",
     {"reason": "Settled"}, [E("update", NO, "legal_hold", None, ("alpha",))]),
    ("data_protection.erasure_request", "GET", "/data-protection/learners/{alpha}/erasure", "senco", None,
     [E("view", NO, "erasure_request_form", "alpha", ("alpha",))]),
    ("data_protection.erasure_request", "POST", "/data-protection/learners/{alpha}/erasure", "dsl",
     {"requested_by": "Her mother", "received_on": ["1", "12", "2026"]},
     [E("create", NO, "erasure_request", None, ("alpha",))]),
    ("data_protection.child_protection_review", "GET", "/data-protection/learners/{alpha}/child-protection-review",
     "dsl", None, [E("view", OK, "learner", "alpha", ("alpha",))]),
    ("data_protection.child_protection_review", "POST", "/data-protection/learners/{alpha}/child-protection-review",
     "dsl", {"decision": "keep", "keep_until": ["1", "1", "2040"], "reason": "An inquiry is open"},
     [E("create", OK, "child_protection_review", NEW, ("alpha",))]),
    # --- subject access bundles: the DPO prepares them (tests/data_protection/test_bundle_pages.py); others are
    # refused; the DSL releases Alpha's concern into the request ------------------------------------------------
    ("data_protection.bundle_page", "GET", "/data-protection/requests/{sar}/bundle", "senco", None,
     [E("view", NO, "subject_access_request", "sar", ("alpha",))]),  # 403
    ("data_protection.bundle_page", "GET", "/data-protection/requests/{sar}/bundle", "parent", None,
     [E("view", NO, "subject_access_request", None)]),  # 404: another agency's request
    ("data_protection.bundle_page", "GET", "/data-protection/requests/{sar}/bundle", "dpo", None,
     [E("view", OK, "subject_access_request", "sar", ("alpha",))]),
    ("data_protection.bundle_review", "GET", "/data-protection/requests/{sar}/bundle/review", "dpo", None,
     [E("view", OK, "subject_access_request", "sar", ("alpha",))]),
    ("data_protection.bundle_unredact", "POST",
     "/data-protection/requests/{sar}/bundle/redactions/{sar_redaction}/remove", "dpo", {},
     [E("update", OK, "bundle_redaction", "sar_redaction", ("alpha",))]),
    ("data_protection.bundle_progress", "GET", "/data-protection/requests/{sar}/bundle/progress", "dsl", None,
     [E("view", NO, "subject_access_request", "sar", ("alpha",))]),
    ("data_protection.bundle_review", "GET", "/data-protection/requests/{sar}/bundle/review", "teacher", None,
     [E("view", NO, "subject_access_bundle_form", "sar", ("alpha",))]),
    ("data_protection.bundle_redact", "GET", "/data-protection/requests/{sar}/bundle/items/{sar_item}", "senco", None,
     [E("view", NO, "subject_access_bundle_form", "sar", ("alpha",))]),
    ("data_protection.bundle_redact", "POST", "/data-protection/requests/{sar}/bundle/items/{sar_item}", "senco",
     {"item_key": "{sar_item}", "field": "notes", "passage": "Alpha", "reason": "another_child"},
     [E("update", NO, "subject_access_request", "sar", ("alpha",))]),
    ("data_protection.bundle_unredact", "POST",
     "/data-protection/requests/{sar}/bundle/redactions/{sar_redaction}/remove", "senco", {},
     [E("update", NO, "subject_access_request", "sar", ("alpha",))]),
    ("data_protection.bundle_build", "POST", "/data-protection/requests/{sar}/bundle/build", "dsl", {},
     [E("update", NO, "subject_access_request", "sar", ("alpha",))]),
    ("data_protection.bundle_finalise", "POST", "/data-protection/requests/{sar}/bundle/finalise", "senco", {},
     [E("update", NO, "subject_access_request", "sar", ("alpha",))]),
    ("data_protection.bundle_download", "GET", "/data-protection/requests/{sar}/bundle/download", "senco", None,
     [E("view", NO, "subject_access_request", "sar", ("alpha",))]),
    ("data_protection.bundle_download", "POST", "/data-protection/requests/{sar}/bundle/download", "senco",
     {"purpose": "subject_access_check"}, [E("view", NO, "subject_access_request", "sar", ("alpha",))]),
    ("data_protection.concern_requests", "GET", "/data-protection/concern-releases", "teacher", None,
     [E("view", NO, "concern_release_form", None)]),  # 403
    ("data_protection.concern_requests", "GET", "/data-protection/concern-releases", "dsl", None,
     [E("listed", OK, "learner_list", None, ("alpha",))]),
    ("data_protection.concern_release", "GET", "/data-protection/requests/{sar}/concerns", "dsl", None,
     [E("view", OK, "subject_access_request", "sar", ("alpha",))]),
    ("data_protection.concern_release", "GET", "/data-protection/requests/{sar}/concerns", "senco", None,
     [E("view", NO, "concern_release_form", "sar", ("alpha",))]),  # 403
    ("data_protection.concern_decide", "POST", "/data-protection/requests/{sar}/concerns/{concern}", "dsl", {},
     [E("view", OK, "subject_access_request", "sar", ("alpha",))]),  # 400: no decision, no change
    ("data_protection.concern_decide", "POST", "/data-protection/requests/{sar}/concerns/{concern}", "senco",
     {"decision": "release"}, [E("create", NO, "concern_release", None, ("alpha",))]),  # 403
    ("data_protection.concern_decide", "POST", "/data-protection/requests/{sar}/concerns/{concern}", "dsl",
     {"decision": "release"}, [E("create", OK, "concern_release", NEW, ("alpha",))]),
    # --- data protection: the DPO's designation, and the register of subject access requests ({sar}: Alpha's,
    # registered by {dpo}, the school's designated DPO; the learner is the subject of every event) ----------------
    ("data_protection.officer_designation", "GET", "/data-protection/officers/{dormant2}?designate=yes", "admin",
     None, [E("view", OK, "user_account", "dormant2")]),
    ("data_protection.officer_designation", "POST", "/data-protection/officers/{dormant2}", "senco",
     {"designate": "yes"}, [E("update", NO, "user_account", "dormant2")]),  # 404: not theirs to manage
    ("data_protection.officer_designation", "POST", "/data-protection/officers/{dormant2}", "admin",
     {"designate": "yes"}, [E("update", OK, "user_account", "dormant2")]),
    ("data_protection.access_requests", "GET", "/data-protection/requests", "admin", None,
     [E("view", NO, "subject_access_register", None)]),  # 403: not designated
    ("data_protection.access_requests", "GET", "/data-protection/requests", "dpo", None,
     [E("view", OK, "subject_access_register", None), E("listed", OK, "learner_list", None, ("alpha",))]),
    ("data_protection.access_request_new", "GET", "/data-protection/requests/new", "dsl", None,
     [E("view", NO, "subject_access_request_form", None)]),  # 403
    ("data_protection.access_request_new", "GET", "/data-protection/requests/new", "dpo", None,
     [E("view", OK, "subject_access_request_form", None),
      E("listed", OK, "learner_list", None, ("alpha", "archived", "bravo", "charlie", "restricted"))]),
    ("data_protection.access_request_new", "POST", "/data-protection/requests/new", "dpo",
     {"learner": "{bravo}", "kind": "educational_record", "requester_name": "Canary Requester Name",
      "relationship": "parent", "entitlement": "CANARY-ENTITLEMENT-77aa", "received_on": ["1", "9", "2026"]},
     [E("create", OK, "subject_access_request", NEW, ("bravo",))], {"sar_bravo": "object"}),
    ("data_protection.access_request_new", "POST", "/data-protection/requests/new", "senco",
     {"learner": "{bravo}", "kind": "article_15", "requester_name": "Canary Requester Name"},
     [E("create", NO, "subject_access_request", None)]),  # 403
    ("data_protection.access_request_detail", "GET", "/data-protection/requests/{sar}", "dpo", None,
     [E("view", OK, "subject_access_request", "sar", ("alpha",))]),
    ("data_protection.access_request_detail", "GET", "/data-protection/requests/{sar}", "dsl", None,
     [E("view", NO, "subject_access_request", "sar", ("alpha",))]),  # 404: out of sight, named for the trail
    ("data_protection.access_request_identity", "GET", "/data-protection/requests/{sar}/identity", "dpo", None,
     [E("view", OK, "subject_access_request", "sar", ("alpha",))]),
    ("data_protection.access_request_identity", "POST", "/data-protection/requests/{sar}/identity", "dpo",
     {"version": "{sar_version}", "note": "CANARY-IDENTITY-NOTE-3c1e", "clock_waited": "no",
      "confirmed_on": ["{sar_d}", "{sar_m}", "{sar_y}"]},
     [E("update", OK, "subject_access_request", "sar", ("alpha",))]),
    ("data_protection.access_request_extend", "GET", "/data-protection/requests/{sar}/extend", "dpo", None,
     [E("view", OK, "subject_access_request", "sar", ("alpha",))]),
    ("data_protection.access_request_extend", "POST", "/data-protection/requests/{sar}/extend", "dpo",
     {"version": "{sar_version}", "months": "2", "reason": "CANARY-EXTENSION-REASON-9d0b"},
     [E("update", OK, "subject_access_request", "sar", ("alpha",))]),
    ("data_protection.access_request_close", "GET", "/data-protection/requests/{sar}/close", "dpo", None,
     [E("view", OK, "subject_access_request", "sar", ("alpha",))]),
    ("data_protection.access_request_close", "POST", "/data-protection/requests/{sar}/close", "teacher",
     {"version": "{sar_version}", "outcome": "withdraw"},
     [E("update", NO, "subject_access_request", "sar", ("alpha",))]),  # 404
    ("data_protection.access_request_close", "POST", "/data-protection/requests/{sar}/close", "dpo",
     {"version": "{sar_version}", "outcome": "refuse", "reason": "CANARY-REFUSAL-REASON-5e2f"},
     [E("update", OK, "subject_access_request", "sar", ("alpha",))]),
]


# --- the world ---------------------------------------------------------------------------------------


def _public_id(model, **where):
    query = select(model.public_id)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return db.session.scalars(query).one()


def _world(app, create_agency, create_user, create_case, add_to_team) -> tuple[dict, dict, dict]:
    """The matrix's world and its signed-in clients, plus what the rows above name."""
    built = build_world(app, create_agency, create_user, create_case, add_to_team)
    world, accounts = dict(built["world"]), built["accounts"]
    clients = sign_in_columns(app, accounts)
    expire(app, accounts["expired"])
    with app.app_context():
        for column, account in accounts.items():
            world[f"account_{column}"] = account.public_id
        world["colleague_email"] = db.session.scalars(
            select(User).where(User.public_id == world["colleague"])).one().email
        world["ep_email"] = accounts["ep"].email
        world["eps_agency"] = db.session.scalars(
            select(Agency.public_id).where(Agency.name.matches("County EP Service"))).one()
        world["alpha_school"] = db.session.scalars(
            select(Agency.public_id).where(Agency.name.matches("Alpha School"))).one()
        world["free_text"], world["free_text_id"] = quote(FREE_TEXT), FREE_TEXT_ID
        last_day = school_year_bounds(school_year_of(school_today()))[1]  # a year end to come: nothing moves yet
        world.update(year_end_d=last_day.day, year_end_m=last_day.month, year_end_y=last_day.year)
        world["family_profile"] = db.session.scalars(select(FamilyProfile.public_id).join(
            Learner, Learner.id == FamilyProfile.learner_id).where(Learner.public_id == world["alpha"])).one()
        world["invitation_open"] = _public_id(Invitation, token_hash=hash_token(world["token_open"]))
        world["invitation_revoked"] = _public_id(Invitation, token_hash=hash_token(world["token_revoked"]))
        actors = {column: db.session.scalars(select(User.id).where(User.public_id == account.public_id)).one()
                  for column, account in accounts.items()}
        actors["colleague"] = db.session.scalars(select(User.id).where(User.public_id == world["colleague"])).one()
        dpo = db.session.scalars(select(User).where(User.public_id == world["dpo"])).one()
        actors["dpo"], dpo_email = dpo.id, dpo.email
        received = db.session.scalars(select(SubjectAccessRequest.received_on).where(
            SubjectAccessRequest.public_id == world["sar"])).one()
        world.update(sar_d=received.day, sar_m=received.month, sar_y=received.year)
        db.session.remove()
    colleague = app.test_client()
    assert sign_in(colleague, world["colleague_email"], PASSWORD).status_code == 302
    clients["colleague"] = colleague
    clients["dpo"] = app.test_client()
    assert sign_in(clients["dpo"], dpo_email, PASSWORD).status_code == 302
    return world, clients, actors


VERSIONED = {
    "cycle": PlanCycle, "outcome": Outcome, "provision": Provision, "c_team": Contribution, "meeting": Meeting,
    "c_misfiled": Contribution, "c_to_move": Contribution,
    "draft": Meeting, "action": MeetingAction, "concern": SafeguardingConcern,
    "cpd_entry": ReflectiveEntry, "cpd_goal": DevelopmentGoal, "cpd_review": ProgressReview,
    "period": SchoolCalendarPeriod, "family_profile": FamilyProfile, "sar": SubjectAccessRequest,
}


def _fill(value, world):
    if isinstance(value, bytes):  # a file to upload: a fresh stream for each request
        return (io.BytesIO(value), "Canary report.pdf" if value.startswith(b"%PDF") else "export.csv")
    if isinstance(value, str):
        return value.format(**world)
    if isinstance(value, list):
        return [_fill(item, world) for item in value]
    return value


def _live(app, world, text: str) -> dict:
    """The world with the versions that `text` names, read now (earlier rows moved them on)."""
    names = set(re.findall(r"\{(\w+)_version\}", text))
    if not names:
        return world
    live = dict(world)
    with app.app_context():
        for name in names:
            model = VERSIONED[name]
            live[f"{name}_version"] = str(db.session.scalars(
                select(model.version).where(model.public_id == world[name])).one())
        db.session.remove()
    return live


def _last_event_id(app) -> int:
    with app.app_context():
        last = db.session.scalar(select(func.max(AuditEvent.id))) or 0
        db.session.remove()
    return last


def _events_after(app, last: int) -> list[dict]:
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.id > last).order_by(AuditEvent.id)).all()
        indexed = {}
        for row in db.session.scalars(select(AuditEventLearner).where(AuditEventLearner.event_id > last)):
            indexed.setdefault(row.event_id, set()).add(row.learner_public_id)
        found = [dict(id=event.id, action=event.action.value, outcome=event.outcome.value,
                      object_type=event.object_type, object=event.object_public_id, learners=event.learner_ids,
                      indexed=indexed.get(event.id, set()), actor_id=event.actor_id, request_id=event.request_id,
                      ip_address=event.ip_address) for event in events]
        db.session.remove()
    return found


def _request(app, clients, column, method, url, data):
    client = app.test_client() if column == "anonymous" else clients[column]
    return client.get(url) if method == "GET" else client.post(url, data=data)


def _matches(expected: E, got: dict, world: dict, known: set) -> bool:
    def same_id(name, value):
        if name is None:
            return value is None
        if name == NEW:
            return value is not None and value not in known
        return value == world.get(name)

    if (got["action"], got["outcome"], got["object_type"]) != (expected.action, expected.outcome, expected.object_type):
        return False
    if not same_id(expected.object, got["object"]) or len(expected.learners) != len(got["learners"]):
        return False
    named = sorted(world[name] for name in expected.learners if name != NEW)
    unnamed = [value for value in got["learners"] if value not in named]
    return all(value in got["learners"] for value in named) and all(value not in known for value in unnamed)


def _describe(events, names: dict) -> str:
    def name(value):
        return names.get(value, value)

    return "[" + ", ".join(
        f"({e['action']}, {e['outcome']}, {e['object_type']}, {name(e['object'])}, "
        f"{tuple(name(value) for value in e['learners'])})" for e in events) + "]"


def run_table(app, world: dict, clients: dict, actors: dict) -> tuple[list[str], int]:
    """Every row in order; returns the mismatches and how many events were checked."""
    mismatches, checked = [], 0
    for endpoint, method, url_template, column, data, expected, *rest in ROWS:
        keep = rest[0] if rest else {}
        text = repr((url_template, data))
        world_now = _live(app, world, text)
        url = _fill(url_template, world_now)
        form = {_fill(key, world_now): _fill(value, world_now) for key, value in (data or {}).items()}
        known = {value for value in world.values() if isinstance(value, str)}
        last = _last_event_id(app)
        response = _request(app, clients, column, method, url, form)
        got = _events_after(app, last)
        checked += len(got)
        cell = f"{method} {url_template} [{endpoint}] as {column} ({response.status_code})"
        names = {value: key for key, value in world.items() if isinstance(value, str)}
        if response.status_code >= 500:
            mismatches.append(f"{cell}: the request failed")
        pairs = zip(expected, got, strict=False)  # compared only when the counts agree
        if len(got) != len(expected) or not all(_matches(e, g, world, known) for e, g in pairs):
            expected_text = "[" + ", ".join(f"({e.action}, {e.outcome}, {e.object_type}, {e.object}, {e.learners})"
                                            for e in expected) + "]"
            mismatches.append(f"{cell}: expected {expected_text}, got {_describe(got, names)}")
        for event in got:
            if set(event["learners"]) != event["indexed"]:
                mismatches.append(f"{cell}: event {event['id']} names learners {event['learners']} but "
                                  f"audit_event_learner holds {sorted(event['indexed'])}")
            if not event["request_id"] or not event["ip_address"]:
                mismatches.append(f"{cell}: event {event['id']} has no request id or address")
            if column in actors and column != "expired" and event["actor_id"] != actors[column]:
                mismatches.append(f"{cell}: event {event['id']} names actor {event['actor_id']}, not {column}")
            if column in ("anonymous", "expired") and event["action"] not in ("sign_in", "accept_invitation") \
                    and event["actor_id"] is not None:
                mismatches.append(f"{cell}: event {event['id']} names an actor for a signed-out request")
        if len({event["request_id"] for event in got}) > 1:
            mismatches.append(f"{cell}: one request, events with different request ids")
        for name, source in keep.items():
            if source == "object":
                created = [g["object"] for e, g in zip(expected, got, strict=False) if e.object == NEW]
                world[name] = created[0] if created else f"<{name} not created>"
            else:
                match = re.search(r"/invitations/accept/([A-Za-z0-9_-]+)", response.get_data(as_text=True))
                world[name] = match.group(1) if match else f"<{name} not shown>"
    return mismatches, checked


# --- the tests -----------------------------------------------------------------------------------------


def test_every_route_has_a_row_and_every_row_a_route(app):
    routes = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
        if rule.endpoint not in EXCLUDED_ENDPOINTS
    }
    rows = {(endpoint, method) for endpoint, method, *_ in ROWS}
    assert not routes - rows, f"routes without a row in the audit table: {sorted(routes - rows)}"
    assert not rows - routes, f"rows naming a route that does not exist: {sorted(rows - routes)}"
    adapter = app.url_map.bind("localhost")
    for endpoint, method, url, _column, _data, expected, *_ in ROWS:
        path = re.sub(r"\{(\w+)\}", r"\1", url.partition("?")[0])  # the audit review takes query parameters
        assert adapter.match(path, method=method)[0] == endpoint, (endpoint, method, url)
        assert all(isinstance(event, E) for event in expected), (endpoint, url)


def test_every_route_leaves_its_expected_events(app, create_agency, create_user, create_case, add_to_team):
    world, clients, actors = _world(app, create_agency, create_user, create_case, add_to_team)
    mismatches, checked = run_table(app, world, clients, actors)
    print(f"\n{len(ROWS)} rows, {checked} events checked")
    for mismatch in mismatches:
        print(mismatch)
    assert not mismatches, f"{len(mismatches)} mismatches:\n" + "\n".join(mismatches)
    # The refusals the table must show: 403, 404, 410 and a signed-out request for a named object.
    refused = [row for row in ROWS if any(event.outcome == NO for event in row[5])]
    assert {row[3] for row in refused} >= {"anonymous", "senco", "admin", "dsl", "teacher"}


def test_no_sensitive_value_reaches_the_trail(app, create_agency, create_user, create_case, add_to_team):
    world, clients, actors = _world(app, create_agency, create_user, create_case, add_to_team)
    run_table(app, world, clients, actors)
    with app.app_context():
        rows = [repr(tuple(row)) for row in db.session.execute(select(AuditEvent.__table__))]
        rows += [repr(tuple(row)) for row in db.session.execute(select(AuditEventLearner.__table__))]
        names = [user.display_name for user in db.session.scalars(select(User))]
        db.session.remove()
    trail = "\n".join(rows).lower()
    assert len(rows) > len(ROWS)
    secrets = {
        "learner names": ["Alpha Learner", "Bravo Learner", CHARLIE["name"], CHARLIE["preferred_name"],
                          "Nobody Canaryname", "Importcanary"],
        "UPN": [CHARLIE["upn"], "P207000016049"],
        "case text": [*ALPHA.values(), *BRAVO.values(), CHARLIE["notes"], *TEXTS.values()],
        "passwords": [PASSWORD, NEW_PASSWORD, INVITEE_PASSWORD, WRONG_PASSWORD],
        "text typed where an id goes": [FREE_TEXT, FREE_TEXT_ID, "Maya Carter", "Maya_Carter", "Oak Rd", "2016-03-04"],
        "invitation tokens": [world["token_open"], world["token_revoked"], world["token_ep"]],
        "people's names": names,
    }
    found = [f"{kind}: {value!r}" for kind, values in secrets.items() for value in values if value.lower() in trail]
    assert not found, "sensitive values in the audit trail:\n" + "\n".join(found)
    assert "@" not in trail, "an email address reached the audit trail"


@pytest.mark.parametrize("role, path", [("senco", "/"), ("senco", "/learners"), ("teacher", "/"), ("dsl", "/learners")])
def test_a_page_listing_several_learners_names_them_all_in_one_listed_event(
    app, create_agency, create_user, create_case, add_to_team, role, path
):
    school = create_agency(name="Several Learners School")
    account = create_user(role, agency=school)
    learners = {create_case(school=school, name=f"Several Learner {n}") for n in range(4)}
    if role == "teacher":
        for learner in learners:
            add_to_team(learner, account)
    create_case(school=create_agency(name="Another School"))  # never shown, never named
    client = app.test_client()
    assert sign_in(client, account.email, account.password).status_code == 302
    last = _last_event_id(app)
    assert client.get(path).status_code == 200
    events = _events_after(app, last)
    assert len(events) == 1, events
    event = events[0]
    # A name in a list is not an opening of the record: LISTED, never VIEW.
    assert (event["action"], event["outcome"], event["object_type"]) == ("listed", OK, "learner_list")
    assert set(event["learners"]) == learners
    assert event["indexed"] == learners  # each learner's access history finds this event


def test_failed_sign_ins_and_the_lockout_are_recorded_without_the_address(app, create_user):
    account = create_user("teacher")
    client = app.test_client()
    last = _last_event_id(app)
    failures = 5  # RATELIMIT_SIGN_IN_ACCOUNT: 5 per 15 minutes
    for _ in range(failures):
        assert sign_in(client, account.email.upper(), WRONG_PASSWORD).status_code == 200
    assert sign_in(client, account.email, account.password).status_code == 429  # limited, even with the password
    assert sign_in(client, UNKNOWN_EMAIL, WRONG_PASSWORD).status_code == 200
    events = _events_after(app, last)
    expected = ["sign_in_failed"] * failures + ["lockout", "sign_in_failed"]
    assert [e["action"] for e in events] == expected
    assert all(e["outcome"] == NO and e["actor_id"] is None for e in events)
    assert all(e["object"] == account.public_id for e in events[:-1]) and events[-1]["object"] is None
    with app.app_context():
        trail = "\n".join(repr(tuple(row)) for row in db.session.execute(select(AuditEvent.__table__))).lower()
        db.session.remove()
    assert account.email.lower() not in trail and WRONG_PASSWORD not in trail and account.password not in trail


def test_key_rotation_and_retirement_are_recorded_by_key_id(keyed_app, key_file):
    """Not routes, but changes all the same: the command line's events have the system as their actor."""
    import json

    from tests.fixtures.learners import make_learner, school_id

    with keyed_app.app_context():
        make_learner(school_id(), 1)
        db.session.commit()
        db.session.remove()
    old = json.loads(key_file.read_text())["primary"]
    last = _last_event_id(keyed_app)
    runner = keyed_app.test_cli_runner()
    assert runner.invoke(args=["keys", "rotate"]).exit_code == 0
    new = json.loads(key_file.read_text())["primary"]
    assert runner.invoke(args=["keys", "retire", new]).exit_code != 0  # refused: nothing retired, nothing recorded
    assert runner.invoke(args=["keys", "retire", old]).exit_code == 0
    events = _events_after(keyed_app, last)
    assert [(e["action"], e["outcome"], e["object_type"], e["object"], e["actor_id"]) for e in events] == [
        ("rotate_keys", OK, "keyring", new, None),
        ("delete", OK, "field_key", old, None),
    ]
    with keyed_app.app_context():
        roles = db.session.scalars(select(AuditEvent.actor_role).where(AuditEvent.id > last)).all()
        db.session.remove()
    assert roles == ["system", "system"]
