"""A member of staff who is also a parent: invited as the parent of their own child, they see that child's case
only as a parent would (the policy acts by the membership's capacity on that case, not the account's role).

Reproduced first: inviting an existing staff address as a parent was accepted, then failed when the link was
opened ("This invitation is not for this account")."""
from __future__ import annotations

import re
from datetime import date, timedelta
from urllib.parse import urlparse

import pytest
from sqlalchemy import select

from app.agencies.accounts.models import AgencyKind, Role, User
from app.cases.concerns import services as concerns
from app.cases.contributions import services as contributions
from app.cases.learners.models import Learner
from app.cases.team.models import TeamMembership
from app.extensions import db
from tests.fixtures.application import sign_in, text_of

# Queries and claims whose behaviour can differ between the engines: PostgreSQL as well as SQLite.

SCHOOL = "Staff Parent Primary"


def _invite_parent(senco, learner: str, email: str, name: str = "Robin Ashdown"):
    return senco.post(f"/learners/{learner}/team/invite", data={
        "display_name": name, "email": email, "role": "parent", "agency": "new",
        "new_agency_name": f"The family of {email}", "new_agency_kind": "family",
        "access_ends_on": [str(d) for d in ((date.today() + timedelta(days=60)).day,
                                            (date.today() + timedelta(days=60)).month,
                                            (date.today() + timedelta(days=60)).year)]})


def _link_path(response) -> str:
    match = re.search(r'id="invitation-link"[^>]*value="([^"]+)"', response.get_data(as_text=True))
    assert match, "the page shows no invitation link"
    return urlparse(match.group(1)).path


def _write(app, learner_public_id: str, author_public_id: str, title: str, visibility: str, kind: str) -> None:
    with app.app_context():
        learner = db.session.scalars(select(Learner).where(Learner.public_id == learner_public_id)).one()
        author = db.session.scalars(select(User).where(User.public_id == author_public_id)).one()
        contributions.add_contribution(author, learner, kind=kind, visibility=visibility, title=title,
                                       body=f"<p>{title} body</p>")
        db.session.commit()


@pytest.fixture
def school(app, create_agency, create_case, client_as, create_user, add_to_team):
    name = create_agency(AgencyKind.SCHOOL, name=SCHOOL)
    senco = client_as("senco", agency=name)
    child = create_case(school=name, name="Ruby Ashdown")
    other = create_case(school=name, name="Oscar Pemberton")
    colleague = create_user("teacher", agency=name)
    add_to_team(child, colleague)
    add_to_team(other, colleague)
    _write(app, child, colleague.public_id, "Family-shared sentinel", "team_and_family", "classroom_view")
    _write(app, child, colleague.public_id, "Staff-only sentinel", "team", "classroom_view")
    _write(app, child, senco.account.public_id, "Restricted sentinel", "restricted", "learner_voice")
    return senco, child, other, name


def _joined_as_parent(app, senco, child, staff) -> None:
    """The SENCo invites the member of staff's own address as the child's parent, and they accept, signed in."""
    response = _invite_parent(senco, child, staff.account.email)
    assert response.status_code == 200
    path = _link_path(response)
    assert "Accept invitation" in text_of(staff.get(path))
    accepted = staff.post(path, data={})
    assert accepted.status_code == 302, text_of(accepted)  # on today's code: 409, "not for this account"


@pytest.mark.both_backends  # the bug, reproduced on both engines
def test_a_teacher_invited_as_the_parent_of_their_own_child_accepts_and_sees_the_case_as_a_parent(
        app, school, client_as):
    senco, child, other, name = school
    teacher = client_as("teacher", agency=name, name="Robin Ashdown")
    _joined_as_parent(app, senco, child, teacher)
    with app.app_context():
        user = db.session.scalars(select(User).where(User.public_id == teacher.account.public_id)).one()
        membership = db.session.scalars(select(TeamMembership).where(TeamMembership.user_id == user.id)).one()
        assert membership.role is Role.PARENT and user.role is Role.TEACHER and not user.restricted
    assert "Ruby Ashdown" in text_of(teacher.get(f"/learners/{child}"))
    listed = teacher.get(f"/learners/{child}/contributions")
    page = text_of(listed)
    assert "Family-shared sentinel" in page
    assert "Staff-only sentinel" not in page and "Restricted sentinel" not in page
    opened = set(re.findall(r'href="/contributions/([^"/]+)"', listed.get_data(as_text=True)))
    assert len(opened) == 1
    # A parent writes a family view there, never a classroom view; raises no concern; does not manage the team.
    form = text_of(teacher.get(f"/learners/{child}/contributions/new"))
    assert "family_view" in form and "classroom_view" not in form
    assert teacher.get(f"/learners/{child}/team/invite").status_code == 403
    # Their work as a teacher is untouched: another case they are not on stays out of sight.
    assert teacher.get(f"/learners/{other}").status_code == 404


