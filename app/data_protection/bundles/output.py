"""A gathered bundle with the DPO's redactions applied, written as the ZIP the requester receives: a readable PDF,
the same content as JSON (with a schema version) and the attached files.
"""
from __future__ import annotations

import copy
import io
import json
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from app.core import dates
from app.core.pdf import Document, Writer
from app.data_protection.bundles.gather import Gathered, Item
from app.types import utcnow

SCHEMA_VERSION = 1
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Cut:
    """One redaction as the output applies it: a whole item withheld (`field` None), or a passage of a field."""

    item_key: str
    field: str | None
    passage: str | None
    occurrence: int | None  # the nth occurrence in the field (1-based); None: every occurrence
    reason: str  # in words: "another child"

    @property
    def marker(self) -> str:
        return f"[Redacted: {self.reason}]"


def _replace(text: str, passage: str, marker: str, occurrence: int | None) -> str:
    if not passage:
        return text
    if occurrence is None:
        return text.replace(passage, marker)
    start = -1
    for _ in range(occurrence):
        start = text.find(passage, start + 1)
        if start < 0:
            return text  # the passage no longer occurs that often: nothing to cut (the review page says so)
    return text[:start] + marker + text[start + len(passage):]


def redacted(gathered: Gathered, cuts: Iterable[Cut]) -> Gathered:
    """A copy of `gathered` with withheld items left out and redacted passages replaced by their marker."""
    cuts = list(cuts)
    withheld = {cut.item_key for cut in cuts if cut.field is None}
    result = copy.deepcopy(gathered)
    result.items = [item for item in result.items if item.key not in withheld]
    by_item: dict[str, list[Cut]] = {}
    for cut in cuts:
        if cut.field is not None:
            by_item.setdefault(cut.item_key, []).append(cut)
    for item in result.items:
        for cut in by_item.get(item.key, ()):
            for one in item.fields:
                if one.name == cut.field:
                    one.text = _replace(one.text, cut.passage, cut.marker, cut.occurrence)
            if cut.occurrence is None:  # a heading quotes its fields (a contribution's title): cut there too
                item.title = _replace(item.title, cut.passage, cut.marker, None)
    return result


def as_json(gathered: Gathered, *, made_at=None) -> dict:
    return {
        "schema_version": SCHEMA_VERSION,
        "learner": gathered.learner_public_id,
        "made_at": (made_at or utcnow()).isoformat(),
        "sections": [
            {"kind": kind, "title": title, "items": [_item_json(item) for item in items]}
            for kind, title, items in gathered.sections()
        ],
    }


def _item_json(item: Item) -> dict:
    return {
        "key": item.key,
        "title": item.title,
        "fields": [{"name": one.name, "label": one.label, "text": one.text} for one in item.fields],
        "files": [{"public_id": one.public_id, "name": one.name, "kind": one.kind, "size_bytes": one.size_bytes,
                   "path": one.path} for one in item.files],
    }


def as_pdf(gathered: Gathered, *, made_at=None, progress: Progress | None = None, done: int = 0,
           total: int = 0) -> bytes:
    made_at = made_at or utcnow()
    pdf = Document(footer=f"Subject access bundle, {dates.long_day(made_at)}")
    pdf.set_title("Subject access bundle")  # metadata names no child
    pdf.add_page()
    out = Writer(pdf)
    out.title("Subject access bundle")
    out.para(f"Everything Braid holds about this learner that you are entitled to, as it stood on "
             f"{dates.day_and_time(made_at)}. Where information about someone else has been removed, the text says "
             f"[Redacted: ...] with the reason. Attached files are in the attachments folder beside this document.")
    for _kind, title, items in gathered.sections():
        out.heading(title)
        for item in items:
            out.heading(item.title, level=2)
            for one in item.fields:
                out.field(one.label, one.text)
            for attached in item.files:
                out.para(f"Attached file: {attached.name} ({attached.path})", style="I")
            done += 1
            if progress is not None:
                progress(done, total)
    return bytes(pdf.output())


def as_zip(gathered: Gathered, load_file: Callable[[int], bytes], *, progress: Progress | None = None) -> bytes:
    """The ZIP: bundle.pdf, bundle.json, and each attached file under attachments/. `load_file(attachment_id)`
    gives a file's bytes; `progress(done, total)` is told after each item and each file."""
    made_at = utcnow()
    files = gathered.files
    total = len(gathered.items) + len(files)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("bundle.pdf", as_pdf(gathered, made_at=made_at, progress=progress, total=total))
        archive.writestr("bundle.json", json.dumps(as_json(gathered, made_at=made_at), indent=2, ensure_ascii=False))
        done = len(gathered.items)
        for attached in files:
            archive.writestr(attached.path, load_file(attached.attachment_id))
            done += 1
            if progress is not None:
                progress(done, total)
    return buffer.getvalue()
