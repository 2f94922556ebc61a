"""Every PDF Braid makes starts here: the embedded DejaVu fonts, text made drawable, and rich text as PDF blocks.

DejaVu covers Latin, Latin Extended and Welsh (ŵ ŷ â), so names are drawn as typed; a character the font lacks
(an emoji, a script it does not have) becomes "?" rather than an empty box. The font directory comes from the
`PDF_FONT_DIR` setting (Debian's fonts-dejavu-core by default; `make install` installs it when it is missing).
Rich text arrives as the sanitiser's safe HTML (p, br, ul, ol, li, strong, em, b, i, h2-h4, blockquote, a) and is
drawn through `write_rich`, the one place that turns it into PDF paragraphs, headings and list items.
"""
from __future__ import annotations

import copy
import functools
import logging
import unicodedata
from pathlib import Path

from flask import current_app, has_app_context
from fontTools import ttLib
from fpdf import FPDF
from fpdf.fonts import SubsetMap, TTFFont

from app.core.rich_blocks import Block, plain, rich_blocks

# fontTools logs the glyphs it keeps when fpdf2 subsets a font: the letters of a child's record, never for a log.
logging.getLogger("fontTools").setLevel(logging.WARNING)

DEFAULT_FONT_DIR = "/usr/share/fonts/truetype/dejavu"
FONT = "DejaVu"
# style -> file; italics are in Debian's fonts-dejavu-extra, so they fall back to the upright faces without it.
_FACES = {"": ("DejaVuSans.ttf",), "B": ("DejaVuSans-Bold.ttf",),
          "I": ("DejaVuSans-Oblique.ttf", "DejaVuSans.ttf"),
          "BI": ("DejaVuSans-BoldOblique.ttf", "DejaVuSans-Bold.ttf")}


class FontMissing(RuntimeError):
    """The PDF font is not installed where `PDF_FONT_DIR` says."""


def font_dir() -> Path:
    configured = current_app.config.get("PDF_FONT_DIR") if has_app_context() else None
    return Path(configured or DEFAULT_FONT_DIR)


def _face(directory: Path, style: str) -> Path:
    for name in _FACES[style]:
        if (directory / name).is_file():
            return directory / name
    raise FontMissing(f"PDF font {_FACES[style][0]} not found in {directory}: install Debian's fonts-dejavu-core "
                      "(`make install` does) or point PDF_FONT_DIR at a folder holding the DejaVu Sans fonts")


class BraidPDF(FPDF):
    """An A4 document with the DejaVu family registered under FONT (regular, bold, italic, bold italic)."""

    def __init__(self, orientation: str = "P") -> None:
        super().__init__(orientation=orientation, unit="mm", format="A4")
        directory = font_dir()
        # Each face is found now (a missing font fails before anything is drawn) but added only when the document
        # first uses it (set_font), from a copy of the face read once per process (`_face_for`): reading a face cost
        # each document about a tenth of a second.
        self._faces = {style: str(_face(directory, style)) for style in _FACES}
        # "{nb}" typed in a record must stay as typed: documents count their pages themselves where they show it.
        self.alias_nb_pages(None)
        self.set_creator("Braid")
        self.set_lang("en-GB")

    def set_font(self, family=None, style="", size=0) -> None:
        face = "".join(sorted(getattr(style, "style", style).upper().replace("U", "").replace("S", "")))
        if (family or self.font_family or "").lower() == FONT.lower() and face in self._faces \
                and FONT.lower() + face not in self.fonts:
            self.fonts[FONT.lower() + face] = _face_for(self, self._faces[face], face)
        super().set_font(family, style, size)


@functools.lru_cache(maxsize=8)
def _read_face(path: str, style: str) -> TTFFont:
    """A face as fpdf2 reads it (its widths, character map and descriptor: most of a short document's time), read
    once per process."""
    scratch = FPDF()
    scratch.add_font(FONT, style, path)
    return scratch.fonts[FONT.lower() + style]


