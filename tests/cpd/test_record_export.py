"""The Appendix 5 export: PDF layout and text, CSV cells, safe text, refusals of inconsistent records."""
from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal

import pytest
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from app.core.pdf import pdf_text
from app.cpd.export.record import (
    CSV_HEADER,
    GoalRow,
    RecordRow,
    ReflectiveRecord,
    format_hours,
    record_csv,
)
from app.cpd.export.record_pdf import record_pdf

EVIDENCE = (
    "Case work: joint-planning meeting on 12 March 2026, recorded as learning support "
    "practitioner; learner ref. 3F9A-21C7"
)
# Fourteen paragraphs of about 480 characters: far taller than one landscape page in an 83 mm column.
LONG_REFLECTION = "\n\n".join(
    f"Paragraph {n}: "
    + "I noticed that the learner engaged more when the task was chunked and modelled first. " * 5
    for n in range(1, 15)
)
DEJAVU = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
UNICODE_TITLE = "Zoë's “quote” — dash 🦄"


def make_record(**changes) -> ReflectiveRecord:
    rows = [
        # Given out of date order on purpose: the export sorts them.
        RecordRow(
            on=date(2026, 3, 12),
            hours=Decimal("1.5"),
            title="Joint-planning meeting",
            activity_type="Case work",
            content_and_learning="Planned the next cycle with the class teacher.\nAgreed pre-teaching.",
            implication="I will pre-teach topic vocabulary on Mondays from April.",
            evidence=EVIDENCE,
        ),
        RecordRow(
            on=date(2025, 10, 2),
            hours=Decimal("6"),
            title="INSET day: attachment-aware practice",
            activity_type="INSET day",
            content_and_learning="Attachment theory and the regulate-relate-reason sequence.",
            implication=LONG_REFLECTION,
            evidence=None,
        ),
        RecordRow(
            on=date(2026, 1, 20),
            hours=Decimal("1.00"),
            title=UNICODE_TITLE,
            activity_type="Webinar",
            content_and_learning="=cmd()",
            implication="Use visual timetables {nb} in every session.",
            evidence=None,
        ),
    ]
    values = dict(
        name="Zoë Example",
        job_title="Learning support practitioner",
        line_manager="Sam Okafor",
        year_label="2025-26",
        target_hours=Decimal("22.5"),  # 30 hours at 0.75 FTE
        total_hours=Decimal("8.5"),  # 1.5 + 6 + 1
        participatory_hours=Decimal("7.5"),  # case work 1.5 + INSET 6
        individual_hours=Decimal("1"),  # the webinar
        rows=rows,
        goals=[
            GoalRow(
                goal="Reflect with the Driscoll model after each planning meeting",
                measure="Three Driscoll reflections logged",
                relevant_to="AP 12",
                target_on=date(2026, 6, 30),
                status="In progress",
            )
        ],
        standards_evidenced=[
            "AP 12 Collaborate with colleagues to plan support",
            "ETF 5 Value diversity",
        ],
        generated_on=date(2026, 7, 1),
    )
    values.update(changes)
    return ReflectiveRecord(**values)


def flat(text: str) -> str:
    """Extracted text with every run of whitespace as one space: wrapping differs from the data."""
    return " ".join(text.split())


@pytest.fixture(scope="module")
def pdf_bytes() -> bytes:
    return record_pdf(make_record())


@pytest.fixture(scope="module")
def pages(pdf_bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf_bytes)).pages]


# --------------------------------------------------------------------------- PDF


def test_pdf_is_a_multi_page_a4_landscape_document(pdf_bytes):
    assert pdf_bytes.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(pdf_bytes))
    assert len(reader.pages) >= 2
    for page in reader.pages:
        # A4 landscape is 297 x 210 mm = 841.89 x 595.28 pt.
        assert round(float(page.mediabox.width), 1) == 841.9
        assert round(float(page.mediabox.height), 1) == 595.3


def test_pdf_header_block_follows_appendix_5(pages):
    first = flat(pages[0])
    assert first.startswith("Continuous Professional Development: Reflective Record 2025-26")
    assert "Name: Zoë Example" in first
    assert "Job title: Learning support practitioner" in first
    assert "Line Manager: Sam Okafor" in first
    assert (
        "It is expected that everyone engages in at least 30 hours of professional development "
        "throughout the year (pro rata for part-time staff), many of you will do more." in first
    )
    assert (
        "Hours recorded: 8.5 of a target of 22.5 hours - participatory 7.5, individual 1." in first
    )
    for column in (
        "Date",
        "Length of activity hours",
        "Activity title (and type)",
        "Content and learning (record)",
        "Implication on practice (reflection)",
    ):
        assert column in first


