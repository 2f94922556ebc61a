"""The one sanitiser: an allowlist for minutes and assessments, everything else stripped."""
import pytest
from markupsafe import Markup

from app.security.sanitize import (
    ALLOWLIST_VERSION,
    clean_rich_text,
    render_writing,
    shows_nothing,
    stored_writing,
    writing_source,
)


@pytest.mark.parametrize(
    "dirty, clean",
    [
        ("<p>Hello <strong>there</strong> <em>now</em></p>", "<p>Hello <strong>there</strong> <em>now</em></p>"),
        ("<h2>Advice</h2><ul><li>one</li></ul><ol><li>two</li></ol>",
         "<h2>Advice</h2><ul><li>one</li></ul><ol><li>two</li></ol>"),
        ("<script>steal()</script>", "steal()"),
        ("<img src=x onerror=steal()>", ""),
        ('<a href="javascript:steal()">link</a>', "link"),
        ('<a href="data:text/html,hi">link</a>', "link"),
        ('<p onclick="steal()" style="color:red">x</p>', "<p>x</p>"),
        ("<iframe src=https://evil.example></iframe>", ""),
        ("<!-- secret --><p>a</p>", "<p>a</p>"),
    ],
)
def test_the_allowlist(dirty, clean):
    assert clean_rich_text(dirty) == clean


@pytest.mark.parametrize("href", ["https://www.nhs.uk/", "http://example.org/a?b=c", "mailto:office@oakfield.example"])
def test_safe_links_keep_their_href_and_get_a_fixed_rel(href):
    cleaned = clean_rich_text(f'<a href="{href}" target="_blank" rel="opener">x</a>')
    assert f'href="{href}"' in cleaned.replace("&amp;", "&")
    assert 'rel="noopener noreferrer nofollow"' in cleaned
    assert "target" not in cleaned


def test_bare_urls_become_safe_links():
    cleaned = clean_rich_text("<p>See https://www.nhs.uk for more</p>")
    assert '<a href="https://www.nhs.uk" rel="noopener noreferrer nofollow">' in cleaned


def test_empty_input_is_empty():
    assert clean_rich_text(None) == "" and clean_rich_text("") == ""


