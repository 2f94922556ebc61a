"""Request size: a body over MAX_CONTENT_LENGTH gets a clear 413 page and changes nothing, and the limit
sits well above the largest form an honest user can send."""
from __future__ import annotations

import socket
from urllib.parse import urlencode

import pytest
import wtforms
from flask_wtf import FlaskForm
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.cases.contributions.models import Contribution
from app.extensions import db
from tests.fixtures.application import text_of
from tests.fixtures.browser import LiveServer

sqlite_only = pytest.mark.parametrize("backend", ["sqlite"])  # refused before any database work

WORST_BYTES_PER_CHARACTER = 12  # a four-byte UTF-8 character, percent-encoded: %F0%9F%98%80
# Fields bounded by something other than a Length validator: a confirmation equals the password (128 at
# most), a time is HH:MM, hours a short decimal.
OTHER_BOUNDS = {"confirm_password": 128, "starts_at": 5, "hours": 8}
ROWS_WITHOUT_A_MAXIMUM = 200  # a meeting's actions: far more than any meeting agrees


def _subclasses(cls):
    for child in cls.__subclasses__():
        yield child
        yield from _subclasses(child)


def _field_bound(field) -> int:
    """The most bytes an honest browser can send for `field`, percent-encoded, name included."""
    if isinstance(field, wtforms.FieldList):
        rows = field.max_entries or ROWS_WITHOUT_A_MAXIMUM
        row = field.entries[-1] if field.entries else field.append_entry()
        return rows * _field_bound(row)
    if isinstance(field, wtforms.FormField):
        return sum(_field_bound(sub) for sub in field)
    name = len(field.name) + 2  # "=" and "&"
    lengths = [validator.max for validator in field.validators if isinstance(validator, wtforms.validators.Length)]
    if lengths and max(lengths) > 0:
        return name + max(lengths) * WORST_BYTES_PER_CHARACTER
    short = field.name.rsplit("-", 1)[-1]
    if short in OTHER_BOUNDS:
        return name + OTHER_BOUNDS[short] * WORST_BYTES_PER_CHARACTER
    choices = getattr(field, "choices", None)
    if choices:
        values = [str(choice[0] if isinstance(choice, tuple) else getattr(choice, "value", choice))
                  for choice in choices]
        return sum(name + len(value) * 3 for value in values)  # a multiple choice may send every value
    assert not isinstance(field, (wtforms.StringField,)) or isinstance(field, wtforms.HiddenField) \
        or type(field).__name__ in ("DateField", "DayField", "DayMonthYearField", "DecimalField", "IntegerField"), \
        f"{field.name} has no upper bound: give it a Length validator"
    return name + 3 * 64  # a date's three parts, a number, a hidden id or a button


@sqlite_only
def test_the_limit_is_well_above_the_largest_honest_form(app):
    largest, which = 0, None
    with app.test_request_context("/"):
        for form_class in set(_subclasses(FlaskForm)):
            if not form_class.__module__.startswith("app."):
                continue
            form = form_class(formdata=None)
            bound = sum(_field_bound(field) for field in form)
            if bound > largest:
                largest, which = bound, form_class.__name__
    limit = app.config["MAX_CONTENT_LENGTH"]
    assert largest * 2 <= limit, f"{which} may send {largest:,} bytes: the limit of {limit:,} is too close"
    assert largest > 500_000  # the bound is real: a progress review holds a lot of text


def _raw_post(server, path: str, size: int, cookie: str = "") -> tuple[int, bytes]:
    """A POST announcing `size` bytes, over real HTTP; the server may answer before reading them all."""
    head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {size}\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n").encode()
    with socket.create_connection(("127.0.0.1", server.server.server_port), timeout=60) as connection:
        connection.sendall(head)
        chunk = b"a=" + b"x" * 65534
        sent = 0
        try:
            while sent < size:
                piece = chunk[: size - sent]
                connection.sendall(piece)
                sent += len(piece)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed without reading the rest: that is the point
        connection.shutdown(socket.SHUT_WR)
        reply = b""
        try:
            while data := connection.recv(65536):
                reply += data
        except ConnectionResetError:
            pass
    status = int(reply.split(b" ", 2)[1])
    return status, reply


def _counts(app) -> tuple[int, int]:
    with app.app_context():
        counts = (db.session.scalar(select(func.count()).select_from(AuditEvent)),
                  db.session.scalar(select(func.count()).select_from(Contribution)))
        db.session.remove()
    return counts


@sqlite_only
def test_a_twenty_megabyte_body_is_refused_with_413_and_nothing_written(app, client_as, create_agency, create_case):
    school = create_agency(name="Size Test School")
    teacher = client_as("senco", agency=school)
    learner = create_case(school=school)
    before = _counts(app)
    body = urlencode({"title": "Classroom view", "body": "x" * (20 * 1024 * 1024), "visibility": "team"})
    response = teacher.post(f"/learners/{learner}/contributions/new", data=body,
                            content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413
    page = text_of(response)
    assert "What you sent is too large" in page and "up to 8 MB" in page and "Nothing you sent has been saved" in page
    assert _counts(app) == before
    cookie = f"braid_session={teacher.get_cookie('braid_session').value}"
    with LiveServer(app) as server:
        for path in ("/sign-in", "/sign-in/reset", f"/learners/{learner}/contributions/new"):
            status, reply = _raw_post(server, path, 20 * 1024 * 1024, cookie)
            assert status == 413, path
            assert b"What you sent is too large" in reply
    assert _counts(app) == before


@sqlite_only
def test_options_is_answered_without_an_error(app, client, client_as, caplog):
    caplog.set_level("INFO")
    teacher = client_as("teacher")
    for path in ("/", "/sign-in", "/learners", "/cpd", "/account/two-step"):
        response = teacher.options(path)
        assert response.status_code == 200, path
        assert "GET" in response.headers["Allow"] and response.get_data() == b""
    assert client.options("/sign-in").status_code == 200  # public
    assert client.options("/learners").headers["Location"].startswith("/sign-in")  # anonymous: sign in first
    assert not [record for record in caplog.records if record.levelname in ("ERROR", "CRITICAL")]
