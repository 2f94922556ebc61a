"""Exporting a reflective record: who may, the stated purpose, the audit event, the file's headers and contents."""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from app.agencies.accounts.models import AgencyKind, User
from app.audit.models import AuditAction, AuditEvent, AuditOutcome
from app.cpd.entries.services import EntryDraft, record_entry
from app.extensions import db
from tests.fixtures.application import sign_in, text_of

PURPOSE = "cpd_progress_review"


def year_start(today: date) -> date:
    """The current CPD year's first day, worked by hand: 1 September (every account's default)."""
    return date(today.year if today.month >= 9 else today.year - 1, 9, 1)


@dataclass
class World:
    accounts: dict
    today: date

    def client(self, app, key):
        client = app.test_client()
        account = self.accounts[key]
        assert sign_in(client, account.email, account.password).status_code == 302
        return client

    def url(self, key: str) -> str:
        return f"/cpd/people/{self.accounts[key].public_id}/export"


def _entry(on: date, hours: str, title: str, content: str, participation: str = "individual",
           activity_type: str = "reading", answer: str = "The learners responded to modelling.") -> EntryDraft:
    return EntryDraft(
        activity_on=on, hours=hours, activity_type=activity_type, participation=participation,
        reflective_model="driscoll", title=title, content=content,
        reflection={"what": answer, "so_what": "It changes how I start sessions.", "now_what": "Model first."},
        action_what="Model each task before pupils start", action_how="Use the visualiser",
        action_by=on + timedelta(days=30), standard_codes=["AP 17"],
    )


@pytest.fixture
def world(app, create_agency, create_user) -> World:
    school = create_agency(AgencyKind.SCHOOL, name="Export Primary School")
    family = create_agency(AgencyKind.FAMILY, name="The Export family")
    accounts = {"senco": create_user("senco", agency=school, name="Priya Senco"),
                "dsl": create_user("dsl", agency=school, name="David Dsl")}
    accounts["lsp"] = create_user("lsp", agency=school, name="Tom Lsp", fte=Decimal("0.60"),
                                  line_manager=accounts["senco"].email)
    accounts["other_lsp"] = create_user("lsp", agency=school, name="Nia Lsp", line_manager=accounts["dsl"].email)
    accounts["teacher"] = create_user("teacher", agency=school, name="Hannah Teacher")
    accounts["admin"] = create_user("admin", agency=school, name="Grace Admin")
    accounts["parent"] = create_user("parent", agency=family, name="Jo Parent")
    today = date.today()
    start = year_start(today)
    with app.app_context():
        lsp = db.session.scalars(select(User).where(User.public_id == accounts["lsp"].public_id)).one()
        # This year: 1.5 + 0.75 = 2.25 hours (1.5 participatory); last year: 2 hours, on its last day.
        record_entry(lsp, _entry(start, "1.5", "INSET day: attachment-aware practice", "Regulate, relate, reason.",
                                 "participatory", "inset_day"))
        record_entry(lsp, _entry(today, "0.75", '=HYPERLINK("http://evil.example","Click")', "+SUM(1,2)",
                                 answer="=1+1 looked like a formula"))
        record_entry(lsp, _entry(start - timedelta(days=1), "2", "Reading: precision teaching", "-2 is a dash"))
        db.session.commit()
    return World(accounts, today)


def export_events(app) -> list[AuditEvent]:
    """The exports made (refused attempts are events too, with their own outcome)."""
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == AuditAction.EXPORT, AuditEvent.outcome == AuditOutcome.ALLOWED)).all()
        db.session.expunge_all()
        return events


def _form(today: date, **changes) -> dict:
    data = {"year": year_start(today).isoformat(), "file_format": "pdf", "purpose": PURPOSE}
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


# --- the form ---------------------------------------------------------------------------------------------------