def test_pdf_rows_titles_and_evidence(pages):
    text = flat(" ".join(pages))
    assert "INSET day: attachment-aware practice (INSET day)" in text
    assert "Joint-planning meeting (Case work)" in text
    # Typographic quotes, dash and ë are drawn by the embedded font; the emoji it lacks becomes "?".
    assert "Zoë's “quote” — dash ? (Webinar)" in text
    assert EVIDENCE in text
    # The user's "{nb}" is text, not fpdf2's page-count alias.
    assert "Use visual timetables {nb} in every session." in text
    # Date order: 2 Oct 2025, then 20 Jan 2026, then 12 Mar 2026 (given in another order).
    oct_at, jan_at, mar_at = (text.index(d) for d in ("2 Oct 2025", "20 Jan 2026", "12 Mar 2026"))
    assert oct_at < jan_at < mar_at


def test_pdf_long_reflection_runs_over_pages_with_repeated_header(pages):
    text = flat(" ".join(pages))
    for n in range(1, 15):
        assert f"Paragraph {n}: I noticed" in text
    second = flat(pages[1])
    assert "Implication on practice (reflection)" in second  # header row repeated
    assert "2 Oct 2025 (continued)" in second
    # Paragraph 1 starts on page 1, paragraph 14 does not.
    assert "Paragraph 1:" in flat(pages[0])
    assert "Paragraph 14:" not in flat(pages[0])


def test_pdf_goals_standards_and_page_numbers(pages):
    text = flat(" ".join(pages))
    assert "Development goals" in text
    assert "Reflect with the Driscoll model after each planning meeting" in text
    assert "Three Driscoll reflections logged" in text
    assert "30 Jun 2026 In progress" in text
    assert "Standards evidenced" in text
    assert "- AP 12 Collaborate with colleagues to plan support" in text
    assert "- ETF 5 Value diversity" in text
    total = len(pages)
    for number, page in enumerate(pages, start=1):
        assert flat(page).endswith(f"Page {number} of {total}")
    assert "Page 1 of" in flat(pages[0])


def test_pdf_metadata_names_only_the_record_and_practitioner(pdf_bytes):
    metadata = PdfReader(io.BytesIO(pdf_bytes)).metadata
    assert metadata.title == "Continuous Professional Development: Reflective Record 2025-26"
    assert metadata.author == "Zoë Example"
    assert metadata["/CreationDate"] == "D:20260701000000Z"
    assert set(metadata) <= {"/Title", "/Author", "/Creator", "/Producer", "/CreationDate"}


def test_pdf_is_reproducible_from_the_same_record(pdf_bytes):
    assert record_pdf(make_record()) == pdf_bytes
    # Only generated_on (the creation date and the "Generated on" line) tells two exports apart.
    later = record_pdf(make_record(generated_on=date(2026, 7, 2)))
    assert later != pdf_bytes
    assert b"D:20260702000000Z" in later


def test_pdf_of_an_empty_record():
    record = make_record(
        rows=[],
        goals=[],
        standards_evidenced=[],
        total_hours=Decimal("0"),
        participatory_hours=Decimal("0"),
        individual_hours=Decimal("0"),
        line_manager=None,
    )
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(record_pdf(record))).pages]
    text = flat(" ".join(pages))
    assert len(pages) == 1
    assert "Line Manager: Not recorded" in text
    assert "Hours recorded: 0 of a target of 22.5 hours - participatory 0, individual 0." in text
    assert "No activities recorded for this year yet." in text
    assert "No development goals recorded." in text
    assert "No standards evidenced yet." in text
    assert text.endswith("Page 1 of 1")


# --------------------------------------------------------------------------- CSV


def test_csv_round_trips_in_date_order():
    text = record_csv(make_record())
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == [
        "Date",
        "Length of activity (hours)",
        "Activity title",
        "Activity type",
        "Content and learning (record)",
        "Implication on practice (reflection)",
        "Case-work evidence",
    ]
    assert tuple(rows[0]) == CSV_HEADER
    assert len(rows) == 4
    assert rows[1] == [
        "2025-10-02",
        "6",
        "INSET day: attachment-aware practice",
        "INSET day",
        "Attachment theory and the regulate-relate-reason sequence.",
        LONG_REFLECTION,  # paragraph breaks kept inside the quoted cell
        "",
    ]
    assert rows[2] == [
        "2026-01-20",
        "1",  # Decimal("1.00") written as a person would
        UNICODE_TITLE,  # the CSV keeps the text exactly
        "Webinar",
        "'=cmd()",
        "Use visual timetables {nb} in every session.",
        "",
    ]
    assert rows[3] == [
        "2026-03-12",
        "1.5",
        "Joint-planning meeting",
        "Case work",
        "Planned the next cycle with the class teacher.\nAgreed pre-teaching.",
        "I will pre-teach topic vocabulary on Mondays from April.",
        EVIDENCE,
    ]