def test_threads_cleaning_at_once_never_garble_each_others_text():
    """A worker serves requests in threads: each cleans with a parser of its own (bleach's keeps state)."""
    import threading

    texts = [f"<p>Text {n} <strong>of</strong> thread <em>{n}</em></p><ul><li>{n}</li></ul>" * 20 for n in range(8)]
    expected = [clean_rich_text(text) for text in texts]
    wrong: list[str] = []
    start = threading.Barrier(len(texts))

    def clean_many(n: int) -> None:
        start.wait()
        for _ in range(60):
            try:
                if clean_rich_text(texts[n]) != expected[n]:
                    wrong.append(f"thread {n}: garbled")
            except Exception as error:  # noqa: BLE001 - a shared parser fails this way
                wrong.append(f"thread {n}: {error!r}")

    threads = [threading.Thread(target=clean_many, args=(n,)) for n in range(len(texts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not wrong, wrong[:5]


REL = 'rel="noopener noreferrer nofollow"'


@pytest.mark.parametrize(
    "typed, html",
    [
        ("One paragraph.\n\nAnother.", "<p>One paragraph.</p>\n<p>Another.</p>"),
        ("First line\nsecond line", "<p>First line<br>\nsecond line</p>"),
        ("Windows line\r\nending", "<p>Windows line<br>\nending</p>"),
        ("- Visual timetable\n- Now and next", "<ul>\n<li>Visual timetable</li>\n<li>Now and next</li>\n</ul>"),
        ("* star bullet", "<ul>\n<li>star bullet</li>\n</ul>"),
        ("1. Welcome\n2. Outcomes\n3. Actions", "<ol>\n<li>Welcome</li>\n<li>Outcomes</li>\n<li>Actions</li>\n</ol>"),
        ("Needs:\n\n- one\n  - inner", "<p>Needs:</p>\n<ul>\n<li>one\n<ul>\n<li>inner</li>\n</ul>\n</li>\n</ul>"),
        ("**Bold** and *italic*", "<p><strong>Bold</strong> and <em>italic</em></p>"),
        ("# Too big\n### Fine", "<h2>Too big</h2>\n<h3>Fine</h3>"),
        ("> Said in the meeting", "<blockquote>\n<p>Said in the meeting</p>\n</blockquote>"),
        # Typed HTML is shown as text, never parsed: nested tags, script, event handlers.
        ("<p>Hello <strong>there</strong></p>", "<p>&lt;p&gt;Hello &lt;strong&gt;there&lt;/strong&gt;&lt;/p&gt;</p>"),
        ("<script>steal()</script>", "<p>&lt;script&gt;steal()&lt;/script&gt;</p>"),
        ("<img src=x onerror=steal()>", "<p>&lt;img src=x onerror=steal()&gt;</p>"),
        ('<a href="javascript:steal()">x</a>', "<p>&lt;a href=&quot;javascript:steal()&quot;&gt;x&lt;/a&gt;</p>"),
        ("a & b < c", "<p>a &amp; b &lt; c</p>"),
        # Links: safe ones keep their href and get the fixed rel; javascript: and data: stay text, no href.
        ("[NHS](https://www.nhs.uk/)", f'<p><a href="https://www.nhs.uk/" {REL}>NHS</a></p>'),
        ('[NHS](https://www.nhs.uk/ "Advice")', f'<p><a href="https://www.nhs.uk/" title="Advice" {REL}>NHS</a></p>'),
        ("[click](javascript:steal())", "<p>[click](javascript:steal())</p>"),
        ("[click](JaVaScRiPt:steal())", "<p>[click](JaVaScRiPt:steal())</p>"),
        ("[click](<javascript:steal()>)", "<p>[click](&lt;javascript:steal()&gt;)</p>"),
        ("[click](data:text/html,hi)", "<p>[click](data:text/html,hi)</p>"),
        ("![x](https://evil.example/x.png)", f'<p>!<a href="https://evil.example/x.png" {REL}>x</a></p>'),  # no <img>
        ('[x](https://a.org" onclick="steal())', f'<p>[x](<a href="https://a.org" {REL}>https://a.org</a>'
                                                 '&quot; onclick=&quot;steal())</p>'),
        # Autolinks: <…> and bare addresses, made safe links by the one sanitiser.
        ("<https://www.nhs.uk>", f'<p><a href="https://www.nhs.uk" {REL}>https://www.nhs.uk</a></p>'),
        ("See https://www.nhs.uk today", f'<p>See <a href="https://www.nhs.uk" {REL}>https://www.nhs.uk</a> today</p>'),
        ("office@oakfield.sch.uk", f'<p><a href="mailto:office@oakfield.sch.uk" {REL}>office@oakfield.sch.uk</a></p>'),
        ("<javascript:steal()>", "<p>&lt;javascript:steal()&gt;</p>"),
        ("`code` and | tables |", "<p>`code` and | tables |</p>"),  # rules left off stay text
        ("   \n", ""),
    ],
)
def test_typed_writing_renders_to_exactly_this_html(typed, html):
    assert render_writing(writing_source(typed)) == html


def test_stored_writing_is_trusted_only_when_stamped_with_this_allowlist():
    stored = '<p onclick="steal()">Kept <u>as</u> saved</p>'  # what an older, looser allowlist may have let in
    assert stored_writing(stored, ALLOWLIST_VERSION) == Markup(stored)  # current stamp: shown as saved, no bleach
    assert stored_writing(stored, ALLOWLIST_VERSION - 1) == "<p>Kept as saved</p>"  # older stamp: cleaned again
    assert stored_writing(stored, None) == "<p>Kept as saved</p>"
    assert stored_writing(None, ALLOWLIST_VERSION) == ""



@pytest.mark.parametrize("typed, nothing", [(None, True), ("  \n ", True), ("#", True), ("-", True), ("> ", True),
                                            ("<p></p>", False), ("- one", False), ("0", False)])
def test_writing_that_shows_nothing_is_blank(typed, nothing):
    assert shows_nothing(typed) is nothing
