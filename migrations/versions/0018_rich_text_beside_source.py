"""Writing that keeps its shape: each rich text becomes a typed source (a small Markdown subset) with its safe
HTML sealed beside it, and each row a stamp of the allowlist that HTML was cleaned with.

Before this revision a rich value was bleach-cleaned HTML, or plain text with newlines. Upgrade turns stored
HTML into a source anyone can edit (<p>, <br>, lists, bold, italics, headings, links become Markdown) and keeps
the HTML itself, cleaned again, as the safe HTML (so a closed cycle reads as it did); plain text is its own
source and its HTML is rendered from it. Downgrade puts the safe HTML back as the single value. The conversions
and the allowlist (version 1) are frozen here: a migration never imports app code, only the libraries and
the keyring primitives.
"""
import binascii
import html
import json
import os
import re
import threading
from collections import Counter
from functools import partial
from html.parser import HTMLParser

import bleach
import sqlalchemy as sa
from alembic import op
from bleach.linkifier import LinkifyFilter
from markdown_it import MarkdownIt

from app.security.crypto import associated_data, open_sealed
from app.security.keys import current_keyring

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

# Every table with writing, and its fields (each `<field>_sealed` gains `<field>_html_sealed`).
WRITING = {
    'plan_cycle': ('learner_views', 'family_views', 'aspirations', 'needs_communication', 'needs_cognition',
                   'needs_semh', 'needs_sensory', 'review_summary'),
    'contribution': ('body',),
    'contribution_revision': ('body',),
    'meeting': ('agenda', 'minutes', 'decisions'),
    'learner': ('notes',),
}
# Columns are added and dropped in place (SQLite 3.35 or later): a batch recreation of learner or meeting would
# drop a table other rows point at (foreign keys on).
IN_PLACE = {'recreate': 'never'}
STAMP = 1  # the allowlist frozen below is version 1 of app.security.sanitize

# --- the allowlist and the Markdown subset, as they were at this revision ----------------------------------

ALLOWED_TAGS = frozenset(
    {"p", "br", "ul", "ol", "li", "strong", "em", "b", "i", "h2", "h3", "h4", "blockquote", "a"}
)
ALLOWED_ATTRIBUTES = {"a": ["href", "title"]}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
LINK_REL = "noopener noreferrer nofollow"
WRITING_RULES = ("newline", "list", "emphasis", "link", "autolink", "escape", "heading", "blockquote")
_HEADING_TAGS = {"h1": "h2", "h5": "h4", "h6": "h4"}
_TAG = re.compile(r"<\s*/?\s*(p|br|ul|ol|li|strong|em|b|i|h2|h3|h4|blockquote|a)\b", re.IGNORECASE)


def _link_attributes(attrs, new=False):
    if (None, "href") not in attrs:
        return None
    attrs[(None, "rel")] = LINK_REL
    attrs.pop((None, "target"), None)
    return attrs


_local = threading.local()


def _clean(value):
    cleaner = getattr(_local, "cleaner", None)
    if cleaner is None:
        cleaner = _local.cleaner = bleach.sanitizer.Cleaner(
            tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, protocols=ALLOWED_PROTOCOLS, strip=True,
            strip_comments=True,
            filters=[partial(LinkifyFilter, callbacks=[_link_attributes], skip_tags={"pre"}, parse_email=True)])
    return cleaner.clean(value)


def _heading(renderer, tokens, idx, options, env):
    tokens[idx].tag = _HEADING_TAGS.get(tokens[idx].tag, tokens[idx].tag)
    return renderer.renderToken(tokens, idx, options, env)


def _render(source):
    markdown = getattr(_local, "markdown", None)
    if markdown is None:
        markdown = _local.markdown = MarkdownIt("zero", {"html": False, "breaks": True}).enable(list(WRITING_RULES))
        markdown.add_render_rule("heading_open", _heading)
        markdown.add_render_rule("heading_close", _heading)
    return _clean(markdown.render(source)).strip() if source else ""


_INLINE_SPECIAL = re.compile(r"([\\*_\[\]`])")
_LINE_START = re.compile(r"^(\s*)([-+*>#]|\d+[.)])(\s)")