def _face_for(pdf: FPDF, path: str, style: str) -> TTFFont:
    """`pdf`'s own copy of a face read once: what fpdf2 changes while a document is drawn and written (the glyphs it
    uses, the font file it subsets in place when the document is written) is the document's alone; the widths and
    character map are copied, the descriptor shared, as fpdf2's own copying of a font does."""
    read = _read_face(path, style)
    if read.color_font is not None or read.is_cff:  # not a face like DejaVu's: read for this document alone
        pdf.add_font(FONT, style, path)
        return pdf.fonts[FONT.lower() + style]
    font = copy.copy(read)
    font.i = len(pdf.fonts) + 1
    font.ttfont = ttLib.TTFont(path, recalcTimestamp=False, fontNumber=0, lazy=True)
    font._hbfont = None
    font.cw = read.cw.copy()  # a defaultdict: asking for a missing letter adds it
    font.glyph_ids = dict(read.glyph_ids)
    font.missing_glyphs = []
    font.biggest_size_pt = 0
    font.subset = SubsetMap(font)
    return font


# --- text ----------------------------------------------------------------------------------------

# Characters that only format or space text, mapped to what reads the same.
_PLAIN_FOR = {
    "\u2002": " ", "\u2003": " ", "\u2009": " ", "\u200a": " ", "\u202f": " ", "\u2007": " ", "\u00a0": " ",
    "\u2028": "\n", "\u2029": "\n",
    "\u200b": "", "\u200c": "", "\u200d": "", "\u2060": "", "\ufeff": "", "\ufe0f": "", "\ufe0e": "",
}


@functools.lru_cache(maxsize=4)
def _covered(path: str) -> frozenset[int]:
    from fontTools.ttLib import TTFont  # fpdf2's own dependency; read once per font file

    with TTFont(path, lazy=True) as font:
        return frozenset(font.getBestCmap())


def pdf_text(value: str | None) -> str:
    """User text made drawable by the embedded font, without ever failing.

    Letters the font has are kept as typed (Siân, Łukasz, Dafydd ŵ ŷ); ligatures and compatibility forms are
    folded (ﬁ -> fi); a letter the font lacks loses its accent where Unicode can say how, and anything else
    (emoji, scripts the font does not have) becomes "?". Control characters are dropped, line breaks kept.
    """
    if not value:
        return ""
    covered = _covered(str(_face(font_dir(), "")))
    value = value.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    out: list[str] = []
    for char in value:
        if char == "\n":
            out.append(char)
        elif char in _PLAIN_FOR:
            out.append(_PLAIN_FOR[char])
        elif unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Cn"):
            continue
        elif "\ufb00" <= char <= "\ufb06":  # ligatures: the letters they join search and copy as typed
            out.append(_fallback(unicodedata.normalize("NFKC", char), covered))
        elif ord(char) in covered:
            out.append(char)
        else:
            out.append(_fallback(char, covered))
    return "".join(out)


def _fallback(char: str, covered: frozenset[int]) -> str:
    if all(ord(c) in covered for c in char):
        return char
    folded = unicodedata.normalize("NFKC", char)
    if all(ord(c) in covered for c in folded):
        return folded
    stripped = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
    if stripped and all(ord(c) in covered and unicodedata.category(c)[0] != "C" for c in stripped):
        return stripped
    return "?"


# --- rich text (parsed by app.core.rich_blocks, which pages may use without fpdf2) ------------------

__all__ = ["Block", "plain", "rich_blocks"]  # re-exported: one import for a PDF's builder


def line_height(size: float) -> float:
    return size * 0.45  # mm: about 1.27 x the point size


