"""The family one-page profile drawn as an A4 PDF, large and plain, for the family to keep."""
from __future__ import annotations

from app.core.pdf import Document, Writer


def family_profile_pdf(known_as: str, sections: list[tuple[str, str | None]], *, made_on: str) -> bytes:
    pdf = Document(footer=f"One-page profile, {made_on}")
    pdf.set_title("One-page profile")  # metadata names no child
    pdf.add_page()
    out = Writer(pdf)
    out.title(f"All about {known_as}", size=20)
    for heading, text in sections:
        out.heading(heading)
        out.para(text or "Not written yet.", size=12)
    return bytes(pdf.output())