def test_the_form_offers_this_year_and_last_and_asks_why(app, world):
    start = year_start(world.today)
    page = text_of(world.client(app, "senco").get(world.url("lsp")))
    assert f'value="{start.isoformat()}" checked' in page
    assert f'value="{start.replace(year=start.year - 1).isoformat()}"' in page
    assert f"{start.year} to {start.year + 1} (this year)" in page
    for label in ("A progress review with my line manager", "An external quality assurance visit", "My own records"):
        assert label in page
    assert not re.search(r'name="purpose"[^>]*checked', page)  # the reason is never assumed
    assert "Tom Lsp" in page and "Priya Senco" in page  # whose record, and their line manager


@pytest.mark.parametrize(("changes", "message"), [
    ({"purpose": None}, "Choose why you are exporting the record"),
    ({"purpose": ""}, "Choose why you are exporting the record"),
    ({"purpose": "curiosity"}, "Choose why you are exporting the record"),
    ({"file_format": "docx"}, "Choose PDF or CSV"),
    ({"file_format": None}, "Choose PDF or CSV"),
    ({"year": "2001-09-01"}, "Choose this CPD year or the one before"),
    ({"year": "not-a-date"}, "Choose this CPD year or the one before"),
], ids=["no-purpose", "blank-purpose", "unknown-purpose", "bad-format", "no-format", "old-year", "junk-year"])
def test_a_bad_request_is_refused_with_an_error_and_exports_nothing(app, world, changes, message):
    response = world.client(app, "senco").post(world.url("lsp"), data=_form(world.today, **changes))
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    assert "Content-Disposition" not in response.headers
    page = text_of(response)
    assert "There is a problem" in page and message in page
    assert export_events(app) == []


# --- the export and its event -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("file_format", "mimetype"), [("pdf", "application/pdf"), ("csv", "text/csv")])
def test_the_export_is_an_attachment_named_by_year_only_never_cached(app, world, file_format, mimetype):
    start = year_start(world.today)
    response = world.client(app, "senco").post(world.url("lsp"), data=_form(world.today, file_format=file_format))
    assert response.status_code == 200
    assert response.mimetype == mimetype
    assert response.headers["Content-Disposition"] == \
        f"attachment; filename=cpd-record-{start.year}-{start.year + 1}.{file_format}"
    assert response.headers["Cache-Control"] == "no-store"
    assert "Tom" not in response.headers["Content-Disposition"] and "Lsp" not in response.headers["Content-Disposition"]
    body = response.get_data()
    assert body.startswith(b"%PDF-") if file_format == "pdf" else body.startswith(b"\xef\xbb\xbfDate,")


def test_the_export_is_audited_with_its_purpose_and_names_the_log_not_a_learner(app, world):
    response = world.client(app, "senco").post(world.url("lsp"), data=_form(world.today, purpose=PURPOSE))
    assert response.status_code == 200
    [event] = export_events(app)
    with app.app_context():
        senco_id = db.session.scalar(select(User.id).where(User.public_id == world.accounts["senco"].public_id))
    assert (event.actor_id, event.actor_role, event.outcome) == (senco_id, "senco", AuditOutcome.ALLOWED)
    assert (event.object_type, event.object_public_id) == ("user_account", world.accounts["lsp"].public_id)
    assert event.purpose == "cpd_progress_review"
    assert event.learner_public_ids is None


def test_the_owner_exports_their_own_record_for_their_own_reasons(app, world):
    page = text_of(world.client(app, "lsp").get(world.url("lsp")))
    assert "Back to your CPD log" in page and "Your CPD log" in page
    response = world.client(app, "lsp").post(world.url("lsp"), data=_form(world.today, purpose="cpd_own_records",
                                                                           file_format="csv"))
    assert response.status_code == 200
    [event] = export_events(app)
    assert event.purpose == "cpd_own_records" and event.actor_role == "lsp"


