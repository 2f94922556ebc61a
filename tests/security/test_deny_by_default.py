"""Deny by default: a short public list, and everything else needs a login and a policy decision.

The walk of `app.url_map` refuses every other endpoint to an anonymous request, with real ids in its URLs so a
view that forgot its guard would have something to show. At run time, a page whose view never asked the policy
is refused (403): a new endpoint without a decision therefore fails the authorization matrix and the crawl here.
"""
from __future__ import annotations

import logging
from urllib.parse import urlsplit

import pytest
from flask import g, request_finished
from flask_login import current_user, login_required

from app.extensions import db
from app.policy import Action, require, visible_learners
from app.web import PUBLIC_ENDPOINTS, UNDECIDED
from tests.fixtures.application import sign_in
from tests.test_authorization_matrix import COLUMNS, ROWS, _fill, build_world, expire, sign_in_columns

EXPECTED_PUBLIC = {
    "agencies.sign_in", "agencies.mfa_verify", "agencies.mfa_enrol",  # signing in, both steps
    "agencies.password_reset_request", "agencies.password_reset",
    "cases.invitation_accept", "home.health", "home.ready", "metrics.metrics", "static",
}


def urls_by_route(world) -> dict:
    """(endpoint, method) and endpoint → a real URL, from the authorization matrix's first row naming it."""
    urls = {}
    for endpoint, method, url, *_ in ROWS:
        urls.setdefault((endpoint, method), url.format(**world))
        urls.setdefault(endpoint, url.format(**world))
    return urls


def placeholder_url(rule) -> str:
    """A URL for a rule no matrix row names (the public ones): any well-formed value reaches the rule."""
    values = {argument: "1" if argument == "number" else "x" for argument in rule.arguments}
    if "filename" in rule.arguments:
        values["filename"] = "css/braid.css"
    return rule.build(values, append_unknown=False)[1]


def test_the_public_list_is_exactly_the_short_list_of_doors_in():
    # Signing in (password, then the second step), the reset link, the invitation link, static files, the probes
    # and the metrics (whose view asks the policy with the scraper's token).
    assert set(PUBLIC_ENDPOINTS) == EXPECTED_PUBLIC
    assert isinstance(PUBLIC_ENDPOINTS, frozenset)  # nothing can add to it at run time


def test_every_endpoint_off_the_public_list_refuses_anonymous_requests_for_every_method(
    app, create_agency, create_user, create_case, add_to_team
):
    world = build_world(app, create_agency, create_user, create_case, add_to_team)["world"]
    urls = urls_by_route(world)
    anonymous = app.test_client()
    refused, wrong = set(), []
    rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint not in PUBLIC_ENDPOINTS]
    for rule in rules:
        for method in sorted(rule.methods):  # HEAD and OPTIONS too: Flask answers those without the view
            asked = "GET" if method == "HEAD" else method
            url = urls.get((rule.endpoint, asked)) or urls.get(rule.endpoint) or placeholder_url(rule)
            response = anonymous.open(url, method=method)
            location = urlsplit(response.headers.get("Location", ""))
            if response.status_code != 302 or location.path != "/sign-in":
                wrong.append(f"{method} {url} [{rule.endpoint}]: {response.status_code} {location.path}")
            refused.add((rule.endpoint, method))
    assert not wrong, "answered an anonymous request:\n" + "\n".join(wrong)
    endpoints = {endpoint for endpoint, _ in refused}
    assert endpoints == {rule.endpoint for rule in rules}
    assert {"home.index", "agencies.sign_out", "cpd.reports", "audit.export", "cases.plan"} <= endpoints
    assert len(refused) >= 150
    print(f"\n{len(endpoints)} endpoints, {len(refused)} endpoint-methods refused to an anonymous request")