def write_rich(pdf: FPDF, html: str | None, *, size: float = 10.0, empty: str = "") -> None:
    """Draw rich text at the left margin across the page: paragraphs, bold headings, indented list items."""
    blocks = rich_blocks(html)
    if not blocks and empty:
        pdf.set_font(FONT, "I", size)
        pdf.multi_cell(0, line_height(size), pdf_text(empty), new_x="LMARGIN", new_y="NEXT")
        return
    for block in blocks:
        height = line_height(size)
        if block.kind == "li":
            indent = 5.0 + 5.0 * block.depth
            pdf.set_font(FONT, "", size)
            pdf.set_x(pdf.l_margin + indent - 4.5)
            pdf.cell(4.5, height, block.marker)
            pdf.multi_cell(0, height, pdf_text(block.text), new_x="LMARGIN", new_y="NEXT")
            continue
        if block.kind == "h":
            keep_with_next(pdf, 3 * height)
        style = {"h": "B", "quote": "I"}.get(block.kind, "")
        pdf.set_font(FONT, style, size)
        if block.kind == "quote":
            pdf.set_x(pdf.l_margin + 5)
        pdf.multi_cell(0, height, pdf_text(block.text), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(height * 0.4)


def keep_with_next(pdf: FPDF, room: float) -> None:
    """Start a new page unless `room` mm are left: a heading is never left alone at the foot of a page."""
    if pdf.page_break_trigger - pdf.get_y() < room:
        pdf.add_page()


# --- a document read top to bottom ---------------------------------------------------------------


class Writer:
    """Title, headings, labelled fields, paragraphs and rich text down an A4 page; headings stay with what follows."""

    def __init__(self, pdf: FPDF) -> None:
        self.pdf = pdf
        self.sections: list[str] = []

    def title(self, text: str, size: float = 18) -> None:
        self.pdf.set_font(FONT, "B", size)
        self.pdf.multi_cell(0, line_height(size) * 1.1, pdf_text(text), new_x="LMARGIN", new_y="NEXT")
        self.pdf.ln(2)

    def heading(self, text: str, level: int = 1) -> None:
        if level == 1:
            self.sections.append(text)
        keep_with_next(self.pdf, 30)
        self.pdf.ln(3)
        size = 14 if level == 1 else 11
        self.pdf.set_font(FONT, "B", size)
        self.pdf.multi_cell(0, line_height(size) * 1.1, pdf_text(text), new_x="LMARGIN", new_y="NEXT")
        self.pdf.ln(1)

    def para(self, text: str | None, style: str = "", size: float = 10) -> None:
        if not text:
            return
        self.pdf.set_font(FONT, style, size)
        self.pdf.multi_cell(0, line_height(size) * 1.1, pdf_text(text), new_x="LMARGIN", new_y="NEXT")
        self.pdf.ln(1)

    def field(self, label: str, value: str | None, *, missing: str = "Not recorded") -> None:
        keep_with_next(self.pdf, 15)
        self.pdf.set_font(FONT, "B", 10)
        self.pdf.multi_cell(0, 5, pdf_text(label), new_x="LMARGIN", new_y="NEXT")
        self.para(value or missing)

    def rich(self, label: str, html: str | None, *, missing: str = "Not recorded") -> None:
        keep_with_next(self.pdf, 15)
        self.pdf.set_font(FONT, "B", 10)
        self.pdf.multi_cell(0, 5, pdf_text(label), new_x="LMARGIN", new_y="NEXT")
        write_rich(self.pdf, html, empty=missing)
        self.pdf.ln(1)

    def item(self, lines: list[tuple[str, str]], *, room: float = 22) -> None:
        """One entry (an outcome, a provision) kept on one page: (style, text) lines, then a rule beneath."""
        keep_with_next(self.pdf, room)
        for style, text in lines:
            self.para(text, style=style)
        y = self.pdf.get_y()
        self.pdf.set_draw_color(180, 180, 180)
        self.pdf.line(self.pdf.l_margin, y, self.pdf.w - self.pdf.r_margin, y)
        self.pdf.ln(2)


class Document(BraidPDF):
    """An A4 portrait document with a footer line and its page number."""

    def __init__(self, footer: str) -> None:
        super().__init__()
        self.footer_text = footer
        self.set_margins(18, 18, 18)
        self.set_auto_page_break(True, margin=18)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, "", 8)
        self.cell(0, 5, pdf_text(f"{self.footer_text} - page {self.page_no()}"), align="C")
