"""Exact-match lookup by UPN and by normalised name, through keyed blind indexes only."""
import pytest
from sqlalchemy import inspect, select

from app.agencies.accounts.models import User
from app.cases.learners import services
from app.cases.learners.models import Learner, normalise_name, normalise_upn
from app.extensions import db
from app.security.crypto import blind_index
from tests.fixtures.application import sign_in


@pytest.fixture
def app(demo_app):
    """Every test here looks learners up among the demo's (loaded once, copied per test)."""
    return demo_app


@pytest.fixture
def demo(app):
    """The demo SENCo's public id."""
    with app.app_context():
        return db.session.scalars(select(User.public_id).where(User.email.matches("senco@oakfield.example"))).one()


@pytest.mark.parametrize(
    "raw, normal",
    [("  Maya   CARTER ", "mayacarter"), ("Zoë O'Brien-Smith", "zoeobriensmith"), ("JOSÉ", "jose"),
     ("ruby ellis ward", "rubyellisward"), ("Ruby Ellis-Ward", "rubyellisward")],
)
def test_names_normalise(raw, normal):
    assert normalise_name(raw) == normal


def test_upns_normalise():
    assert normalise_upn(" c801 2000 0101 5 ") == "C801200001015"


@pytest.mark.parametrize("query", ["C801200001015", "c801200001015", "C801 2000 0101 5"])
def test_find_by_upn(app, demo, query):
    with app.app_context():
        senco = db.session.scalars(select(User).where(User.public_id == demo)).one()
        assert services.find_by_upn(senco, query).name == "Maya Carter"


@pytest.mark.parametrize(
    "query, found", [("maya carter", True), ("MAYA  Carter", True), ("mayacarter", True), ("Maya", False),
                     ("Maya Carte", False)])
def test_find_by_name_is_exact_after_normalising(app, demo, query, found):
    with app.app_context():
        senco = db.session.scalars(select(User).where(User.public_id == demo)).one()
        assert bool(services.find_by_name(senco, query)) is found


def test_index_columns_hold_keyed_hashes_not_plaintext(app, demo):
    with app.app_context():
        row = db.session.execute(select(Learner.name_index, Learner.upn_index)).first()
        assert len(row.name_index) == 32 and int(row.name_index, 16) >= 0
        plain_columns = {column["name"] for column in inspect(db.session.connection()).get_columns("learner")}
        assert not {"name", "upn", "date_of_birth", "notes"} & plain_columns
        # Keyed: the same name under another index key gives another hash.
        indexes = {r.name_index for r in db.session.execute(select(Learner.name_index))}
        assert blind_index("name", "mayacarter") in indexes


def test_search_page_posts_so_names_never_reach_a_url(app, demo, client_as):
    client = app.test_client()
    assert sign_in(client, "senco@oakfield.example", "braid-demo-2026").status_code == 302  # with the code
    page = client.get("/learners/find").get_data(as_text=True)
    assert 'method="post"' in page
    found = client.post("/learners/find", data={"query": "f801200002020"}).get_data(as_text=True)
    assert "Leo Nowak" in found and "Maya Carter" not in found


def test_other_schools_learners_are_never_found(app, demo, client_as):
    other_senco = client_as("senco")
    response = other_senco.post("/learners/find", data={"query": "Maya Carter"})
    assert "<table" not in response.get_data(as_text=True)
    assert "No learner matches" in response.get_data(as_text=True)


@pytest.mark.parametrize("role", ["lsp", "teacher", "dsl", "parent", "slt", "ep", "admin"])
def test_only_the_senco_may_search_or_register(client_as, role):
    client = client_as(role)
    assert client.get("/learners/find").status_code == 403
    assert client.post("/learners/find", data={"query": "Maya Carter"}).status_code == 403
    assert client.get("/learners/new").status_code == 403


@pytest.mark.parametrize("role", ["parent", "slt", "ep", "admin"])
def test_restricted_accounts_and_admins_never_list_learners(client_as, role):
    assert client_as(role).get("/learners").status_code == 403


@pytest.mark.parametrize("role", ["lsp", "teacher"])
def test_school_staff_list_only_the_cases_they_are_on(demo, client_as, role):
    page = client_as(role).get("/learners")
    assert page.status_code == 200
    assert "Maya Carter" not in page.get_data(as_text=True)  # a new account is on no team
