"""The reflective record drawn as an A4 landscape PDF in the Appendix 5 layout (imported only when one is made)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from fpdf import FPDF

from app.core.dates import short_day
from app.core.pdf import FONT as _FONT
from app.core.pdf import BraidPDF, pdf_text
from app.cpd.export.record import RECORD_TITLE, TARGET_SENTENCE, GoalRow, RecordRow, ReflectiveRecord, format_hours

# --------------------------------------------------------------------------- PDF layout

_MARGIN = 12.0  # mm, left, right and top
_BOTTOM = 16.0  # mm kept clear for the footer
_PAD = 1.5  # mm inside every table cell
_BODY = 9.0  # pt
_GREY = (230, 230, 230)


def _line_height(size: float) -> float:
    return size * 0.45  # mm: about 1.27 x the point size, readable for long reflections


@dataclass(frozen=True, slots=True)
class _Run:
    """A piece of a cell's text drawn in one style."""

    text: str
    style: str = ""
    size: float = _BODY


@dataclass(frozen=True, slots=True)
class _Line:
    text: str
    style: str
    size: float

    @property
    def height(self) -> float:
        return _line_height(self.size)


_Cell = tuple[_Run, ...]


class _RecordPDF(BraidPDF):
    """A4 landscape with the practitioner's footer and "Page n of m"."""

    def __init__(self, footer_left: str, total_pages: int | None) -> None:
        # The page count is known from a first pass (see record_pdf): fpdf2's "{nb}" alias stays off (BraidPDF).
        super().__init__(orientation="L")
        self.footer_left = footer_left
        self.total_pages = total_pages
        self.c_margin = 0  # padding is added by hand so measured and drawn widths agree
        self.set_margins(_MARGIN, _MARGIN, _MARGIN)
        self.set_auto_page_break(True, margin=_BOTTOM)

    def footer(self) -> None:
        self.set_y(-11)
        self.set_font(_FONT, "", 8)
        width = self.w - 2 * _MARGIN
        self.cell(width / 2, 5, self.footer_left, align="L")
        total = self.total_pages if self.total_pages is not None else 0
        self.cell(width / 2, 5, f"Page {self.page_no()} of {total}", align="R")


def _wrap(pdf: FPDF, width: float, cell: _Cell) -> list[_Line]:
    """The lines a cell needs at this width, each with the style it is drawn in."""
    lines: list[_Line] = []
    for run in cell:
        text = run.text.strip("\n")
        if not text.strip():
            continue
        pdf.set_font(_FONT, run.style, run.size)
        for piece in pdf.multi_cell(
            width, _line_height(run.size), text, dry_run=True, output="LINES"
        ):
            lines.append(_Line(piece, run.style, run.size))
    return lines


def _block_height(lines: list[_Line]) -> float:
    return sum(line.height for line in lines)


