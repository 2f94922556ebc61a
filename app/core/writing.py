"""Writing that keeps its shape: a row's typed source, its safe HTML beside it, and the allowlist stamp.

A row with writing has, for each such field, `<field>` (the typed source, shown when editing) and
`<field>_html` (made by render_writing when saved), and one `writing_version` for the row: every
service that saves any of a row's writing stamps the whole row, so one stamp is true of all its HTML.
"""
from __future__ import annotations

from markupsafe import Markup

from app.security.sanitize import ALLOWLIST_VERSION, clean_rich_text, render_writing, stored_writing, writing_source


def write(row, fields: tuple[str, ...], **typed: str | None) -> None:
    """Save the typed fields of `row` (source and safe HTML) and stamp it; `fields` are all of its writing."""
    if row.writing_version != ALLOWLIST_VERSION:
        # HTML the row kept from an older allowlist is cleaned by this one, so the new stamp is true.
        for name in fields:
            if name not in typed and (html := getattr(row, f"{name}_html")):
                setattr(row, f"{name}_html", clean_rich_text(html))
    for name, text in typed.items():
        source = writing_source(text)
        setattr(row, name, source)
        setattr(row, f"{name}_html", render_writing(source) or None)
    row.writing_version = ALLOWLIST_VERSION


def copy(source_row, target_row, fields: tuple[str, ...]) -> None:
    """Carry writing to another row (a revision, the next cycle) exactly as it is, stamp and all."""
    for name in fields:
        setattr(target_row, name, getattr(source_row, name))
        setattr(target_row, f"{name}_html", getattr(source_row, f"{name}_html"))
    target_row.writing_version = source_row.writing_version


def shown(row, name: str) -> Markup:
    """The template global `writing(row, "field")`: the stored HTML, re-sanitised only when stamped older.

    A source with no HTML beside it (written around the services, as a test fixture may) is rendered now.
    """
    html = getattr(row, f"{name}_html")
    if html is None:
        return Markup(render_writing(getattr(row, name)))  # nosec B704 # render_writing ends in the sanitiser
    return stored_writing(html, row.writing_version)