class _ToSource(HTMLParser):
    """Cleaned HTML to the Markdown subset: what the page showed, typed the way a person would type it."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks = []  # finished blocks (paragraphs, list items, headings), joined by blank lines or not
        self.line = []  # the current block's pieces
        self.lists = []  # open lists: ["ul"] or ["ol", next number]
        self.prefix = ""  # what the current block starts with ("- ", "1. ", "## ")
        self.quote = 0
        self.links = []
        self.list_starts = False  # a list's first item: a blank line before it, like a paragraph

    def _finish(self, tight=False):
        text = "".join(self.line).strip()
        if text:
            indent = "   " * max(len(self.lists) - 1, 0)
            lines = text.split("\n")
            first = indent + self.prefix + lines[0].strip()
            rest = [indent + " " * len(self.prefix) + part.strip() for part in lines[1:]]
            block = "\n".join([first, *rest])
            if self.quote:
                block = "\n".join("> " + part for part in block.split("\n"))
            self.blocks.append((block, tight and not self.list_starts))
            self.list_starts = False
        self.line, self.prefix = [], ""

    def handle_starttag(self, tag, attrs):
        if tag in ("p", "h2", "h3", "h4", "blockquote", "ul", "ol", "li"):
            self._finish(tight=bool(self.lists))
        if tag in ("h2", "h3", "h4"):
            self.prefix = "#" * int(tag[1]) + " "
        elif tag == "blockquote":
            self.quote += 1
        elif tag in ("ul", "ol"):
            self.list_starts = not self.lists
            self.lists.append(["ul"] if tag == "ul" else ["ol", 1])
        elif tag == "li" and self.lists:
            current = self.lists[-1]
            if current[0] == "ol":
                self.prefix = f"{current[1]}. "
                current[1] += 1
            else:
                self.prefix = "- "
        elif tag == "br":
            self.line.append("\n")
        elif tag in ("strong", "b"):
            self.line.append("**")
        elif tag in ("em", "i"):
            self.line.append("*")
        elif tag == "a":
            href = dict(attrs).get("href")
            self.links.append(href)
            if href:
                self.line.append("[")

    def handle_endtag(self, tag):
        if tag in ("p", "h2", "h3", "h4", "li"):
            self._finish(tight=bool(self.lists))
        elif tag == "blockquote":
            self._finish()
            self.quote = max(self.quote - 1, 0)
        elif tag in ("ul", "ol"):
            self._finish(tight=True)
            if self.lists:
                self.lists.pop()
        elif tag in ("strong", "b"):
            self.line.append("**")
        elif tag in ("em", "i"):
            self.line.append("*")
        elif tag == "a" and self.links:
            href = self.links.pop()
            if href:
                self.line.append(f"]({href})")

    def handle_data(self, data):
        text = re.sub(r"\s+", " ", data)
        if not "".join(self.line).strip() and not text.strip():
            return  # whitespace between blocks
        text = _INLINE_SPECIAL.sub(r"\\\1", text)
        if not "".join(self.line).strip() or (self.line and self.line[-1] == "\n"):
            text = _LINE_START.sub(r"\1\\\2\3", text.lstrip() if not self.line else text)
        self.line.append(text)

    def source(self):
        self._finish()
        out = ""
        for block, tight in self.blocks:
            out += (("\n" if tight else "\n\n") if out else "") + block
        return out.strip()


def html_to_source(value):
    parser = _ToSource()
    parser.feed(value)
    parser.close()
    return parser.source()


def _upgrade_value(value):
    """An old stored value to (source, safe HTML)."""
    if _TAG.search(value):
        return html_to_source(value) or None, _clean(value).strip() or None
    source = html.unescape(value).replace("\r\n", "\n").strip() or None
    return source, _render(source) or None


# --- the rows ----------------------------------------------------------------------------------------------

def _table(name, fields, *extra):
    columns = [sa.column("id"), sa.column("public_id"), *extra]
    for field in fields:
        columns += [sa.column(f"{field}_sealed"), sa.column(f"{field}_html_sealed")]
    return sa.table(name, *columns)


def _opened(row, table, column):
    sealed = getattr(row, column)
    return None if sealed is None else open_sealed(sealed, associated_data(table, column, row.public_id))


_sealed_per_key = Counter()


def _sealed(value, row, table, column):
    """Sealed as app.security.crypto.seal does (envelope b1), counted here: seal() counts through the app's
    session, a second connection that SQLite's write lock (held by this migration) would keep waiting."""
    if value is None:
        return None
    keyring = current_keyring()
    kid = keyring.primary
    nonce = os.urandom(12)
    ciphertext = keyring.cipher(kid).encrypt(nonce, value.encode("utf-8"),
                                             associated_data(table, column, row.public_id))
    _sealed_per_key[kid] += 1
    return f"b1.{kid}.{binascii.b2a_base64(nonce + ciphertext, newline=False).decode()}"


