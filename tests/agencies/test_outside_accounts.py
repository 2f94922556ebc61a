"""The school's administrator sees the outside accounts on its cases (externals and parents): how many cases
each is on and when access ends, never which learners; nobody else sees the list."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.agencies.accounts.models import AgencyKind
from app.cases.learners.models import Learner
from app.cases.team.models import TeamMembership
from app.core.dates import day
from app.extensions import db
from app.types import utcnow
from tests.fixtures.application import text_of

# Queries and claims whose behaviour can differ between the engines: PostgreSQL as well as SQLite.


def _rows(response) -> dict[str, str]:
    """Each table row's text, by the name in its first cell."""
    rows = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", text_of(response), re.S):
        cells = [" ".join(re.sub(r"<[^>]+>", " ", cell).split())
                 for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        if cells:
            rows[cells[0]] = " | ".join(cells)
    return rows


@pytest.fixture
def school_with_outsiders(app, client_as, create_user, create_case, create_agency, add_to_team):
    school = create_agency(name="Oakfield Primary")
    admin = client_as("admin", agency=school)
    first = create_case(school=school, name="Zephyrine Quill")
    second = create_case(school=school, name="Ottoline Marsh")
    therapist = create_user("slt", name="Tamsin Reed", access_expires_in=timedelta(days=200))
    parent = create_user("parent", name="Dana Quill")
    add_to_team(first, therapist, days=100)
    add_to_team(second, therapist, days=150)
    add_to_team(first, parent, days=60)
    elsewhere = create_case(school=create_agency(name="Hillside Primary"))
    stranger = create_user("ep", name="Elsewhere Psychologist")
    add_to_team(elsewhere, stranger)
    return admin, first


@pytest.mark.both_backends  # the counts are one grouped query
def test_the_administrator_sees_each_outside_account_with_its_count_and_end_date_and_no_learner(
        app, school_with_outsiders):
    admin, _ = school_with_outsiders
    response = admin.get("/accounts/outside")
    assert response.status_code == 200
    rows = _rows(response)
    assert set(rows) == {"Tamsin Reed", "Dana Quill"}
    assert "Speech and language therapist" in rows["Tamsin Reed"] and "| 2 |" in rows["Tamsin Reed"]
    assert "Parent or carer" in rows["Dana Quill"] and "| 1 |" in rows["Dana Quill"]
    with app.app_context():
        ends = day(utcnow() + timedelta(days=150))  # on the school's clock: 23:30 UTC in summer is tomorrow there
    assert ends in rows["Tamsin Reed"]
    # Never the learners, and nobody from another school's cases.
    for hidden in ("Zephyrine", "Ottoline", "Elsewhere Psychologist"):
        assert hidden not in response.get_data(as_text=True)
    assert "Outside accounts" in text_of(admin.get("/accounts"))  # linked from the accounts page


def test_an_ended_membership_shows_as_ended(app, school_with_outsiders):
    admin, first = school_with_outsiders
    with app.app_context():
        learner = db.session.scalars(select(Learner).where(Learner.public_id == first)).one()
        for membership in db.session.scalars(select(TeamMembership).where(TeamMembership.learner_id == learner.id)):
            if membership.user.display_name == "Dana Quill":
                membership.ended_at = utcnow()
        db.session.commit()
    line = _rows(admin.get("/accounts/outside"))["Dana Quill"]
    assert "| 0 |" in line and "Ended" in line


@pytest.mark.parametrize("role", ["senco", "dsl", "teacher", "lsp", "slt", "ep", "parent"])
def test_nobody_else_sees_the_list(client_as, role):
    assert client_as(role).get("/accounts/outside").status_code == 403


def test_an_administrator_of_another_kind_of_agency_is_refused(client_as, create_agency):
    admin = client_as("admin", agency=create_agency(AgencyKind.NHS_SERVICE))
    assert admin.get("/accounts/outside").status_code == 403
