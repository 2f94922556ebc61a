"""Imported names and UPNs are never readable in the raw database: not while the rows wait for confirmation,
not once they are learners, not after the import has deleted its rows (SQLite file and pg_dump)."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.agencies.accounts.models import User
from app.cases.mis_import.columns import Field, recognise
from app.cases.mis_import.reading import read_table
from app.core.jobs.services import run_pending
from app.extensions import db
from tests.cases.mis_import.test_import import VENDORS, preview, sample
from tests.security.test_at_rest import _raw_bytes

pytestmark = pytest.mark.both_backends


def _secrets(vendor: str) -> set[str]:
    table = read_table(sample(vendor))
    columns = recognise(table.header)
    found = set()
    for row in table.rows:
        for field in (Field.UPN, Field.FORENAME, Field.SURNAME):
            value = row.cells[columns[field]] if field in columns else ""
            if len(value) > 3:  # short forenames ("Leo", "Mo") also occur in ordinary words
                found.add(value)
    return found


# A sealed value's envelope ("b1.<key id>.<base64>") is ciphertext: a short name such as "LEVI" turns up in its
# random base64 now and then, so envelopes are cut out before looking for plaintext.
_ENVELOPE = re.compile(rb"b1\.[A-Za-z0-9_-]+\.[A-Za-z0-9+/]+=*")


def _assert_unreadable(raw: bytes, secrets: set[str]) -> None:
    raw = _ENVELOPE.sub(b" ", raw)
    for secret in secrets:
        for form in {secret, secret.lower(), secret.upper()}:
            assert form.encode() not in raw, f"{form!r} is in the raw database"


def test_imported_names_and_upns_are_sealed_at_every_step(app, client_as, database_url):
    senco = client_as("senco")
    secrets = set().union(*(_secrets(vendor) for vendor in VENDORS))
    assert len(secrets) > 60
    details = [preview(senco, sample(vendor)) for vendor in VENDORS]
    with app.app_context():
        db.session.remove()
        db.engine.dispose()  # every page written out (SQLite's WAL included)
    raw = _raw_bytes(database_url)
    assert senco.account.public_id.encode() in raw  # the bytes are real and readable (an address is sealed now)
    _assert_unreadable(raw, secrets)  # the rows waiting in the preview

    for detail in details:
        assert senco.post(f"{detail}/confirm").status_code == 302
    with app.app_context():
        assert run_pending() == len(VENDORS)
        assert db.session.scalars(select(User)).first() is not None
        db.session.remove()
        db.engine.dispose()
    _assert_unreadable(_raw_bytes(database_url), secrets)  # learners now, and the rows deleted
