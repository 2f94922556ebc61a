"""Every request's guard rails: deny by default, security headers, and error pages without traces."""
from __future__ import annotations

import logging
import secrets
import uuid
from io import BytesIO
from urllib.parse import urlencode

from flask import Flask, Request, current_app, g, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from app.agencies.sign_in.sessions import touch_session
from app.audit.events import ERROR_PAGE, EventNotWritten, note_anonymous_refusal, write_request_event
from app.database import database_unreachable, lock_wait_failed, roll_back
from app.extensions import db, login_manager
from app.policy import DECISION_MADE, Action, shows
from app.security.crypto import DecryptionError
from app.security.hosts import refuse_foreign_origin, refuse_unknown_host

log = logging.getLogger("braid.web")

# The only endpoints reachable without signing in. Everything else needs a login and a policy decision.
# The second step of sign-in (its code, or setting up an authenticator) follows a right password.
# The invitation and reset links are public: their single-use tokens are the credentials. The probes name no one;
# the metrics answer only a scraper's bearer token (app.policy.machines decides).
PUBLIC_ENDPOINTS = frozenset({
    "agencies.sign_in", "agencies.mfa_verify", "agencies.mfa_enrol",
    "agencies.password_reset_request", "agencies.password_reset",
    "cases.invitation_accept", "home.health", "home.ready", "metrics.metrics", "static",
})
# Reachable while a temporary password still has to be replaced.
PASSWORD_CHANGE_ENDPOINTS = frozenset({"agencies.change_password", "agencies.sign_out", "static"})
ERROR_TEMPLATES = {400: "errors/400.html", 403: "errors/403.html", 404: "errors/404.html",
                   405: "errors/404.html", 413: "errors/413.html", 429: "errors/429.html", 503: "errors/503.html"}
RETRY_AFTER_SECONDS = 5  # on the busy page: long enough for a queue of writers to clear
BUSY = "braid_database_busy"  # set in flask.g when the response is the busy page
# Posted fields never shown back on the busy page, by any part of their name.
UNSHOWN_FIELDS = ("password", "csrf", "code", "token", "secret")


class UploadsInMemory(Request):
    """Uploaded files are held in memory, never spooled to a temporary file: an upload of learners' data
    must leave no copy on disk. The upload routes' limits (UPLOAD_LIMITS) bound the memory this takes."""

    def _get_file_stream(self, total_content_length, content_type, filename=None, content_length=None):
        return BytesIO()


def init_app(app: Flask) -> None:
    app.request_class = UploadsInMemory
    # First of all, before the rate limiter or CSRF read anything: a request for a host Braid does not serve.
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_unknown_host)
    app.before_request_funcs[None].insert(1, refuse_foreign_origin)  # before CSRF: a write from another site
    # Before CSRF reads the form: only the routes that take a file accept a body that large.
    app.before_request_funcs[None].insert(2, allow_uploads)
    app.before_request_funcs[None].insert(0, start_request)  # so even that refusal has a request id
    app.before_request(answered_before_the_view(deny_by_default))
    app.after_request(set_security_headers)
    # Registered after the headers, so it runs before them: a replacement error page gets them too.
    app.after_request(audit_request)
    # Registered last, so it runs first: its refusal is audited and gets the headers like any other.
    app.after_request(refuse_undecided)
    # First in the list, so it runs after every other hook, Flask-Limiter's too: on a rate-limited page the
    # limiter would stretch the busy page's Retry-After to the end of its own window (minutes).
    app.after_request_funcs[None].insert(0, keep_busy_retry_after)
    app.context_processor(template_context)
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(DecryptionError, handle_decryption_error)
    app.register_error_handler(OperationalError, handle_database_error)
    app.register_error_handler(Exception, handle_unexpected_error)


def start_request() -> None:
    g.request_id = uuid.uuid4().hex
    g.csp_nonce = secrets.token_urlsafe(16)


def allow_uploads() -> None:
    limit = current_app.config["UPLOAD_LIMITS"].get(request.endpoint)
    # Only a body that can carry a file: the same route's plain form keeps the ordinary limit.
    if limit and request.mimetype == "multipart/form-data":
        request.max_content_length = limit


