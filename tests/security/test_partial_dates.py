"""A hand-made POST that sends only some of a date's three parts gets the form again, never a server error."""
import pytest

from tests.fixtures.application import text_of


@pytest.mark.parametrize("role, url, data", [
    ("senco", "/learners/new", {"name": "Partial Date", "date_of_birth": "14"}),
    ("senco", "/learners/new", {"name": "No Date At All"}),
    ("admin", "/accounts/new", {"email": "partial@example.org", "access_ends_on": ["1", "2"]}),
])
def test_a_date_with_missing_parts_re_renders_the_form(client_as, role, url, data):
    response = client_as(role).post(url, data=data)
    assert response.status_code == 400
    page = text_of(response)
    assert "There is a problem" in page
    assert data.get("name", data.get("email")) in page  # what was typed is kept


def test_a_meeting_with_a_date_part_missing_re_renders_the_form(client_as, create_case, add_to_team):
    lsp = client_as("lsp")
    learner = create_case(school=lsp.account.agency_name)
    add_to_team(learner, lsp.account)
    response = lsp.post(f"/learners/{learner}/meetings/new", data={"kind": "review", "held_on": "3"})
    assert response.status_code == 400 and "There is a problem" in text_of(response)
