"""Lawful basis and consent: each contribution's and sharing's Article 6 basis and Article 9 condition (role defaults,
the author's choice kept), consents recorded apart from the basis, and a withdrawal that stops the sharing on it."""
from __future__ import annotations

import re
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from app.agencies.accounts.models import Agency, AgencyKind, Role, User
from app.cases.consents.models import Consent, ConsentMethod
from app.cases.contributions.models import Contribution
from app.cases.lawful_basis.bases import (
    DEFAULTS,
    SCHOOL_ARTICLE_6,
    Article6,
    Article9,
    default_for,
    shared_under,
)
from app.cases.learners.models import Learner
from app.cases.restrictions.services import restrict_processing
from app.cases.team.models import Invitation, TeamMembership
from app.extensions import db
from app.notifications.models import Notification, NotificationKind
from app.policy import Action, can
from tests.fixtures.application import confirm_through_page, text_of

SCHOOL = "Consent Test Primary"
RIVERSIDE = "Riverside Speech and Language Therapy"
EP_SERVICE = "Northgate Educational Psychology Service"


def _checked(page: str, name: str) -> str | None:
    """The value of the radio `name` that the page shows checked."""
    for tag in re.findall(r"<input[^>]*>", page):
        if f'name="{name}"' in tag and "checked" in tag:
            return re.search(r'value="([^"]*)"', tag).group(1)
    return None


def _agency(name: str) -> Agency:
    return db.session.scalars(select(Agency).where(Agency.name.matches(name))).one()


def _user(account) -> User:
    return db.session.scalars(select(User).where(User.public_id == account.public_id)).one()


def _learner(public_id: str) -> Learner:
    return db.session.scalars(select(Learner).where(Learner.public_id == public_id)).one()


@pytest.fixture
def world(app, create_agency, create_case, client_as, add_to_team):
    school = create_agency(AgencyKind.SCHOOL, name=SCHOOL)
    riverside = create_agency(AgencyKind.NHS_SERVICE, name=RIVERSIDE)
    create_agency(AgencyKind.EP_SERVICE, name=EP_SERVICE)
    learner = create_case(school=school, name="Ruby Consent")
    clients = SimpleNamespace(
        senco=client_as("senco", agency=school), dsl=client_as("dsl", agency=school),
        teacher=client_as("teacher", agency=school), slt=client_as("slt", agency=riverside),
        parent=client_as("parent"), lsp=client_as("lsp", agency=school))
    for role in ("teacher", "slt", "parent", "lsp"):
        add_to_team(learner, getattr(clients, role).account)
    with app.app_context():
        riverside_id = _agency(RIVERSIDE).public_id
    return SimpleNamespace(learner=learner, riverside=riverside_id, **vars(clients))


# --- the lists and the defaults ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "expected"), [
    (Role.TEACHER, (Article6.PUBLIC_TASK, Article9.STATUTORY_PURPOSES)),
    (Role.LSP, (Article6.PUBLIC_TASK, Article9.STATUTORY_PURPOSES)),
    (Role.SENCO, (Article6.PUBLIC_TASK, Article9.STATUTORY_PURPOSES)),
    (Role.DSL, (Article6.PUBLIC_TASK, Article9.SAFEGUARDING)),
    (Role.SLT, (Article6.PUBLIC_TASK, Article9.HEALTH_OR_SOCIAL_CARE)),
    (Role.EP, (Article6.PUBLIC_TASK, Article9.STATUTORY_PURPOSES)),
    (Role.PARENT, (Article6.PUBLIC_TASK, Article9.STATUTORY_PURPOSES)),
])
def test_each_role_has_its_default(role, expected):
    assert default_for(role) == expected


def test_legitimate_interests_is_not_offered_to_a_school_and_every_choice_is_explained():
    assert Article6.LEGITIMATE_INTERESTS not in SCHOOL_ARTICLE_6
    assert set(DEFAULTS) >= {Role.TEACHER, Role.LSP, Role.SENCO, Role.DSL, Role.SLT, Role.EP, Role.PARENT}
    for basis in [*Article6, *Article9]:
        assert basis.explanation and basis.reference.startswith("Article")
    assert shared_under(Article6.PUBLIC_TASK, Article9.STATUTORY_PURPOSES) == (
        "Public task (Article 6(1)(e)); Substantial public interest — statutory purposes (Article 9(2)(g), "
        "DPA 2018 Sch 1 para 6)")