def deny_by_default():
    endpoint = request.endpoint
    if endpoint is None or endpoint in PUBLIC_ENDPOINTS:
        return None
    if not current_user.is_authenticated:
        note_anonymous_refusal()
        return send_to_sign_in()
    touch_session()
    if current_user.must_change_password and endpoint not in PASSWORD_CHANGE_ENDPOINTS:
        return redirect(url_for("agencies.change_password"))
    return None


def send_to_sign_in():
    """An anonymous request for a page goes to sign in, told the page it asked for: its path and query only, never a
    host (the sign-in page passes it through the one safe-redirect helper). Built here rather than by Flask-Login,
    which rebuilt the whole address from the request to take the host off again: a tenth of this answer's cost."""
    query = request.query_string.decode("latin-1")
    asked = request.path + ("?" + query if query else "")
    return redirect(f"{url_for('agencies.sign_in')}?{urlencode({'next': asked})}")


# Set in flask.g when deny by default refused a response because its view made no policy decision.
UNDECIDED = "braid_undecided_endpoint"


def answered_before_the_view(hook):
    """A before-request hook whose own answer (a redirect to sign in, or to change a temporary password)
    is the request's decision: the view never runs, so it cannot ask the policy."""

    def guarded():
        response = hook()
        if response is not None:
            setattr(g, DECISION_MADE, True)
        return response

    guarded.__name__ = hook.__name__
    return guarded


def answered_by_flask() -> bool:
    """An OPTIONS request that Flask answers itself with the methods a URL allows: no view runs and nothing
    of anyone's is read, so for a signed-in user there is nothing to decide (nor to log as an error).
    Anonymous requests still go to sign in first, like every other method."""
    rule = request.url_rule
    return request.method == "OPTIONS" and rule is not None and bool(getattr(rule, "provide_automatic_options", False))


def refuse_undecided(response):
    """Deny by default at run time: a page off the public list whose view never asked the policy is refused.

    Only answers that would have let something through (2xx, 3xx) are replaced; an error page raised before
    any decision (404, 400 for CSRF, 429) keeps its own status.
    """
    endpoint = request.endpoint
    if endpoint is None or endpoint in PUBLIC_ENDPOINTS or g.get(DECISION_MADE) or response.status_code >= 400 \
            or answered_by_flask():
        return response
    setattr(g, UNDECIDED, endpoint)
    log.error("refused: endpoint %s answered without a policy decision request_id=%s", endpoint, g.get("request_id"))
    return error_response(403)


def set_security_headers(response):
    nonce = g.get("csp_nonce", "")
    # A download sets its own, stricter policy ("sandbox"): it is never rendered as a page of Braid's origin.
    if not response.headers.get("Content-Security-Policy", "").startswith("sandbox"):
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; "
            f"script-src 'self' 'nonce-{nonce}'; "
            "style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; "
            "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
        )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    if current_app.config.get("STRICT_TRANSPORT_SECURITY"):  # production only: never pin plain-HTTP development
        response.headers["Strict-Transport-Security"] = current_app.config["STRICT_TRANSPORT_SECURITY"]
    if g.get("request_id"):
        response.headers["X-Request-ID"] = g.request_id  # the reference in the logs and on an error page
    if request.endpoint != "static":
        # Pages may show personal data: never keep them in a shared or browser cache.
        response.headers["Cache-Control"] = "no-store"
    return response


def template_context() -> dict:
    return {
        "can": shows,  # templates ask without counting as the view's decision (see refuse_undecided)
        "Action": Action,
        "cspNonce": g.get("csp_nonce"),
        "service_name": "Braid",
    }


def _error_page(status: int, message: str | None = None):
    template = ERROR_TEMPLATES.get(status, "errors/500.html")
    setattr(g, ERROR_PAGE, True)
    return render_template(template, status=status, message=message, limit=_size_limit()), status


