"""The one sanitiser: an allowlist for minutes and assessments, everything else stripped."""
import pytest

from app.security.sanitize import clean_rich_text


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
