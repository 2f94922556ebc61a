"""Demo data: every demo account signs in to its own home page; loading twice changes nothing."""
import pytest
from sqlalchemy import func, select

from app.agencies.models import Agency, User
from app.demo import PEOPLE
from app.extensions import db
from app.security.keys import Keyring
from tests.fixtures.application import sign_in

HOME_MARKERS = {
    "senco": "invite the team around each child",
    "lsp": "Record joint-planning meetings",
    "teacher": "Add what you see in class",
    "dsl": "Safeguarding concerns",
    "parent": "Read your child’s support plan",
    "slt": "speech and language assessment",
    "ep": "psychological assessment",
    "admin": "Manage accounts",
}


@pytest.fixture
def demo_app(app):
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    return app


def test_demo_load_is_idempotent(demo_app):
    with demo_app.app_context():
        counts = (db.session.scalar(select(func.count(User.id))), db.session.scalar(select(func.count(Agency.id))))
        hashes = dict(db.session.execute(select(User.email, User.password_hash)).all())
    again = demo_app.test_cli_runner().invoke(args=["demo", "load"])
    assert "0 account(s) created" in again.output
    with demo_app.app_context():
        assert (db.session.scalar(select(func.count(User.id))), db.session.scalar(select(func.count(Agency.id)))) == counts
        assert dict(db.session.execute(select(User.email, User.password_hash)).all()) == hashes
    assert counts == (8, 4)
    assert "0 learner(s) registered" in again.output


@pytest.mark.parametrize("person", PEOPLE, ids=[person.email for person in PEOPLE])
def test_every_demo_account_signs_in_to_its_own_home_page(demo_app, person):
    client = demo_app.test_client()
    assert sign_in(client, person.email, "braid-demo-2026").status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert HOME_MARKERS[person.role.value] in page
    assert person.name in page


def test_demo_load_is_refused_under_production(tmp_path, monkeypatch):
    from app import create_app

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'prod.sqlite3'}")
    monkeypatch.setenv("SECRET_KEY", "p" * 48)
    monkeypatch.setenv("BRAID_FIELD_KEYS", Keyring.generate().to_json())
    app = create_app("production")
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code != 0
    assert "never loaded under the production configuration" in result.output


def test_demo_logins_are_printed(demo_app):
    output = demo_app.test_cli_runner().invoke(args=["demo", "logins"]).output
    assert "braid-demo-2026" in output
    for person in PEOPLE:
        assert person.email in output


def test_the_senco_sees_the_demo_learners_decrypted(demo_app):
    client = demo_app.test_client()
    sign_in(client, "senco@oakfield.example", "braid-demo-2026")
    page = client.get("/").get_data(as_text=True)
    for name in ("Maya Carter", "Leo Nowak", "Aisha Rahman"):
        assert name in page
