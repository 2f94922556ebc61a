"""The one sanitiser for rich text (minutes, assessments, advice): everything else is escaped by Jinja.

People type writing as plain text (a small Markdown subset, raw HTML off); `render_writing` turns it into
HTML and always passes that through the bleach allowlist below. The safe HTML is stored beside its source,
stamped with ALLOWLIST_VERSION; `stored_writing` trusts a stored value only when its stamp is current.
"""
from __future__ import annotations

import threading
from functools import partial

import bleach
from bleach.linkifier import LinkifyFilter
from markdown_it import MarkdownIt
from markupsafe import Markup

# Raise this whenever the allowlist below is tightened: values stamped with an older version are then
# sanitised again on the way out (and a migration may re-clean them at rest).
ALLOWLIST_VERSION = 1
# Under every field of writing (the template global `writing_hint`): how to give it shape, no HTML needed.
WRITING_HINT = ("Leave a blank line between paragraphs. Start a line with - for a bullet or 1. for a numbered list. "
                "Put ** around words for bold.")

ALLOWED_TAGS = frozenset(
    {"p", "br", "ul", "ol", "li", "strong", "em", "b", "i", "h2", "h3", "h4", "blockquote", "a"}
)
ALLOWED_ATTRIBUTES = {"a": ["href", "title"]}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
LINK_REL = "noopener noreferrer nofollow"


def _link_attributes(attrs, new=False):
    """Every link opens nothing it should not: fixed rel, no target."""
    href_key = (None, "href")
    if href_key not in attrs:
        return None  # an anchor without a safe href is dropped to its text
    attrs[(None, "rel")] = LINK_REL
    attrs.pop((None, "target"), None)
    return attrs


# One cleaner per thread: bleach's parser keeps state while it parses, so two threads of a worker sharing
# one cleaner garble each other's text (saved mangled, or a 500) under load (bench/concurrent_edits.py).
_cleaners = threading.local()


def _cleaner() -> bleach.sanitizer.Cleaner:
    cleaner = getattr(_cleaners, "cleaner", None)
    if cleaner is None:
        cleaner = _cleaners.cleaner = bleach.sanitizer.Cleaner(
            tags=ALLOWED_TAGS,
            attributes=ALLOWED_ATTRIBUTES,
            protocols=ALLOWED_PROTOCOLS,
            strip=True,
            strip_comments=True,
            filters=[partial(LinkifyFilter, callbacks=[_link_attributes], skip_tags={"pre"}, parse_email=True)],
        )
    return cleaner


def clean_rich_text(html: str | None) -> str:
    """Sanitise user HTML to the allowlist; store and render only what this returns."""
    if not html:
        return ""
    return _cleaner().clean(html)


def render_rich_text(html: str | None) -> Markup:
    """For templates: sanitise again on the way out, for HTML that carries no allowlist stamp."""
    return Markup(clean_rich_text(html))  # nosec B704 # wraps only what the bleach allowlist above let through


# The Markdown subset people can type: paragraphs, kept line breaks, lists, bold, italics, headings, quotes,
# links. "zero" starts with every rule off, so nothing else (tables, code, images, raw HTML) is parsed.
WRITING_RULES = ("newline", "list", "emphasis", "link", "autolink", "escape", "heading", "blockquote")
_HEADING_TAGS = {"h1": "h2", "h5": "h4", "h6": "h4"}  # the allowlist's h2 to h4; a page has its own h1


def _heading_within_allowlist(renderer, tokens, idx, options, env):
    token = tokens[idx]
    token.tag = _HEADING_TAGS.get(token.tag, token.tag)
    return renderer.renderToken(tokens, idx, options, env)


def _markdown() -> MarkdownIt:
    markdown = MarkdownIt("zero", {"html": False, "breaks": True}).enable(list(WRITING_RULES))
    markdown.add_render_rule("heading_open", _heading_within_allowlist)
    markdown.add_render_rule("heading_close", _heading_within_allowlist)
    return markdown


_parsers = threading.local()  # a parser per thread, like the cleaner: no shared state between requests


def writing_source(text: str | None) -> str | None:
    """What is stored as the source: the typed text with one kind of line ending, or None when blank."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    return text or None


def render_writing(source: str | None) -> str:
    """Typed text to safe HTML: the Markdown subset (typed HTML is shown as text), then the allowlist."""
    if not source:
        return ""
    markdown = getattr(_parsers, "markdown", None)
    if markdown is None:
        markdown = _parsers.markdown = _markdown()
    return clean_rich_text(markdown.render(source)).strip()


def shows_nothing(source: str | None) -> bool:
    """True when typed writing renders to no text at all (blank, or only marks such as "#" or "-")."""
    return not bleach.clean(render_writing(source), tags=set(), strip=True).strip()


def stored_writing(html: str | None, version: int | None) -> Markup:
    """Stored safe HTML for a page: as it is when stamped with this allowlist, sanitised again when older."""
    if not html:
        return Markup("")
    if version == ALLOWLIST_VERSION:
        return Markup(html)  # nosec B704 # cleaned by this allowlist when it was saved (render_writing)
    return Markup(clean_rich_text(html))  # nosec B704 # wraps only what the bleach allowlist let through

