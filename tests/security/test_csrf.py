"""CSRF: with protection on, every state-changing route refuses a request with no token, or with
another session's token, and the refusal changes nothing in any table.

Every POST route of `app.url_map` is sent the authorization matrix's own requests, with real ids and as the
column that the matrix says would act (or at least reach the form), so only the missing token stops it. The
same request with the session's own token then gets the matrix's outcome: proof the refusal was CSRF's.
A forged form can carry a token only in its body (a cross-site form sets no headers): the refusals send it there.
"""
from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from app import create_app
from app.extensions import db
from tests.fixtures.application import csrf_token_from
from tests.test_authorization_matrix import COLUMNS, ROWS, _fill, build_world, outcome_of, sign_in_columns

CSRF_PAGE = "The form had expired"
# Which column to send a row as: one that would act, else one whose form would be read, else anyone signed in.
PREFERENCE = ((200, 302), (400, 409, 410))


@pytest.fixture
def csrf_app(app):
    """`app`'s database, field keys and learner key store, with CSRF protection on as in production."""
    protected = create_app("testing", {
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "BRAID_FIELD_KEYS": app.config["BRAID_FIELD_KEYS"],
        "BRAID_KEY_STORE_URL": app.config["BRAID_KEY_STORE_URL"],  # the learner keys that sealed its records
        "WTF_CSRF_ENABLED": True,
    })
    assert protected.config["WTF_CSRF_ENABLED"] and protected.config["SECRET_KEY"] == app.config["SECRET_KEY"]
    yield protected
    with protected.app_context():
        db.session.remove()
        db.engine.dispose()


def every_table_checksum(app) -> str:
    """sha256 over every row of every table, the audit trail's included: a refused request records nothing."""
    digest = hashlib.sha256()
    with app.app_context():
        for table in db.metadata.sorted_tables:
            digest.update(f"#{table.name}".encode())
            order = list(table.primary_key.columns) or list(table.columns)
            for row in db.session.execute(select(table).order_by(*order)):
                digest.update(repr(tuple(row)).encode())
        db.session.remove()
    return digest.hexdigest()


def acting_column(expected_row) -> str:
    outcomes = dict(zip(COLUMNS, expected_row, strict=True))
    for wanted in PREFERENCE:
        for column in COLUMNS:
            if outcomes[column] in wanted:
                return column
    return "senco"  # nobody may (an outsider's account, a signed-off meeting): still refused before the view


def protected_clients(app, csrf_app, accounts) -> dict:
    """Each column signed in through the real sign-in (second step included), its session carried to `csrf_app`."""
    cookie_name = app.config["SESSION_COOKIE_NAME"]
    clients = {}
    for column, client in sign_in_columns(app, accounts).items():
        protected = csrf_app.test_client()
        cookie = client.get_cookie(cookie_name)
        if cookie is not None:
            protected.set_cookie(cookie_name, cookie.value)
        clients[column] = protected
    return clients


def token_of(client, signed_in: bool) -> str:
    page = client.get("/account/password" if signed_in else "/sign-in")
    assert page.status_code == 200, (page.status_code, page.headers.get("Location"))
    return csrf_token_from(page.get_data(as_text=True))


def is_csrf_refusal(response) -> bool:
    return response.status_code == 400 and CSRF_PAGE in response.get_data(as_text=True)


@pytest.mark.long_running
def test_every_state_changing_route_refuses_a_missing_or_foreign_token_and_changes_nothing(
    app, csrf_app, create_agency, create_user, create_case, add_to_team
):
    built = build_world(app, create_agency, create_user, create_case, add_to_team)
    world, accounts = built["world"], built["accounts"]
    clients = protected_clients(app, csrf_app, accounts)
    columns = [column for column in COLUMNS if column != "expired"]  # its access has not run out here: like the SLT
    tokens = {column: token_of(clients[column], column != "anonymous") for column in columns}
    assert len(set(tokens.values())) == len(tokens)  # each session has its own token

    problems, checked, refusals = [], set(), 0
    for endpoint, method, url_template, data, expected_row in ROWS:
        if method != "POST":
            continue
        column = acting_column(expected_row)
        client, url = clients[column], url_template.format(**world)
        def form(data=data):  # afresh for each request: an uploaded file is read once
            return {key: _fill(value, world) for key, value in (data or {}).items()}

        foreign = tokens[next(other for other in columns if other != column)]
        cell = f"POST {url_template} [{endpoint}] as {column}"
        before = every_table_checksum(app)
        for label, extra in (("no token", {}), ("another session's token", {"csrf_token": foreign})):
            response = client.post(url, data={**form(), **extra})
            refusals += 1
            if not is_csrf_refusal(response):
                problems.append(f"{cell} with {label}: answered {response.status_code}")
            if every_table_checksum(app) != before:
                problems.append(f"{cell} with {label}: the database changed")
        # The control: the matrix's own request with this session's token (in the header, so the body is the
        # matrix's exactly) reaches the view and gets the matrix's outcome.
        response = client.post(url, data=form(), headers={"X-CSRFToken": tokens[column]})
        expected = dict(zip(COLUMNS, expected_row, strict=True))[column]
        if is_csrf_refusal(response) or outcome_of(response) != expected:
            problems.append(f"{cell} with its own token: expected {expected}, got {outcome_of(response)}")
        checked.add(endpoint)

    post_routes = {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in rule.methods}
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)
    assert checked == post_routes, f"POST routes not checked: {sorted(post_routes - checked)}"
    print(f"\n{len(checked)} POST routes, {refusals} refused requests, every table unchanged after each")