@pytest.mark.parametrize(("role", "article9"), [("slt", "9_2_h"), ("teacher", "9_2_g_para_6")])
def test_the_form_preselects_the_role_default(world, role, article9):
    page = getattr(world, role).get(f"/learners/{world.learner}/contributions/new").get_data(as_text=True)
    assert _checked(page, "article6") == "6_1_e"
    assert _checked(page, "article9") == article9
    assert 'value="6_1_f"' not in page  # legitimate interests is left out for schools
    assert "Children and Families Act 2014" in page  # the plain-English hint


def _contribution(client, learner, **changes):
    data = {"kind": "classroom_view", "visibility": "team", "title": "Reading", "body": "Reads well with a ruler.",
            "article6": "6_1_c", "article9": "9_2_g_para_6"}
    data.update(changes)
    return client.post(f"/learners/{learner}/contributions/new", data=data)


def test_the_chosen_basis_is_saved_and_shown_on_the_contribution(app, world):
    response = _contribution(world.teacher, world.learner)
    assert response.status_code == 302
    with app.app_context():
        contribution = db.session.scalars(select(Contribution)).one()
        assert (contribution.lawful_basis, contribution.special_category_condition) == (
            Article6.LEGAL_OBLIGATION, Article9.STATUTORY_PURPOSES)
        assert not contribution.lawful_basis_assumed
    page = text_of(world.teacher.get(response.headers["Location"]))
    assert "Legal obligation (Article 6(1)(c))" in page and "assumed at upgrade" not in page


def test_the_form_keeps_the_choice_on_error(app, world):
    response = _contribution(world.teacher, world.learner, title="", article6="6_1_d", article9="9_2_c")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert _checked(page, "article6") == "6_1_d" and _checked(page, "article9") == "9_2_c"
    with app.app_context():
        assert db.session.scalar(select(Contribution.id)) is None


@pytest.mark.parametrize(("field", "value", "message"), [
    ("article6", "6_1_f", "Legitimate interests is not available to a school"),
    ("article6", "6_1_z", "Choose the lawful basis (Article 6)"),
    ("article9", "9_2_j", "Choose the condition for special category data (Article 9)"),
])
def test_bad_values_are_refused(app, world, field, value, message):
    response = _contribution(world.teacher, world.learner, **{field: value})
    assert response.status_code == 400
    assert message in text_of(response)
    with app.app_context():
        assert db.session.scalar(select(Contribution.id)) is None


def test_a_form_without_a_basis_takes_the_role_default(app, world):
    response = _contribution(world.slt, world.learner, kind="slt_assessment", article6="", article9="")
    assert response.status_code == 302
    with app.app_context():
        contribution = db.session.scalars(select(Contribution)).one()
        assert (contribution.lawful_basis, contribution.special_category_condition) == (
            Article6.PUBLIC_TASK, Article9.HEALTH_OR_SOCIAL_CARE)


# --- consent and sharing -----------------------------------------------------------------------------------------


def _invite(client, learner, agency, **changes):
    ends = date.today() + timedelta(days=60)
    data = {"display_name": "Megan Test", "email": "megan.consent@riverside.example", "role": "slt",
            "agency": agency, "new_agency_name": "", "new_agency_kind": "",
            "access_ends_on": [str(ends.day), str(ends.month), str(ends.year)],
            "article6": "6_1_a", "article9": "9_2_a"}
    data.update(changes)
    return client.post(f"/learners/{learner}/team/invite", data=data)


def _record_consent(client, learner, riverside, **changes):
    today = date.today()
    data = {"purpose": "sharing", "agency": riverside, "recipient_name": "", "given_by_name": "Grace Ellis",
            "giver_relationship": "Mother", "given_on": [str(today.day), str(today.month), str(today.year)],
            "method": "in_writing"}
    data.update(changes)
    return client.post(f"/learners/{learner}/consents/new", data=data)


def test_a_sharing_on_consent_needs_a_live_consent_for_that_agency(app, world):
    refused = _invite(world.senco, world.learner, world.riverside)
    assert refused.status_code == 400
    assert "There is no consent recorded to share this case with" in text_of(refused)
    with app.app_context():
        assert db.session.scalar(select(Invitation.id)) is None

    assert _record_consent(world.senco, world.learner, world.riverside).status_code == 302
    assert _invite(world.senco, world.learner, world.riverside).status_code == 200
    with app.app_context():
        invitation = db.session.scalars(select(Invitation)).one()
        consent = db.session.scalars(select(Consent)).one()
        assert invitation.consent_id == consent.id and invitation.lawful_basis is Article6.CONSENT
        assert consent.given_by_name == "Grace Ellis" and consent.method is ConsentMethod.IN_WRITING
    page = text_of(world.senco.get(f"/learners/{world.learner}/consents"))
    assert "Grace Ellis (Mother)" in page and "Shared under: Consent (Article 6(1)(a)); Explicit consent" in page


