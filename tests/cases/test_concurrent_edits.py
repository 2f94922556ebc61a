"""Eight threads making 50 edits each to the same contributions over real HTTP: no lost update, no lock error.

The full sixteen threads x 200 edits on a loaded machine is bench/concurrent_edits.py (`make bench-concurrency`).
"""
from __future__ import annotations

import html
import http.client
import logging
import re
import threading
import time
from collections import Counter, defaultdict
from urllib.parse import urlencode

import pytest
from sqlalchemy import select

from app.agencies.accounts.models import AgencyKind, User
from app.cases.contributions import services
from app.cases.contributions.models import Contribution
from app.cases.learners.models import Learner
from app.extensions import db
from tests.fixtures.browser import LiveServer

# Behaviour that can differ between the engines: run on PostgreSQL as well as SQLite.
pytestmark = pytest.mark.both_backends

THREADS = 8
EDITS_PER_THREAD = 30
RECORDS = 4
SCHOOL = "Oakfield Concurrency School"
VERSION = re.compile(r'name="version" type="hidden" value="(\d+)"')
SESSION_COOKIE = re.compile(r"braid_session=([^;]*)")


class Browser:
    """One keep-alive connection with the session cookie, like one person's browser tab."""

    def __init__(self, port: int):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookie = None

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, str]:
        headers = {"Cookie": f"braid_session={self.cookie}"} if self.cookie else {}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        page = response.read().decode()
        for header in response.headers.get_all("Set-Cookie") or []:
            match = SESSION_COOKIE.match(header)
            if match:
                self.cookie = match.group(1)
        if response.getheader("Connection", "").lower() == "close" or response.version == 10:
            self.connection.close()
        return response.status, page

    def close(self):
        self.connection.close()


@pytest.fixture
def server_port(app):
    """The app for this test's database served over real HTTP by Werkzeug, a thread per request."""
    logger = logging.getLogger("werkzeug")
    level = logger.level
    logger.setLevel(logging.WARNING)  # 800 request lines would cost real time
    try:
        with LiveServer(app) as server:
            yield server.server.server_port
    finally:
        logger.setLevel(level)


def test_eight_threads_never_lose_an_edit(app, create_agency, create_user, create_case, add_to_team, backend,
                                          server_port):
    create_agency(AgencyKind.SCHOOL, name=SCHOOL)
    learner_id = create_case(school=SCHOOL)
    author = create_user("lsp", agency=SCHOOL)
    add_to_team(learner_id, author)
    with app.app_context():
        user = db.session.scalars(select(User).where(User.public_id == author.public_id)).one()
        learner = db.session.scalars(select(Learner).where(Learner.public_id == learner_id)).one()
        records = [
            services.add_contribution(user, learner, kind="intervention_record", visibility="team",
                                      title=f"Record {n}", body=f"<p>initial {n}</p>").public_id
            for n in range(RECORDS)
        ]
        db.session.commit()

    statuses: Counter = Counter()
    saved: dict[str, list[str]] = defaultdict(list)
    lost_text: list[str] = []
    failures: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(THREADS)

    def editor(thread: int, port: int) -> None:
        browser = Browser(port)
        try:
            status, _ = browser.request("POST", "/sign-in", {"email": author.email, "password": author.password})
            assert status == 302, f"thread {thread} could not sign in: {status}"
            start.wait()
            for edit in range(EDITS_PER_THREAD):
                record = records[(thread + edit) % RECORDS]
                status, page = browser.request("GET", f"/contributions/{record}/edit")
                match = VERSION.search(page)
                if status != 200 or match is None:
                    with lock:
                        statuses[f"GET {status}"] += 1
                    continue
                body = f"<p>thread {thread} edit {edit}</p>"
                status, page = browser.request("POST", f"/contributions/{record}/edit", {
                    "version": match.group(1), "visibility": "team", "title": f"Record by {thread}", "body": body,
                })
                with lock:
                    statuses[status] += 1
                    if status == 302:
                        saved[record].append(body)
                    elif status == 409 and body not in html.unescape(page):
                        lost_text.append(body)  # the conflict page must give the typed text back
        except Exception as error:  # noqa: BLE001 - reported below, with the thread it came from
            with lock:
                failures.append(f"thread {thread}: {error!r}")
            start.abort()
        finally:
            browser.close()

    began = time.monotonic()
    threads = [threading.Thread(target=editor, args=(n, server_port)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    elapsed = time.monotonic() - began
    print(f"\n{backend}: {THREADS * EDITS_PER_THREAD} edits in {elapsed:.1f} s: {dict(statuses)}")

    assert not failures, failures
    assert set(statuses) <= {302, 409}, f"unexpected statuses: {dict(statuses)}"
    assert statuses[302] + statuses[409] == THREADS * EDITS_PER_THREAD
    assert statuses[409] > 0, "no conflict happened: the test did not race"
    assert not lost_text, f"{len(lost_text)} conflict pages lost the typed text"

    with app.app_context():
        for public_id in records:
            contribution = db.session.scalars(select(Contribution).where(Contribution.public_id == public_id)).one()
            revisions = contribution.revisions
            n = records.index(public_id)
            # Every save made exactly one new version: none was silently overwritten.
            assert contribution.version == 1 + len(saved[public_id]), public_id
            assert [r.version for r in revisions] == list(range(1, contribution.version))
            kept = [r.body for r in revisions] + [contribution.body]
            assert kept[0] == f"<p>initial {n}</p>"
            assert Counter(kept[1:]) == Counter(saved[public_id]), "a saved text is missing or doubled"
            assert len(set(kept[1:])) == len(kept[1:])
