"""The case's PDF builders (the plan on a page, a meeting record, the family profile, the transfer bundle), loaded
only when a file is made."""
from __future__ import annotations


def builders():
    """The module of builders: fpdf2 costs every `flask` command a third of a second, so it loads on first use."""
    from app.cases import pdf_builders  # fpdf2 only when a PDF is made

    return pdf_builders