def test_a_sharing_on_public_task_needs_no_consent_and_shows_its_basis(app, world):
    response = _invite(world.senco, world.learner, world.riverside, article6="6_1_e", article9="role_default")
    assert response.status_code == 200
    with app.app_context():
        invitation = db.session.scalars(select(Invitation)).one()
        assert (invitation.lawful_basis, invitation.special_category_condition, invitation.consent_id) == (
            Article6.PUBLIC_TASK, Article9.HEALTH_OR_SOCIAL_CARE, None)
    assert "Shared under: Public task (Article 6(1)(e)); Health or social care" in text_of(
        world.senco.get(f"/learners/{world.learner}/team"))


def _share_on_consent(app, world) -> SimpleNamespace:
    """The SLT on the team on a recorded consent, and an open invitation to an EP on another consent."""
    assert _record_consent(world.senco, world.learner, world.riverside).status_code == 302
    with app.app_context():
        consent = db.session.scalars(select(Consent)).one()
        slt = _user(world.slt.account)
        membership = db.session.scalars(select(TeamMembership).where(TeamMembership.user_id == slt.id)).one()
        membership.lawful_basis, membership.special_category_condition = Article6.CONSENT, Article9.EXPLICIT_CONSENT
        membership.consent_id = consent.id
        db.session.commit()
        found = SimpleNamespace(id=consent.id, public_id=consent.public_id)
    assert _invite(world.senco, world.learner, world.riverside, email="second.slt@riverside.example").status_code \
        == 200
    return found


def test_withdrawing_consent_ends_the_sharing_on_it_and_tells_the_team(app, world):
    consent = _share_on_consent(app, world)
    case = f"/learners/{world.learner}/team"
    assert world.slt.get(case).status_code == 200
    page = world.senco.get(f"/consents/{consent.public_id}/withdraw")
    assert page.status_code == 200 and "leaves the team" in text_of(page)
    response = confirm_through_page(world.senco, f"/consents/{consent.public_id}/withdraw",
                                    method="verbally_at_meeting", reason="Mum would rather talk to the therapist")
    assert response.status_code == 302
    gone = world.slt.get(case)
    # No access any more: this was their only case, so their account's access ended with it (signed out).
    assert gone.status_code in (403, 404) or (gone.status_code == 302 and "/sign-in" in gone.headers["Location"])
    with app.app_context():
        consent = db.session.get(Consent, consent.id)
        assert consent.withdrawn_at is not None and consent.withdrawal_method is ConsentMethod.VERBALLY_AT_MEETING
        membership = db.session.scalars(select(TeamMembership).where(TeamMembership.consent_id == consent.id)).one()
        assert membership.ended_at is not None and membership.end_reason == "Consent withdrawn"
        assert all(invitation.revoked_at is not None for invitation in db.session.scalars(select(Invitation)))
        told = {notification.recipient_id for notification in db.session.scalars(select(Notification).where(
            Notification.kind == NotificationKind.CONSENT_WITHDRAWN))}
        for role in ("slt", "dsl", "teacher", "lsp", "parent"):
            assert _user(getattr(world, role).account).id in told, role
        assert _user(world.senco.account).id not in told  # nobody is told of what they did themselves
    assert "Withdrawn" in text_of(world.senco.get(f"/learners/{world.learner}/consents"))


def test_consent_is_withdrawn_even_while_the_record_is_restricted(app, world):
    """Article 7(3): withdrawing is as easy as giving, and it only stops sharing, so a restriction of processing
    (which refuses every other change) does not stand in its way."""
    consent = _share_on_consent(app, world)
    with app.app_context():
        restrict_processing(_user(world.senco.account), _learner(world.learner), "The father contests the record")
        db.session.commit()
    response = confirm_through_page(world.senco, f"/consents/{consent.public_id}/withdraw",
                                    method="in_writing", reason="Letter from the mother")
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Consent, consent.id).withdrawn_at is not None
        membership = db.session.scalars(select(TeamMembership).where(TeamMembership.consent_id == consent.id)).one()
        assert membership.ended_at is not None
        # Recording a new consent is a change: refused while restricted.
    assert _record_consent(world.senco, world.learner, world.riverside).status_code in (403, 404)