class _Table:
    """A bordered table whose rows may run over a page, with the header row repeated on each page.

    fpdf2's own table refuses a row taller than a page, and a reflection can be longer than
    that, so rows are split line by line here.
    """

    def __init__(self, pdf: FPDF, columns: list[tuple[str, float]]) -> None:
        self.pdf = pdf
        self.widths = [width for _, width in columns]
        self.header = [
            _wrap(pdf, width - 2 * _PAD, (_Run(pdf_text(title), "B"),)) for title, width in columns
        ]
        self.header_height = max(_block_height(lines) for lines in self.header) + 2 * _PAD
        self.rows_on_page = 0

    @property
    def _room(self) -> float:
        return self.pdf.page_break_trigger - self.pdf.get_y()

    def _fresh_page_room(self) -> float:
        return self.pdf.page_break_trigger - self.pdf.t_margin - self.header_height

    def start(self) -> None:
        # Keep the header with at least a few lines of the first row.
        if self._room < self.header_height + 2 * _PAD + 3 * _line_height(_BODY):
            self.pdf.add_page()
        self._draw(self.header, self.header_height, fill=True)
        self.rows_on_page = 0

    def _new_page(self) -> None:
        self.pdf.add_page()
        self._draw(self.header, self.header_height, fill=True)
        self.rows_on_page = 0

    def add_row(self, cells: list[_Cell], continued: str = "(continued)") -> None:
        """Draw one row; `continued` heads the first column wherever the row carries over a page."""
        pending = [_wrap(self.pdf, width - 2 * _PAD, cell) for width, cell in zip(self.widths, cells, strict=False)]
        while True:
            needed = max(_block_height(lines) for lines in pending) + 2 * _PAD
            if needed <= self._room:
                self._draw(pending, needed)
                self.rows_on_page += 1
                return
            smallest_piece = 2 * _PAD + 3 * _line_height(_BODY)
            if (needed <= self._fresh_page_room() and self.rows_on_page) or self._room < smallest_piece:
                # Move a row that fits on a page whole rather than cut it, unless the header would be left alone.
                self._new_page()
                continue
            # Taller than what is left: fill this page, carry the rest over.
            budget = self._room - 2 * _PAD
            taken, rest = [], []
            for lines in pending:
                used, count = 0.0, 0
                while count < len(lines) and used + lines[count].height <= budget + 1e-6:
                    used += lines[count].height
                    count += 1
                taken.append(lines[:count])
                # A paragraph gap at the top of a carried-over cell would only look like a hole.
                while count < len(lines) and not lines[count].text.strip():
                    count += 1
                rest.append(lines[count:])
            if not any(taken):
                raise RuntimeError("record export: a table line is taller than a page")
            self._draw(taken, self._room)
            if not any(rest):
                return
            label = _wrap(self.pdf, self.widths[0] - 2 * _PAD, (_Run(pdf_text(continued), "I", 8.0),))
            rest[0] = [*label, *rest[0]]
            pending = rest
            self._new_page()

    def _draw(self, cells: list[list[_Line]], height: float, *, fill: bool = False) -> None:
        pdf = self.pdf
        # Lines are measured to fit above the trigger; automatic breaks would split a cell's
        # lines from its border.
        pdf.set_auto_page_break(False)
        top = pdf.get_y()
        x = pdf.l_margin
        pdf.set_draw_color(120, 120, 120)
        pdf.set_fill_color(*_GREY)
        for width, lines in zip(self.widths, cells, strict=False):
            pdf.rect(x, top, width, height, style="DF" if fill else "D")
            y = top + _PAD
            for line in lines:
                pdf.set_font(_FONT, line.style, line.size)
                pdf.set_xy(x + _PAD, y)
                pdf.cell(width - 2 * _PAD, line.height, line.text)
                y += line.height
            x += width
        pdf.set_xy(pdf.l_margin, top + height)
        pdf.set_auto_page_break(True, margin=_BOTTOM)


def _heading(pdf: FPDF, text: str) -> None:
    # Never leave a heading alone at the foot of a page.
    if pdf.page_break_trigger - pdf.get_y() < 30:
        pdf.add_page()
    pdf.ln(4)
    pdf.set_font(_FONT, "B", 12)
    pdf.cell(0, 7, pdf_text(text), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)


def _paragraph(pdf: FPDF, text: str, style: str = "", size: float = 10.0) -> None:
    pdf.set_font(_FONT, style, size)
    pdf.multi_cell(0, _line_height(size), pdf_text(text), align="L", new_x="LMARGIN", new_y="NEXT")


def _labelled(pdf: FPDF, label: str, value: str) -> None:
    pdf.set_font(_FONT, "B", 10)
    pdf.cell(30, 6, label)
    pdf.set_font(_FONT, "", 10)
    pdf.multi_cell(0, 6, pdf_text(value), align="L", new_x="LMARGIN", new_y="NEXT")


