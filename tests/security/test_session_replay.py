"""A copied session cookie dies with its session: after sign-out, a password change and deactivation,
a cookie copied before is refused on five routes its owner could open with it just before.

The "thief" is another browser presenting the copied value: the cookie of the browser that then signs out,
changes the password or is deactivated, and one of a second session of the same person. Each case checks both
copies work first (so a refusal afterwards is the event's doing), then that all five routes send them to sign in:
3 events × 2 roles (the LSP, the SENCo with two-step sign-in) × 2 copies × 5 routes.
"""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.fixtures.application import sign_in
from tests.fixtures.worlds import saved_or_built, world_app
from tests.test_authorization_matrix import build_world

NEW_PASSWORD = "orchard-velvet-compass-19"
# Five pages each column may open: home, a learner, their plan, their CPD log (or a report's), their account.
ROUTES = {
    "lsp": ("/", "/learners/{alpha}", "/learners/{alpha}/plan", "/cpd/entries/{cpd_entry}", "/account/password"),
    "senco": ("/", "/learners/{alpha}", "/cycles/{cycle}", "/cpd/people/{lsp_user}", "/account/password"),
}
EVENTS = ("sign-out", "password change", "deactivation")


def signed_in(app, account):
    client = app.test_client()
    assert sign_in(client, account.email, account.password).status_code == 302
    return client


def cookie_of(app, client) -> str:
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    assert cookie is not None, "not signed in"
    return cookie.value


def replay(app, value: str, url: str):
    """A different browser presenting a copied session cookie."""
    thief = app.test_client()
    thief.set_cookie(app.config["SESSION_COOKIE_NAME"], value)
    return thief.get(url)


def sent_to_sign_in(response) -> bool:
    return response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/sign-in"


def end_session(event: str, clients, accounts, column: str) -> None:
    client, account = clients[column], accounts[column]
    if event == "sign-out":
        assert client.post("/sign-out").status_code == 302
    elif event == "password change":
        response = client.post("/account/password", data={
            "current_password": account.password, "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD,
        })
        assert response.status_code == 302
        assert client.get("/").status_code == 200  # the session that changed it carries on, with a new cookie
    else:
        response = clients["admin"].post(f"/accounts/{account.public_id}/deactivate")
        assert response.status_code == 302, response.status_code


WORLD = "the authorization matrix's, nobody signed in"


@pytest.fixture
def app(backend, database_servers, saved_worlds, database_url):
    yield from world_app(WORLD, backend, database_servers, saved_worlds, database_url)


@pytest.mark.parametrize("column", sorted(ROUTES))
@pytest.mark.parametrize("event", EVENTS)
def test_a_cookie_copied_before_the_session_ended_is_refused_on_five_routes(
    app, backend, saved_worlds, create_agency, create_user, create_case, add_to_team, event, column
):
    # Built by the first case a process runs, a copy of it for the others (tests/fixtures/worlds.py).
    built, _ = saved_or_built(WORLD, backend, app, saved_worlds, lambda: (
        build_world(app, create_agency, create_user, create_case, add_to_team), {}))
    world, accounts = built["world"], built["accounts"]
    clients = {role: signed_in(app, accounts[role]) for role in ("admin", column)}
    other_device = signed_in(app, accounts[column])  # a second session of the same person
    urls = [url.format(**world) for url in ROUTES[column]]
    copies = {"this browser": cookie_of(app, clients[column]), "another device": cookie_of(app, other_device)}

    for label, value in copies.items():
        for url in urls:
            response = replay(app, value, url)
            assert response.status_code == 200, f"before the {event}: {url} ({label}) got {response.status_code}"

    end_session(event, clients, accounts, column)

    answered = [f"{url} ({label})" for label, value in copies.items() for url in urls
                if not sent_to_sign_in(replay(app, value, url))]
    assert not answered, f"after the {event}, a copied cookie still opened: {answered}"
    if event == "password change":
        assert clients[column].get(urls[1]).status_code == 200  # only the browser that changed it stays signed in
    else:
        assert all(sent_to_sign_in(clients[column].get(url)) for url in urls)
