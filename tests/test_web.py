"""Every request: deny by default, security headers, CSRF, and error pages that show no trace."""
from app import create_app
from app.web import PUBLIC_ENDPOINTS
from tests.fixtures.application import csrf_token_from, sign_in


def _example_url(rule) -> str:
    url = rule.rule
    for argument in rule.arguments:
        url = url.replace(f"<{argument}>", "x").replace(f"<string:{argument}>", "x").replace(f"<int:{argument}>", "1")
    return url.replace("<path:filename>", "css/braid.css")


def test_every_endpoint_but_the_public_list_needs_a_login(app):
    client = app.test_client()
    checked = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(_example_url(rule), method=method)
            assert response.status_code == 302, (rule.rule, method)
            assert response.headers["Location"].startswith("/sign-in"), (rule.rule, method)
            checked.append(rule.endpoint)
    assert {"home.index", "agencies.account_list", "agencies.account_change"} <= set(checked)


def test_public_endpoints_are_few_and_known():
    # Accepting an invitation starts signed out: the single-use link is the credential.
    assert PUBLIC_ENDPOINTS == {"agencies.sign_in", "static", "home.health", "cases.invitation_accept"}


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


def test_unexpected_errors_show_a_reference_not_a_trace(database_url, create_user, caplog):
    account = create_user("teacher")
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url, "PROPAGATE_EXCEPTIONS": False})

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


def test_csrf_is_enforced_when_enabled(database_url, create_user):
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url, "WTF_CSRF_ENABLED": True})
    client = app.test_client()
    refused = client.post("/sign-in", data={"email": "a@example.org", "password": "whatever-password"})
    assert refused.status_code == 400
    assert "The form had expired" in refused.get_data(as_text=True)
    token = csrf_token_from(client.get("/sign-in").get_data(as_text=True))
    accepted = client.post("/sign-in", data={"email": "a@example.org", "password": "whatever-password",
                                             "csrf_token": token})
    assert accepted.status_code == 200
