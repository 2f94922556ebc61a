"""Every table is drawn inside the one scroll region (templates/_macros/tables.html), so that none can make a page
scroll sideways on a narrow screen; tests/e2e/test_layout.py measures the pages themselves."""
import re

from config import BASE_DIR

TABLE = re.compile(r"<table\b")
OPENED = re.compile(r"\{% call table_scroll\([^\n]*\) %\}\s*$")


def test_every_table_is_inside_a_scroll_region():
    outside = []
    for path in sorted((BASE_DIR / "templates").rglob("*.html")):
        text = path.read_text()
        for found in TABLE.finditer(text):
            if not OPENED.search(text[:found.start()].rstrip() + "\n"):
                outside.append(f"{path.relative_to(BASE_DIR)}:{text.count(chr(10), 0, found.start()) + 1}")
    assert outside == []