def _add_probe_routes(app) -> None:
    """Endpoints a careless developer might add: signed in, but no policy decision (or one, for the control)."""

    @app.route("/probe/undecided", methods=["GET", "POST"])
    @login_required
    def probe_undecided():
        return "a page nobody decided on"

    @app.route("/probe/scope-only")
    @login_required
    def probe_scope_only():
        # A query scope limits what is listed, but is not a decision that the page may be shown at all.
        return f"{len(db.session.scalars(visible_learners(current_user)).all())} learners"

    @app.route("/probe/redirect")
    @login_required
    def probe_redirect():
        from flask import redirect

        return redirect("/")

    @app.route("/probe/missing")
    @login_required
    def probe_missing():
        from flask import abort

        abort(404)

    @app.route("/probe/decided")
    @login_required
    def probe_decided():
        require(current_user, Action.VIEW_HOME)
        return "a page the policy allowed"


def test_an_endpoint_without_a_policy_decision_is_refused_at_run_time(app, client_as, caplog):
    _add_probe_routes(app)
    client = client_as("teacher")
    with caplog.at_level(logging.ERROR, logger="braid.web"):
        for method, url, body in (("GET", "/probe/undecided", "nobody decided"),
                                  ("POST", "/probe/undecided", "nobody decided"),
                                  ("GET", "/probe/scope-only", " learners"), ("GET", "/probe/redirect", None)):
            response = client.open(url, method=method)
            assert response.status_code == 403, (method, url)
            page = response.get_data(as_text=True)
            assert "You do not have permission" in page and (body is None or body not in page)
            assert "Location" not in response.headers
            # The refusal is the designed 403 page, with the same headers as any other page.
            assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    named = [record.getMessage() for record in caplog.records if "without a policy decision" in record.getMessage()]
    assert any("probe_undecided" in message for message in named)
    assert any("probe_scope_only" in message for message in named)
    # An error raised before any decision keeps its own status; a view that asks the policy is served.
    assert client.get("/probe/missing").status_code == 404
    decided = client.get("/probe/decided")
    assert decided.status_code == 200 and "the policy allowed" in decided.get_data(as_text=True)
    # Signed out, the same endpoints send the visitor to sign in, as every other page does.
    assert urlsplit(app.test_client().get("/probe/undecided").headers["Location"]).path == "/sign-in"


def test_a_temporary_password_is_sent_to_be_changed_not_refused(app, create_user):
    """deny_by_default's own redirect is the request's answer: the view never ran, and nothing is refused."""
    account = create_user("teacher", must_change_password=True)
    client = app.test_client()
    sign_in(client, account.email, account.password)
    for url in ("/", "/learners", "/cpd/people"):
        response = client.get(url)
        assert response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/account/password", url
    assert client.get("/account/password").status_code == 200


def test_templates_asking_the_policy_do_not_count_as_the_views_decision(app, client_as):
    """The navigation of every page asks `can` (change password): that must not stand in for the view's own check."""

    @app.route("/probe/rendered")
    @login_required
    def probe_rendered():
        from flask import render_template

        return render_template("errors/404.html", status=200, message=None)

    client = client_as("teacher")
    assert client.get("/probe/rendered").status_code == 403


@pytest.mark.long_running
def test_a_crawl_as_every_role_finds_no_endpoint_that_answered_without_a_decision(
    app, create_agency, create_user, create_case, add_to_team
):
    """Every row of the authorization matrix (GET and POST, in its order) as every column of it."""
    built = build_world(app, create_agency, create_user, create_case, add_to_team)
    world, accounts = built["world"], built["accounts"]
    clients = sign_in_columns(app, accounts)
    expire(app, accounts["expired"])
    undecided, answered = [], 0

    def note(sender, response, **extra):
        nonlocal answered
        answered += 1
        if g.get(UNDECIDED):
            undecided.append(f"{g.get(UNDECIDED)} ({response.status_code})")

    with request_finished.connected_to(note, app):
        for _endpoint, method, url, data, _ in ROWS:
            for column in COLUMNS:
                form = {key: _fill(value, world) for key, value in (data or {}).items()}
                clients[column].open(url.format(**world), method=method, data=form if method == "POST" else None)
    assert answered == len(ROWS) * len(COLUMNS)
    assert not undecided, "answered without a policy decision: " + ", ".join(sorted(set(undecided)))
    print(f"\n{len(ROWS)} routes × {len(COLUMNS)} columns crawled: {answered} requests, none undecided")
