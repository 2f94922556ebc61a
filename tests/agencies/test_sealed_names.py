"""People's names and addresses and agencies' names are sealed: found through blind indexes, unique whatever the
case, sorted by name once opened, and never compared in SQL by mistake."""
import re

import pytest
from sqlalchemy import event, select
from sqlalchemy.exc import IntegrityError

from app.agencies.accounts import services
from app.agencies.accounts.models import Agency, AgencyKind, Role, User, agencies_by_name, people_by_name
from app.agencies.trail import actors
from app.extensions import db
from app.security.crypto import blind_index
from tests.fixtures.application import sign_in

# The unique blind indexes are constraints of the database: PostgreSQL as well as SQLite.
pytestmark = pytest.mark.both_backends


def test_an_account_is_found_by_its_address_in_any_case_and_spacing(app, create_user):
    account = create_user("teacher", email="robin.ashdown@school.example")
    client = app.test_client()
    assert sign_in(client, "  Robin.ASHDOWN@School.example ", account.password).status_code == 302
    with app.app_context():
        found = db.session.scalars(select(User).where(User.email.matches("ROBIN.ashdown@school.example"))).one()
        assert found.public_id == account.public_id
        # The index is the keyed hash of the trimmed, lower-cased address; the address itself is sealed.
        assert found.email_index == blind_index("email", "robin.ashdown@school.example")
        assert "robin" not in found.email_sealed.lower()


def test_two_accounts_never_share_an_address_whatever_its_case(app, create_user):
    account = create_user("teacher", email="sam.okoro@school.example")
    with app.app_context():
        agency = db.session.scalars(select(User).where(User.public_id == account.public_id)).one().agency
        # The service refuses it with a clear message...
        with pytest.raises(services.AccountError, match="already exists"):
            services.create_account(None, agency=agency, email="Sam.Okoro@School.example", display_name="Sam Two",
                                    role=Role.TEACHER, password="copper-kettle-meadow-91")
        db.session.rollback()
        # ...and the database itself, past the service, by the unique blind index.
        db.session.add(User(email="SAM.OKORO@school.example".lower(), display_name="Sam Three", role=Role.TEACHER,
                            agency_id=agency.id, password_hash="x"))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_an_agency_is_found_or_made_once_whatever_the_case_and_spacing_of_its_name(app):
    with app.app_context():
        family = services.find_or_create_agency("The Ashworth family", AgencyKind.FAMILY)
        again = services.find_or_create_agency("  the ASHWORTH   Family ", None)
        assert again.id == family.id and again.name == "The Ashworth family"
        with pytest.raises(services.AccountError, match="no agency called"):
            services.find_or_create_agency("The Ashworth family (other)", None)
        db.session.add(Agency(name="THE ashworth FAMILY", kind=AgencyKind.FAMILY))
        with pytest.raises(IntegrityError):
            db.session.flush()  # one agency per name: the unique index stands for it
        db.session.rollback()


def test_the_administrators_list_is_in_name_order_with_ties_by_account(app, client_as, create_user):
    admin = client_as("admin", name="Zed Admin")
    agency = admin.account.agency_name
    for name in ("bea Lund", "Abe Moss", "Bea Lund", "Ada Quinn"):
        create_user("teacher", agency=agency, name=name)
    table = admin.get("/accounts").get_data(as_text=True).split("<tbody", 1)[1]  # the list, not the account bar
    listed = re.findall(r"(Abe Moss|Ada Quinn|bea Lund|Bea Lund|Zed Admin)", table)
    assert listed == ["Abe Moss", "Ada Quinn", "Bea Lund", "bea Lund", "Zed Admin"]


def test_sorting_by_name_opens_each_name_once_and_breaks_ties_by_id(app):
    with app.app_context():
        school = Agency(name="Sorting School", kind=AgencyKind.SCHOOL)
        people = [User(email=f"p{n}@sort.example", display_name=name, role=Role.TEACHER, agency=school,
                       password_hash="x") for n, name in enumerate(["ava", "Ava", "Émile", "ava"])]
        db.session.add_all(people)
        db.session.flush()
        ordered = people_by_name(reversed(people))
        assert [person.display_name for person in ordered] == ["Ava", "ava", "ava", "Émile"]
        twins = [person.id for person in ordered if person.display_name == "ava"]
        assert twins == sorted(twins)
        agencies = [Agency(name=name, kind=AgencyKind.FAMILY) for name in ("The b family", "The A family")]
        db.session.add_all(agencies)
        db.session.flush()
        assert [agency.name for agency in agencies_by_name(agencies)] == ["The A family", "The b family"]
        db.session.rollback()


def test_a_sealed_field_compared_in_sql_is_refused_rather_than_finding_nothing(app):
    with app.app_context():
        with pytest.raises(TypeError, match="sealed"):
            select(User).where(User.email == "someone@school.example")
        with pytest.raises(TypeError, match="sealed"):
            select(Agency).filter_by(name="The Carter family")
        with pytest.raises(TypeError, match="no blind index"):
            User.display_name.matches("Jo Carter")


def test_the_trails_names_are_one_query_and_one_opening_each(app, create_user):
    """The DSL's review and export name each actor and their agency from one query, opened here (no row queries)."""
    people = [create_user("teacher", name=f"Actor {n}") for n in range(4)]
    with app.app_context():
        ids = [db.session.scalars(select(User.id).where(User.public_id == person.public_id)).one() for person in people]
        statements = []
        listen = lambda *args: statements.append(args[2])  # noqa: E731 - (conn, cursor, statement, ...)
        event.listen(db.engine, "before_cursor_execute", listen)
        try:
            named = actors(ids, db.session.execute)
        finally:
            event.remove(db.engine, "before_cursor_execute", listen)
        assert sorted(name for _, name, *_ in named.values()) == ["Actor 0", "Actor 1", "Actor 2", "Actor 3"]
        assert {agency for _, _, agency, *_ in named.values()} == {"Home of teacher"}
        assert len(statements) == 1, statements
