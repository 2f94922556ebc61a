"""Scope statements built once per shape of user (app.policy.bound): the same statement, run for each user, still
answers for that user alone and for this moment, and the stand-in has nothing a scope could read without saying so."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.agencies.accounts.models import Role
from app.cases.team.models import TeamMembership
from app.extensions import db
from app.policy.bound import BoundUser, Shape, bound_statement
from app.types import utcnow
from tests.fixtures.application import sign_in, text_of

pytestmark = pytest.mark.both_backends


def test_two_teachers_of_one_shape_each_see_only_their_own_cases(app, create_agency, create_user, create_case,
                                                                 add_to_team):
    school = create_agency(name="Shape Primary")
    first, second = create_user(Role.TEACHER, agency=school), create_user(Role.TEACHER, agency=school)
    add_to_team(create_case(school=school, name="Ada Firstcase"), first)
    add_to_team(create_case(school=school, name="Ben Secondcase"), second)
    pages = {}
    for account in (first, second, first):  # the second and third requests reuse the statements built by the first
        client = app.test_client()
        assert sign_in(client, account.email, account.password).status_code == 302
        pages.setdefault(account.public_id, []).append(text_of(client.get("/")))
    for page in pages[first.public_id]:
        assert "Ada Firstcase" in page and "Ben Secondcase" not in page
    assert "Ben Secondcase" in pages[second.public_id][0] and "Ada Firstcase" not in pages[second.public_id][0]


def test_a_membership_that_ends_leaves_the_home_page_at_the_next_request(app, create_agency, create_user,
                                                                           create_case, add_to_team):
    school = create_agency(name="Clock Primary")
    teacher = create_user(Role.TEACHER, agency=school)
    membership = add_to_team(create_case(school=school, name="Cara Clockcase"), teacher)
    client = app.test_client()
    assert sign_in(client, teacher.email, teacher.password).status_code == 302
    assert "Cara Clockcase" in text_of(client.get("/"))  # the statement is built, with the clock a parameter
    with app.app_context():
        row = db.session.scalars(select(TeamMembership).where(TeamMembership.public_id == membership)).one()
        row.ends_at = utcnow()  # after the first request's clock: a statement that kept that clock would still list it
        db.session.commit()
    assert "Cara Clockcase" not in text_of(client.get("/"))


def test_shapes_get_statements_of_their_own_and_the_stand_in_refuses_anything_else():
    teacher = Shape(Role.TEACHER, restricted=False, signed_in=True, expired=False)
    invited = Shape(Role.TEACHER, restricted=True, signed_in=True, expired=False)
    built = []

    class Someone:
        def __init__(self, shape):
            self.role, self.restricted, self.is_authenticated, self.is_active = shape.role, shape.restricted, True, True
            self.id, self.agency_id = 1, 1

        def access_has_expired(self):
            return False

    def build(user):
        built.append(user.restricted)
        return object()

    assert bound_statement("test.shapes", Someone(teacher), build) is bound_statement("test.shapes", Someone(teacher),
                                                                                      build)
    assert bound_statement("test.shapes", Someone(invited), build) is not bound_statement("test.shapes",
                                                                                          Someone(teacher), build)
    assert built == [False, True]
    with pytest.raises(AttributeError):
        BoundUser(teacher).line_manager_id  # noqa: B018 (a scope reading more than the shape must fail, not share)