def test_a_senco_who_is_a_parent_sees_their_own_childs_case_only_as_a_parent(app, school, client_as):
    senco, child, other, name = school
    second_senco = client_as("senco", agency=name, name="Priya Kaur")
    _joined_as_parent(app, senco, child, second_senco)
    page = text_of(second_senco.get(f"/learners/{child}/contributions"))
    assert "Family-shared sentinel" in page
    assert "Staff-only sentinel" not in page and "Restricted sentinel" not in page
    assert second_senco.get(f"/learners/{child}/team/invite").status_code == 403
    assert second_senco.get(f"/learners/{child}/edit").status_code == 403
    # Every other learner of the school is still theirs to lead, as SENCo.
    assert second_senco.get(f"/learners/{other}/team/invite").status_code == 200
    assert "Staff-only sentinel" not in text_of(second_senco.get("/learners"))


def test_a_dsl_who_is_a_parent_does_not_read_concerns_about_their_own_child(app, school, client_as, create_user):
    senco, child, other, name = school
    dsl = client_as("dsl", agency=name)
    raiser = create_user("lsp", agency=name)
    with app.app_context():
        author = db.session.scalars(select(User).where(User.public_id == raiser.public_id)).one()
        for public_id, text in ((child, "Own child concern sentinel"), (other, "Other child concern sentinel")):
            learner = db.session.scalars(select(Learner).where(Learner.public_id == public_id)).one()
            db.session.add(TeamMembership(learner_id=learner.id, user_id=author.id, role=Role.LSP))
            db.session.flush()
            concerns.record_concern(author, learner, concern=f"<p>{text}</p>")
        db.session.commit()
    before = text_of(dsl.get("/concerns"))
    assert "Own child" in before or "Ruby Ashdown" in before
    _joined_as_parent(app, senco, child, dsl)
    after = text_of(dsl.get("/concerns"))
    assert "Ruby Ashdown" not in after and "Oscar Pemberton" in after


def test_inviting_an_address_says_nothing_of_whether_it_has_an_account(app, school, create_user):
    senco, child, other, name = school
    create_user("teacher", agency=name, email="staff.parent@example.org")
    create_user("slt", email="someone.elsewhere@example.org")

    def shown(response, email: str) -> str:
        page = re.sub(r'(value|nonce)="[^"]*"', '', text_of(response))
        return page.replace(email, "EMAIL")

    pages = {shown(_invite_parent(senco, child, email, name="Sam Lee"), email)
             for email in ("staff.parent@example.org", "someone.elsewhere@example.org", "nobody.yet@example.org")}
    for page in pages:
        assert "There is a problem" not in page
    # Three invitations to one case: the pages differ by nothing but the address and the link.
    assert len(pages) == 1


def test_an_outside_account_still_cannot_take_an_invitation_in_another_role(app, school, create_user, client):
    senco, child, other, name = school
    therapist = create_user("slt", email="tam.reed@riverside.example")
    path = _link_path(_invite_parent(senco, child, therapist.email))
    response = client.post(path, data={"password": therapist.password})
    assert response.status_code == 409 and "not for this account" in text_of(response)
    assert sign_in(app.test_client(), therapist.email, therapist.password).status_code == 302


def test_the_senco_cannot_also_add_the_parent_to_their_childs_case_as_staff(app, school, client_as):
    senco, child, other, name = school
    teacher = client_as("teacher", agency=name, name="Robin Ashdown")
    assert teacher.account.public_id in senco.get(f"/learners/{child}/team").get_data(as_text=True)  # a choice now
    _joined_as_parent(app, senco, child, teacher)
    team = senco.get(f"/learners/{child}/team").get_data(as_text=True)
    assert f'value="{teacher.account.public_id}"' not in team  # not offered as staff any more
    response = senco.post(f"/learners/{child}/team/staff", data={"staff": teacher.account.public_id,
                                                                 "ends_on": ["", "", ""]})
    assert response.status_code == 400
    with app.app_context():
        user = db.session.scalars(select(User).where(User.public_id == teacher.account.public_id)).one()
        roles = db.session.scalars(select(TeamMembership.role).where(TeamMembership.user_id == user.id)).all()
        assert roles == [Role.PARENT]
    # Still a choice on every other case of the school.
    assert f'value="{teacher.account.public_id}"' in senco.get(f"/learners/{other}/team").get_data(as_text=True)


def test_a_member_of_staff_who_is_the_childs_parent_attends_but_does_not_chair(app, school, client_as):
    senco, child, other, name = school
    teacher = client_as("teacher", agency=name, name="Robin Ashdown")
    _joined_as_parent(app, senco, child, teacher)
    form = senco.get(f"/learners/{child}/meetings/new").get_data(as_text=True)
    chair = re.search(r'<select[^>]*name="chair".*?</select>', form, re.S).group(0)
    assert teacher.account.public_id not in chair  # a parent here: never the chair
    assert teacher.account.public_id in form  # but attends, like any parent on the case
