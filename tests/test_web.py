"""Every request: security headers, and error pages that show no trace.

Deny by default, CSRF, the crawls and session replay have their own suites in tests/security/.
"""
from app import create_app
from tests.fixtures.application import sign_in


def test_health_answers_without_login(client):
    assert client.get("/health").get_json() == {"status": "ok"}


def test_security_headers_on_every_page(client):
    response = client.get("/sign-in")
    csp = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp
    assert "object-src 'none'" in csp and "base-uri 'none'" in csp and "frame-ancestors 'none'" in csp
    nonce = csp.split("'nonce-")[1].split("'")[0]
    page = response.get_data(as_text=True)
    # Every script carries this response's nonce; none is inline without it.
    assert page.count("<script") == page.count(f'nonce="{nonce}"')
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"
    assert client.get("/sign-in").headers["Content-Security-Policy"] != csp  # a fresh nonce each time


def test_pages_carry_a_skip_link_a_title_and_braid_not_govuk(client):
    page = client.get("/sign-in").get_data(as_text=True)
    assert 'href="#main-content"' in page
    assert "<title>Sign in – Braid</title>" in page
    assert "GOV.UK" not in page and "govuk-logo" not in page and "crown" not in page.lower()


def test_unknown_page_gets_the_designed_404(client_as):
    response = client_as("teacher").get("/no-such-page")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_unexpected_errors_show_a_reference_not_a_trace(app, database_url, create_user, caplog):
    account = create_user("teacher")
    # The same field keys: the account is found by its keyed email index.
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url, "PROPAGATE_EXCEPTIONS": False,
                                 "BRAID_FIELD_KEYS": app.config["BRAID_FIELD_KEYS"]})

    @app.route("/explode")
    def explode():
        raise RuntimeError("internal detail that must not reach the user")

    client = app.test_client()
    sign_in(client, account.email, account.password)
    response = client.get("/explode")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Sorry, there is a problem with Braid" in page
    assert "internal detail" not in page and "Traceback" not in page
    reference = page.split("Reference: ")[1].split("<")[0].strip()
    assert any(reference in record.getMessage() for record in caplog.records)


def test_addresses_built_once_are_the_ones_flask_builds(app):
    """url_for keeps what it built per mount point, endpoint, anchor and values: the same request asked twice gets
    Flask's own answer, a different mount point or value its own, and lists of values are built each time."""
    from flask import Flask

    def flask_built(*args, **values):
        return Flask.url_for(app, *args, **values)

    with app.test_request_context("/"):
        first = app.url_for("cases.learner_detail", public_id="abc", _anchor="plan")
        assert first == flask_built("cases.learner_detail", public_id="abc", _anchor="plan") == "/learners/abc#plan"
        assert app.url_for("cases.learner_detail", public_id="abc", _anchor="plan") is first  # kept
        assert app.url_for("cases.learner_detail", public_id="xyz") == "/learners/xyz"
        assert app.url_for("cases.learner_list", area=["a", "b"]) == "/learners?area=a&area=b"
        assert app.url_for("cases.learner_detail", public_id="abc", _external=True).startswith("http")
    with app.test_request_context("/", environ_overrides={"SCRIPT_NAME": "/braid"}):
        assert app.url_for("cases.learner_detail", public_id="abc", _anchor="plan") == "/braid/learners/abc#plan"


def test_routes_parsed_once_per_process_match_and_build_as_a_fresh_parse():
    # Every app after the first takes the first's parse of each route (app.factory.Route): each must hold what
    # Werkzeug's own parse of that route gives, and match and build the same addresses.
    from werkzeug.routing import IntegerConverter, Map, Rule

    create_app("testing", {"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    fresh = Map(converters=app.url_map.converters, strict_slashes=app.url_map.strict_slashes,
                merge_slashes=app.url_map.merge_slashes, host_matching=app.url_map.host_matching)
    rules = list(app.url_map.iter_rules())
    assert len(rules) > 150
    for rule in rules:
        plain = Rule(rule.rule, endpoint=rule.endpoint, methods=rule.methods, defaults=rule.defaults,
                     subdomain=rule.subdomain, host=rule.host)
        fresh.add(plain)
        assert (rule._parts, rule._trace, rule.arguments) == (plain._parts, plain._trace, plain.arguments), rule
        assert {name: type(converter) for name, converter in rule._converters.items()} == {
            name: type(converter) for name, converter in plain._converters.items()}, rule
    ours, theirs = app.url_map.bind("localhost"), fresh.bind("localhost")
    for rule in rules:
        values = {name: 7 if isinstance(rule._converters.get(name), IntegerConverter) else "AbC123"
                  for name in rule.arguments - set(rule.defaults or {})}
        method = sorted(rule.methods - {"HEAD", "OPTIONS"})[0]
        built = ours.build(rule.endpoint, values, method=method)
        assert built == theirs.build(rule.endpoint, values, method=method)
        assert ours.match(built.partition("?")[0], method=method) == theirs.match(built.partition("?")[0],
                                                                                   method=method), built