def test_each_year_holds_its_own_entries_and_hours(app, world):
    client = world.client(app, "lsp")
    start = year_start(world.today)
    this_year = pdf_text(client.post(world.url("lsp"), data=_form(world.today)).get_data())
    flat = " ".join(this_year.split())
    # 0.6 FTE: 30 x 0.6 = 18 hours; 1.5 (INSET, participatory) + 0.75 (individual) = 2.25 this year.
    assert "Hours recorded: 2.25 of a target of 18 hours - participatory 1.5, individual 0.75." in flat
    assert "INSET day: attachment-aware practice" in flat
    assert "Reading: precision teaching" not in flat
    last = _form(world.today, year=start.replace(year=start.year - 1).isoformat(), file_format="csv")
    response = client.post(world.url("lsp"), data=last)
    assert response.headers["Content-Disposition"] == \
        f"attachment; filename=cpd-record-{start.year - 1}-{start.year}.csv"
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert [row[:4] for row in rows[1:]] == [
        [(start - timedelta(days=1)).isoformat(), "2", "Reading: precision teaching", "Reading of article or report"]]


def test_csv_cells_that_a_spreadsheet_would_run_are_made_plain_text(app, world):
    response = world.client(app, "lsp").post(world.url("lsp"), data=_form(world.today, file_format="csv"))
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    header, inset, formula = rows[0], rows[1], rows[2]
    assert header[:3] == ["Date", "Length of activity (hours)", "Activity title"]
    assert inset[2] == "INSET day: attachment-aware practice"
    assert formula[0] == world.today.isoformat()
    assert formula[2] == "'=HYPERLINK(\"http://evil.example\",\"Click\")"
    assert formula[4] == "'+SUM(1,2)"
    # The reflection cell starts with the model's first prompt, so its "=1+1" is inside, never first.
    assert formula[5].startswith("What?: =1+1 looked like a formula")
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


# --- who may ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["dsl", "teacher", "other_lsp", "admin", "parent"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_only_the_owner_and_their_line_manager_may_export(app, world, who, method):
    client = world.client(app, who)
    response = getattr(client, method)(world.url("lsp"), **({"data": _form(world.today)} if method == "post" else {}))
    assert response.status_code == 404
    assert "Content-Disposition" not in response.headers
    assert export_events(app) == []
    with app.app_context():
        refused = db.session.scalars(select(AuditEvent).where(AuditEvent.outcome == AuditOutcome.REFUSED)).all()
        # The attempt is recorded as what it was: an export of that person's log, refused.
        assert [(event.action, event.object_public_id) for event in refused] == [
            (AuditAction.EXPORT, world.accounts["lsp"].public_id)]


@pytest.mark.parametrize("who", ["admin", "parent"])
def test_people_who_keep_no_cpd_log_have_none_to_export(app, world, who):
    response = world.client(app, who).get(world.url(who))
    assert response.status_code == 404


def test_a_line_manager_exports_only_their_own_reports(app, world):
    """The DSL manages Nia, not Tom; the SENCo manages Tom, not Nia."""
    assert world.client(app, "dsl").get(world.url("other_lsp")).status_code == 200
    assert world.client(app, "senco").get(world.url("other_lsp")).status_code == 404


def test_anonymous_requests_go_to_sign_in(app, world):
    response = app.test_client().post(world.url("lsp"), data=_form(world.today))
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    assert export_events(app) == []


def test_a_calendar_year_log_exports_by_its_own_years(app, world, create_user):
    """A practitioner whose CPD year starts in January: the form offers this calendar year and last."""
    account = create_user("teacher", agency="Export Primary School", name="Ola Calendar", cpd_year_start_month=1)
    client = app.test_client()
    assert sign_in(client, account.email, account.password).status_code == 302
    url = f"/cpd/people/{account.public_id}/export"
    this_year = world.today.year
    page = text_of(client.get(url))
    assert f'value="{this_year}-01-01" checked' in page and f'value="{this_year - 1}-01-01"' in page
    assert "CPD years start on 1 January." in page
    assert client.post(url, data=_form(world.today)).status_code == 400  # a September year is not theirs
    response = client.post(url, data=_form(world.today, year=f"{this_year}-01-01", file_format="csv"))
    assert response.headers["Content-Disposition"] == f"attachment; filename=cpd-record-{this_year}.csv"
    assert response.get_data().decode("utf-8-sig").splitlines() == [",".join(
        ["Date", "Length of activity (hours)", "Activity title", "Activity type", "Content and learning (record)",
         "Implication on practice (reflection)", "Case-work evidence"])]
