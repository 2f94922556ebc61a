"""The authorization matrix: every method of every route × every demo role, anonymous and an expired account.

The expected outcomes are written below as literals, decided from Braid's sharing rules (who may see and do what), never
derived from app/policy/. One world is built per backend through the real services; one client is
signed in per column; every cell is requested, and every mismatch is collected and printed at the end.

Each read (GET) also checks that another learner's sentinel text (learner "Bravo", same school, nobody
on its team) is absent, that a refused read shows none of the main learner's case, and that an allowed
read shows nothing the column may never see (concerns, restricted contributions of others, ...). Each
POST that is not expected to succeed leaves every row of every table unchanged (sha256 before and after).
"""
from __future__ import annotations

import functools
import hashlib
import io
from datetime import date, time, timedelta
from urllib.parse import urlsplit

import pytest
from fpdf import FPDF
from pypdf import PdfReader
from sqlalchemy import select, update

from app.agencies.accounts.models import Agency, AgencyKind, Role, User
from app.agencies.calendar import services as calendar
from app.audit.models import APPEND_ONLY_TABLES, AuditAction, AuditEvent
from app.cases.attachments import services as attachments
from app.cases.attachments.models import Attachment
from app.cases.concerns import services as concerns
from app.cases.concerns.models import SafeguardingConcern
from app.cases.consents import services as consents
from app.cases.contributions import misfiled
from app.cases.contributions import services as contributions
from app.cases.contributions.models import Contribution
from app.cases.family_profile import services as family_profiles
from app.cases.family_profile.models import FamilyProfile
from app.cases.learners.models import Learner
from app.cases.meetings import services as meetings
from app.cases.meetings.models import Attendance, Meeting, MeetingAction, MeetingKind
from app.cases.meetings.services import ActionDraft, MeetingDetails
from app.cases.mis_import import services as mis
from app.cases.mis_import.models import ImportStatus
from app.cases.plans import services as plans
from app.cases.plans.models import PlanCycle
from app.cases.restrictions import services as restrictions
from app.cases.team import services as team
from app.cases.team.models import TeamMembership
from app.cases.transfers import services as transfers
from app.cases.transfers.models import TransferBundle
from app.core.mail.models import OutboxMessage
from app.cpd.entries import services as cpd
from app.cpd.goals import services as cpd_goals
from app.cpd.hours import cpd_year_containing
from app.cpd.reviews import services as cpd_reviews
from app.data_protection.bundles.models import BundleRedaction, RedactionReason
from app.data_protection.requests import services as access_requests
from app.extensions import db
from app.notifications.models import Notification, NotificationKind
from app.policy import Action, can
from app.policy.rules import RESTRICTED_CHANGES, RESTRICTED_READS, RESTRICTED_SHARES
from app.types import utcnow
from tests.fixtures.application import sign_in

# Behaviour that can differ between the engines: run on PostgreSQL as well as SQLite.
pytestmark = pytest.mark.both_backends

# --- the table -------------------------------------------------------------------------------------

COLUMNS = ("senco", "lsp", "teacher", "dsl", "admin", "slt", "ep", "parent", "anonymous", "expired")
S = "302 to sign-in"  # a redirect to /sign-in: treated as signed out
# Routes not in the table, by name: static files, the load balancer's probes and the metrics (a scraper's token,
# not a role, decides: tests/core/test_readiness.py and tests/core/test_metrics.py).
EXCLUDED_ENDPOINTS = {"static", "home.health", "home.ready", "metrics.metrics"}

# Placeholders in the URLs and form data are filled from the world (see build_world):
#   {alpha} main learner · {cycle} its open cycle (and {cycle_version}, {cycle_moved_version} after the SENCo's
#   stage move) · {outcome} · {provision}
#   {c_team} teacher's team contribution · {c_family} parent's team-and-family one · {c_restricted} teacher's
#   restricted one · {meeting} signed-off, family-shared meeting (recorded and chaired by the LSP) ·
#   {draft} a draft meeting chaired by the LSP (and {draft_version}) · {action} owned by the teacher ·
#   {concern} raised by the teacher · {spare_membership} the spare teacher's membership (and
#   {spare_membership_stamp}, what its confirmation page shows) · {invitation}
#   an open invitation (to revoke) · {token_open} an open invitation's token · {token_revoked} a revoked
#   one's · {colleague} an active teacher of the school on no team · {dormant}, {dormant2} throwaway
#   teachers of the school · {inactive} a deactivated teacher of the school · {outsider} the SLT's account
#   (another agency) · CPD: {lsp_user} the LSP, line managed by the SENCo · {cpd_entry} the LSP's
#   case-work entry on {meeting} · {cpd_withdrawable} the LSP's webinar entry (to withdraw) · {cpd_goal} the LSP's
#   goal · {cpd_review} the SENCo's review of the LSP (unsigned)
#   · {cpd_year} the LSP's CPD year (its first day) · MIS imports, each of one learner (started by the SENCo unless
#   said): {mis_import} at its preview · {mis_columns} with columns to match · {mis_failed} confirmed, then failed
#   while carried out · {other_import} another school's (by its SENCo), at its preview · {bundle} Alpha's transfer
#   bundle (made by the SENCo) · {cp_transfer} Alpha's child-protection transfer (recorded by the DSL, unconfirmed).
#   {alpha_opening} the event id of the teacher's adding {c_team} (an opening of Alpha's record).
#   {sar} Alpha's subject access request (registered by {dpo}, the school's designated data protection officer).
#   {outbox_message} the first message in the outbox (an invitation's, unsent: no mail server is set).
#   {notification} the teacher's notification of the action given them at {meeting}.
#   {consent} a consent to share Alpha's case with the SLT service, recorded by the SENCo. Misfiled work: {c_misfiled}
#   the teacher's team contribution (to withdraw) · {c_to_move} the teacher's team one (to move to {bravo}) ·
#   {c_withdrawn} the teacher's, withdrawn already · {elsewhere} a learner of another school.
#   Attached files (PDFs holding their parent's sentinel): {a_team} on {c_team}, {a_family} on {c_family} (by the
#   parent), {a_restricted} on {c_restricted}, {a_meeting} on {meeting} (by the LSP), {a_concern} on {concern}, and
#   {a_remove} the teacher's second file on {c_team} (to remove).
# Form data given as bytes is posted as an uploaded file (a new one for every cell): a PDF as report.pdf.
MIS_FILE = b"UPN,Legal Forename,Legal Surname,DOB,Year,SEN Status\r\nC801200001015,Maya,Carter,14/05/2018,3,K\r\n"
def report_pdf(text: str) -> bytes:
    """A real one-page PDF saying `text` (an attached report)."""
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.cell(text=text)
    return bytes(pdf.output())


REPORT = report_pdf("A report attached by the family")
MIS_COLUMNS = {"upn": "0", "forename": "1", "surname": "2", "date_of_birth": "3", "year_group": "4",
               "sen_status": "5"}  # how {mis_import}'s columns match Braid's fields (as Braid recognised them)
