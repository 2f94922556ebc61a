"""In a real browser: a SENCo imports learners from an MIS export, watches the import run, then finds them; a file
whose columns Braid does not know goes to column matching, and a file that is not a CSV is refused."""
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.agencies.accounts.models import AgencyKind
from app.cases.learners.models import Learner
from app.cases.mis_import.models import LearnerImport
from app.core.jobs.services import run_pending
from app.extensions import db
from tests.fixtures.browser import assert_accessible, sign_in_with_browser, submit

pytestmark = pytest.mark.e2e
SCHOOL = "Import Test Primary School"
ARBOR = Path(__file__).resolve().parents[2] / "app" / "demo" / "mis" / "arbor.csv"
FILE_FIELD = "CSV file exported from your MIS"
# Generous: the import and the page's polling share a machine that may be busy; nothing here sleeps a fixed time.
FINISHED_WITHIN_MS = 90_000


@pytest.fixture
def senco(create_agency, create_user):
    school = create_agency(AgencyKind.SCHOOL, name=SCHOOL)
    return create_user("senco", agency=school, name="Priya Import")


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def run_jobs(app) -> int:
    """What the jobs worker does: run every queued job, here in the caller's thread."""
    with app.app_context():
        return run_pending()


def upload(page, path: Path) -> None:
    page.goto("/learners/import")
    page.get_by_label(FILE_FIELD).set_input_files(str(path))
    submit(page, "Upload and preview")


def test_a_senco_imports_an_arbor_export_watches_it_run_and_finds_the_learners(page, app, senco):
    app.config["IMPORT_BATCH_ROWS"] = 1  # one row per batch: the progress bar moves row by row
    sign_in_with_browser(page, senco.email, senco.password)
    page.goto("/learners/import")
    assert page.get_by_role("heading", level=1).inner_text() == "Import learners from your MIS"
    assert_accessible(page, "upload form")

    upload(page, ARBOR)
    assert "/learners/import/" in page.url
    assert page.get_by_role("heading", level=1).inner_text() == "Check the import before it is saved"
    main = page.locator("main")
    summary = " ".join(main.locator(".govuk-list").first.inner_text().split())
    assert "6 new learners" in summary and "4 rows left out" in summary and "0 rows refused" in summary
    assert "10 rows read from an Arbor file" in main.inner_text() and "Nothing has been saved yet" in main.inner_text()
    new_learners = page.locator("table", has=page.locator("caption", has_text="New learners"))
    assert new_learners.get_by_role("cell", name="Grace Okonkwo-Reid", exact=True).is_visible()
    left_out = page.locator("table", has=page.locator("caption", has_text="Left out"))
    assert left_out.get_by_role("cell", name="Priya Sharma", exact=True).is_visible()
    assert_accessible(page, "import preview")
    assert count(app, Learner) == 0  # a preview saves no learner
    detail = page.url

    submit(page, "Import these learners")
    assert page.url == detail
    assert page.get_by_role("heading", level=1).inner_text() == "Importing learners"
    progress = page.get_by_role("progressbar", name="Rows imported")
    assert progress.is_visible() and progress.get_attribute("max") == "10"
    assert_accessible(page, "import in progress")
    assert count(app, Learner) == 0  # nothing runs the job until the worker does

    with ThreadPoolExecutor(max_workers=1) as worker:
        job = worker.submit(run_jobs, app)
        # The page's script polls the progress and reloads itself once the import has ended.
        page.wait_for_selector("text=Import finished", timeout=FINISHED_WITHIN_MS)
        assert job.result(timeout=FINISHED_WITHIN_MS / 1000) == 1
    assert page.url == detail
    counts = dict(zip(page.locator(".govuk-summary-list__key").all_inner_texts(),
                      page.locator(".govuk-summary-list__value").all_inner_texts(), strict=True))
    assert counts == {"New learners": "6", "Learners updated": "0", "Already up to date or left out": "4",
                      "Rows refused": "0"}
    assert_accessible(page, "import finished")
    assert count(app, Learner) == 6

    with page.expect_navigation():
        page.get_by_role("link", name="See your learners").click()
    assert page.url.endswith("/learners")
    names = page.locator("main table tbody tr td:first-child").all_inner_texts()
    assert "Grace Okonkwo-Reid" in names and "Callum MacLeod" in names and len(names) == 6
    assert "Priya Sharma" not in names  # no SEN: left out

    with page.expect_navigation():
        page.get_by_role("link", name="Find a learner").click()
    assert page.url.endswith("/learners/find")
    page.get_by_label("Full name or UPN").fill("grace okonkwo reid")
    submit(page, "Find learner")
    found = page.locator("table", has=page.locator("caption", has_text="Matching learners"))
    assert found.locator("tbody tr td:first-child").all_inner_texts() == ["Grace Okonkwo-Reid"]


def test_an_unknown_header_goes_to_column_matching_and_a_pdf_is_refused(page, app, senco, tmp_path):
    sign_in_with_browser(page, senco.email, senco.password)
    shapes = tmp_path / "shapes.csv"
    shapes.write_text("Colour,Shape\nred,round\n", encoding="utf-8")
    upload(page, shapes)
    assert page.url.endswith("/columns")
    assert page.get_by_role("heading", level=1).inner_text() == "Match the file's columns"
    errors = page.locator(".govuk-error-summary")
    assert errors.is_visible()
    assert "no columns for the learners' names" in errors.inner_text()
    assert "no date of birth column" in errors.inner_text()
    assert_accessible(page, "column matching")

    report = tmp_path / "learners.pdf"
    report.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n")
    upload(page, report)
    assert page.url.endswith("/learners/import")
    assert page.get_by_role("heading", level=1).inner_text() == "Import learners from your MIS"
    errors = page.locator(".govuk-error-summary")
    assert errors.is_visible() and "The file is a PDF, not a CSV file" in errors.inner_text()
    assert page.get_by_label(FILE_FIELD).is_visible()
    assert_accessible(page, "upload refused")
    assert count(app, Learner) == 0
    assert count(app, LearnerImport) == 1  # the file with unknown columns only: the PDF left nothing behind