_RECORD_COLUMNS = [
    ("Date", 25.0),
    ("Length of activity hours", 20.0),
    ("Activity title (and type)", 62.0),
    ("Content and learning (record)", 83.0),
    ("Implication on practice (reflection)", 83.0),
]
_GOAL_COLUMNS = [
    ("Goal", 80.0),
    ("Measure", 78.0),
    ("Relevant to", 55.0),
    ("Target date", 27.0),
    ("Status", 33.0),
]


def _record_cells(row: RecordRow) -> list[_Cell]:
    title: list[_Run] = [_Run(pdf_text(row.title), "B"), _Run(f"({pdf_text(row.activity_type)})")]
    if row.evidence:
        title.append(_Run(pdf_text(row.evidence), "I", 8.0))
    return [
        (_Run(short_day(row.on)),),
        (_Run(format_hours(row.hours)),),
        tuple(title),
        (_Run(pdf_text(row.content_and_learning)),),
        (_Run(pdf_text(row.implication)),),
    ]


def _goal_cells(goal: GoalRow) -> list[_Cell]:
    return [
        (_Run(pdf_text(goal.goal)),),
        (_Run(pdf_text(goal.measure)),),
        (_Run(pdf_text(goal.relevant_to)),),
        (_Run(short_day(goal.target_on)),),
        (_Run(pdf_text(goal.status)),),
    ]


def _document_title(record: ReflectiveRecord) -> str:
    return f"{RECORD_TITLE} {pdf_text(record.year_label)}"


def _render(record: ReflectiveRecord, total_pages: int | None) -> _RecordPDF:
    title = _document_title(record)
    pdf = _RecordPDF(f"{pdf_text(record.name)} - {title}", total_pages)
    # Metadata names the practitioner and the document, nothing else (no learner, no case).
    pdf.set_title(title)
    pdf.set_author(pdf_text(record.name))
    # Dated from generated_on, not the clock, so the same record always gives the same bytes.
    generated = record.generated_on
    pdf.set_creation_date(datetime(generated.year, generated.month, generated.day, tzinfo=UTC))
    pdf.add_page()

    pdf.set_font(_FONT, "B", 16)
    pdf.multi_cell(0, 8, title, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    _labelled(pdf, "Name:", record.name)
    _labelled(pdf, "Job title:", record.job_title)
    _labelled(pdf, "Line Manager:", record.line_manager if record.line_manager else "Not recorded")
    pdf.ln(2)
    _paragraph(pdf, TARGET_SENTENCE)
    pdf.ln(1)
    _paragraph(
        pdf,
        f"Hours recorded: {format_hours(record.total_hours)} of a target of "
        f"{format_hours(record.target_hours)} hours - participatory "
        f"{format_hours(record.participatory_hours)}, individual "
        f"{format_hours(record.individual_hours)}. "
        f"Generated on {short_day(record.generated_on)}.",
        style="B",
    )
    pdf.ln(3)

    rows = record.rows_in_date_order()
    if rows:
        table = _Table(pdf, _RECORD_COLUMNS)
        table.start()
        for row in rows:
            table.add_row(_record_cells(row), continued=f"{short_day(row.on)} (continued)")
    else:
        _paragraph(pdf, "No activities recorded for this year yet.", style="I")

    _heading(pdf, "Development goals")
    if record.goals:
        table = _Table(pdf, _GOAL_COLUMNS)
        table.start()
        for goal in record.goals:
            table.add_row(_goal_cells(goal))
    else:
        _paragraph(pdf, "No development goals recorded.", style="I")

    _heading(pdf, "Standards evidenced")
    if record.standards_evidenced:
        for standard in record.standards_evidenced:
            _paragraph(pdf, f"- {standard}")
    else:
        _paragraph(pdf, "No standards evidenced yet.", style="I")
    return pdf


def record_pdf(record: ReflectiveRecord) -> bytes:
    """The record laid out like Appendix 5, A4 landscape; the same record always gives the same bytes."""
    # Two passes: the first counts the pages for "Page n of m"; the footer does not move
    # anything, so the second pass lays out identically.
    pages = _render(record, None).pages_count
    return bytes(_render(record, pages).output())