def _count_sealed():
    """Add this migration's encryptions to each key's usage, so rotation is still asked for in time."""
    usage = sa.table("field_key_usage", sa.column("key_id"), sa.column("encryptions"))
    connection = op.get_bind()
    for kid, added in _sealed_per_key.items():
        stored = connection.execute(sa.select(usage.c.encryptions).where(usage.c.key_id == kid)).scalar()
        if stored is None:
            connection.execute(sa.insert(usage).values(key_id=kid, encryptions=added))
        else:
            connection.execute(sa.update(usage).where(usage.c.key_id == kid).values(encryptions=stored + added))
    _sealed_per_key.clear()


def _learner_history(convert):
    """The notes kept in each correction's sealed history, as the history page shows them."""
    revisions = sa.table("learner_revision", sa.column("id"), sa.column("public_id"), sa.column("fields"),
                         sa.column("earlier_sealed"))
    connection = op.get_bind()
    for row in connection.execute(sa.select(revisions).where(revisions.c.fields.like("%notes%"))).all():
        earlier = json.loads(_opened(row, "learner_revision", "earlier_sealed"))
        notes = earlier.get("notes")
        if notes is None or notes == "Not recorded":
            continue
        earlier["notes"] = convert(notes) or "Not recorded"
        text = json.dumps(earlier, ensure_ascii=False, separators=(",", ":"))
        connection.execute(sa.update(revisions).where(revisions.c.id == row.id).values(
            earlier_sealed=_sealed(text, row, "learner_revision", "earlier_sealed")))


def upgrade():
    for name, fields in WRITING.items():
        with op.batch_alter_table(name, schema=None, **IN_PLACE) as batch_op:
            for field in fields:
                batch_op.add_column(sa.Column(f'{field}_html_sealed', sa.Text(), nullable=True))
            batch_op.add_column(sa.Column('writing_version', sa.Integer(), server_default='0', nullable=False))
    connection = op.get_bind()
    for name, fields in WRITING.items():
        table = _table(name, fields, sa.column("writing_version"))
        for row in connection.execute(sa.select(table)).all():
            values = {"writing_version": STAMP}
            for field in fields:
                old = _opened(row, name, f"{field}_sealed")
                if old is None:
                    continue
                source, safe = _upgrade_value(old)
                if source is not None:  # an empty HTML value keeps its (not null) column as it was
                    values[f"{field}_sealed"] = _sealed(source, row, name, f"{field}_sealed")
                values[f"{field}_html_sealed"] = _sealed(safe, row, name, f"{field}_html_sealed")
            connection.execute(sa.update(table).where(table.c.id == row.id).values(**values))
    _learner_history(lambda notes: _upgrade_value(notes)[0])
    _count_sealed()


def downgrade():
    connection = op.get_bind()
    for name, fields in WRITING.items():
        table = _table(name, fields)
        for row in connection.execute(sa.select(table)).all():
            values = {}
            for field in fields:
                source = _opened(row, name, f"{field}_sealed")
                if source is None:
                    continue
                safe = _opened(row, name, f"{field}_html_sealed") or _render(source)
                values[f"{field}_sealed"] = _sealed(safe, row, name, f"{field}_sealed")
            if values:
                connection.execute(sa.update(table).where(table.c.id == row.id).values(**values))
    _learner_history(_render)
    _count_sealed()
    for name, fields in reversed(WRITING.items()):
        with op.batch_alter_table(name, schema=None, **IN_PLACE) as batch_op:
            batch_op.drop_column('writing_version')
            for field in reversed(fields):
                batch_op.drop_column(f'{field}_html_sealed')
