"""Rich text (the sanitiser's safe HTML) as plain blocks: paragraphs, headings, list items and quotes.

Used to draw rich text in a PDF (app.core.pdf.write_rich) and to turn it into plain English (the family profile's
draft); kept apart from app.core.pdf so that a page can use it without loading fpdf2.
"""
from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser


@dataclass(frozen=True, slots=True)
class Block:
    """One paragraph of rich text: `kind` is "p", "h" (a heading), "li" (with its `marker`) or "quote"."""

    kind: str
    text: str
    marker: str = ""
    depth: int = 0


class _Blocks(HTMLParser):
    """The sanitiser's safe HTML as blocks; inline emphasis and links keep their text (a PDF reader needs no URL)."""

    _BREAKS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "ul", "ol", "tr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[Block] = []
        self.lists: list[list] = []  # [ordered, next number] per open list
        self.text: list[str] = []
        self.kind, self.marker, self.quote = "p", "", 0

    def _flush(self) -> None:
        lines = [" ".join(line.split()) for line in "".join(self.text).split("\n")]
        text = "\n".join(line for line in lines if line)
        if text:
            kind = "quote" if self.kind == "p" and self.quote else self.kind
            self.blocks.append(Block(kind, text, self.marker, max(len(self.lists) - 1, 0)))
        self.text, self.kind, self.marker = [], "p", ""

    def handle_starttag(self, tag, attrs):
        if tag == "br":
            self.text.append("\n")
            return
        if tag in self._BREAKS:
            self._flush()
        if tag in ("ul", "ol"):
            self.lists.append([tag == "ol", 1])
        elif tag == "li":
            self.kind = "li"
            if self.lists and self.lists[-1][0]:
                self.marker = f"{self.lists[-1][1]}."
                self.lists[-1][1] += 1
            else:
                self.marker = "•"
        elif tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self.kind = "h"
        elif tag == "blockquote":
            self.quote += 1

    def handle_endtag(self, tag):
        if tag in self._BREAKS:
            self._flush()
        if tag in ("ul", "ol") and self.lists:
            self.lists.pop()
        elif tag == "blockquote" and self.quote:
            self.quote -= 1

    def handle_data(self, data):
        self.text.append(data)

    def close(self):
        super().close()
        self._flush()


def rich_blocks(html: str | None) -> list[Block]:
    """Rich text (the sanitiser's output) as blocks of plain text; nothing for an empty value."""
    if not html:
        return []
    parser = _Blocks()
    parser.feed(html)
    parser.close()
    return parser.blocks


def plain(html: str | None) -> str:
    """Rich text as plain paragraphs, list items on lines of their own starting "- " (or their number)."""
    lines = []
    for block in rich_blocks(html):
        if block.kind == "li":
            marker = "-" if block.marker == "•" else block.marker
            lines.append(("  " * block.depth) + f"{marker} {block.text}")
        else:
            lines.append(block.text)
    return "\n".join(lines)