def test_signing_in_with_a_right_password_still_needs_the_token(app, csrf_app, create_user):
    """The public forms too: a cross-site sign-in (login CSRF) would put the victim in the attacker's account."""
    account = create_user("teacher")
    client = csrf_app.test_client()
    before = every_table_checksum(app)
    credentials = {"email": account.email, "password": account.password}
    refused = client.post("/sign-in", data=credentials)
    assert is_csrf_refusal(refused)
    other_session = token_of(csrf_app.test_client(), signed_in=False)
    assert is_csrf_refusal(client.post("/sign-in", data={**credentials, "csrf_token": other_session}))
    assert every_table_checksum(app) == before
    assert client.get("/").status_code == 302  # still signed out
    accepted = client.post("/sign-in", data={**credentials, "csrf_token": token_of(client, signed_in=False)})
    assert accepted.status_code == 302 and not is_csrf_refusal(accepted)


def test_over_https_a_form_needs_its_token_but_no_referer(app, csrf_app, create_user):
    """Braid's pages send Referrer-Policy: no-referrer, so a browser posts every form over HTTPS without a Referer
    (nginx in front passes X-Forwarded-Proto: https): the token decides, as over HTTP. Flask-WTF's default
    would refuse them all ("The referrer header is missing"), which deploy/cluster.py found through nginx."""
    account = create_user("teacher")
    client = csrf_app.test_client()
    https = {"base_url": "https://localhost"}
    credentials = {"email": account.email, "password": account.password}
    page = client.get("/sign-in", **https)
    assert page.headers["Referrer-Policy"] == "no-referrer"
    other_session = token_of(csrf_app.test_client(), signed_in=False)
    assert is_csrf_refusal(client.post("/sign-in", data={**credentials, "csrf_token": other_session}, **https))
    accepted = client.post("/sign-in", data={**credentials, "csrf_token": csrf_token_from(page.get_data(as_text=True))},
                           **https)
    assert accepted.status_code == 302 and not is_csrf_refusal(accepted)


def test_a_write_from_a_page_on_another_site_is_refused_before_its_token_is_read(app, csrf_app, create_user):
    """Sec-Fetch-Site and Origin stand in for the Referer check turned off above: a browser names the site whose
    page sent the form, so a write from another site is refused whatever token it carries, and nothing changes."""
    account = create_user("teacher")
    client = csrf_app.test_client()
    https = {"base_url": "https://localhost"}
    credentials = {"email": account.email, "password": account.password}
    token = csrf_token_from(client.get("/sign-in", **https).get_data(as_text=True))
    from_elsewhere = ({"Origin": "https://evil.example"}, {"Origin": "https://localhost.evil.example"},
                      {"Sec-Fetch-Site": "cross-site", "Origin": "null"}, {"Sec-Fetch-Site": "same-site"})
    for headers in from_elsewhere:
        refused = client.post("/sign-in", data={**credentials, "csrf_token": token}, headers=headers, **https)
        assert refused.status_code == 400, headers
        assert client.get("/", **https).status_code == 302  # not signed in: the refused write changed nothing
    # What a browser sends for Braid's own form under its no-referrer policy.
    accepted = client.post("/sign-in", data={**credentials, "csrf_token": token},
                           headers={"Origin": "null", "Sec-Fetch-Site": "same-origin"}, **https)
    assert accepted.status_code == 302 and not is_csrf_refusal(accepted)
    assert client.get("/", **https).status_code == 200