@pytest.mark.parametrize(
    ("typed", "exported"),
    [
        ("=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"),
        ("+44 20 7946 0000", "'+44 20 7946 0000"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("a = b", "a = b"),
        ("Pre-teach", "Pre-teach"),
    ],
)
def test_csv_neutralises_formulas(typed, exported):
    record = make_record()
    rows = [replace(row, implication=typed, title=typed) for row in record.rows]
    rows = list(csv.reader(io.StringIO(record_csv(replace(record, rows=rows)), newline="")))
    assert rows[1][2] == exported  # title
    assert rows[1][5] == exported  # implication


# --------------------------------------------------------------------------- text and hours


@pytest.mark.parametrize(
    ("typed", "drawn"),
    [
        ("Zoë’s “plan” – done…", "Zoë’s “plan” – done…"),  # the embedded font has typographic marks
        ("café, naïve, Øyvind", "café, naïve, Øyvind"),
        ("Łukasz Wójcik", "Łukasz Wójcik"),  # Latin Extended kept (it was "Lukasz" with the latin-1 core font)
        ("Siân Ŵyn Dafydd ŷ", "Siân Ŵyn Dafydd ŷ"),  # Welsh
        ("Dvořák ﬁle", "Dvořák file"),  # the fi ligature folded to "fi"
        ("smile 🦄 ok", "smile ? ok"),  # not in DejaVu Sans
        ("a\x07b\tc\r\nd", "ab c\nd"),
        ("zero\u200bwidth", "zerowidth"),
    ],
)
def test_pdf_text_keeps_what_the_font_draws_and_never_fails(typed, drawn):
    assert pdf_text(typed) == drawn


@pytest.mark.parametrize(
    ("hours", "written"),
    [(Decimal("1.50"), "1.5"), (Decimal("2.0"), "2"), (Decimal("10"), "10"), (Decimal("0.25"), "0.25")],
)
def test_format_hours(hours, written):
    assert format_hours(hours) == written


# --------------------------------------------------------------------------- refusals


def test_totals_that_disagree_with_the_rows_are_refused():
    with pytest.raises(ValueError, match="rows add up to 8.5 hours but total_hours is 9"):
        make_record(total_hours=Decimal("9"), individual_hours=Decimal("1.5"))


def test_split_that_disagrees_with_the_total_is_refused():
    expected = r"participatory_hours \+ individual_hours \(7.5 \+ 2\) must equal total_hours \(8.5\)"
    with pytest.raises(ValueError, match=expected):
        make_record(individual_hours=Decimal("2"))


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("hours", 1.5, TypeError),
        ("hours", Decimal("0"), ValueError),
        ("hours", Decimal("-1"), ValueError),
        ("hours", Decimal("NaN"), ValueError),
        ("on", datetime(2026, 1, 1, 9, 0), TypeError),
        ("on", "2026-01-01", TypeError),
        ("title", "   ", ValueError),
        ("title", None, TypeError),
        ("evidence", 42, TypeError),
    ],
)
def test_bad_rows_are_refused(field, value, error):
    fields = dict(
        on=date(2026, 1, 1),
        hours=Decimal("1"),
        title="Peer observation",
        activity_type="Peer observation",
        content_and_learning="",
        implication="",
        evidence=None,
    )
    fields[field] = value
    with pytest.raises(error, match=f"RecordRow.{field}"):
        RecordRow(**fields)


def test_wrong_item_types_are_refused():
    with pytest.raises(TypeError, match=r"ReflectiveRecord.standards_evidenced\[0\]"):
        make_record(standards_evidenced=[12])
    with pytest.raises(TypeError, match="ReflectiveRecord.target_hours"):
        make_record(target_hours=30)


def test_pdf_text_gives_only_what_the_font_draws_for_every_code_point():
    every = "".join(chr(c) for c in range(0x30000) if not 0xD800 <= c <= 0xDFFF)
    drawn = pdf_text(every)
    with TTFont(DEJAVU) as font:
        covered = set(font.getBestCmap())
    assert not {char for char in drawn if char != "\n" and ord(char) not in covered}
    # And the embedded font accepts all of it in a real document.
    # The first and last 5,000 code points: controls, latin-1, and the scripts and emoji beyond it.
    row = replace(make_record().rows[0], implication=every[:5000] + every[-5000:])
    record = make_record(
        rows=[row],
        total_hours=Decimal("1.5"),
        participatory_hours=Decimal("1.5"),
        individual_hours=Decimal("0"),
    )
    assert record_pdf(record).startswith(b"%PDF-")


def test_the_table_header_is_never_left_alone_at_the_foot_of_a_page():
    # A first row that would fit a fresh page whole but not the room under the header starts under it
    # instead of leaving the header alone on page 1 (seen on the demo record).
    medium = "\n\n".join(["A reflection of moderate length about planning with the class teacher."] * 12)
    row = RecordRow(on=date(2025, 10, 2), hours=Decimal("6"), title="INSET day: first row", activity_type="INSET day",
                    content_and_learning="Content.", implication=medium, evidence=None)
    record = make_record(rows=[row], total_hours=Decimal("6"), participatory_hours=Decimal("6"),
                         individual_hours=Decimal("0"))
    first_page = flat(PdfReader(io.BytesIO(record_pdf(record))).pages[0].extract_text())
    assert "Implication on practice (reflection)" in first_page
    assert "INSET day: first row" in first_page
