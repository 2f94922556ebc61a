"""The shared PDF mechanisms: rich text as blocks (the sanitiser's subset), safe download names, the font setting."""
from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from fpdf import FPDF
from pypdf import PdfReader

from app.core.downloads import safe_filename
from app.core.pdf import FONT, Block, BraidPDF, Document, FontMissing, Writer, plain, rich_blocks


@pytest.mark.parametrize(("html", "blocks"), [
    ("", []),
    ("<p>One</p><p>Two<br>lines</p>", [Block("p", "One"), Block("p", "Two\nlines")]),
    ("<h2>Next steps</h2><ol><li>Read</li><li>Write</li></ol>",
     [Block("h", "Next steps"), Block("li", "Read", "1."), Block("li", "Write", "2.")]),
    ("<ul><li>Outer<ul><li>Inner</li></ul></li><li>Again</li></ul>",
     [Block("li", "Outer", "•"), Block("li", "Inner", "•", 1), Block("li", "Again", "•")]),
    ("<blockquote><p>Her words</p></blockquote>", [Block("quote", "Her words")]),
    ("<p><strong>Bold</strong> and <a href=\"https://example.org\">a link</a> &amp; more</p>",
     [Block("p", "Bold and a link & more")]),  # emphasis and links keep their text; no address in a PDF
])
def test_rich_text_becomes_blocks(html, blocks):
    assert rich_blocks(html) == blocks


def test_plain_text_keeps_lists_readable():
    assert plain("<p>Plan</p><ol><li>Read</li></ol><ul><li>Daily</li></ul>") == "Plan\n1. Read\n- Daily"


def test_rich_text_is_drawn_with_its_lists_and_welsh_letters():
    pdf = Document(footer="Test")
    pdf.add_page()
    Writer(pdf).rich("Minutes", "<h3>Siân's review</h3><ol><li>Ŵyn read aloud</li></ol><p>Llŷr helped.</p>")
    text = PdfReader(io.BytesIO(bytes(pdf.output()))).pages[0].extract_text()
    assert "Siân's review" in text and "1." in text and "Ŵyn read aloud" in text and "Llŷr helped." in text


class FacesReadAfresh(BraidPDF):
    """Each face read for this document alone, as fpdf2 does by itself."""

    def set_font(self, family=None, style="", size=0) -> None:
        if FONT.lower() + style not in self.fonts:
            FPDF.add_font(self, FONT, style, self._faces[style])
        FPDF.set_font(self, family, style, size)


def _document(kind: type[BraidPDF], text: str) -> bytes:
    pdf = kind()
    pdf.set_creation_date(datetime(2026, 9, 1, tzinfo=UTC))
    pdf.add_page()
    pdf.set_font(FONT, "", 11)
    pdf.multi_cell(0, 5, text)
    pdf.set_font(FONT, "B", 14)
    pdf.cell(0, 8, "Next steps")
    return bytes(pdf.output())


def test_faces_read_once_make_the_same_document_as_faces_read_afresh_and_keep_each_documents_glyphs_apart():
    # Each face is read once per process and copied into each document: the bytes must be fpdf2's own, and the
    # glyphs one document used must not travel into the next one's embedded font.
    welsh, plain_latin = "Siân and Llŷr read aloud with Ŵyn. " * 20, "abc"
    before = _document(BraidPDF, plain_latin)
    assert _document(BraidPDF, welsh) == _document(FacesReadAfresh, welsh)
    assert _document(BraidPDF, plain_latin) == before == _document(FacesReadAfresh, plain_latin)
    assert len(before) < len(_document(BraidPDF, welsh))


def test_download_names_hold_only_safe_characters():
    assert safe_filename("plan-on-a-page", "cycle 2", "Ab_c-9", extension="pdf") == "plan-on-a-page-cycle-2-Ab_c-9.pdf"
    assert safe_filename("../../etc", "pass\r\nwd", extension="pdf") == "etc-pass-wd.pdf"
    assert safe_filename(extension="csv") == "download.csv"
    # A public id keeps its own hyphens, first and last included; the name never starts with one.
    assert safe_filename("plan-on-a-page", "cycle-1", "-9NF_x-", extension="pdf") == \
        "plan-on-a-page-cycle-1--9NF_x-.pdf"
    assert safe_filename("-rf", "x.", extension="csv") == "rf-x.csv"


def test_a_missing_font_is_named_with_how_to_install_it(app):
    app.config["PDF_FONT_DIR"] = "/nonexistent/fonts"
    with app.app_context(), pytest.raises(FontMissing, match="fonts-dejavu-core.*PDF_FONT_DIR"):
        Document(footer="Test")