def test_a_withdrawal_without_the_confirmation_page_changes_nothing(app, world):
    consent = _share_on_consent(app, world)
    assert world.senco.post(f"/consents/{consent.public_id}/withdraw", data={"method": "in_writing"}).status_code \
        == 400
    with app.app_context():
        assert db.session.get(Consent, consent.id).withdrawn_at is None
    assert world.slt.get(f"/learners/{world.learner}/team").status_code == 200


def test_a_parent_gives_and_withdraws_their_own_consent_through_braid(app, world):
    response = world.parent.post(f"/learners/{world.learner}/consents/new",
                                 data={"purpose": "referral", "agency": world.riverside})
    assert response.status_code == 302
    with app.app_context():
        consent = db.session.scalars(select(Consent)).one()
        assert consent.given_by_id == _user(world.parent.account).id
        assert consent.method is ConsentMethod.THROUGH_BRAID and consent.given_on == date.today()
        consent = SimpleNamespace(id=consent.id, public_id=consent.public_id)
    response = confirm_through_page(world.parent, f"/consents/{consent.public_id}/withdraw")
    assert response.status_code == 302
    with app.app_context():
        consent = db.session.get(Consent, consent.id)
        assert consent.withdrawn_at is not None and consent.withdrawal_method is ConsentMethod.THROUGH_BRAID


def test_who_may_record_and_withdraw(app, world):
    assert _record_consent(world.senco, world.learner, world.riverside).status_code == 302
    with app.app_context():
        consent = db.session.scalars(select(Consent)).one()
        consent_id = consent.public_id
        learner = _learner(world.learner)
        users = {role: _user(getattr(world, role).account) for role in ("senco", "dsl", "teacher", "slt", "parent",
                                                                        "lsp")}
        assert {role for role, user in users.items() if can(user, Action.VIEW_CONSENTS, learner)} == {
            "senco", "dsl", "parent"}
        assert {role for role, user in users.items() if can(user, Action.RECORD_CONSENT, learner)} == {
            "senco", "parent"}
        # The parent withdraws only a consent they gave themselves; this one the SENCo recorded from a letter.
        assert {role for role, user in users.items() if can(user, Action.WITHDRAW_CONSENT, consent)} == {"senco"}
        db.session.rollback()
    for role in ("teacher", "slt", "lsp"):
        assert getattr(world, role).get(f"/learners/{world.learner}/consents").status_code in (403, 404), role
        assert _record_consent(getattr(world, role), world.learner, world.riverside).status_code in (403, 404), role
    assert world.dsl.get(f"/learners/{world.learner}/consents").status_code == 200
    assert _record_consent(world.dsl, world.learner, world.riverside).status_code == 403
    assert world.parent.post(f"/consents/{consent_id}/withdraw", data={"confirm": "yes"}).status_code == 403
    with app.app_context():
        assert db.session.scalars(select(Consent)).one().withdrawn_at is None
        assert db.session.scalar(select(db.func.count(Consent.id))) == 1


def test_a_bad_consent_form_records_nothing(app, world):
    for changes, message in (({"agency": "", "recipient_name": ""}, "Choose the outside agency"),
                             ({"given_by_name": ""}, "Enter the name of the person who gave consent"),
                             ({"method": "through_braid"}, "Not a valid choice"),
                             ({"given_on": ["1", "1", str(date.today().year + 1)]}, "today or in the past")):
        response = _record_consent(world.senco, world.learner, world.riverside, **changes)
        assert response.status_code == 400 and message in text_of(response), changes
    with app.app_context():
        assert db.session.scalar(select(Consent.id)) is None


def test_an_invitation_with_a_bad_basis_is_refused_keeping_the_choice(app, world):
    response = _invite(world.senco, world.learner, world.riverside, article6="6_1_f", article9="9_2_h")
    assert response.status_code == 400
    assert "Legitimate interests is not available to a school" in text_of(response)
    assert _checked(response.get_data(as_text=True), "article9") == "9_2_h"
    with app.app_context():
        assert db.session.scalar(select(Invitation.id)) is None


def test_the_invitation_form_preselects_public_task_and_the_roles_usual_condition(world):
    page = world.senco.get(f"/learners/{world.learner}/team/invite").get_data(as_text=True)
    assert _checked(page, "article6") == "6_1_e" and _checked(page, "article9") == "role_default"