def _size_limit() -> str:
    """The request size limit in words, for the 413 page."""
    limit = (request.max_content_length if request else current_app.config.get("MAX_CONTENT_LENGTH")) or 0
    return f"{limit / (1024 * 1024):g} MB" if limit >= 1024 * 1024 else f"{limit // 1024} KB"


def audit_request(response):
    """The request's audit event, committed after the view; a read that cannot be audited is not shown."""
    try:
        return write_request_event(response)
    except EventNotWritten as failure:
        return busy_response(unreachable=database_unreachable(failure.__cause__)) if failure.busy \
            else error_response(500)


def error_response(status: int):
    """An error page as a response object, for hooks that must replace a response."""
    return make_response(*_error_page(status))


def handle_csrf_error(error: CSRFError):
    return _error_page(400, "The form had expired or was sent from somewhere else. "
                            "Go back, reload the page and try again.")


def handle_http_error(error: HTTPException):
    if error.code is None or error.code < 400:
        return error
    if error.response is not None:
        return error.response  # a page of the view's own, such as the sign-in form refused for now
    return _error_page(error.code)


def handle_decryption_error(error: DecryptionError):
    db.session.rollback()
    # Names the row and column that failed, never a value; no traceback, whose locals could hold one.
    log.error("decryption failed request_id=%s endpoint=%s: %s", g.get("request_id"), request.endpoint, error)
    return _error_page(500)


def handle_database_error(error: OperationalError):
    if database_unreachable(error):
        roll_back(db.session)  # nothing of the request is saved (and the broken connection is dropped)
        # The outage is the operator's to see (once a request, no trace): the user gets "try again shortly".
        log.warning("database unreachable endpoint=%s request_id=%s", request.endpoint, g.get("request_id"))
        return busy_response(unreachable=True)
    if not lock_wait_failed(error):
        return handle_unexpected_error(error)
    db.session.rollback()  # nothing of the request is saved
    # Names the page and the request, never a value (nor the error's text, which quotes the statement).
    log.warning("database busy: a lock was not had in time endpoint=%s request_id=%s", request.endpoint,
                g.get("request_id"))
    return busy_response()


def busy_response(unreachable: bool = False):
    """503 with Retry-After: Braid is busy (or, `unreachable`, cannot reach its database), nothing was saved, and the
    text the user posted is shown back.

    The page asks nothing of the database (it is what was busy): no navigation, so no signed-in user to load.
    """
    setattr(g, ERROR_PAGE, True)
    setattr(g, BUSY, True)
    if "_login_user" not in g:
        # Flask-Login loads the user for every template (its context processor) unless this request already
        # did; when loading it was what timed out, the page is drawn for nobody rather than wait again.
        g._login_user = login_manager.anonymous_user()
    response = make_response(render_template("errors/503.html", status=503, typed=typed_fields(), hide_navigation=True,
                                             unreachable=unreachable), 503)
    return keep_busy_retry_after(response)


def keep_busy_retry_after(response):
    if g.get(BUSY) and response.status_code == 503:
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def typed_fields() -> list[tuple[str, str]]:
    """(a readable label, the value) of each non-empty field posted, never a password, token, code or secret."""
    if request.method not in ("POST", "PUT", "PATCH"):
        return []
    try:
        fields = list(request.form.items(multi=True))
    except HTTPException:
        return []  # a body Braid would not read (too large, say) is not shown back either
    return [
        (_readable(name), value) for name, value in fields
        if value.strip() and not any(word in name.lower() for word in UNSHOWN_FIELDS)
    ]


def _readable(name: str) -> str:
    # `actions-0-description` reads "Actions 0 description"; `title` reads "Title".
    text = " ".join(name.replace("-", " ").replace("_", " ").split())
    return text[:1].upper() + text[1:] or "Field"


def handle_unexpected_error(error: Exception):
    roll_back(db.session)
    # The operator gets the trace and the request id; the user gets only the request id.
    # Flask calls this handler inside its own `except`, so the trace is there to log.
    log.exception("unhandled error request_id=%s endpoint=%s", g.get("request_id"), request.endpoint)  # noqa: LOG004
    return _error_page(500)
