"""The one sanitiser for rich text (minutes, assessments, advice): everything else is escaped by Jinja."""
from __future__ import annotations

import threading
from functools import partial

import bleach
from bleach.linkifier import LinkifyFilter
from markupsafe import Markup

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
    """For templates: sanitise again on the way out, so stored text is never trusted blindly."""
    return Markup(clean_rich_text(html))  # nosec B704 # wraps only what the bleach allowlist above let through