ROWS = [
    # endpoint, method, url, form data, outcomes in COLUMNS order
    # senco lsp teacher dsl admin slt ep parent anonymous expired
    ("home.index", "GET", "/", None,
     (200, 200, 200, 200, 200, 200, 200, 200, S, S)),
    ("agencies.sign_in", "GET", "/sign-in", None,
     (302, 302, 302, 302, 302, 302, 302, 302, 200, 200)),
    ("agencies.sign_in", "POST", "/sign-in", {},
     (302, 302, 302, 302, 302, 302, 302, 302, 400, 400)),
    # Forgotten passwords: public. Signed in, both pages send you home (a link is kept for later); an
    # unknown link is a 404, whatever is posted to it.
    ("agencies.password_reset_request", "GET", "/sign-in/reset", None,
     (302, 302, 302, 302, 302, 302, 302, 302, 200, 200)),
    ("agencies.password_reset_request", "POST", "/sign-in/reset", {},
     (302, 302, 302, 302, 302, 302, 302, 302, 400, 400)),
    ("agencies.password_reset", "GET", "/sign-in/reset/not-a-real-token-0000", None,
     (302, 302, 302, 302, 302, 302, 302, 302, 404, 404)),
    ("agencies.password_reset", "POST", "/sign-in/reset/not-a-real-token-0000", {},
     (302, 302, 302, 302, 302, 302, 302, 302, 404, 404)),
    ("agencies.change_password", "GET", "/account/password", None,
     (200, 200, 200, 200, 200, 200, 200, 200, S, S)),
    ("agencies.change_password", "POST", "/account/password", {},
     (400, 400, 400, 400, 400, 400, 400, 400, S, S)),
    # Two-step verification. The code and set-up pages of sign-in are public but answer only a pending
    # sign-in (right password, no code yet): signed in, they send you home; with nothing pending, to sign-in.
    ("agencies.mfa_verify", "GET", "/sign-in/code", None,
     (302, 302, 302, 302, 302, 302, 302, 302, S, S)),
    ("agencies.mfa_verify", "POST", "/sign-in/code", {},
     (302, 302, 302, 302, 302, 302, 302, 302, S, S)),
    ("agencies.mfa_enrol", "GET", "/sign-in/set-up", None,
     (302, 302, 302, 302, 302, 302, 302, 302, S, S)),
    ("agencies.mfa_enrol", "POST", "/sign-in/set-up", {},
     (302, 302, 302, 302, 302, 302, 302, 302, S, S)),
    # One's own settings: everyone signed in. A form with no button is a 400.
    ("agencies.two_step", "GET", "/account/two-step", None,
     (200, 200, 200, 200, 200, 200, 200, 200, S, S)),
    ("agencies.two_step", "POST", "/account/two-step", {},
     (400, 400, 400, 400, 400, 400, 400, 400, S, S)),
    # The SENCo, DSL, admin, SLT and EP are enrolled (their roles require it): set-up sends them back. The
    # others have nothing to confirm until the POST (the two-step page's button) makes their authenticator;
    # then the page shows it, and an empty code is a 400.
    ("agencies.two_step_set_up", "GET", "/account/two-step/set-up", None,
     (302, 302, 302, 302, 302, 302, 302, 302, S, S)),
    ("agencies.two_step_set_up", "POST", "/account/two-step/set-up", {},
     (302, 302, 302, 302, 302, 302, 302, 302, S, S)),
    ("agencies.two_step_set_up", "GET", "/account/two-step/set-up", None,
     (302, 200, 200, 302, 302, 302, 302, 200, S, S)),
    ("agencies.two_step_set_up", "POST", "/account/two-step/set-up", {},
     (302, 400, 400, 302, 302, 302, 302, 400, S, S)),
    ("agencies.account_list", "GET", "/accounts", None,
     (403, 403, 403, 403, 200, 403, 403, 403, S, S)),
    ("agencies.account_new", "GET", "/accounts/new", None,
     (403, 403, 403, 403, 200, 403, 403, 403, S, S)),
    ("agencies.account_new", "POST", "/accounts/new", {},
     (403, 403, 403, 403, 400, 403, 403, 403, S, S)),
    ("agencies.account_detail", "GET", "/accounts/{colleague}", None,
     (404, 404, 404, 404, 200, 404, 404, 404, S, S)),
    ("agencies.account_detail", "GET", "/accounts/{outsider}", None,
     (404, 404, 404, 404, 404, 404, 404, 404, S, S)),
    ("agencies.account_change", "GET", "/accounts/{colleague}/deactivate", None,
     (404, 404, 404, 404, 200, 404, 404, 404, S, S)),
    ("agencies.account_change", "GET", "/accounts/{colleague}/explode", None,
     (404, 404, 404, 404, 404, 404, 404, 404, S, S)),
    ("agencies.account_change", "POST", "/accounts/{dormant}/deactivate", {},
     (404, 404, 404, 404, 302, 404, 404, 404, S, S)),
    ("agencies.account_change", "POST", "/accounts/{inactive}/reactivate", {},
     (404, 404, 404, 404, 302, 404, 404, 404, S, S)),
    ("agencies.account_change", "POST", "/accounts/{outsider}/deactivate", {},
     (404, 404, 404, 404, 404, 404, 404, 404, S, S)),
    ("agencies.account_change", "GET", "/accounts/{colleague}/reset-two-step", None,
     (404, 404, 404, 404, 200, 404, 404, 404, S, S)),
    ("agencies.account_change", "POST", "/accounts/{dormant2}/reset-two-step", {},
     (404, 404, 404, 404, 302, 404, 404, 404, S, S)),
    # Editing an account: its agency's administrator; an empty form is a 400 and changes nothing.
    ("agencies.account_edit", "GET", "/accounts/{colleague}/edit", None,
     (404, 404, 404, 404, 200, 404, 404, 404, S, S)),
    ("agencies.account_edit", "POST", "/accounts/{colleague}/edit", {},
     (404, 404, 404, 404, 400, 404, 404, 404, S, S)),
    ("agencies.account_edit", "GET", "/accounts/{outsider}/edit", None,
     (404, 404, 404, 404, 404, 404, 404, 404, S, S)),
    # Outside accounts on the school's cases: the school's administrator only (counts, never learners).
    ("cases.outside_accounts", "GET", "/accounts/outside", None,
     (403, 403, 403, 403, 200, 403, 403, 403, S, S)),
    ("agencies.account_reset_password", "GET", "/accounts/{colleague}/reset-password", None,
     (404, 404, 404, 404, 200, 404, 404, 404, S, S)),
    ("agencies.account_reset_password", "POST", "/accounts/{dormant2}/reset-password", {},
     (404, 404, 404, 404, 200, 404, 404, 404, S, S)),
    # notifications: everyone's own page and settings; {notification} is the teacher's (an action given them),
    # which only the teacher opens (a 302 to the meeting). Marking all read is one's own (an empty POST marks
    # them read); the settings form posted empty lacks every choice (400, nothing saved).
    ("notifications.notification_list", "GET", "/notifications", None,
     (200, 200, 200, 200, 200, 200, 200, 200, S, S)),
    ("notifications.open_notification", "GET", "/notifications/{notification}", None,
     (404, 404, 302, 404, 404, 404, 404, 404, S, S)),
    ("notifications.mark_all_read", "POST", "/notifications/read", {},
     (302, 302, 302, 302, 302, 302, 302, 302, S, S)),
    ("notifications.settings", "GET", "/notifications/settings", None,
     (200, 200, 200, 200, 200, 200, 200, 200, S, S)),
    ("notifications.settings", "POST", "/notifications/settings", {},
     (400, 400, 400, 400, 400, 400, 400, 400, S, S)),
    # background jobs: the agency administrator's page of runs (no personal data on it)
    ("jobs.job_list", "GET", "/admin/jobs", None,
     (403, 403, 403, 403, 200, 403, 403, 403, S, S)),
    # Mail: the administrator's list of unsent mail (addresses and subjects, never a body); "try again" on a message
    # ({outbox_message}: an invitation's, kept in the outbox) is a 400 here, as no mail server is set. The development
    # outbox does not exist outside development (MAIL_OUTBOX_PAGE): 404 for everyone.
    ("mail.unsent_list", "GET", "/admin/mail", None,
     (403, 403, 403, 403, 200, 403, 403, 403, S, S)),
    ("mail.send_again", "POST", "/admin/mail/{outbox_message}/send-again", {},
     (404, 404, 404, 404, 400, 404, 404, 404, S, S)),
    ("mail.dev_outbox", "GET", "/dev/outbox", None,
     (404, 404, 404, 404, 404, 404, 404, 404, S, S)),
    # Data protection: the record of processing (Article 30) is the designated DPO's; nobody in this world is one
    # (tests/data_protection/test_article30.py signs in as one).
    ("data_protection.record_of_processing", "GET", "/data-protection/record-of-processing", None,
     (403, 403, 403, 403, 403, 403, 403, 403, S, S)),
    # The school calendar: read by the school's staff, kept by its administrator ({period}: Alpha School's term,
    # {period_spare}: one to remove). Empty POSTs are 400s; another role finds no period (404).
    ("agencies.school_calendar", "GET", "/school/calendar", None,
     (200, 200, 200, 200, 200, 403, 403, 403, S, S)),
    ("agencies.school_calendar_new", "GET", "/school/calendar/new", None,
     (403, 403, 403, 403, 200, 403, 403, 403, S, S)),
    ("agencies.school_calendar_new", "POST", "/school/calendar/new", {},
     (403, 403, 403, 403, 400, 403, 403, 403, S, S)),
    ("agencies.school_calendar_default", "POST", "/school/calendar/default", {},
     (403, 403, 403, 403, 400, 403, 403, 403, S, S)),
    ("agencies.school_calendar_edit", "GET", "/school/calendar/{period}/edit", None,
     (404, 404, 404, 404, 200, 404, 404, 404, S, S)),
    ("agencies.school_calendar_edit", "POST", "/school/calendar/{period}/edit", {},
     (404, 404, 404, 404, 400, 404, 404, 404, S, S)),
    ("agencies.school_calendar_remove", "GET", "/school/calendar/{period}/remove", None,
     (404, 404, 404, 404, 200, 404, 404, 404, S, S)),
    ("agencies.school_calendar_remove", "POST", "/school/calendar/{period_spare}/remove", {},
     (404, 404, 404, 404, 302, 404, 404, 404, S, S)),
    # What families see of who has seen a record: the school's SENCo or administrator chooses whether staff are named.
    ("agencies.family_view_settings", "GET", "/school/family-view", None,
     (200, 403, 403, 403, 200, 403, 403, 403, S, S)),
    ("agencies.family_view_settings", "POST", "/school/family-view", {},
     (400, 403, 403, 403, 400, 403, 403, 403, S, S)),
    ("agencies.family_view_settings", "POST", "/school/family-view", {"show_staff_names": "yes"},
     (302, 403, 403, 403, 302, 403, 403, 403, S, S)),
    # The year end: the SENCo's (it moves and archives learners the administrator never sees). No year end is set in
    # this world, so running it is a 400.
    ("cases.year_end", "GET", "/school/year-end", None,
     (200, 403, 403, 403, 403, 403, 403, 403, S, S)),
    ("cases.year_end", "POST", "/school/year-end", {},
     (400, 403, 403, 403, 403, 403, 403, 403, S, S)),
    ("cases.year_end_run", "POST", "/school/year-end/run", {"confirm": "y"},
     (400, 403, 403, 403, 403, 403, 403, 403, S, S)),
    # learners
    ("cases.learner_list", "GET", "/learners", None,
     (200, 200, 200, 200, 403, 403, 403, 403, S, S)),
    ("cases.learner_new", "GET", "/learners/new", None,
     (200, 403, 403, 403, 403, 403, 403, 403, S, S)),
    ("cases.learner_new", "POST", "/learners/new", {},
     (400, 403, 403, 403, 403, 403, 403, 403, S, S)),
    ("cases.learner_find", "GET", "/learners/find", None,
     (200, 403, 403, 403, 403, 403, 403, 403, S, S)),
    ("cases.learner_find", "POST", "/learners/find", {},
     (400, 403, 403, 403, 403, 403, 403, 403, S, S)),
    # Learners from the school's MIS: its SENCo only, and only their own school's imports. Anyone else is refused
    # the upload page and finds no import (a 404, as for any record out of sight), the SENCo not another school's.
    ("cases.mis_import_upload", "GET", "/learners/import", None,
     (200, 403, 403, 403, 403, 403, 403, 403, S, S)),
    ("cases.mis_import_upload", "POST", "/learners/import", {},  # no file
     (400, 403, 403, 403, 403, 403, 403, 403, S, S)),
    ("cases.mis_import_upload", "POST", "/learners/import", {"file": b"%PDF-1.7\n1 0 obj\n<< >>\nendobj\n"},
     (400, 403, 403, 403, 403, 403, 403, 403, S, S)),  # not a CSV file: nothing kept
    ("cases.mis_import_detail", "GET", "/learners/import/{mis_import}", None,
     (200, 404, 404, 404, 404, 404, 404, 404, S, S)),
    ("cases.mis_import_detail", "GET", "/learners/import/{mis_columns}", None,  # sent on to match its columns
     (302, 404, 404, 404, 404, 404, 404, 404, S, S)),
    ("cases.mis_import_detail", "GET", "/learners/import/{mis_failed}", None,
     (200, 404, 404, 404, 404, 404, 404, 404, S, S)),
    ("cases.mis_import_detail", "GET", "/learners/import/{other_import}", None,
     (404, 404, 404, 404, 404, 404, 404, 404, S, S)),
    ("cases.mis_import_progress", "GET", "/learners/import/{mis_import}/progress", None,
     (200, 404, 404, 404, 404, 404, 404, 404, S, S)),
    ("cases.mis_import_progress", "GET", "/learners/import/{other_import}/progress", None,
     (404, 404, 404, 404, 404, 404, 404, 404, S, S)),
    ("cases.mis_import_columns", "GET", "/learners/import/{mis_columns}/columns", None,
     (200, 404, 404, 404, 404, 404, 404, 404, S, S)),
    ("cases.mis_import_columns", "GET", "/learners/import/{mis_import}/columns", None,
     (200, 404, 404, 404, 404, 404, 404, 404, S, S)),
    ("cases.mis_import_columns", "GET", "/learners/import/{mis_failed}/columns", None,  # past its preview
     (302, 404, 404, 404, 404, 404, 404, 404, S, S)),
    ("cases.mis_import_columns", "GET", "/learners/import/{other_import}/columns", None,
     (404, 404, 404, 404, 404, 404, 404, 404, S, S)),
    ("cases.mis_import_columns", "POST", "/learners/import/{mis_columns}/columns", {},  # still no names, no birth date
     (400, 404, 404, 404, 404, 404, 404, 404, S, S)),
    ("cases.mis_import_columns", "POST", "/learners/import/{mis_import}/columns",
     {**MIS_COLUMNS, "date_of_birth": "-1"},  # "Not in this file": every learner needs one
     (400, 404, 404, 404, 404, 404, 404, 404, S, S)),
    ("cases.mis_import_columns", "POST", "/learners/import/{mis_import}/columns", MIS_COLUMNS,  # previewed again
     (302, 404, 404, 404, 404, 404, 404, 404, S, S)),
    ("cases.mis_import_columns", "POST", "/learners/import/{other_import}/columns", MIS_COLUMNS,
     (404, 404, 404, 404, 404, 404, 404, 404, S, S)),
    ("cases.mis_import_retry", "POST", "/learners/import/{mis_import}/try-again", {},  # it has not failed
     (400, 404, 404, 404, 404, 404, 404, 404, S, S)),
    ("cases.mis_import_confirm", "POST", "/learners/import/{mis_columns}/confirm", {},  # no preview: sent back to it
     (302, 404, 404, 404, 404, 404, 404, 404, S, S)),
    ("cases.mis_import_confirm", "POST", "/learners/import/{other_import}/confirm", {},
     (404, 404, 404, 404, 404, 404, 404, 404, S, S)),
    ("cases.mis_import_cancel", "POST", "/learners/import/{other_import}/cancel", {},
     (404, 404, 404, 404, 404, 404, 404, 404, S, S)),
    ("cases.mis_import_retry", "POST", "/learners/import/{other_import}/try-again", {},
     (404, 404, 404, 404, 404, 404, 404, 404, S, S)),
    # The SENCo's own imports, each POST once it succeeds: the state each leaves is what the next row meets.
    ("cases.mis_import_cancel", "POST", "/learners/import/{mis_columns}/cancel", {},
     (302, 404, 404, 404, 404, 404, 404, 404, S, S)),
    ("cases.mis_import_cancel", "POST", "/learners/import/{mis_columns}/cancel", {},  # cancelled already
     (400, 404, 404, 404, 404, 404, 404, 404, S, S)),
    ("cases.mis_import_confirm", "POST", "/learners/import/{mis_import}/confirm", {},
     (302, 404, 404, 404, 404, 404, 404, 404, S, S)),
    ("cases.mis_import_cancel", "POST", "/learners/import/{mis_import}/cancel", {},  # confirmed: too late
     (400, 404, 404, 404, 404, 404, 404, 404, S, S)),
    ("cases.mis_import_retry", "POST", "/learners/import/{mis_failed}/try-again", {},
     (302, 404, 404, 404, 404, 404, 404, 404, S, S)),
    ("cases.mis_import_retry", "POST", "/learners/import/{mis_failed}/try-again", {},  # queued again: not failed now
     (400, 404, 404, 404, 404, 404, 404, 404, S, S)),
    ("cases.mis_import_upload", "POST", "/learners/import", {"file": MIS_FILE},  # read and previewed
     (302, 403, 403, 403, 403, 403, 403, 403, S, S)),
    # The DSL knows every learner of the school by name (to read concerns): 200, but no case content.
    ("cases.learner_detail", "GET", "/learners/{alpha}", None,
     (200, 200, 200, 200, 404, 200, 200, 200, S, S)),
    # The chronology: whoever sees the learner, each reading only their own share of the case (the DSL, not on
    # Alpha's team, its concerns and restricted work); an unreal date or a forged cursor is a 400.
    ("cases.chronology", "GET", "/learners/{alpha}/chronology", None,
     (200, 200, 200, 200, 404, 200, 200, 200, S, S)),
    ("cases.chronology", "GET", "/learners/{alpha}/chronology?date_from=31&date_from=2&date_from=2026&older=x", None,
     (400, 400, 400, 400, 404, 400, 400, 400, S, S)),
    ("cases.chronology", "GET", "/learners/{elsewhere}/chronology", None,
     (404, 404, 404, 404, 404, 404, 404, 404, S, S)),
    # correcting a learner's details: the SENCo; the history: the SENCo and the DSL (an empty POST changes nothing)
    ("cases.learner_edit", "GET", "/learners/{alpha}/edit", None,
     (200, 403, 403, 403, 404, 403, 403, 403, S, S)),
    ("cases.learner_edit", "POST", "/learners/{alpha}/edit", {},
     (400, 403, 403, 403, 404, 403, 403, 403, S, S)),
    ("cases.learner_history", "GET", "/learners/{alpha}/history", None,
     (200, 403, 403, 200, 404, 403, 403, 403, S, S)),
    # transfers to the next school: the page for the SENCo and the DSL; the bundle is the SENCo's to make and
    # download (by POST only); child-protection transfers are the DSL's alone (out of everyone else's sight).
    ("cases.transfers", "GET", "/learners/{alpha}/transfers", None,
     (200, 403, 403, 200, 404, 403, 403, 403, S, S)),
    ("cases.transfer_bundle_new", "GET", "/learners/{alpha}/transfers/bundle", None,
     (200, 403, 403, 403, 404, 403, 403, 403, S, S)),
    ("cases.transfer_bundle_new", "POST", "/learners/{alpha}/transfers/bundle", {},
     (400, 403, 403, 403, 404, 403, 403, 403, S, S)),
    ("cases.transfer_bundle_download", "POST", "/transfer-bundles/{bundle}/download", {},
     (200, 404, 404, 403, 404, 404, 404, 404, S, S)),
    ("cases.cp_transfer_new", "GET", "/learners/{alpha}/transfers/child-protection", None,
     (403, 403, 403, 200, 404, 403, 403, 403, S, S)),
    ("cases.cp_transfer_new", "POST", "/learners/{alpha}/transfers/child-protection", {},
     (403, 403, 403, 400, 404, 403, 403, 403, S, S)),
    ("cases.cp_receipt", "GET", "/child-protection-transfers/{cp_transfer}/receipt", None,
     (404, 404, 404, 200, 404, 404, 404, 404, S, S)),
    ("cases.cp_receipt", "POST", "/child-protection-transfers/{cp_transfer}/receipt", {},
     (404, 404, 404, 400, 404, 404, 404, 404, S, S)),
    # a leaving date: the SENCo (an empty POST is a 400: no date)
    ("cases.learner_leaving", "GET", "/learners/{alpha}/leaving", None,
     (200, 403, 403, 403, 404, 403, 403, 403, S, S)),
    ("cases.learner_leaving", "POST", "/learners/{alpha}/leaving", {},
     (400, 403, 403, 403, 404, 403, 403, 403, S, S)),
    # An archived leaver ({archived}: the LSP, teacher and parent were on its team): read by the SENCo and the DSL
    # only, changed by nobody; out of everyday lists, listed with the filter for the SENCo and the DSL.
    ("cases.learner_detail", "GET", "/learners/{archived}", None,
     (200, 404, 404, 200, 404, 404, 404, 404, S, S)),
    ("cases.learner_edit", "POST", "/learners/{archived}/edit", {},
     (403, 404, 404, 403, 404, 404, 404, 404, S, S)),
    ("cases.learner_leaving", "POST", "/learners/{archived}/leaving", {"not_leaving": "y"},
     (403, 404, 404, 403, 404, 404, 404, 404, S, S)),
    ("cases.contribution_new", "POST", "/learners/{archived}/contributions/new", {},
     (403, 404, 404, 403, 404, 404, 404, 404, S, S)),
    ("cases.chronology", "GET", "/learners/{archived}/chronology", None,
     (200, 404, 404, 200, 404, 404, 404, 404, S, S)),
    ("cases.plan", "GET", "/learners/{archived}/plan", None,
     (200, 404, 404, 403, 404, 404, 404, 404, S, S)),
    ("cases.learner_list", "GET", "/learners?archived=1", None,
     (200, 200, 200, 200, 403, 403, 403, 403, S, S)),
    # An archived leaver's transfer can finish after they left (the DSL's child-protection record); a new bundle
    # is made before archiving.
    ("cases.transfers", "GET", "/learners/{archived}/transfers", None,
     (200, 404, 404, 200, 404, 404, 404, 404, S, S)),
    ("cases.transfer_bundle_new", "POST", "/learners/{archived}/transfers/bundle", {},
     (403, 404, 404, 403, 404, 404, 404, 404, S, S)),
    ("cases.cp_transfer_new", "POST", "/learners/{archived}/transfers/child-protection", {},
     (403, 404, 404, 400, 404, 404, 404, 404, S, S)),
    # merging two records of one learner: the SENCo only (an empty POST chooses nothing and merges nothing)
    ("cases.learner_merge_pick", "GET", "/learners/{alpha}/merge", None,
     (200, 403, 403, 403, 404, 403, 403, 403, S, S)),
    ("cases.learner_merge_pick", "POST", "/learners/{alpha}/merge", {},
     (400, 403, 403, 403, 404, 403, 403, 403, S, S)),
    ("cases.learner_merge", "GET", "/learners/{alpha}/merge/{bravo}", None,
     (200, 403, 403, 403, 404, 403, 403, 403, S, S)),
    ("cases.learner_merge", "POST", "/learners/{alpha}/merge/{bravo}", {},
     (400, 403, 403, 403, 404, 403, 403, 403, S, S)),
    # the team around the child
    ("cases.team", "GET", "/learners/{alpha}/team", None,
     (200, 200, 200, 403, 404, 200, 200, 200, S, S)),
    # Who has seen the record, for the family: a parent on the case; the SENCo and the DSL preview it. The rest of
    # the team may not (403); off the case it is out of sight (404).
    ("cases.access_summary", "GET", "/learners/{alpha}/who-has-seen", None,
     (200, 403, 403, 200, 404, 403, 403, 200, S, S)),
    ("cases.access_summary", "GET", "/learners/{bravo}/who-has-seen", None,
     (200, 404, 404, 200, 404, 404, 404, 404, S, S)),
    ("cases.team_add_staff", "POST", "/learners/{alpha}/team/staff", {},
     (400, 403, 403, 403, 404, 403, 403, 403, S, S)),
    ("cases.team_invite", "GET", "/learners/{alpha}/team/invite", None,
     (200, 403, 403, 403, 404, 403, 403, 403, S, S)),
    ("cases.team_invite", "POST", "/learners/{alpha}/team/invite", {},
     (400, 403, 403, 403, 404, 403, 403, 403, S, S)),
    ("cases.membership_end", "GET", "/memberships/{spare_membership}/end", None,  # the confirmation page
     (200, 404, 404, 404, 404, 404, 404, 404, S, S)),
    ("cases.membership_end", "POST", "/memberships/{spare_membership}/end", {},  # no confirmation: nothing changes
     (400, 404, 404, 404, 404, 404, 404, 404, S, S)),
    ("cases.membership_end", "POST", "/memberships/{spare_membership}/end", {"confirm": "yes", "version": "x|y"},
     (409, 404, 404, 404, 404, 404, 404, 404, S, S)),  # stale: the page showed another membership
    ("cases.membership_end", "POST", "/memberships/{spare_membership}/end",
     {"confirm": "yes", "version": "{spare_membership_stamp}"},
     (302, 404, 404, 404, 404, 404, 404, 404, S, S)),
    ("cases.invitation_revoke", "GET", "/invitations/{invitation}/revoke", None,  # the confirmation page
     (200, 404, 404, 404, 404, 404, 404, 404, S, S)),
    ("cases.invitation_revoke", "POST", "/invitations/{invitation}/revoke", {},  # no confirmation: nothing changes
     (400, 404, 404, 404, 404, 404, 404, 404, S, S)),
    ("cases.invitation_revoke", "POST", "/invitations/{invitation}/revoke", {"confirm": "yes"},
     (302, 404, 404, 404, 404, 404, 404, 404, S, S)),
    # Consent and sharing: the SENCo, the DSL and the family read the page; the SENCo records consent and the
    # family gives their own (an empty form is a 400); only the SENCo withdraws the SENCo's record of a letter
    # (the DSL and the family see it: 403); without the confirmation page's answer nothing changes (400).
    ("cases.consent_list", "GET", "/learners/{alpha}/consents", None,
     (200, 403, 403, 200, 404, 403, 403, 200, S, S)),
    ("cases.consent_list", "GET", "/learners/{bravo}/consents", None,
     (200, 404, 404, 200, 404, 404, 404, 404, S, S)),
    ("cases.consent_new", "GET", "/learners/{alpha}/consents/new", None,
     (200, 403, 403, 403, 404, 403, 403, 200, S, S)),
    ("cases.consent_new", "POST", "/learners/{alpha}/consents/new", {},
     (400, 403, 403, 403, 404, 403, 403, 400, S, S)),
    ("cases.consent_withdraw", "GET", "/consents/{consent}/withdraw", None,
     (200, 404, 404, 403, 404, 404, 404, 403, S, S)),
    ("cases.consent_withdraw", "POST", "/consents/{consent}/withdraw", {},
     (400, 404, 404, 403, 404, 404, 404, 403, S, S)),
    # Accepting is public: the token is the only credential. An unknown token is a 404 for everyone.
    ("cases.invitation_accept", "GET", "/invitations/accept/not-a-real-token-0000", None,
     (404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    ("cases.invitation_accept", "POST", "/invitations/accept/not-a-real-token-0000", {},
     (404, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    ("cases.invitation_accept", "GET", "/invitations/accept/{token_revoked}", None,
     (410, 410, 410, 410, 410, 410, 410, 410, 410, 410)),
    ("cases.invitation_accept", "GET", "/invitations/accept/{token_open}", None,
     (403, 403, 403, 403, 403, 403, 403, 403, 200, 200)),
    ("cases.invitation_accept", "POST", "/invitations/accept/{token_open}", {},
     (403, 403, 403, 403, 403, 403, 403, 403, 400, 400)),
    # the support plan
    ("cases.plan", "GET", "/learners/{alpha}/plan", None,
     (200, 200, 200, 403, 404, 200, 200, 200, S, S)),
    ("cases.plan_start", "POST", "/learners/{alpha}/plan", {},  # the plan exists: the SENCo is told so
     (302, 403, 403, 403, 404, 403, 403, 403, S, S)),
    ("cases.cycle_detail", "GET", "/cycles/{cycle}", None,
     (200, 200, 200, 404, 404, 200, 200, 200, S, S)),
    # the family one-page profile (shared with the family): the page and its PDF for the team and the family; the
    # SENCo writes it (an empty POST has no version: the conflict page, nothing saved)
    ("cases.family_profile", "GET", "/learners/{alpha}/family-profile", None,
     (200, 200, 200, 403, 404, 200, 200, 200, S, S)),
    ("cases.family_profile_pdf", "GET", "/learners/{alpha}/family-profile.pdf", None,  # invited professionals print
     (200, 200, 200, 403, 404, 404, 404, 200, S, S)),
    ("cases.family_profile_edit", "GET", "/learners/{alpha}/family-profile/edit", None,
     (200, 403, 403, 403, 404, 403, 403, 403, S, S)),
    ("cases.family_profile_edit", "POST", "/learners/{alpha}/family-profile/edit", {},
     (409, 403, 403, 403, 404, 403, 403, 403, S, S)),
    # Bravo has no profile: the page says so to no one but the SENCo (nobody else is on Bravo's case)
    ("cases.family_profile", "GET", "/learners/{bravo}/family-profile", None,
     (200, 404, 404, 403, 404, 404, 404, 404, S, S)),
    ("cases.family_profile_pdf", "GET", "/learners/{bravo}/family-profile.pdf", None,
     (404, 404, 404, 403, 404, 404, 404, 404, S, S)),
    # the plan on a page (PDF): whoever may view the cycle, but restricted accounts cannot export (they print)
    ("cases.plan_on_a_page", "GET", "/cycles/{cycle}/plan-on-a-page.pdf", None,
     (200, 200, 200, 404, 404, 403, 403, 403, S, S)),
    ("cases.cycle_edit", "GET", "/cycles/{cycle}/edit", None,
     (200, 403, 403, 404, 404, 403, 403, 403, S, S)),
    ("cases.cycle_edit", "POST", "/cycles/{cycle}/edit", {"assess_on": ["31", "02", "2025"]},
     (400, 403, 403, 404, 404, 403, 403, 403, S, S)),
    ("cases.cycle_edit", "POST", "/cycles/{cycle}/edit", {"version": "0"},  # a stale version
     (409, 403, 403, 404, 404, 403, 403, 403, S, S)),
    ("cases.cycle_close", "GET", "/cycles/{cycle}/close", None,
     (200, 403, 403, 404, 404, 403, 403, 403, S, S)),
    ("cases.cycle_close", "POST", "/cycles/{cycle}/close", {},
     (400, 403, 403, 404, 404, 403, 403, 403, S, S)),
    ("cases.cycle_advance", "GET", "/cycles/{cycle}/stage", None,  # the confirmation page
     (200, 403, 403, 404, 404, 403, 403, 403, S, S)),
    ("cases.cycle_advance", "POST", "/cycles/{cycle}/stage", {"version": "{cycle_version}"},  # no confirmation
     (400, 403, 403, 404, 404, 403, 403, 403, S, S)),
    ("cases.cycle_advance", "POST", "/cycles/{cycle}/stage", {"confirm": "yes", "version": "0"},  # stale
     (409, 403, 403, 404, 404, 403, 403, 403, S, S)),
    ("cases.cycle_advance", "POST", "/cycles/{cycle}/stage", {"confirm": "yes", "version": "{cycle_version}"},
     (302, 403, 403, 404, 404, 403, 403, 403, S, S)),
    ("cases.cycle_move_back", "GET", "/cycles/{cycle}/stage/back", None,
     (200, 403, 403, 404, 404, 403, 403, 403, S, S)),
    ("cases.cycle_move_back", "POST", "/cycles/{cycle}/stage/back", {"version": "{cycle_moved_version}"},
     (400, 403, 403, 404, 404, 403, 403, 403, S, S)),  # no reason
    ("cases.cycle_move_back", "POST", "/cycles/{cycle}/stage/back",
     {"version": "{cycle_moved_version}", "reason": "Moved on before the outcomes were agreed"},
     (302, 403, 403, 404, 404, 403, 403, 403, S, S)),
    ("cases.outcome_new", "GET", "/cycles/{cycle}/outcomes/new", None,
     (200, 403, 403, 404, 404, 403, 403, 403, S, S)),
    ("cases.outcome_new", "POST", "/cycles/{cycle}/outcomes/new", {},
     (400, 403, 403, 404, 404, 403, 403, 403, S, S)),
    ("cases.outcome_edit", "GET", "/outcomes/{outcome}/edit", None,
     (200, 403, 403, 404, 404, 403, 403, 403, S, S)),
    ("cases.outcome_edit", "POST", "/outcomes/{outcome}/edit", {},
     (400, 403, 403, 404, 404, 403, 403, 403, S, S)),
    ("cases.provision_new", "GET", "/cycles/{cycle}/provision/new", None,
     (200, 403, 403, 404, 404, 403, 403, 403, S, S)),
    ("cases.provision_new", "POST", "/cycles/{cycle}/provision/new", {},
     (400, 403, 403, 404, 404, 403, 403, 403, S, S)),
    ("cases.provision_edit", "GET", "/provision/{provision}/edit", None,
     (200, 403, 403, 404, 404, 403, 403, 403, S, S)),
    ("cases.provision_edit", "POST", "/provision/{provision}/edit", {},
     (400, 403, 403, 404, 404, 403, 403, 403, S, S)),
    # contributions
    ("cases.contribution_list", "GET", "/learners/{alpha}/contributions", None,
     (200, 200, 200, 403, 404, 200, 200, 200, S, S)),
    ("cases.contribution_new", "GET", "/learners/{alpha}/contributions/new", None,
     (200, 200, 200, 403, 404, 200, 200, 200, S, S)),
    ("cases.contribution_new", "POST", "/learners/{alpha}/contributions/new", {},
     (400, 400, 400, 403, 404, 400, 400, 400, S, S)),
    # Each role writes only its own kind: only the SLT may write an SLT assessment.
    ("cases.contribution_new", "POST", "/learners/{alpha}/contributions/new",
     {"kind": "slt_assessment", "visibility": "team", "title": "Speech and language", "body": "<p>Advice.</p>"},
     (400, 400, 400, 403, 404, 302, 400, 400, S, S)),
    ("cases.contribution_detail", "GET", "/contributions/{c_team}", None,
     (200, 200, 200, 404, 404, 200, 200, 404, S, S)),
    ("cases.contribution_detail", "GET", "/contributions/{c_family}", None,
     (200, 200, 200, 404, 404, 200, 200, 200, S, S)),
    ("cases.contribution_detail", "GET", "/contributions/{c_restricted}", None,
     (200, 404, 200, 200, 404, 404, 404, 404, S, S)),
    ("cases.contribution_edit", "GET", "/contributions/{c_team}/edit", None,
     (403, 403, 200, 404, 404, 403, 403, 404, S, S)),
    ("cases.contribution_edit", "POST", "/contributions/{c_team}/edit", {},
     (403, 403, 400, 404, 404, 403, 403, 404, S, S)),
    ("cases.contribution_edit", "POST", "/contributions/{c_team}/edit",  # a stale version
     {"visibility": "team", "title": "Changed title", "body": "<p>Changed body</p>", "version": "0"},
     (403, 403, 409, 404, 404, 403, 403, 404, S, S)),
    ("cases.contribution_edit", "GET", "/contributions/{c_restricted}/edit", None,
     (403, 404, 200, 403, 404, 404, 404, 404, S, S)),
    ("cases.contribution_edit", "GET", "/contributions/{c_family}/edit", None,
     (403, 403, 403, 404, 404, 403, 403, 200, S, S)),
    ("cases.contribution_history", "GET", "/contributions/{c_team}/history", None,
     (200, 200, 200, 404, 404, 200, 200, 404, S, S)),
    ("cases.contribution_history", "GET", "/contributions/{c_restricted}/history", None,
     (200, 404, 200, 200, 404, 404, 404, 404, S, S)),
    # --- misfiled work: withdrawn by its author (on the case) or the SENCo; moved by the SENCo; read by the DSL
    ("cases.contribution_withdraw", "GET", "/contributions/{c_team}/withdraw", None,
     (200, 403, 200, 404, 404, 403, 403, 404, S, S)),
    ("cases.contribution_withdraw", "GET", "/contributions/{c_family}/withdraw", None,
     (200, 403, 403, 404, 404, 403, 403, 200, S, S)),
    ("cases.contribution_withdraw", "GET", "/contributions/{c_restricted}/withdraw", None,
     (200, 404, 200, 403, 404, 404, 404, 404, S, S)),
    ("cases.contribution_withdraw", "POST", "/contributions/{c_team}/withdraw", {},  # no reason: nothing changes
     (400, 403, 400, 404, 404, 403, 403, 404, S, S)),
    ("cases.contribution_withdraw", "POST", "/contributions/{c_team}/withdraw",  # a stale version
     {"reason": "Misfiled", "version": "0"},
     (409, 403, 409, 404, 404, 403, 403, 404, S, S)),
    # The SENCo's column comes first: once withdrawn, it is out of everyone's sight, its author's too.
    ("cases.contribution_withdraw", "POST", "/contributions/{c_misfiled}/withdraw",
     {"reason": "Written about another child", "version": "1"},
     (302, 404, 404, 404, 404, 404, 404, 404, S, S)),
    ("cases.contribution_withdraw", "POST", "/contributions/{c_withdrawn}/withdraw",  # withdrawn already
     {"reason": "Again", "version": "2"},
     (404, 404, 404, 404, 404, 404, 404, 404, S, S)),
    ("cases.contribution_detail", "GET", "/contributions/{c_withdrawn}", None,
     (404, 404, 404, 404, 404, 404, 404, 404, S, S)),
    ("cases.contribution_history", "GET", "/contributions/{c_withdrawn}/history", None,
     (404, 404, 404, 404, 404, 404, 404, 404, S, S)),
    ("cases.contribution_edit", "GET", "/contributions/{c_withdrawn}/edit", None,
     (404, 404, 404, 404, 404, 404, 404, 404, S, S)),
    ("cases.contributions_withdrawn", "GET", "/learners/{alpha}/contributions/withdrawn", None,
     (403, 403, 403, 200, 404, 403, 403, 403, S, S)),
    ("cases.contribution_move", "GET", "/contributions/{c_team}/move", None,
     (200, 403, 403, 404, 404, 403, 403, 404, S, S)),
    ("cases.contribution_move", "POST", "/contributions/{c_team}/move", {},
     (400, 403, 403, 404, 404, 403, 403, 404, S, S)),
    ("cases.contribution_move", "POST", "/contributions/{c_team}/move",  # to the learner it is on already
     {"learner": "{alpha}", "reason": "Misfiled", "version": "1"},
     (400, 403, 403, 404, 404, 403, 403, 404, S, S)),
    ("cases.contribution_move", "POST", "/contributions/{c_team}/move",  # to a learner out of the SENCo's sight
     {"learner": "{elsewhere}", "reason": "Misfiled", "version": "1"},
     (400, 403, 403, 404, 404, 403, 403, 404, S, S)),
    ("cases.contribution_move", "POST", "/contributions/{c_team}/move",  # no reason
     {"learner": "{bravo}", "reason": "", "version": "1"},
     (400, 403, 403, 404, 404, 403, 403, 404, S, S)),
    ("cases.contribution_move", "POST", "/contributions/{c_team}/move",  # a stale version
     {"learner": "{bravo}", "reason": "Misfiled", "version": "0"},
     (409, 403, 403, 404, 404, 403, 403, 404, S, S)),
    # Moved to Bravo (nobody on its team): out of the sight of Alpha's team, its author's too.
    ("cases.contribution_move", "POST", "/contributions/{c_to_move}/move",
     {"learner": "{bravo}", "reason": "Filed against the wrong learner", "version": "1"},
     (302, 404, 404, 404, 404, 404, 404, 404, S, S)),
    ("cases.contribution_detail", "GET", "/contributions/{c_to_move}", None,
     (200, 404, 404, 404, 404, 404, 404, 404, S, S)),
    # meetings
    ("cases.meeting_list", "GET", "/learners/{alpha}/meetings", None,
     (200, 200, 200, 403, 404, 200, 200, 200, S, S)),
    ("cases.meeting_new", "GET", "/learners/{alpha}/meetings/new", None,
     (200, 200, 403, 403, 404, 403, 403, 403, S, S)),
    ("cases.meeting_new", "POST", "/learners/{alpha}/meetings/new", {},
     (400, 400, 403, 403, 404, 403, 403, 403, S, S)),
    ("cases.meeting_detail", "GET", "/meetings/{meeting}", None,
     (200, 200, 200, 404, 404, 200, 200, 200, S, S)),
    ("cases.meeting_detail", "GET", "/meetings/{draft}", None,  # not signed off, not shared: not the family's
     (200, 200, 200, 404, 404, 200, 200, 404, S, S)),
    # the meeting record (PDF): the school staff who may view the meeting (restricted accounts cannot export; a
    # draft is never the family's)
    ("cases.meeting_record_pdf", "GET", "/meetings/{meeting}/record.pdf", None,
     (200, 200, 200, 404, 404, 403, 403, 403, S, S)),
    ("cases.meeting_record_pdf", "GET", "/meetings/{draft}/record.pdf", None,
     (200, 200, 200, 404, 404, 403, 403, 404, S, S)),
    ("cases.meeting_edit", "GET", "/meetings/{meeting}/edit", None,
     (200, 200, 403, 404, 404, 403, 403, 403, S, S)),
    ("cases.meeting_edit", "POST", "/meetings/{meeting}/edit", {},
     (400, 400, 403, 404, 404, 403, 403, 403, S, S)),
    ("cases.meeting_record", "GET", "/meetings/{meeting}/records/1", None,
     (200, 200, 200, 404, 404, 200, 200, 200, S, S)),
    ("cases.meeting_sign_off", "POST", "/meetings/{meeting}/sign-off", {},  # already signed off
     (403, 403, 403, 404, 404, 403, 403, 403, S, S)),
    ("cases.meeting_sign_off", "POST", "/meetings/{draft}/sign-off", {"version": "{draft_version}"},  # the chair
     (403, 302, 403, 404, 404, 403, 403, 404, S, S)),
    ("cases.action_update", "POST", "/actions/{action}", {},
     (400, 400, 400, 404, 404, 403, 403, 403, S, S)),
    # safeguarding concerns: the DSL and the author only
    ("cases.concern_list", "GET", "/concerns", None,
     (200, 200, 200, 200, 403, 200, 200, 403, S, S)),
    ("cases.concern_new", "GET", "/learners/{alpha}/concerns/new", None,
     (200, 200, 200, 200, 404, 200, 200, 403, S, S)),
    ("cases.concern_new", "POST", "/learners/{alpha}/concerns/new", {},
     (400, 400, 400, 400, 404, 400, 400, 403, S, S)),
    ("cases.concern_detail", "GET", "/concerns/{concern}", None,
     (404, 404, 200, 200, 404, 404, 404, 404, S, S)),
    ("cases.concern_action", "POST", "/concerns/{concern}/action", {},
     (404, 404, 403, 400, 404, 404, 404, 404, S, S)),
    # attached files: seen by exactly who sees the parent; added by who adds to it; removed by the uploader or the
    # SENCo (the DSL for a concern's)
    ("cases.attachment_download", "GET", "/attachments/{a_team}", None,
     (200, 200, 200, 404, 404, 200, 200, 404, S, S)),
    ("cases.attachment_download", "GET", "/attachments/{a_family}", None,
     (200, 200, 200, 404, 404, 200, 200, 200, S, S)),
    ("cases.attachment_download", "GET", "/attachments/{a_restricted}", None,
     (200, 404, 200, 200, 404, 404, 404, 404, S, S)),
    ("cases.attachment_download", "GET", "/attachments/{a_meeting}", None,
     (200, 200, 200, 404, 404, 200, 200, 200, S, S)),
    ("cases.attachment_download", "GET", "/attachments/{a_concern}", None,
     (404, 404, 200, 200, 404, 404, 404, 404, S, S)),
    ("cases.contribution_attach", "GET", "/contributions/{c_team}/attachments/new", None,
     (403, 403, 200, 404, 404, 403, 403, 404, S, S)),
    ("cases.contribution_attach", "POST", "/contributions/{c_team}/attachments/new", {},
     (403, 403, 400, 404, 404, 403, 403, 404, S, S)),
    ("cases.contribution_attach", "POST", "/contributions/{c_family}/attachments/new", {"file": REPORT},
     (403, 403, 403, 404, 404, 403, 403, 302, S, S)),
    ("cases.meeting_attach", "GET", "/meetings/{meeting}/attachments/new", None,
     (200, 200, 403, 404, 404, 403, 403, 403, S, S)),
    ("cases.meeting_attach", "POST", "/meetings/{meeting}/attachments/new", {},
     (400, 400, 403, 404, 404, 403, 403, 403, S, S)),
    ("cases.concern_attach", "GET", "/concerns/{concern}/attachments/new", None,
     (404, 404, 200, 200, 404, 404, 404, 404, S, S)),
    ("cases.concern_attach", "POST", "/concerns/{concern}/attachments/new", {"file": b"not a document"},
     (404, 404, 400, 400, 404, 404, 404, 404, S, S)),
    ("cases.attachment_remove", "GET", "/attachments/{a_team}/remove", None,
     (200, 403, 200, 404, 404, 403, 403, 404, S, S)),
    ("cases.attachment_remove", "GET", "/attachments/{a_concern}/remove", None,
     (404, 404, 200, 200, 404, 404, 404, 404, S, S)),
    ("cases.attachment_remove", "POST", "/attachments/{a_family}/remove", {},  # the parent's: theirs or the SENCo's
     (302, 404, 404, 404, 404, 404, 404, 404, S, S)),
    ("cases.attachment_remove", "POST", "/attachments/{a_remove}/remove", {},
     (302, 404, 404, 404, 404, 404, 404, 404, S, S)),
    # the audit review: the DSL of the school only; learners and people by query parameter
    ("audit.review", "GET", "/audit", None,
     (403, 403, 403, 200, 403, 403, 403, 403, S, S)),
    ("audit.review", "GET", "/audit?learner={alpha}&outcome=refused", None,
     (403, 403, 403, 200, 403, 403, 403, 403, S, S)),
    ("audit.review", "GET", "/audit?date_from=31&date_from=2&date_from=2025", None,  # not a real date
     (403, 403, 403, 400, 403, 403, 403, 403, S, S)),
    ("audit.learner_history", "GET", "/audit/learner?learner={alpha}", None,
     (403, 403, 403, 200, 403, 403, 403, 403, S, S)),
    ("audit.learner_history", "GET", "/audit/learner?learner={bravo}", None,
     (403, 403, 403, 200, 403, 403, 403, 403, S, S)),
    # Withholding an opening of Alpha's record ({alpha_opening}: the teacher's contribution) from the family: the DSL.
    ("audit.family_view_decision", "GET", "/audit/learner/family-view?learner={alpha}&event={alpha_opening}", None,
     (403, 403, 403, 200, 403, 403, 403, 403, S, S)),
    ("audit.family_view_decision", "POST", "/audit/learner/family-view?learner={alpha}&event={alpha_opening}", {},
     (403, 403, 403, 400, 403, 403, 403, 403, S, S)),
    ("audit.family_view_decision", "POST", "/audit/learner/family-view?learner={alpha}&event={alpha_opening}",
     {"decision": "withhold", "reason": "Matrix check"},
     (403, 403, 403, 302, 403, 403, 403, 403, S, S)),
    ("audit.user_activity", "GET", "/audit/person?user={colleague}", None,
     (403, 403, 403, 200, 403, 403, 403, 403, S, S)),
    ("audit.flags", "GET", "/audit/flags", None,
     (403, 403, 403, 200, 403, 403, 403, 403, S, S)),
    ("audit.export", "GET", "/audit/export", None,
     (403, 403, 403, 200, 403, 403, 403, 403, S, S)),
    ("audit.export", "POST", "/audit/export", {},  # no purpose: nothing exported
     (403, 403, 403, 400, 403, 403, 403, 403, S, S)),
    ("audit.export", "POST", "/audit/export?learner={alpha}", {"purpose": "inspection", "details": "Matrix check"},
     (403, 403, 403, 200, 403, 403, 403, 403, S, S)),
    ("audit.verify", "POST", "/audit/verify", {},
     (403, 403, 403, 302, 403, 403, 403, 403, S, S)),
    # the reflective CPD log: practitioners keep their own; the line manager (the SENCo, of the LSP)
    # reads it; parents and administrators keep none. The LSP recorded and chaired {meeting}; the teacher
    # wrote {c_team}.
    ("cpd.log", "GET", "/cpd", None,
     (200, 200, 200, 200, 403, 200, 200, 403, S, S)),
    # An earlier CPD year of one's own log (2020 is before every role's current year).
    ("cpd.log_year", "GET", "/cpd/years/2020", None,
     (200, 200, 200, 200, 403, 200, 200, 403, S, S)),
    ("cpd.coverage", "GET", "/cpd/coverage", None,
     (200, 200, 200, 200, 403, 200, 200, 403, S, S)),
    ("cpd.entry_new", "GET", "/cpd/entries/new", None,
     (200, 200, 200, 200, 403, 200, 200, 403, S, S)),
    ("cpd.entry_new", "POST", "/cpd/entries/new", {},
     (400, 400, 400, 400, 403, 400, 400, 403, S, S)),
    # The LSP has reflected on {meeting} already ({cpd_entry}): both open that entry, and the POST saves nothing.
    ("cpd.entry_from_meeting", "GET", "/cpd/entries/new/from-meeting/{meeting}", None,
     (403, 302, 403, 404, 404, 403, 403, 403, S, S)),
    ("cpd.entry_from_meeting", "POST", "/cpd/entries/new/from-meeting/{meeting}", {},
     (403, 302, 403, 404, 404, 403, 403, 403, S, S)),
    ("cpd.entry_from_contribution", "GET", "/cpd/entries/new/from-contribution/{c_team}", None,
     (403, 403, 200, 404, 404, 403, 403, 404, S, S)),
    ("cpd.entry_from_contribution", "POST", "/cpd/entries/new/from-contribution/{c_team}", {},
     (403, 403, 400, 404, 404, 403, 403, 404, S, S)),
    ("cpd.entry_detail", "GET", "/cpd/entries/{cpd_entry}", None,
     (200, 200, 404, 404, 404, 404, 404, 404, S, S)),
    ("cpd.entry_edit", "GET", "/cpd/entries/{cpd_entry}/edit", None,
     (403, 200, 404, 404, 404, 404, 404, 404, S, S)),
    ("cpd.entry_edit", "POST", "/cpd/entries/{cpd_entry}/edit", {},
     (403, 400, 404, 404, 404, 404, 404, 404, S, S)),
    ("cpd.goal_new", "GET", "/cpd/goals/new", None,
     (200, 200, 200, 200, 403, 200, 200, 403, S, S)),
    ("cpd.goal_new", "POST", "/cpd/goals/new", {},
     (400, 400, 400, 400, 403, 400, 400, 403, S, S)),
    ("cpd.goal_detail", "GET", "/cpd/goals/{cpd_goal}", None,
     (200, 200, 404, 404, 404, 404, 404, 404, S, S)),
    ("cpd.goal_edit", "GET", "/cpd/goals/{cpd_goal}/edit", None,
     (403, 200, 404, 404, 404, 404, 404, 404, S, S)),
    ("cpd.goal_edit", "POST", "/cpd/goals/{cpd_goal}/edit", {},
     (403, 400, 404, 404, 404, 404, 404, 404, S, S)),
    # One's own line reports only (names, roles and hours): an empty list for those who manage nobody.
    ("cpd.reports", "GET", "/cpd/people", None,
     (200, 200, 200, 200, 200, 200, 200, 200, S, S)),
    ("cpd.report_log", "GET", "/cpd/people/{lsp_user}", None,  # the LSP's own: redirected to /cpd
     (200, 302, 404, 404, 404, 404, 404, 404, S, S)),
    ("cpd.report_log_year", "GET", "/cpd/people/{lsp_user}/years/2020", None,  # the LSP's own: to /cpd/years
     (200, 302, 404, 404, 404, 404, 404, 404, S, S)),
    ("cpd.review_new", "GET", "/cpd/people/{lsp_user}/reviews/new", None,
     (200, 403, 404, 404, 404, 404, 404, 404, S, S)),
    ("cpd.review_new", "POST", "/cpd/people/{lsp_user}/reviews/new", {},
     (400, 403, 404, 404, 404, 404, 404, 404, S, S)),
    ("cpd.review_detail", "GET", "/cpd/reviews/{cpd_review}", None,
     (200, 200, 404, 404, 404, 404, 404, 404, S, S)),
    ("cpd.review_edit", "GET", "/cpd/reviews/{cpd_review}/edit", None,
     (200, 403, 404, 404, 404, 404, 404, 404, S, S)),
    ("cpd.review_edit", "POST", "/cpd/reviews/{cpd_review}/edit", {},
     (400, 403, 404, 404, 404, 404, 404, 404, S, S)),
    ("cpd.export", "GET", "/cpd/people/{lsp_user}/export", None,
     (200, 200, 404, 404, 404, 404, 404, 404, S, S)),
    ("cpd.export", "POST", "/cpd/people/{lsp_user}/export", {},  # no purpose: nothing exported
     (400, 400, 404, 404, 404, 404, 404, 404, S, S)),
    ("cpd.export", "POST", "/cpd/people/{lsp_user}/export",
     {"year": "{cpd_year}", "file_format": "csv", "purpose": "cpd_quality_assurance"},
     (200, 200, 404, 404, 404, 404, 404, 404, S, S)),
    # Both sign, each the version they read: the SENCo signs version 1 (the LSP's version 1 is stale by then:
    # a conflict, sent back to read it), then the LSP signs version 2 (the SENCo has signed already). Then it is final.
    ("cpd.review_sign", "POST", "/cpd/reviews/{cpd_review}/sign", {"version": "1"},
     (302, 302, 404, 404, 404, 404, 404, 404, S, S)),
    ("cpd.review_sign", "POST", "/cpd/reviews/{cpd_review}/sign", {"version": "2"},
     (403, 302, 404, 404, 404, 404, 404, 404, S, S)),
    ("cpd.review_edit", "GET", "/cpd/reviews/{cpd_review}/edit", None,
     (403, 403, 404, 404, 404, 404, 404, 404, S, S)),
    # --- CPD: withdrawing an entry
    # Only the owner withdraws one of their entries, giving a reason; the line manager reads it (403). Once
    # withdrawn it stays readable, marked withdrawn, and can be neither withdrawn again nor changed.
    ("cpd.entry_withdraw", "GET", "/cpd/entries/{cpd_withdrawable}/withdraw", None,
     (403, 200, 404, 404, 404, 404, 404, 404, S, S)),
    ("cpd.entry_withdraw", "POST", "/cpd/entries/{cpd_withdrawable}/withdraw", {},  # no reason: nothing changes
     (403, 400, 404, 404, 404, 404, 404, 404, S, S)),
    ("cpd.entry_withdraw", "POST", "/cpd/entries/{cpd_withdrawable}/withdraw", {"reason": "Logged twice"},
     (403, 302, 404, 404, 404, 404, 404, 404, S, S)),
    ("cpd.entry_withdraw", "GET", "/cpd/entries/{cpd_withdrawable}/withdraw", None,
     (403, 403, 404, 404, 404, 404, 404, 404, S, S)),
    ("cpd.entry_withdraw", "POST", "/cpd/entries/{cpd_withdrawable}/withdraw", {"reason": "Again"},
     (403, 403, 404, 404, 404, 404, 404, 404, S, S)),
    ("cpd.entry_edit", "GET", "/cpd/entries/{cpd_withdrawable}/edit", None,
     (403, 403, 404, 404, 404, 404, 404, 404, S, S)),
    ("cpd.entry_detail", "GET", "/cpd/entries/{cpd_withdrawable}", None,
     (200, 200, 404, 404, 404, 404, 404, 404, S, S)),
    # break-glass: school staff open a case they are not on, for an hour, giving a reason.
    # The SENCo is on every case (nothing to open); the LSP and teacher may open Bravo, not Alpha (on its team).
    ("cases.break_glass", "GET", "/break-glass", None,
     (403, 200, 200, 200, 403, 403, 403, 403, S, S)),
    ("cases.break_glass", "POST", "/break-glass", {},
     (403, 400, 400, 400, 403, 403, 403, 403, S, S)),
    ("cases.break_glass", "POST", "/break-glass",
     {"learner": "{bravo}", "purpose": "safeguarding", "reason": "Too short"},
     (403, 400, 400, 400, 403, 403, 403, 403, S, S)),
    # Only the DSL is off Alpha's team: their grant is the last thing this world does before signing out.
    ("cases.break_glass", "POST", "/break-glass",
     {"learner": "{alpha}", "purpose": "safeguarding", "reason": "A parent rang with an urgent worry about Alpha."},
     (403, 403, 403, 302, 403, 403, 403, 403, S, S)),
    # Restriction of processing (UK GDPR Article 18): the SENCo or the DSL restricts a record and lifts it; Alpha is
    # not restricted (an empty reason is a 400; lifting what is not restricted, or restricting twice, a 409 that
    # changes nothing).
    ("cases.learner_restrict", "GET", "/learners/{alpha}/restrict", None,
     (200, 403, 403, 200, 404, 403, 403, 403, S, S)),
    ("cases.learner_restrict", "POST", "/learners/{alpha}/restrict", {},
     (400, 403, 403, 400, 404, 403, 403, 403, S, S)),
    ("cases.learner_lift_restriction", "GET", "/learners/{alpha}/restriction/lift", None,
     (200, 403, 403, 200, 404, 403, 403, 403, S, S)),
    ("cases.learner_lift_restriction", "POST", "/learners/{alpha}/restriction/lift", {"reason": "Checked"},
     (409, 403, 403, 409, 404, 403, 403, 403, S, S)),
    # Delta ({restricted}: the LSP, teacher, SLT, EP and parent are on its team) is restricted: read by the SENCo
    # and the DSL only (everyone else no longer finds it), changed and shared by nobody, the SENCo and DSL included.
    ("cases.learner_detail", "GET", "/learners/{restricted}", None,
     (200, 404, 404, 200, 404, 404, 404, 404, S, S)),
    ("cases.learner_history", "GET", "/learners/{restricted}/history", None,
     (200, 404, 404, 200, 404, 404, 404, 404, S, S)),
    ("cases.learner_restrict", "GET", "/learners/{restricted}/restrict", None,
     (200, 404, 404, 200, 404, 404, 404, 404, S, S)),
    ("cases.learner_restrict", "POST", "/learners/{restricted}/restrict", {"reason": "Again"},
     (409, 404, 404, 409, 404, 404, 404, 404, S, S)),
    ("cases.learner_lift_restriction", "GET", "/learners/{restricted}/restriction/lift", None,
     (200, 404, 404, 200, 404, 404, 404, 404, S, S)),
    ("cases.learner_lift_restriction", "POST", "/learners/{restricted}/restriction/lift", {},
     (400, 404, 404, 400, 404, 404, 404, 404, S, S)),
    ("cases.plan", "GET", "/learners/{restricted}/plan", None,
     (200, 404, 404, 403, 404, 404, 404, 404, S, S)),
    ("cases.contribution_detail", "GET", "/contributions/{r_contribution}", None,
     (200, 404, 404, 404, 404, 404, 404, 404, S, S)),
    ("cases.learner_edit", "POST", "/learners/{restricted}/edit", {},
     (403, 404, 404, 403, 404, 404, 404, 404, S, S)),
    ("cases.learner_leaving", "POST", "/learners/{restricted}/leaving", {"not_leaving": "y"},
     (403, 404, 404, 403, 404, 404, 404, 404, S, S)),
    ("cases.contribution_new", "POST", "/learners/{restricted}/contributions/new", {},
     (403, 404, 404, 403, 404, 404, 404, 404, S, S)),
    ("cases.contribution_edit", "POST", "/contributions/{r_contribution}/edit", {},
     (403, 404, 404, 404, 404, 404, 404, 404, S, S)),
    ("cases.contribution_withdraw", "POST", "/contributions/{r_contribution}/withdraw", {"reason": "Misfiled"},
     (403, 404, 404, 404, 404, 404, 404, 404, S, S)),
    ("cases.contribution_attach", "POST", "/contributions/{r_contribution}/attachments/new", {},
     (403, 404, 404, 404, 404, 404, 404, 404, S, S)),
    ("cases.attachment_remove", "POST", "/attachments/{r_attachment}/remove", {},
     (403, 404, 404, 404, 404, 404, 404, 404, S, S)),
    ("cases.meeting_new", "POST", "/learners/{restricted}/meetings/new", {},
     (403, 404, 404, 403, 404, 404, 404, 404, S, S)),
    ("cases.meeting_edit", "POST", "/meetings/{r_meeting}/edit", {},
     (403, 404, 404, 404, 404, 404, 404, 404, S, S)),
    ("cases.action_update", "POST", "/actions/{r_action}", {"status": "done"},
     (403, 404, 404, 404, 404, 404, 404, 404, S, S)),
    ("cases.concern_new", "POST", "/learners/{restricted}/concerns/new", {"concern": "Worried"},
     (403, 404, 404, 403, 404, 404, 404, 404, S, S)),
    ("cases.concern_action", "POST", "/concerns/{r_concern}/action", {},
     (404, 404, 404, 403, 404, 404, 404, 404, S, S)),
    ("cases.cycle_edit", "POST", "/cycles/{r_cycle}/edit", {},
     (403, 404, 404, 404, 404, 404, 404, 404, S, S)),
    ("cases.family_profile_edit", "POST", "/learners/{restricted}/family-profile/edit", {},
     (403, 404, 404, 403, 404, 404, 404, 404, S, S)),
    # sharing: the team, PDFs, the transfer bundle, the child-protection file, break-glass
    ("cases.team_invite", "POST", "/learners/{restricted}/team/invite", {},
     (403, 404, 404, 403, 404, 404, 404, 404, S, S)),
    ("cases.team_add_staff", "POST", "/learners/{restricted}/team/staff", {},
     (403, 404, 404, 403, 404, 404, 404, 404, S, S)),
    ("cases.plan_on_a_page", "GET", "/cycles/{r_cycle}/plan-on-a-page.pdf", None,
     (403, 404, 404, 404, 404, 404, 404, 404, S, S)),
    ("cases.family_profile_pdf", "GET", "/learners/{restricted}/family-profile.pdf", None,  # no export: the view's 404
     (404, 404, 404, 403, 404, 404, 404, 404, S, S)),
    ("cases.meeting_record_pdf", "GET", "/meetings/{r_meeting}/record.pdf", None,
     (403, 404, 404, 404, 404, 404, 404, 404, S, S)),
    ("cases.transfer_bundle_new", "POST", "/learners/{restricted}/transfers/bundle", {},
     (403, 404, 404, 403, 404, 404, 404, 404, S, S)),
    ("cases.transfer_bundle_download", "POST", "/transfer-bundles/{r_bundle}/download", {},
     (403, 404, 404, 403, 404, 404, 404, 404, S, S)),
    ("cases.cp_transfer_new", "POST", "/learners/{restricted}/transfers/child-protection", {},
     (403, 404, 404, 403, 404, 404, 404, 404, S, S)),
    ("cases.break_glass", "POST", "/break-glass",
     {"learner": "{restricted}", "purpose": "safeguarding", "reason": "A parent rang, worried about Delta today."},
     (403, 403, 403, 403, 403, 403, 403, 403, S, S)),
    # Retention and erasure: the school's data protection officer's (a designation no column holds: refused to all,
    # 404 to whoever cannot see the learner); the DSL reviews a child-protection file (an empty decision is a 400).
    ("data_protection.retention", "GET", "/data-protection/retention", None,
     (403, 403, 403, 403, 403, 403, 403, 403, S, S)),
    ("data_protection.retention_rule", "GET", "/data-protection/retention/rules/send_file", None,
     (403, 403, 403, 403, 403, 403, 403, 403, S, S)),
    ("data_protection.retention_rule", "POST", "/data-protection/retention/rules/send_file",
     {"years": "1", "action": "destroy"},
     (403, 403, 403, 403, 403, 403, 403, 403, S, S)),
    ("data_protection.legal_hold_place", "GET", "/data-protection/learners/{alpha}/legal-hold", None,
     (403, 403, 403, 403, 404, 403, 403, 403, S, S)),
    ("data_protection.legal_hold_place", "POST", "/data-protection/learners/{alpha}/legal-hold",
     {"reason": "A claim", "reference": "SE/1"},
     (403, 403, 403, 403, 404, 403, 403, 403, S, S)),
    ("data_protection.legal_hold_lift", "GET", "/data-protection/learners/{alpha}/legal-hold/lift", None,
     (403, 403, 403, 403, 404, 403, 403, 403, S, S)),
    ("data_protection.legal_hold_lift", "POST", "/data-protection/learners/{alpha}/legal-hold/lift",
     {"reason": "Settled"},
     (403, 403, 403, 403, 404, 403, 403, 403, S, S)),
    ("data_protection.erasure_request", "GET", "/data-protection/learners/{alpha}/erasure", None,
     (403, 403, 403, 403, 404, 403, 403, 403, S, S)),
    ("data_protection.erasure_request", "POST", "/data-protection/learners/{alpha}/erasure",
     {"requested_by": "Her mother", "received_on": ["1", "12", "2026"], "confirm_name": "Alpha"},
     (403, 403, 403, 403, 404, 403, 403, 403, S, S)),
    ("data_protection.child_protection_review", "GET", "/data-protection/learners/{alpha}/child-protection-review",
     None, (403, 403, 403, 200, 404, 403, 403, 403, S, S)),
    ("data_protection.child_protection_review", "POST", "/data-protection/learners/{alpha}/child-protection-review",
     {}, (403, 403, 403, 400, 404, 403, 403, 403, S, S)),
    # Data protection. The school's administrator designates a data protection officer on a staff account of the
    # school ({dormant}); no column is a designated DPO (the administrator is not), so the register of subject
    # access requests refuses every column, and {sar} (Alpha's request, registered by {dpo}) is out of sight.
    # A DPO's own rights: tests/data_protection/test_access_requests.py.
    ("data_protection.officer_designation", "GET", "/data-protection/officers/{dormant}?designate=yes", None,
     (404, 404, 404, 404, 200, 404, 404, 404, S, S)),
    ("data_protection.officer_designation", "GET", "/data-protection/officers/{outsider}", None,
     (404, 404, 404, 404, 404, 404, 404, 404, S, S)),
    ("data_protection.officer_designation", "POST", "/data-protection/officers/{dormant}", {},
     (404, 404, 404, 404, 400, 404, 404, 404, S, S)),
    ("data_protection.officer_designation", "POST", "/data-protection/officers/{dormant}", {"designate": "yes"},
     (404, 404, 404, 404, 302, 404, 404, 404, S, S)),
    ("data_protection.access_requests", "GET", "/data-protection/requests", None,
     (403, 403, 403, 403, 403, 403, 403, 403, S, S)),
    ("data_protection.access_request_new", "GET", "/data-protection/requests/new", None,
     (403, 403, 403, 403, 403, 403, 403, 403, S, S)),
    ("data_protection.access_request_new", "POST", "/data-protection/requests/new",
     {"learner": "{alpha}", "kind": "article_15", "requester_name": "Matrix Canary", "relationship": "parent",
      "received_on": ["1", "9", "2026"]},
     (403, 403, 403, 403, 403, 403, 403, 403, S, S)),
    ("data_protection.access_request_detail", "GET", "/data-protection/requests/{sar}", None,
     (404, 404, 404, 404, 404, 404, 404, 404, S, S)),
    ("data_protection.access_request_identity", "GET", "/data-protection/requests/{sar}/identity", None,
     (404, 404, 404, 404, 404, 404, 404, 404, S, S)),
    ("data_protection.access_request_identity", "POST", "/data-protection/requests/{sar}/identity",
     {"version": "{sar_version}", "note": "Seen", "clock_waited": "no", "confirmed_on": ["1", "9", "2026"]},
     (404, 404, 404, 404, 404, 404, 404, 404, S, S)),
    ("data_protection.access_request_extend", "GET", "/data-protection/requests/{sar}/extend", None,
     (404, 404, 404, 404, 404, 404, 404, 404, S, S)),
    ("data_protection.access_request_extend", "POST", "/data-protection/requests/{sar}/extend",
     {"version": "{sar_version}", "months": "1", "reason": "Complex"},
     (404, 404, 404, 404, 404, 404, 404, 404, S, S)),
    ("data_protection.access_request_close", "GET", "/data-protection/requests/{sar}/close", None,
     (404, 404, 404, 404, 404, 404, 404, 404, S, S)),
    ("data_protection.access_request_close", "POST", "/data-protection/requests/{sar}/close",
     {"version": "{sar_version}", "outcome": "withdraw"},
     (404, 404, 404, 404, 404, 404, 404, 404, S, S)),
    # --- subject access bundles: only the school's DPO (no column here) prepares and downloads; the DSL of the
    # learner's school releases concerns. Staff of the school are refused (403), outsiders see nothing (404).
    ("data_protection.bundle_page", "GET", "/data-protection/requests/{sar}/bundle", None,
     (403, 403, 403, 403, 403, 404, 404, 404, S, S)),
    ("data_protection.bundle_progress", "GET", "/data-protection/requests/{sar}/bundle/progress", None,
     (403, 403, 403, 403, 403, 404, 404, 404, S, S)),
    ("data_protection.bundle_review", "GET", "/data-protection/requests/{sar}/bundle/review", None,
     (403, 403, 403, 403, 403, 404, 404, 404, S, S)),
    ("data_protection.bundle_redact", "GET", "/data-protection/requests/{sar}/bundle/items/{sar_item}", None,
     (403, 403, 403, 403, 403, 404, 404, 404, S, S)),
    ("data_protection.bundle_redact", "POST", "/data-protection/requests/{sar}/bundle/items/{sar_item}",
     {"item_key": "{sar_item}", "field": "notes", "passage": "Alpha", "reason": "another_child"},
     (403, 403, 403, 403, 403, 404, 404, 404, S, S)),
    ("data_protection.bundle_unredact", "POST",
     "/data-protection/requests/{sar}/bundle/redactions/{sar_redaction}/remove", {},
     (403, 403, 403, 403, 403, 404, 404, 404, S, S)),
    ("data_protection.bundle_build", "POST", "/data-protection/requests/{sar}/bundle/build", {},
     (403, 403, 403, 403, 403, 404, 404, 404, S, S)),
    ("data_protection.bundle_finalise", "POST", "/data-protection/requests/{sar}/bundle/finalise", {},
     (403, 403, 403, 403, 403, 404, 404, 404, S, S)),
    ("data_protection.bundle_download", "GET", "/data-protection/requests/{sar}/bundle/download", None,
     (403, 403, 403, 403, 403, 404, 404, 404, S, S)),
    ("data_protection.bundle_download", "POST", "/data-protection/requests/{sar}/bundle/download",
     {"purpose": "subject_access_check"}, (403, 403, 403, 403, 403, 404, 404, 404, S, S)),
    ("data_protection.concern_requests", "GET", "/data-protection/concern-releases", None,
     (403, 403, 403, 200, 403, 403, 403, 403, S, S)),
    ("data_protection.concern_release", "GET", "/data-protection/requests/{sar}/concerns", None,
     (403, 403, 403, 200, 403, 404, 404, 404, S, S)),
    ("data_protection.concern_decide", "POST", "/data-protection/requests/{sar}/concerns/{concern}", {},
     (403, 403, 403, 400, 403, 404, 404, 404, S, S)),
    # last: signing out ends every column's session
    ("agencies.sign_out", "POST", "/sign-out", {},
     (S, S, S, S, S, S, S, S, S, S)),
]

# --- sentinels -----------------------------------------------------------------------------------

BRAVO = {
    "notes": "BRAVO-SENTINEL-NOTES-7f3a",
    "views": "BRAVO-SENTINEL-VIEWS-2c91",
    "outcome": "BRAVO-SENTINEL-OUTCOME-5d0e",
    "provision": "BRAVO-SENTINEL-PROVISION-b81c",
    "contribution": "BRAVO-SENTINEL-CONTRIBUTION-44aa",
    "minutes": "BRAVO-SENTINEL-MINUTES-9e12",
    "concern": "BRAVO-SENTINEL-CONCERN-0b77",
}
ALPHA = {
    "notes": "ALPHA-SENTINEL-NOTES-61d2",
    "views": "ALPHA-SENTINEL-VIEWS-a0c4",
    "outcome": "ALPHA-SENTINEL-OUTCOME-3f58",
    "provision": "ALPHA-SENTINEL-PROVISION-c2e9",
    "team": "ALPHA-SENTINEL-TEAM-CONTRIBUTION-1b6d",
    "family": "ALPHA-SENTINEL-FAMILY-CONTRIBUTION-8d03",
    "restricted": "ALPHA-SENTINEL-RESTRICTED-CONTRIBUTION-e47f",
    "minutes": "ALPHA-SENTINEL-MINUTES-5a1b",
    "draft": "ALPHA-SENTINEL-DRAFT-MINUTES-90fc",
    "concern": "ALPHA-SENTINEL-CONCERN-d3e8",
    "withdrawn": "ALPHA-SENTINEL-WITHDRAWN-CONTRIBUTION-7c4e",
    "withdrawn_reason": "ALPHA-SENTINEL-WITHDRAWN-REASON-2f9d",
}
# What each column may never read of the main learner, on any page: the sentinels above it has no right to.
# Withdrawn work has left the case: only the DSL reads it, on their withdrawn page.
WITHDRAWN = {"withdrawn", "withdrawn_reason"}
NEVER = {
    "senco": {"concern"} | WITHDRAWN,
    "lsp": {"restricted", "concern"} | WITHDRAWN,
    "teacher": WITHDRAWN,  # the author of the restricted contribution and of the concern (and of the withdrawn one)
    "dsl": {"notes", "views", "outcome", "provision", "team", "family", "minutes", "draft"},  # not on the case
    "admin": set(ALPHA),
    "slt": {"restricted", "concern"} | WITHDRAWN,
    "ep": {"restricted", "concern"} | WITHDRAWN,
    "parent": {"team", "restricted", "draft", "concern"} | WITHDRAWN,
    "anonymous": set(ALPHA),
    "expired": set(ALPHA),
}
# Pages that legitimately show some of Bravo to a column (school-wide lists), by (endpoint, column).
BRAVO_SHOWN = {
    ("cases.concern_list", "dsl"): {"concern"},  # the DSL reads every concern of the school
    ("cases.learner_merge", "senco"): {"notes"},  # the SENCo compares both records' details before merging them
}


# What an allowed read of these pages must show: proof that the sentinels above would be caught.
SHOWN = {
    "/learners/{alpha}": ("notes",),
    "/cycles/{cycle}": ("views", "outcome", "provision"),
    "/contributions/{c_team}": ("team",),
    "/contributions/{c_family}": ("family",),
    "/contributions/{c_restricted}": ("restricted",),
    "/meetings/{meeting}": ("minutes",),
    "/meetings/{draft}": ("draft",),
    "/meetings/{meeting}/records/1": ("minutes",),
    "/cycles/{cycle}/plan-on-a-page.pdf": ("outcome", "provision"),  # read back from the PDF (pypdf)
    "/meetings/{meeting}/record.pdf": ("minutes",),
    "/meetings/{draft}/record.pdf": ("draft",),
    "/concerns/{concern}": ("concern",),
    "/attachments/{a_team}": ("team",),  # read back from the PDF (pypdf)
    "/attachments/{a_restricted}": ("restricted",),
    "/attachments/{a_meeting}": ("minutes",),
    "/attachments/{a_concern}": ("concern",),
    "/learners/{alpha}/chronology": ("outcome", "provision"),  # the titles of their entries
    "/learners/{alpha}/contributions/withdrawn": ("withdrawn", "withdrawn_reason"),
}


def readable(response) -> str:
    """A page's HTML, or a PDF's text (pypdf): the sentinel checks read both."""
    if response.mimetype != "application/pdf":
        return response.get_data(as_text=True)
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)


def outcome_of(response):
    if response.status_code in (301, 302, 303, 307, 308):
        return S if urlsplit(response.headers.get("Location", "")).path == "/sign-in" else 302
    return response.status_code


def database_checksum(app) -> str:
    """sha256 over every row of every table but the audit trail's, in dependency order, rows by key.

    The trail is left out on purpose: a refused request must leave its refusal there. One raw cursor reads every
    table (the matrix takes a checksum around each refused write: through the ORM, a third of its time); PostgreSQL
    is sent every table's query at once, one round trip instead of one a table (which were a third of its time).
    """
    digest = hashlib.sha256()
    with app.app_context():
        connection = db.engine.raw_connection()
        try:
            cursor = connection.cursor()
            queries = _checksum_queries()
            if db.engine.dialect.name == "postgresql":
                cursor.execute(";\n".join(sql for _, sql in queries))  # no parameters: one simple query
            for number, (name, sql) in enumerate(queries):
                digest.update(f"#{name}".encode())
                if db.engine.dialect.name == "postgresql":
                    assert number == 0 or cursor.nextset(), f"no result for {name}"
                else:
                    cursor.execute(sql)
                for row in cursor.fetchall():
                    digest.update(repr(tuple(row)).encode())
            cursor.close()
        finally:
            connection.close()
        db.session.remove()
    return digest.hexdigest()


# What a read may write besides its audit event: opening a notification (a GET, the link in its email) is reading
# it, so it is marked read. Nothing else of the notification may change.
READ_ON_GET = {"notification": {"read_at"}}


@functools.cache
def _checksum_queries() -> list[tuple[str, str]]:
    def quote(name: str) -> str:  # standard SQL quoting, the same on SQLite and PostgreSQL
        return '"' + name.replace('"', '""') + '"'

    queries = []
    for table in db.metadata.sorted_tables:
        if table.name in APPEND_ONLY_TABLES:
            continue
        order = list(table.primary_key.columns) or list(table.columns)
        columns = [column.name for column in table.columns if column.name not in READ_ON_GET.get(table.name, ())]
        queries.append((table.name, f"SELECT {', '.join(quote(name) for name in columns)} FROM {quote(table.name)} "
                                    "ORDER BY " + ", ".join(quote(column.name) for column in order)))
    return queries


# --- the world -----------------------------------------------------------------------------------


def build_world(app, create_agency, create_user, create_case, add_to_team) -> dict:
    """Alpha School's staff, an NHS SLT, an EP, a parent; learners Alpha (main) and Bravo (sentinels)."""
    school = create_agency(AgencyKind.SCHOOL, name="Alpha School")
    nhs = create_agency(AgencyKind.NHS_SERVICE, name="Riverside SLT Service")
    eps = create_agency(AgencyKind.EP_SERVICE, name="County EP Service")
    family = create_agency(AgencyKind.FAMILY, name="The Alpha Family")
    other_school = create_agency(AgencyKind.SCHOOL, name="Beta School")
    home = {"senco": school, "lsp": school, "teacher": school, "dsl": school, "admin": school,
            "slt": nhs, "ep": eps, "parent": family}
    accounts = {role: create_user(role, agency=agency, name=f"Matrix {role.upper()}") for role, agency in home.items()}
    accounts["expired"] = create_user("slt", agency=nhs, name="Matrix Expired SLT")
    extra = {
        "spare": create_user("teacher", agency=school, name="Spare Teacher"),
        "colleague": create_user("teacher", agency=school, name="Colleague Teacher"),
        "dormant": create_user("teacher", agency=school, name="Dormant Teacher"),
        "dormant2": create_user("teacher", agency=school, name="Dormant Teacher Two"),
        "inactive": create_user("teacher", agency=school, name="Inactive Teacher", active=False),
        # The school's data protection officer: a designation on a teacher's account (no column of the table).
        "dpo": create_user("teacher", agency=school, name="Matrix DPO", dpo_designated_at=utcnow(), two_step=True),
    }
    other_senco = create_user("senco", agency=other_school, name="Beta SENCo")
    alpha = create_case(school=school, name="Alpha Learner")
    bravo = create_case(school=school, name="Bravo Learner")
    elsewhere = create_case(school=other_school, name="Beta Learner")
    archived = create_case(school=school, name="Charlie Leaver", year_group=6)
    restricted = create_case(school=school, name="Delta Restricted")
    for role in ("lsp", "teacher", "slt", "ep", "parent", "expired"):
        add_to_team(alpha, accounts[role])
    spare_membership = add_to_team(alpha, extra["spare"])
    for role in ("lsp", "teacher", "parent"):
        add_to_team(archived, accounts[role])
    for role in ("lsp", "teacher", "slt", "ep", "parent"):
        add_to_team(restricted, accounts[role])

    today = utcnow().date()
    with app.app_context():
        def user(account) -> User:
            return db.session.scalars(select(User).where(User.public_id == account.public_id)).one()

        def learner(public_id) -> Learner:
            return db.session.scalars(select(Learner).where(Learner.public_id == public_id)).one()

        senco, lsp, teacher, dsl, parent = (user(accounts[r]) for r in ("senco", "lsp", "teacher", "dsl", "parent"))
        a, b = learner(alpha), learner(bravo)
        a.notes = ALPHA["notes"]
        b.notes = BRAVO["notes"]
        db.session.flush()

        def plan_for(case, owner, sentinels):
            cycle = plans.start_plan(senco, case)
            plans.update_cycle(senco, cycle, version=cycle.version, assess_on=today,
                               review_on=today + timedelta(days=20), learner_views=f"<p>{sentinels['views']}</p>",
                               family_views=f"<p>{sentinels['views']}</p>")
            plans.advance_stage(senco, cycle, version=cycle.version)  # at plan: the SENCo's stage POST moves it to do
            outcome = plans.add_outcome(senco, cycle, description=f"{sentinels['outcome']} reads a page aloud",
                                        measure="Weekly reading record", target_on=today + timedelta(days=60),
                                        owner_public_id=owner.public_id, progress=None)
            provision = plans.add_provision(senco, cycle, description=f"{sentinels['provision']} phonics group",
                                            delivered_by="Learning support", frequency="Three times a week",
                                            starts_on=today, ends_on=None)
            return cycle, outcome, provision

        cycle, outcome, provision = plan_for(a, lsp, ALPHA)
        c_team = contributions.add_contribution(teacher, a, kind="classroom_view", visibility="team",
                                                title="In class", body=f"<p>{ALPHA['team']}</p>")
        c_family = contributions.add_contribution(parent, a, kind="family_view", visibility="team_and_family",
                                                  title="At home", body=f"<p>{ALPHA['family']}</p>")
        c_restricted = contributions.add_contribution(teacher, a, kind="classroom_view", visibility="restricted",
                                                      title="Private", body=f"<p>{ALPHA['restricted']}</p>")
        c_misfiled, c_to_move, c_withdrawn = (
            contributions.add_contribution(teacher, a, kind="classroom_view", visibility="team", title=title,
                                           body=f"<p>{body}</p>")
            for title, body in (("Misfiled", "About another child"), ("To move", "About Bravo"),
                                ("Withdrawn", ALPHA["withdrawn"])))
        misfiled.withdraw_contribution(teacher, c_withdrawn, version=c_withdrawn.version,
                                       reason=ALPHA["withdrawn_reason"])

        def details(chair, minutes, shared, actions=()):
            return MeetingDetails(kind=MeetingKind.REVIEW, held_on=today, starts_at=time(9, 30), duration_minutes=45,
                                  chair=chair.public_id, agenda="<p>Progress so far</p>", minutes=f"<p>{minutes}</p>",
                                  attendance={chair.public_id: Attendance.PRESENT}, actions=list(actions),
                                  shared_with_family=shared)

        meeting = meetings.record_meeting(lsp, a, details(lsp, ALPHA["minutes"], True, [
            ActionDraft(description="Send home a reading book", owner=teacher.public_id,
                        due_on=today + timedelta(days=7)),
        ]))
        meetings.sign_off_meeting(lsp, meeting, version=meeting.version)
        draft = meetings.record_meeting(lsp, a, details(lsp, ALPHA["draft"], False))
        concern = concerns.record_concern(teacher, a, concern=ALPHA["concern"])
        a_team, a_family, a_restricted, a_meeting, a_concern, a_remove = (
            attachments.attach_file(author, parent, filename=name, data=report_pdf(text))
            for author, parent, name, text in (
                (teacher, c_team, "Classroom observation.pdf", ALPHA["team"]),
                (parent, c_family, "Home diary.pdf", ALPHA["family"]),
                (teacher, c_restricted, "Private note.pdf", ALPHA["restricted"]),
                (lsp, meeting, "Visual timetable.pdf", ALPHA["minutes"]),
                (teacher, concern, "Photo of the note.pdf", ALPHA["concern"]),
                (teacher, c_team, "To remove.pdf", "A second page"),
            ))

        nhs_agency = db.session.scalars(select(Agency).where(Agency.name.matches(nhs))).one()

        def invite(email):
            invitation, link, _ = team.invite_to_case(
                senco, a, email=email, display_name="Invited Therapist", role=Role.SLT,
                agency_public_id=nhs_agency.public_id, access_ends_on=today + timedelta(days=60),
                link_for=lambda token: f"http://localhost/invitations/accept/{token}")
            return invitation, link.rsplit("/", 1)[1]

        to_revoke, _ = invite("to-revoke@example.org")
        _, token_open = invite("open-invitation@example.org")
        revoked, token_revoked = invite("revoked@example.org")
        team.revoke_invitation(senco, revoked)
        # A consent to share Alpha's case with the SLT service, recorded by the SENCo from a letter (to withdraw).
        consent = consents.record_consent(senco, a, purpose="sharing", agency_public_id=nhs_agency.public_id,
                                          given_on=today, method="in_writing", given_by_name="Alpha's mother",
                                          giver_relationship="Mother")

        # Bravo: nobody on its team; the SENCo and the DSL write its sentinels.
        plan_for(b, senco, BRAVO)
        contributions.add_contribution(senco, b, kind="learner_voice", visibility="team_and_family",
                                       title="Bravo's voice", body=f"<p>{BRAVO['contribution']}</p>")
        bravo_meeting = meetings.record_meeting(senco, b, details(senco, BRAVO["minutes"], True))
        meetings.sign_off_meeting(senco, bravo_meeting, version=bravo_meeting.version)
        concerns.record_concern(dsl, b, concern=BRAVO["concern"])

        # The LSP's CPD log: a case-work entry on the meeting they recorded, a goal, and the SENCo's review.
        lsp.line_manager_id = senco.id
        db.session.flush()
        cpd_entry = cpd.record_entry(lsp, cpd.EntryDraft(
            activity_on=today, hours="0.75", activity_type="case_work", participation="participatory",
            reflective_model="driscoll", title="Reflection on Alpha's review meeting",
            content="Planning the next steps together.", reflection={"what": "We reviewed progress.",
                                                                     "so_what": "Reading is improving.",
                                                                     "now_what": "Share the strategies."},
            action_what="Share the reading strategies", action_how="At the next team meeting",
            action_by=today + timedelta(days=14), standard_codes=["AP 12", "BP 4"]), work=meeting)
        cpd_withdrawable = cpd.record_entry(lsp, cpd.EntryDraft(
            activity_on=today, hours="1", activity_type="webinar", participation="individual",
            reflective_model="driscoll", title="Webinar on phonics", content="Phonics for older readers.",
            reflection={"what": "A webinar.", "so_what": "Useful.", "now_what": "Try it."},
            action_what="Try the games", action_how="In my group", action_by=today + timedelta(days=14)))
        cpd_goal = cpd_goals.record_goal(lsp, cpd_goals.GoalDraft(
            specific="Lead a phonics group on my own", measure="Observed twice by the SENCo", relevant_to="standard",
            standard_code="AP 1", relevance=None, target_on=today + timedelta(days=90)))
        cpd_review = cpd_reviews.record_review(senco, lsp, cpd_reviews.ReviewDraft(
            kind="annual", held_on=today, manager_summary="A strong first year."))

        # Alpha's transfer bundle and child-protection transfer, through the real services.
        bundle, _ = transfers.make_transfer_bundle(senco, a, receiving_school="Gamma Academy")
        cp_transfer = transfers.record_cp_transfer(dsl, a, receiving_school="Gamma Academy", method="secure_system",
                                                   sent_on=today)
        # Alpha's one-page profile, shared with the family.
        family_profiles.save_family_profile(senco, a, version=0, shared=True, good_at="Singing and drawing",
                                            what_helps="A visual timetable", working_on="Reading aloud",
                                            who_to_talk_to="Matrix SENCO, SENCo")

        # Imports from the MIS, through the real service; the import job never runs in this world.
        mis_import = mis.start_import(senco, MIS_FILE)
        mis_columns = mis.start_import(senco, b"Child,Born,Form\r\nMaya Carter,14/05/2018,3C\r\n")
        mis_failed = mis.start_import(senco, MIS_FILE)
        mis.confirm_import(senco, mis_failed)
        mis_failed.status, mis_failed.finished_at = ImportStatus.FAILED, utcnow()  # as the job marks a failed run
        other_import = mis.start_import(user(other_senco), MIS_FILE)
        # The school year: the administrator's calendar, and a leaver archived at the year end.
        admin = user(accounts["admin"])
        period = calendar.add_period(admin, kind="term", name="Autumn term", starts_on=date(2026, 9, 1),
                                     ends_on=date(2026, 12, 18))
        period_spare = calendar.add_period(admin, kind="closure", name="INSET day", starts_on=date(2026, 9, 1),
                                           ends_on=date(2026, 9, 1))
        learner(archived).archived_at = utcnow()
        # Delta: a case with work in it, then its processing restricted (UK GDPR Article 18) by the SENCo.
        d = learner(restricted)
        d_cycle = plans.start_plan(senco, d)
        d_contribution = contributions.add_contribution(teacher, d, kind="classroom_view", visibility="team_and_family",
                                                        title="In class", body="<p>Reads with a ruler</p>")
        d_meeting = meetings.record_meeting(lsp, d, details(lsp, "Reviewed reading", True, [
            ActionDraft(description="Try coloured overlays", owner=lsp.public_id,  # the teacher's one notice is Alpha's
                        due_on=today + timedelta(days=7)),
        ]))
        meetings.sign_off_meeting(lsp, d_meeting, version=d_meeting.version)
        d_concern = concerns.record_concern(teacher, d, concern="Delta came in hungry again")
        d_attachment = attachments.attach_file(teacher, d_contribution, filename="Overlay trial.pdf",
                                               data=report_pdf("Overlay trial"))
        family_profiles.save_family_profile(senco, d, version=0, shared=True, good_at="Football",
                                            what_helps="Quiet space", working_on="Reading", who_to_talk_to="SENCo")
        d_bundle, _ = transfers.make_transfer_bundle(senco, d, receiving_school="Gamma Academy")
        d_restriction = restrictions.restrict_processing(senco, d, "Delta's father contests the accuracy of the plan")
        # Alpha's subject access request, in the register of the school's DPO.
        sar = access_requests.register_request(user(extra["dpo"]), learner=a, kind="article_15",
                                               requester_name="Matrix Requester", relationship="parent",
                                               entitlement=None, received_on=today)
        assert (mis_import.status, mis_columns.status, other_import.status) == (
            ImportStatus.PREVIEW, ImportStatus.COLUMNS, ImportStatus.PREVIEW)
        # One redaction in the bundle of Alpha's request (no column is the DPO).
        sar_redaction = BundleRedaction(request_id=sar.id, item_key=f"details:{alpha}", field="notes",
                                        reason=RedactionReason.ANOTHER_CHILD, made_by_id=user(extra["dpo"]).id)
        sar_redaction.passage = "Alpha"
        db.session.add(sar_redaction)
        db.session.commit()

        world = {
            "alpha": alpha, "bravo": bravo, "cycle": cycle.public_id, "cycle_version": str(cycle.version),
            "cycle_moved_version": str(cycle.version + 1),
            "outcome": outcome.public_id, "provision": provision.public_id, "c_team": c_team.public_id,
            "c_family": c_family.public_id, "c_restricted": c_restricted.public_id, "meeting": meeting.public_id,
            "draft": draft.public_id, "draft_version": str(draft.version), "action": meeting.actions[0].public_id,
            "concern": concern.public_id, "spare_membership": spare_membership, "invitation": to_revoke.public_id,
            "consent": consent.public_id,
            "spare_membership_stamp": team.membership_stamp(db.session.scalars(
                select(TeamMembership).where(TeamMembership.public_id == spare_membership)).one()),
            "token_open": token_open, "token_revoked": token_revoked,
            "outsider": accounts["slt"].public_id,
            "lsp_user": lsp.public_id, "cpd_entry": cpd_entry.public_id, "cpd_goal": cpd_goal.public_id,
            "cpd_review": cpd_review.public_id, "cpd_withdrawable": cpd_withdrawable.public_id,
            "cpd_year": cpd_year_containing(today, lsp.cpd_year_start_month).starts_on.isoformat(),
            "mis_import": mis_import.public_id, "mis_columns": mis_columns.public_id,
            "mis_failed": mis_failed.public_id, "other_import": other_import.public_id,
            "bundle": bundle.public_id, "cp_transfer": cp_transfer.public_id,
            "c_misfiled": c_misfiled.public_id, "c_to_move": c_to_move.public_id,
            "c_withdrawn": c_withdrawn.public_id, "elsewhere": elsewhere,
            "a_team": a_team.public_id, "a_family": a_family.public_id, "a_restricted": a_restricted.public_id,
            "a_meeting": a_meeting.public_id, "a_concern": a_concern.public_id, "a_remove": a_remove.public_id,
            "archived": archived, "restricted": restricted, "r_cycle": d_cycle.public_id,
            "r_contribution": d_contribution.public_id, "r_meeting": d_meeting.public_id,
            "r_action": d_meeting.actions[0].public_id, "r_concern": d_concern.public_id,
            "r_attachment": d_attachment.public_id, "r_bundle": d_bundle.public_id,
            "r_restriction": d_restriction.public_id,
            "sar_redaction": sar_redaction.public_id, "sar_item": f"details:{alpha}",
            "period": period.public_id, "period_spare": period_spare.public_id,
            "sar": sar.public_id, "sar_version": str(sar.version),
            "alpha_opening": str(db.session.scalar(select(AuditEvent.id).where(
                AuditEvent.object_public_id == c_team.public_id, AuditEvent.action == AuditAction.CREATE))),
            "outbox_message": db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).first().public_id,
            "notification": db.session.scalars(select(Notification.public_id).where(
                Notification.recipient_id == teacher.id, Notification.kind == NotificationKind.ACTION_ASSIGNED)).one(),
            **{name: account.public_id for name, account in extra.items()},
        }
    return {"world": world, "accounts": accounts}


def sign_in_columns(app, accounts) -> dict:
    clients = {}
    for column in COLUMNS:
        client = app.test_client()
        if column != "anonymous":
            account = accounts[column]
            assert sign_in(client, account.email, account.password).status_code == 302, f"{column} cannot sign in"
        clients[column] = client
    return clients


def expire(app, account) -> None:
    """The expired external account: its membership ended and its access over, after it signed in."""
    with app.app_context():
        row = db.session.scalars(select(User).where(User.public_id == account.public_id)).one()
        now = utcnow()
        db.session.execute(update(TeamMembership).where(TeamMembership.user_id == row.id)
                           .values(ended_at=now - timedelta(minutes=5)))
        row.access_expires_at = now - timedelta(minutes=1)
        db.session.commit()
        db.session.remove()


def _fill(value, world):
    if isinstance(value, bytes):
        return io.BytesIO(value), "report.pdf" if value.startswith(b"%PDF") else "learners.csv"
    if isinstance(value, str):
        return value.format(**world)
    if isinstance(value, list):
        return [_fill(item, world) for item in value]
    return value


# --- the tests -------------------------------------------------------------------------------------


def test_every_route_has_a_row_and_every_row_a_route(app):
    routes = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
        if rule.endpoint not in EXCLUDED_ENDPOINTS
    }
    rows = {(endpoint, method) for endpoint, method, *_ in ROWS}
    assert not routes - rows, f"routes without a row in the matrix: {sorted(routes - rows)}"
    assert not rows - routes, f"rows naming a route that does not exist: {sorted(rows - routes)}"
    assert {rule.endpoint for rule in app.url_map.iter_rules()} >= EXCLUDED_ENDPOINTS
    # Every row's URL reaches the endpoint it names, and every row has one outcome per column.
    adapter = app.url_map.bind("localhost")
    for endpoint, method, url, _, expected in ROWS:
        assert len(expected) == len(COLUMNS), (endpoint, url)
        path = url.partition("?")[0].replace("{", "").replace("}", "")  # the audit review takes query parameters
        assert adapter.match(path, method=method)[0] == endpoint, (endpoint, method, url)
    assert sum(len(expected) for *_, expected in ROWS) >= 300


def test_the_checksum_is_stable_and_notices_a_new_row(app, create_agency, create_user):
    # The matrix trusts it to see any write a refused request made.
    create_user("teacher", agency=create_agency(name="Checksum School"))
    before = database_checksum(app)
    assert database_checksum(app) == before
    service = create_agency(name="Checksum Service")
    changed = database_checksum(app)
    assert changed != before
    create_user("teacher", agency=service)
    assert database_checksum(app) != changed


@pytest.mark.long_running
def test_authorization_matrix(app, create_agency, create_user, create_case, add_to_team):
    built = build_world(app, create_agency, create_user, create_case, add_to_team)
    world, accounts = built["world"], built["accounts"]
    clients = sign_in_columns(app, accounts)
    expire(app, accounts["expired"])

    mismatches, cells = [], 0
    known_sum = None  # the checksum after the last refused write, while nothing else has run since
    for endpoint, method, url_template, data, expected_row in ROWS:
        url = url_template.format(**world)
        for column, expected in zip(COLUMNS, expected_row, strict=True):
            cells += 1
            cell = f"{method} {url_template} [{endpoint}] as {column}"
            client = clients[column]
            write_refused = (method == "POST" and expected in (S, 400, 403, 404, 409, 410)
                             and endpoint != "agencies.sign_out")
            if method == "GET":
                response = client.get(url)
                known_sum = None
            else:
                before = (known_sum or database_checksum(app)) if write_refused else None
                form = {key: _fill(value, world) for key, value in (data or {}).items()}
                response = client.post(url, data=form)
                known_sum = None
                if write_refused:
                    after = database_checksum(app)
                    if after != before:
                        mismatches.append(f"{cell}: expected no change to the database, but it changed")
                    known_sum = after
            got = outcome_of(response)
            if got != expected:
                mismatches.append(f"{cell}: expected {expected}, got {got}")
            if method != "GET":
                continue
            body = readable(response)
            allowed_bravo = BRAVO_SHOWN.get((endpoint, column), set())
            for name, sentinel in BRAVO.items():
                if name not in allowed_bravo and sentinel in body:
                    mismatches.append(f"{cell}: shows Bravo's {name}")
            refused = got not in (200, 400, 409)
            if got == 200 and expected == 200:
                for name in SHOWN.get(url_template, ()):
                    if name not in NEVER[column] and ALPHA[name] not in body:
                        mismatches.append(f"{cell}: allowed, but the main learner's {name} is not on the page")
            for name, sentinel in ALPHA.items():
                if (refused or name in NEVER[column]) and sentinel in body:
                    why = "refused read" if refused else "never theirs"
                    mismatches.append(f"{cell}: shows the main learner's {name} ({why})")
    print(f"\n{cells} cells checked")
    for mismatch in mismatches:
        print(mismatch)
    assert not mismatches, f"{len(mismatches)} mismatches:\n" + "\n".join(mismatches)
    assert cells >= 300


# --- restriction of processing, asked of the policy itself ---------------------------------------------------

CASE_ROLES = ("senco", "lsp", "teacher", "dsl", "admin", "slt", "ep", "parent")
# Delta's things, by the world's name and model: the learner, and everything of their case the rules are asked about.
DELTA_THINGS = (("restricted", Learner), ("r_cycle", PlanCycle), ("r_contribution", Contribution),
                ("r_meeting", Meeting), ("r_action", MeetingAction), ("r_concern", SafeguardingConcern),
                ("r_attachment", Attachment), ("r_bundle", TransferBundle))
# The reads of a restricted record, each with the things of Delta's case it is asked about.
READS_OF = {
    Action.VIEW_LEARNER: ("restricted",), Action.VIEW_LEARNER_HISTORY: ("restricted",),
    Action.VIEW_CASE: ("restricted", "r_cycle"), Action.VIEW_CONTRIBUTION: ("r_contribution",),
    Action.VIEW_MEETING: ("r_meeting",), Action.VIEW_CONCERN: ("r_concern",),
    Action.LIST_CASE_CONCERNS: ("restricted",), Action.REVIEW_AUDIT: ("restricted",),
    Action.VIEW_TRANSFERS: ("restricted",), Action.VIEW_CP_TRANSFERS: ("restricted",),
    Action.VIEW_WITHDRAWN_CONTRIBUTIONS: ("restricted",), Action.VIEW_FAMILY_PROFILE: ("r_profile",),
    Action.DOWNLOAD_ATTACHMENT: ("r_attachment",), Action.VIEW_FAMILY_ACCESS_SUMMARY: ("restricted",),
}
# Rights that are normal on Delta's case, gone while it is restricted and back once the restriction is lifted.
NORMAL_RIGHTS = (
    ("teacher", Action.VIEW_LEARNER, "restricted"), ("teacher", Action.EDIT_CONTRIBUTION, "r_contribution"),
    ("teacher", Action.ATTACH_FILE, "r_contribution"), ("parent", Action.VIEW_CONTRIBUTION, "r_contribution"),
    ("slt", Action.ADD_CONTRIBUTION, "restricted"), ("lsp", Action.RECORD_MEETING, "restricted"),
    ("lsp", Action.EDIT_MEETING, "r_meeting"), ("lsp", Action.UPDATE_ACTION, "r_action"),
    ("lsp", Action.REFLECT_ON_WORK, "r_meeting"), ("teacher", Action.VIEW_CONCERN, "r_concern"),
    ("senco", Action.EDIT_PLAN, "r_cycle"), ("senco", Action.MANAGE_TEAM, "restricted"),
    ("senco", Action.CORRECT_LEARNER, "restricted"), ("senco", Action.EXPORT_CASE_DOCUMENT, "r_meeting"),
    ("senco", Action.MAKE_TRANSFER_BUNDLE, "restricted"), ("senco", Action.DOWNLOAD_TRANSFER_BUNDLE, "r_bundle"),
    ("senco", Action.REMOVE_ATTACHMENT, "r_attachment"), ("senco", Action.RESTRICT_PROCESSING, "restricted"),
    ("dsl", Action.RECORD_CONCERN_ACTION, "r_concern"), ("dsl", Action.RECORD_CP_TRANSFER, "restricted"),
    ("dsl", Action.BREAK_GLASS, "restricted"), ("dsl", Action.RESTRICT_PROCESSING, "restricted"),
    ("parent", Action.VIEW_FAMILY_ACCESS_SUMMARY, "restricted"), ("dsl", Action.DECIDE_FAMILY_VISIBILITY, "restricted"),
)


def test_restriction_lists_are_apart():
    """An action is a read, a change or a share of a restricted record, never two of them; lifting is none."""
    assert not (RESTRICTED_READS & RESTRICTED_CHANGES or RESTRICTED_READS & RESTRICTED_SHARES
                or RESTRICTED_CHANGES & RESTRICTED_SHARES)
    assert Action.LIFT_RESTRICTION not in RESTRICTED_READS | RESTRICTED_CHANGES | RESTRICTED_SHARES
    assert Action.WITHDRAW_CONSENT not in RESTRICTED_READS | RESTRICTED_CHANGES | RESTRICTED_SHARES


def test_a_restricted_record_refuses_every_change_and_share_to_every_role(app, create_agency, create_user,
                                                                          create_case, add_to_team):
    """Table-driven over every action × every role × every thing of Delta's restricted case: no change and no share
    passes for anyone, the SENCo and the DSL included; only the SENCo and the DSL read, and lift the restriction.
    Once lifted, the team's normal rights are back."""
    world, accounts = (built := build_world(app, create_agency, create_user, create_case, add_to_team))["world"], \
        built["accounts"]
    with app.app_context():
        users = {role: db.session.scalars(select(User).where(User.public_id == accounts[role].public_id)).one()
                 for role in CASE_ROLES}
        things = {name: db.session.scalars(select(model).where(model.public_id == world[name])).one()
                  for name, model in DELTA_THINGS}
        things["r_profile"] = db.session.scalars(select(FamilyProfile).where(
            FamilyProfile.learner_id == things["restricted"].id)).one()

        # Every action but the reads, asked of every thing: the wrapper answers before any rule reads the thing.
        others = {(role, action, name) for role, user in users.items()
                  for action in Action if action not in RESTRICTED_READS
                  for name, thing in things.items() if can(user, action, thing)}
        assert others == {("senco", Action.LIFT_RESTRICTION, "restricted"), ("dsl", Action.LIFT_RESTRICTION,
                                                                               "restricted")}, sorted(others, key=str)
        # The reads, each asked of the things it is asked about.
        reads = {(role, action, name) for role, user in users.items() for action, names in READS_OF.items()
                 for name in names if can(user, action, things[name])}
        assert {role for role, _, _ in reads} == {"senco", "dsl"}
        # Still readable by those two (Article 18 keeps the record).
        assert {("senco", Action.VIEW_CASE, "restricted"), ("senco", Action.VIEW_CONTRIBUTION, "r_contribution"),
                ("dsl", Action.VIEW_CONCERN, "r_concern"), ("dsl", Action.VIEW_LEARNER, "restricted")} <= reads
        allowed = others | reads
        for role, action, name in NORMAL_RIGHTS:
            assert not can(users[role], action, things[name]), (role, action, name)

        restrictions.lift_restriction(users["dsl"], things["restricted"], "The father's objection was answered")
        for role, action, name in NORMAL_RIGHTS:
            assert can(users[role], action, things[name]), (role, action, name)
        still = {cell for cell in allowed if cell[1] is not Action.LIFT_RESTRICTION}
        assert all(can(users[role], action, things[name]) for role, action, name in still)
        assert not can(users["senco"], Action.LIFT_RESTRICTION, things["restricted"])  # nothing left to lift
        db.session.rollback()
