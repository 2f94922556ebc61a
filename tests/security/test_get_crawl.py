"""A crawl of every GET route as every role: reading changes nothing, every response carries the
security headers, and no URL the app sends or links to holds personal data.

The routes and the world are the authorization matrix's. Before and after the crawl, a checksum of every table
but the audit trail (events, their learner index, seals, checkpoints, verifications) must be the same: a read
may only leave its audit event behind.
"""
from __future__ import annotations

import html
import re
from urllib.parse import unquote_plus

import pytest
from sqlalchemy import select

from app.agencies.accounts.models import User
from app.cases.learners.models import Learner
from app.cases.team.models import Invitation
from app.extensions import db
from tests.test_authorization_matrix import (
    ALPHA,
    BRAVO,
    COLUMNS,
    ROWS,
    build_world,
    database_checksum,
    expire,
    sign_in_columns,
)

STRICT_REFERRER = {"no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin"}
# A preferred name and a UPN for the main learner, so the crawl can look for them too.
PREFERRED_NAME, UPN = "Zephyrine", "K803299912003"
URL_IN_PAGE = re.compile(r"""\b(?:href|src|action|formaction|poster|data-href)\s*=\s*["']([^"']*)["']""", re.I)


def header_problems(response, static: bool) -> list[str]:
    headers, problems = response.headers, []
    csp = headers.get("Content-Security-Policy", "")
    directives = {part.split()[0]: part.split()[1:] for part in csp.split(";") if part.strip()}
    nonce = re.search(r"'nonce-([A-Za-z0-9_\-+/=]{16,})'", " ".join(directives.get("script-src", [])))
    if headers.get("Content-Disposition", "").startswith("attachment"):
        # A download (a PDF) runs nothing: it is sandboxed and may load nothing, which no nonce could improve on.
        if "sandbox" not in directives or directives.get("default-src") != ["'none'"]:
            problems.append(f"a download's Content-Security-Policy is {csp!r}, not sandboxed with default-src 'none'")
    elif not nonce:
        problems.append("no script nonce in the Content-Security-Policy")
    if "unsafe-inline" in csp or "unsafe-eval" in csp:
        problems.append("the Content-Security-Policy allows unsafe-inline or unsafe-eval")
    for directive in ("object-src", "base-uri", "frame-ancestors"):
        if directives.get(directive) != ["'none'"]:
            problems.append(f"{directive} is {directives.get(directive)}, not 'none'")
    if headers.get("X-Content-Type-Options") != "nosniff":
        problems.append("no X-Content-Type-Options: nosniff")
    if headers.get("Referrer-Policy") not in STRICT_REFERRER:
        problems.append(f"Referrer-Policy is {headers.get('Referrer-Policy')}")
    if not static and "no-store" not in headers.get("Cache-Control", ""):
        problems.append(f"Cache-Control is {headers.get('Cache-Control')}, without no-store")
    if nonce and response.mimetype == "text/html":
        page = response.get_data(as_text=True)
        if page.count("<script") != page.count(f'nonce="{nonce.group(1)}"'):
            problems.append("a script without this response's nonce")
    return problems


def urls_sent(response) -> list[str]:
    """Every URL the response sends the browser to: its Location, and every link, source and form action."""
    urls = [response.headers.get("Location", "")]
    if response.mimetype == "text/html":
        urls += URL_IN_PAGE.findall(response.get_data(as_text=True))
    return [unquote_plus(html.unescape(url)).lower() for url in urls if url]


def personal_data(app, accounts) -> dict[str, str]:
    """What would identify someone in the world: learners' names, preferred name and UPN, people's names and
    email addresses (staff, extras, invitees), and the learners' case sentinels."""
    sensitive = {}
    with app.app_context():
        for learner in db.session.scalars(select(Learner)):
            sensitive[f"learner name {learner.public_id}"] = learner.name
            if learner.preferred_name:
                sensitive[f"preferred name {learner.public_id}"] = learner.preferred_name
            if learner.upn:
                sensitive[f"UPN {learner.public_id}"] = learner.upn
        for user in db.session.scalars(select(User)):
            sensitive[f"email of {user.public_id}"] = user.email
            sensitive[f"name of {user.public_id}"] = user.display_name
        for invitation in db.session.scalars(select(Invitation)):
            sensitive[f"invitee {invitation.public_id}"] = invitation.email
        db.session.remove()
    sensitive.update({f"Alpha's {name}": text for name, text in ALPHA.items()})
    sensitive.update({f"Bravo's {name}": text for name, text in BRAVO.items()})
    return {label: text.lower() for label, text in sensitive.items()}


def give_alpha_more_identity(app, alpha_public_id: str) -> None:
    with app.app_context():
        learner = db.session.scalars(select(Learner).where(Learner.public_id == alpha_public_id)).one()
        learner.preferred_name, learner.upn = PREFERRED_NAME, UPN
        db.session.commit()
        db.session.remove()


@pytest.mark.long_running
def test_a_get_crawl_as_every_role_changes_nothing_sends_the_headers_and_no_personal_data_in_urls(
    app, create_agency, create_user, create_case, add_to_team
):
    built = build_world(app, create_agency, create_user, create_case, add_to_team)
    world, accounts = built["world"], built["accounts"]
    give_alpha_more_identity(app, world["alpha"])
    clients = sign_in_columns(app, accounts)
    expire(app, accounts["expired"])
    sensitive = personal_data(app, accounts)
    assert len(sensitive) >= 40

    gets = [(endpoint, url.format(**world)) for endpoint, method, url, *_ in ROWS if method == "GET"]
    gets += [("home.health", "/health"), ("home.ready", "/ready"), ("metrics.metrics", "/metrics"),
             ("static", "/static/css/braid.css"), ("static", "/static/js/braid.js")]
    before = database_checksum(app)
    problems, bodies, requests = [], [], 0
    for endpoint, url in gets:
        for column in COLUMNS:
            response = clients[column].get(url)
            requests += 1
            cell = f"GET {url} [{endpoint}] as {column} ({response.status_code})"
            problems += [f"{cell}: {problem}" for problem in header_problems(response, static=endpoint == "static")]
            for sent in urls_sent(response) + [url.lower()]:
                problems += [f"{cell}: {label} in the URL {sent}" for label, text in sensitive.items() if text in sent]
            if response.status_code == 200 and response.mimetype == "text/html":
                bodies.append(html.unescape(response.get_data(as_text=True)).lower())
    after = database_checksum(app)

    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems[:80])
    assert after == before, "a GET changed the database (outside the audit trail)"
    # The search would have found them: the crawl's pages do show the main learner's identity.
    for text in ("alpha learner", PREFERRED_NAME.lower(), UPN.lower()):
        assert any(text in body for body in bodies), f"{text} is on no page: the URL check proves nothing"
    print(f"\n{len(gets)} GET URLs × {len(COLUMNS)} columns: {requests} responses checked")
