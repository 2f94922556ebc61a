"""The team around the child: staff added by the SENCo, invitations for externals and parents, and their end."""
from __future__ import annotations

import hashlib
import logging
import re
from datetime import date, timedelta
from types import SimpleNamespace
from urllib.parse import urlparse

import pyotp
import pytest
from sqlalchemy import func, select, text

from app.agencies.accounts.models import Agency, AgencyKind, Role, User
from app.cases.learners.models import Learner
from app.cases.team.models import Invitation, TeamMembership
from app.core.jobs.models import JobRun, JobStatus
from app.core.jobs.services import run_pending
from app.core.mail.models import OutboxMessage
from app.extensions import db
from app.types import utcnow
from tests.fixtures.accounts import PASSWORD
from tests.fixtures.application import confirm_through_page, enter_second_step_code, sign_in, text_of

SCHOOL = "Team Test Primary School"
RIVERSIDE = "Riverside Children's Speech and Language Therapy"
NEW_PASSWORD = "copper-kettle-meadow-91"


def _day_fields(day: date) -> list[str]:
    return [str(day.day), str(day.month), str(day.year)]


def _agency_public_id(app, name):
    with app.app_context():
        # Agencies' names are sealed: found through their blind index.
        return db.session.scalars(select(Agency).where(Agency.name.matches(name))).one().public_id


def _learner(app, public_id: str) -> Learner:
    return db.session.scalars(select(Learner).where(Learner.public_id == public_id)).one()


@pytest.fixture
def world(app, create_agency, create_case, client_as):
    school = create_agency(AgencyKind.SCHOOL, name=SCHOOL)
    create_agency(AgencyKind.NHS_SERVICE, name=RIVERSIDE)
    senco = client_as("senco", agency=school)
    learner = create_case(school=school, name="Ruby Invited")
    other = create_case(school=school, name="Oscar Elsewhere")
    return SimpleNamespace(
        school=school, senco=senco, learner=learner, other=other,
        riverside=_agency_public_id(app, RIVERSIDE),
    )


def _invite(client, learner: str, agency: str, **changes):
    data = {
        "display_name": "Megan Test",
        "email": "megan.test@riverside.example",
        "role": "slt",
        "agency": agency,
        "new_agency_name": "",
        "new_agency_kind": "",
        "access_ends_on": _day_fields(date.today() + timedelta(days=60)),
    }
    data.update(changes)
    return client.post(f"/learners/{learner}/team/invite", data=data)


def _link_from(response) -> str:
    match = re.search(r'id="invitation-link"[^>]*value="([^"]+)"', response.get_data(as_text=True))
    assert match, "the page shows no invitation link"
    return match.group(1)


def _token_of(link: str) -> str:
    return urlparse(link).path.rsplit("/", 1)[1]


def _accept_as_new(client, link: str, **changes):
    data = {"display_name": "Megan Test", "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD}
    data.update(changes)
    return client.post(urlparse(link).path, data=data)


def _set_up_two_step(client, then: str) -> None:
    """A new SLT's first sign-in ends with an authenticator (their role requires it): read the key from
    the set-up page, confirm with pyotp's code, and check the recovery codes page leads on to `then`."""
    assert client.get("/").status_code == 302  # not signed in before the second step
    page = text_of(client.get("/sign-in/set-up"))
    secret = re.search(r'id="secret-key">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    done = client.post("/sign-in/set-up", data={"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200 and "Save your recovery codes" in text_of(done)
    assert f'href="{then}"' in done.get_data(as_text=True)


def _counts(app) -> tuple:
    """A checksum of everything team management can change."""
    with app.app_context():
        rows = []
        for model in (TeamMembership, Invitation, Agency, User, OutboxMessage):
            rows.append(db.session.scalar(select(func.count()).select_from(model)))
        rows.append(tuple(db.session.execute(
            select(TeamMembership.public_id, TeamMembership.ended_at, TeamMembership.ends_at, TeamMembership.role)
            .order_by(TeamMembership.id)).all()))
        rows.append(tuple(db.session.execute(
            select(Invitation.public_id, Invitation.revoked_at, Invitation.accepted_at).order_by(Invitation.id)).all()))
        rows.append(tuple(db.session.execute(select(User.public_id, User.access_expires_at).order_by(User.id)).all()))
        return tuple(rows)


# --- inviting and accepting ------------------------------------------------------------------


def test_invitation_is_sealed_at_rest_and_its_token_never_reaches_logs_or_redirects(app, world, client, caplog):
    caplog.set_level(logging.DEBUG)
    response = _invite(world.senco, world.learner, world.riverside)
    assert response.status_code == 200 and "Location" not in response.headers
    link = _link_from(response)
    token = _token_of(link)
    assert len(token) >= 40 and link.endswith(f"/invitations/accept/{token}")

    with app.app_context():
        invitation = db.session.scalars(select(Invitation)).one()
        assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert invitation.role is Role.SLT and invitation.agency.name == RIVERSIDE
        assert timedelta(days=6, hours=23) < invitation.expires_at - utcnow() <= timedelta(days=7)
        message = db.session.scalars(select(OutboxMessage)).one()
        assert message.recipient == "megan.test@riverside.example" and link in message.body
        assert message.sent_at is None  # no MAIL_SERVER in the tests
        for table in ("outbox_message", "invitation"):
            for row in db.session.execute(text(f"SELECT * FROM {table}")).all():
                raw = " ".join(str(value) for value in row)
                assert token not in raw and "/invitations/accept" not in raw

    # The link is in that one response only: not on the team page, not in the session cookie.
    team_page = world.senco.get(f"/learners/{world.learner}/team")
    assert "Megan Test" in text_of(team_page) and token not in team_page.get_data(as_text=True)
    cookie = world.senco.get_cookie("braid_session")
    assert cookie is None or token not in cookie.value

    responses = [client.get(urlparse(link).path), _accept_as_new(client, link)]
    responses.append(client.get(responses[-1].headers["Location"]))
    for response in responses:
        assert token not in response.headers.get("Location", "")
    assert responses[1].status_code == 302
    assert token not in caplog.text


def test_new_account_is_restricted_in_the_invited_agency_and_sees_only_that_case(app, world, client):
    link = _link_from(_invite(world.senco, world.learner, world.riverside))
    page = client.get(urlparse(link).path)
    assert page.status_code == 200
    assert 'value="Megan Test"' in page.get_data(as_text=True)  # the name is prefilled
    assert "megan.test@riverside.example" in text_of(page)

    response = _accept_as_new(client, link)
    assert response.status_code == 302
    assert urlparse(response.headers["Location"]).path == "/sign-in/set-up"
    _set_up_two_step(client, f"/learners/{world.learner}")
    with app.app_context():
        user = db.session.scalars(select(User).where(User.email.matches("megan.test@riverside.example"))).one()
        membership = db.session.scalars(select(TeamMembership).where(TeamMembership.user_id == user.id)).one()
        invitation = db.session.scalars(select(Invitation)).one()
        assert user.restricted and user.role is Role.SLT and user.agency.name == RIVERSIDE
        assert user.display_name == "Megan Test" and not user.must_change_password
        assert membership.role is Role.SLT and membership.learner.public_id == world.learner
        assert membership.ends_at == invitation.access_ends_at == user.access_expires_at
        assert invitation.accepted_at is not None and invitation.accepted_by_id == user.id

    case = client.get(f"/learners/{world.learner}")
    assert case.status_code == 200 and "Ruby Invited" in text_of(case)
    other = client.get(f"/learners/{world.other}")
    assert other.status_code == 404 and "Oscar Elsewhere" not in text_of(other)
    assert client.get(f"/learners/{world.other}/team").status_code == 404
    team = client.get(f"/learners/{world.learner}/team")
    assert team.status_code == 200 and "Megan Test" in text_of(team)
    assert "Revoke" not in text_of(team) and "Add to team" not in text_of(team)


@pytest.mark.parametrize("changes, message", [
    ({"confirm_password": "something-else-entirely"}, "The passwords do not match"),
    ({"new_password": "short", "confirm_password": "short"}, "12 characters or more"),
    ({"display_name": ""}, "Enter your full name"),
])
def test_a_bad_new_account_form_creates_nothing(app, world, client, changes, message):
    link = _link_from(_invite(world.senco, world.learner, world.riverside))
    before = _counts(app)
    response = _accept_as_new(client, link, **changes)
    assert response.status_code == 400 and message in text_of(response)
    assert _counts(app) == before


def test_existing_account_accepts_with_its_password(app, world, client, create_user):
    account = create_user("slt", agency=RIVERSIDE, email="megan.test@riverside.example")
    link = _link_from(_invite(world.senco, world.learner, world.riverside))
    path = urlparse(link).path
    page = text_of(client.get(path))
    assert "already have a Braid account" in page and "Create a password" not in page

    before = _counts(app)
    wrong = client.post(path, data={"password": "not-the-password-at-all"})
    assert wrong.status_code == 400 and "Your password is not right" in text_of(wrong)
    assert _counts(app) == before
    assert client.get(f"/learners/{world.learner}").status_code == 302  # still signed out

    right = client.post(path, data={"password": account.password})
    assert right.status_code == 302 and urlparse(right.headers["Location"]).path == "/sign-in/code"
    assert client.get(f"/learners/{world.learner}").status_code == 302  # the code comes first
    coded = enter_second_step_code(client, account.email)
    assert coded.status_code == 302 and urlparse(coded.headers["Location"]).path == f"/learners/{world.learner}"
    assert client.get(f"/learners/{world.learner}").status_code == 200
    with app.app_context():
        user = db.session.scalars(select(User).where(User.public_id == account.public_id)).one()
        membership = db.session.scalars(select(TeamMembership).where(TeamMembership.user_id == user.id)).one()
        assert user.access_expires_at == membership.ends_at
        assert db.session.scalar(select(func.count()).select_from(User).where(User.email.matches(account.email))) == 1


def test_password_acceptance_is_rate_limited_per_link(app, world, client, create_user):
    account = create_user("slt", agency=RIVERSIDE, email="megan.test@riverside.example")
    path = urlparse(_link_from(_invite(world.senco, world.learner, world.riverside))).path
    # RATELIMIT_INVITATION_ACCOUNT: 10 failed attempts per link in 15 minutes.
    statuses = [client.post(path, data={"password": f"wrong-password-{n}"}).status_code for n in range(10)]
    assert statuses == [400] * 10
    limited = client.post(path, data={"password": account.password})
    assert limited.status_code == 429 and "Too many attempts" in text_of(limited)
    with app.app_context():
        assert db.session.scalars(select(Invitation)).one().accepted_at is None
        assert db.session.scalar(select(func.count()).select_from(TeamMembership)) == 0


def test_signed_in_invitee_accepts_with_one_button(app, world, create_user, client_as):
    invitee = client_as("ep", email="alan.test@county-eps.example")
    agency = _agency_public_id(app, invitee.account.agency_name)
    link = _link_from(_invite(world.senco, world.learner, agency, role="ep", email="Alan.Test@county-eps.example"))
    path = urlparse(link).path
    assert "Accept invitation" in text_of(invitee.get(path))
    response = invitee.post(path, data={})
    assert response.status_code == 302
    assert invitee.get(f"/learners/{world.learner}").status_code == 200


def test_a_link_works_once(app, world, client):
    link = _link_from(_invite(world.senco, world.learner, world.riverside))
    assert _accept_as_new(client, link).status_code == 302
    before = _counts(app)
    second = app.test_client()
    for response in (second.get(urlparse(link).path), _accept_as_new(second, link, display_name="Someone Else")):
        assert response.status_code == 410 and "already been used" in text_of(response)
    assert client.get(urlparse(link).path).status_code == 410  # also for the person who used it
    assert _counts(app) == before


def test_expired_revoked_and_unknown_links_are_refused(app, world, client):
    expired = _link_from(_invite(world.senco, world.learner, world.riverside))
    with app.app_context():
        invitation = db.session.scalars(select(Invitation)).one()
        invitation.expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    before = _counts(app)
    for response in (client.get(urlparse(expired).path), _accept_as_new(client, expired)):
        assert response.status_code == 410 and "expired" in text_of(response)
    assert _counts(app) == before

    revoked = _link_from(_invite(world.senco, world.learner, world.riverside, email="second@riverside.example"))
    with app.app_context():
        second = select(Invitation).where(Invitation.email.matches("second@riverside.example"))
        public_id = db.session.scalars(second).one().public_id
    assert world.senco.post(f"/invitations/{public_id}/revoke", data={"confirm": "yes"}).status_code == 302
    before = _counts(app)
    for response in (client.get(urlparse(revoked).path), _accept_as_new(client, revoked)):
        assert response.status_code == 410 and "withdrawn" in text_of(response)
    assert _counts(app) == before

    for path in ("/invitations/accept/" + "A" * 43, "/invitations/accept/" + "x" * 500):
        response = client.get(path)
        assert response.status_code == 404 and "not valid" in text_of(response)
        assert client.post(path, data={"display_name": "X", "new_password": NEW_PASSWORD,
                                       "confirm_password": NEW_PASSWORD}).status_code == 404
    assert _counts(app) == before


def test_someone_else_signed_in_is_refused_and_nothing_changes(app, world, client_as):
    link = _link_from(_invite(world.senco, world.learner, world.riverside))
    path = urlparse(link).path
    for stranger in (client_as("teacher", agency=world.school), client_as("slt", agency=RIVERSIDE), world.senco):
        before = _counts(app)
        for response in (stranger.get(path), stranger.post(path, data={}),
                         _accept_as_new(stranger, link), stranger.post(path, data={"password": PASSWORD})):
            assert response.status_code == 403 and "for another person" in text_of(response)
        assert _counts(app) == before
        assert stranger.get(f"/learners/{world.learner}").status_code in (403, 404) or stranger is world.senco


def test_an_account_of_another_role_cannot_take_the_invitation(app, world, create_user, client):
    # The invited address belongs to a school teacher: joining as an SLT would give them a case elsewhere.
    teacher = create_user("teacher", agency=world.school, email="megan.test@riverside.example")
    path = urlparse(_link_from(_invite(world.senco, world.learner, world.riverside))).path
    before = _counts(app)
    response = client.post(path, data={"password": teacher.password})
    assert response.status_code == 409 and "your account is for a class teacher" in text_of(response)
    assert _counts(app) == before


def test_extra_fields_on_accept_are_ignored(app, world, client):
    link = _link_from(_invite(world.senco, world.learner, world.riverside))
    with app.app_context():
        other_id = _learner(app, world.other).id
        school = db.session.scalars(select(Agency).where(Agency.name.matches(SCHOOL))).one().public_id
    response = _accept_as_new(client, link, role="senco", agency=school, agency_id="1", learner_id=str(other_id),
                              email="someone.else@example.org", restricted="0", access_ends_on=["1", "1", "2099"])
    assert response.status_code == 302
    with app.app_context():
        user = db.session.scalars(select(User).where(User.email.matches("megan.test@riverside.example"))).one()
        assert user.role is Role.SLT and user.restricted and user.agency.name == RIVERSIDE
        assert db.session.scalars(select(User).where(User.email.matches("someone.else@example.org"))).first() is None
        memberships = db.session.scalars(select(TeamMembership).where(TeamMembership.user_id == user.id)).all()
        assert [m.learner.public_id for m in memberships] == [world.learner]
        assert user.access_expires_at.year < 2099
    _set_up_two_step(client, f"/learners/{world.learner}")
    assert client.get(f"/learners/{world.other}").status_code == 404


# --- the SENCo's invitation form --------------------------------------------------------------


@pytest.mark.parametrize("changes, message", [
    ({"access_ends_on": _day_fields(date.today() + timedelta(days=400))}, "within a year"),
    ({"access_ends_on": _day_fields(date.today())}, "must be in the future"),
    ({"access_ends_on": ["", "", ""]}, "Enter the date access ends"),
    ({"role": "senco"}, "Not a valid choice"),
    ({"role": "parent"}, "A parent or carer cannot work for Riverside"),
    ({"email": "not-an-email"}, "correct format"),
    ({"agency": ""}, "Choose the person's agency"),
    ({"agency": "new", "new_agency_name": "Westshire SLT", "new_agency_kind": "family"}, "cannot work for a family"),
    ({"agency": "new", "new_agency_name": "", "new_agency_kind": "nhs_service"}, "Enter the name of the new agency"),
    ({"agency": "new", "new_agency_name": RIVERSIDE.upper(), "new_agency_kind": "nhs_service"}, "already exists"),
])
def test_bad_invitations_are_refused_keeping_what_was_typed(app, world, changes, message):
    before = _counts(app)
    changes = dict(changes)
    response = _invite(world.senco, world.learner, changes.pop("agency", world.riverside), **changes)
    assert response.status_code == 400
    page = text_of(response)
    assert "There is a problem" in page and message.lower() in page.lower()
    assert 'value="Megan Test"' in response.get_data(as_text=True)
    assert _counts(app) == before


def test_the_invited_role_reads_with_its_article_on_the_page_and_in_the_email(app, world):
    # Reproduced first: "is invited as a educational psychologist", on the page and in the email.
    response = _invite(world.senco, world.learner, "new", role="ep", new_agency_name="County EP Service",
                       new_agency_kind="ep_service", email="alan.brooks@county-eps.example")
    assert response.status_code == 200
    assert "is invited as an educational psychologist from County EP Service" in text_of(response)
    with app.app_context():
        assert "on Braid as an educational psychologist." in db.session.scalars(select(OutboxMessage)).one().body


def test_school_agencies_and_other_schools_families_cannot_be_named(app, world, create_agency, create_case):
    other_school = create_agency(AgencyKind.SCHOOL, name="Faraway School")
    family = create_agency(AgencyKind.FAMILY, name="The Faraway family")
    page = text_of(world.senco.get(f"/learners/{world.learner}/team/invite"))
    assert RIVERSIDE in page and "The Faraway family" not in page and "Faraway School" not in page
    before = _counts(app)
    for name in (family, other_school, SCHOOL):
        agency = _agency_public_id(app, name)
        response = _invite(world.senco, world.learner, agency, role="parent")
        assert response.status_code == 400
    assert _counts(app) == before


def test_a_second_open_invitation_for_the_same_person_and_case_is_refused(app, world):
    assert _invite(world.senco, world.learner, world.riverside).status_code == 200
    before = _counts(app)
    again = _invite(world.senco, world.learner, world.riverside, email="MEGAN.TEST@riverside.example")
    assert again.status_code == 400 and "already has an open invitation" in text_of(again)
    assert _counts(app) == before
    # Another learner is another invitation.
    assert _invite(world.senco, world.other, world.riverside).status_code == 200


def test_a_new_family_agency_is_made_for_a_parent(app, world, client):
    link = _link_from(_invite(world.senco, world.learner, "new", role="parent", email="jo.parent@example.org",
                              display_name="Jo Parent", new_agency_name="The Invited family",
                              new_agency_kind="family"))
    assert _accept_as_new(client, link, display_name="Jo Parent").status_code == 302
    with app.app_context():
        user = db.session.scalars(select(User).where(User.email.matches("jo.parent@example.org"))).one()
        assert user.role is Role.PARENT and user.agency.name == "The Invited family"
        assert user.agency.kind is AgencyKind.FAMILY and user.restricted
    # The family now appears in this school's list, for the next invitation.
    assert "The Invited family" in text_of(world.senco.get(f"/learners/{world.other}/team/invite"))


def test_mail_is_sent_by_smtp_when_configured(app, world, monkeypatch):
    sent = []

    class FakeSMTP:
        def __init__(self, host, port, timeout):
            sent.append(("connect", host, port))

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def starttls(self):
            sent.append(("starttls",))

        def login(self, user, password):
            sent.append(("login", user))

        def send_message(self, message):
            sent.append(("send", message["To"], message.get_content()))

    monkeypatch.setattr("app.core.mail.services.smtplib.SMTP", FakeSMTP)
    app.config.update(MAIL_SERVER="smtp.example.org", MAIL_PORT=2525, MAIL_USERNAME="braid")
    response = _invite(world.senco, world.learner, world.riverside)
    link = _link_from(response)
    assert sent == []  # not in the request: the jobs worker sends it once the invitation has committed
    assert "Braid is emailing the link to megan.test@riverside.example" in text_of(response)
    with app.app_context():
        assert run_pending() == 1  # what the worker does with the job
    assert sent[0] == ("connect", "smtp.example.org", 2525) and ("login", "braid") in sent
    assert sent[-1][1] == "megan.test@riverside.example" and link in sent[-1][2]
    with app.app_context():
        assert db.session.scalars(select(OutboxMessage)).one().sent_at is not None


def test_a_failing_mail_server_leaves_the_invitation_and_the_message_unsent(app, world, monkeypatch, caplog):
    class BrokenSMTP:
        def __init__(self, *args, **kwargs):
            raise ConnectionRefusedError("no mail server here")

    monkeypatch.setattr("app.core.mail.services.smtplib.SMTP", BrokenSMTP)
    app.config.update(MAIL_SERVER="smtp.example.org")
    response = _invite(world.senco, world.learner, world.riverside)
    assert response.status_code == 200
    token = _token_of(_link_from(response))
    with app.app_context():
        assert run_pending() == 1  # the worker's first attempt fails
        assert db.session.scalars(select(OutboxMessage)).one().sent_at is None
        assert db.session.scalars(select(Invitation)).one().is_open()
        run = db.session.scalars(select(JobRun)).one()  # tried again later, with back-off
        assert (run.status, run.attempts, run.last_error) == (JobStatus.QUEUED, 1, "ConnectionRefusedError")
        assert run.next_attempt_at > run.started_at
    assert "not sent" in caplog.text and token not in caplog.text and "megan.test" not in caplog.text


# --- school staff, ending early -----------------------------------------------------------------


def test_senco_adds_school_staff_in_their_own_role_ignoring_extra_fields(app, world, create_user, client_as):
    teacher = create_user("teacher", agency=world.school, name="Hannah Teacher")
    with app.app_context():
        other_id = _learner(app, world.other).id
    response = world.senco.post(f"/learners/{world.learner}/team/staff", data={
        "staff": teacher.public_id, "ends_on": ["", "", ""],
        "role": "senco", "learner_id": str(other_id), "user_id": "1", "ends_at": "2099-01-01",
    })
    assert response.status_code == 302
    with app.app_context():
        membership = db.session.scalars(select(TeamMembership)).one()
        assert membership.role is Role.TEACHER and membership.learner.public_id == world.learner
        assert membership.user.public_id == teacher.public_id and membership.ends_at is None
    client = app.test_client()
    sign_in(client, teacher.email, teacher.password)
    assert client.get(f"/learners/{world.learner}").status_code == 200
    assert client.get(f"/learners/{world.other}").status_code == 404
    assert "Hannah Teacher" in text_of(world.senco.get(f"/learners/{world.learner}/team"))


def test_staff_of_another_school_admins_externals_and_duplicates_are_refused(app, world, create_user, create_agency):
    elsewhere = create_user("teacher", agency=create_agency(AgencyKind.SCHOOL, name="Faraway School"))
    admin = create_user("admin", agency=world.school)
    slt = create_user("slt", agency=RIVERSIDE)
    gone = create_user("lsp", agency=world.school, active=False)
    lsp = create_user("lsp", agency=world.school)
    page = text_of(world.senco.get(f"/learners/{world.learner}/team"))
    assert lsp.email not in page  # names and roles, never addresses of staff
    url = f"/learners/{world.learner}/team/staff"
    assert world.senco.post(url, data={"staff": lsp.public_id}).status_code == 302
    before = _counts(app)
    for account in (elsewhere, admin, slt, gone, lsp):
        response = world.senco.post(url, data={"staff": account.public_id})
        assert response.status_code == 400, account.role
    assert "already on this learner's team" in text_of(world.senco.post(url, data={"staff": lsp.public_id}))
    past = world.senco.post(url, data={"staff": admin.public_id, "ends_on": _day_fields(date.today())})
    assert past.status_code == 400
    assert _counts(app) == before


def test_ending_early_takes_the_case_away_and_the_last_one_ends_sign_in(app, world, client):
    link = _link_from(_invite(world.senco, world.learner, world.riverside))
    assert _accept_as_new(client, link).status_code == 302
    _set_up_two_step(client, f"/learners/{world.learner}")
    second = _link_from(_invite(world.senco, world.other, world.riverside))
    assert client.post(urlparse(second).path, data={}).status_code == 302  # signed in as the invitee
    assert client.get(f"/learners/{world.other}").status_code == 200
    with app.app_context():
        user = db.session.scalars(select(User).where(User.email.matches("megan.test@riverside.example"))).one()
        first, last = db.session.scalars(
            select(TeamMembership).where(TeamMembership.user_id == user.id).order_by(TeamMembership.id)).all()
        first_id, last_id = first.public_id, last.public_id

    assert confirm_through_page(world.senco, f"/memberships/{first_id}/end").status_code == 302
    assert client.get(f"/learners/{world.learner}").status_code == 404
    assert client.get(f"/learners/{world.other}").status_code == 200
    ended = text_of(world.senco.get(f"/learners/{world.learner}/team"))
    assert "Who has been on the case" in ended and "Megan Test" in ended
    again = world.senco.post(f"/memberships/{first_id}/end", data={"confirm": "yes", "version": "-|-"})
    assert again.status_code == 409 and "already ended" in text_of(again)

    assert confirm_through_page(world.senco, f"/memberships/{last_id}/end").status_code == 302
    with app.app_context():
        user = db.session.scalars(select(User).where(User.email.matches("megan.test@riverside.example"))).one()
        assert user.access_has_expired()
    assert client.get(f"/learners/{world.other}").status_code == 302  # the session is over
    fresh = app.test_client()
    refused = sign_in(fresh, "megan.test@riverside.example", NEW_PASSWORD)
    assert refused.status_code == 200 and "Your access to Braid has ended" in text_of(refused)


def test_a_reinvited_account_whose_access_ended_comes_back(app, world, client):
    link = _link_from(_invite(world.senco, world.learner, world.riverside))
    assert _accept_as_new(client, link).status_code == 302
    _set_up_two_step(client, f"/learners/{world.learner}")
    with app.app_context():
        membership = db.session.scalars(select(TeamMembership)).one().public_id
    assert confirm_through_page(world.senco, f"/memberships/{membership}/end").status_code == 302
    fresh = app.test_client()
    path = urlparse(_link_from(_invite(world.senco, world.other, world.riverside))).path
    assert fresh.post(path, data={"password": NEW_PASSWORD}).status_code == 302
    assert enter_second_step_code(fresh, "megan.test@riverside.example").status_code == 302
    assert fresh.get(f"/learners/{world.other}").status_code == 200
    assert fresh.get(f"/learners/{world.learner}").status_code == 404


# --- who may manage the team --------------------------------------------------------------------

OUTSIDERS = [
    # (role, on the team?, agency, status of GET team page)
    ("lsp", True, SCHOOL, 200),
    ("teacher", True, SCHOOL, 200),
    ("dsl", False, SCHOOL, 403),
    ("admin", False, SCHOOL, 404),
    ("parent", True, None, 200),
    ("slt", True, RIVERSIDE, 200),
    ("ep", True, None, 200),
    ("senco", False, "Faraway School", 404),
    ("teacher", False, SCHOOL, 404),
]


@pytest.mark.parametrize("role, on_team, agency, team_status", OUTSIDERS,
                         ids=[f"{r}-{'member' if m else 'outsider'}-{a or 'own'}" for r, m, a, _ in OUTSIDERS])
def test_only_the_schools_senco_manages_the_team(app, world, client_as, create_agency, create_user, add_to_team,
                                                   role, on_team, agency, team_status):
    if agency == "Faraway School":
        create_agency(AgencyKind.SCHOOL, name=agency)
    actor = client_as(role, agency=agency) if agency else client_as(role)
    if on_team:
        add_to_team(world.learner, actor.account)
    staff = create_user("lsp", agency=world.school)
    member = create_user("teacher", agency=world.school)
    membership = add_to_team(world.learner, member)
    _invite(world.senco, world.learner, world.riverside)
    with app.app_context():
        invitation = db.session.scalars(select(Invitation)).one().public_id
        other_id = _learner(app, world.other).id

    page = actor.get(f"/learners/{world.learner}/team")
    assert page.status_code == team_status
    assert "megan.test@riverside.example" not in text_of(page) and "Revoke" not in text_of(page)
    if team_status == 200:
        assert "Megan Test" not in text_of(page)  # open invitations are the SENCo's business
    before = _counts(app)
    attempts = [
        actor.post(f"/learners/{world.learner}/team/staff",
                   data={"staff": staff.public_id, "learner_id": str(other_id)}),
        _invite(actor, world.learner, world.riverside, email="another@riverside.example"),
        actor.get(f"/learners/{world.learner}/team/invite"),
        actor.get(f"/memberships/{membership}/end"),
        actor.post(f"/memberships/{membership}/end", data={"confirm": "yes"}),
        actor.get(f"/invitations/{invitation}/revoke"),
        actor.post(f"/invitations/{invitation}/revoke", data={"confirm": "yes"}),
    ]
    for response in attempts:
        assert response.status_code in (403, 404), response.request.path
        assert "Oscar Elsewhere" not in text_of(response)
    assert _counts(app) == before


def test_signed_out_people_are_sent_to_sign_in_and_nothing_changes(app, world, client, create_user, add_to_team):
    membership = add_to_team(world.learner, create_user("teacher", agency=world.school))
    before = _counts(app)
    for response in (client.get(f"/learners/{world.learner}/team"),
                     client.post(f"/learners/{world.learner}/team/staff", data={"staff": "x"}),
                     _invite(client, world.learner, world.riverside),
                     client.post(f"/memberships/{membership}/end")):
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    assert _counts(app) == before


def test_a_senco_cannot_end_memberships_on_another_schools_case(app, world, client_as, create_agency, create_case,
                                                                create_user, add_to_team):
    far = create_agency(AgencyKind.SCHOOL, name="Faraway School")
    far_learner = create_case(school=far, name="Faraway Learner")
    far_membership = add_to_team(far_learner, create_user("teacher", agency=far))
    before = _counts(app)
    assert world.senco.post(f"/memberships/{far_membership}/end", data={"confirm": "yes"}).status_code == 404
    assert world.senco.get(f"/memberships/{far_membership}/end").status_code == 404
    assert world.senco.get(f"/learners/{far_learner}/team").status_code == 404
    assert _counts(app) == before


def test_revoking_twice_is_refused(app, world):
    _invite(world.senco, world.learner, world.riverside)
    with app.app_context():
        invitation = db.session.scalars(select(Invitation)).one().public_id
    assert world.senco.post(f"/invitations/{invitation}/revoke", data={"confirm": "yes"}).status_code == 302
    assert "No open invitations" in text_of(world.senco.get(f"/learners/{world.learner}/team"))
    again = world.senco.post(f"/invitations/{invitation}/revoke", data={"confirm": "yes"})
    assert again.status_code == 400 and "can no longer be revoked" in text_of(again)
    page = text_of(world.senco.get(f"/invitations/{invitation}/revoke"))
    assert "There is nothing to revoke." in page and "Yes, revoke" not in page


def test_revoking_goes_through_a_page_that_says_what_it_does(app, world):
    """The team page's "Revoke" opens a page; only its button revokes. A post without the page's confirmation (an
    old team page, a script) changes nothing and shows the page."""
    _invite(world.senco, world.learner, world.riverside)
    with app.app_context():
        invitation = db.session.scalars(select(Invitation)).one().public_id
    team = world.senco.get(f"/learners/{world.learner}/team").get_data(as_text=True)
    assert f'href="/invitations/{invitation}/revoke"' in team
    page = text_of(world.senco.get(f"/invitations/{invitation}/revoke"))
    assert "stops working as soon as you confirm" in page and "nobody loses access" in page
    before = _counts(app)
    skipped = world.senco.post(f"/invitations/{invitation}/revoke")
    assert skipped.status_code == 400 and "Yes, revoke the invitation" in text_of(skipped)
    assert _counts(app) == before
    with app.app_context():
        assert db.session.scalars(select(Invitation)).one().revoked_at is None
    assert confirm_through_page(world.senco, f"/invitations/{invitation}/revoke").status_code == 302
    with app.app_context():
        assert db.session.scalars(select(Invitation)).one().revoked_at is not None
    assert "Invitation revoked before it was used" in text_of(world.senco.get(f"/learners/{world.learner}/team"))


def test_access_logs_never_carry_an_invitation_token(app, caplog):
    caplog.set_level(logging.INFO)
    token = "Zq3" * 14
    logging.getLogger("werkzeug").info('%s - - [%s] %s %s %s', "127.0.0.1", "now",
                                       f'"GET /invitations/accept/{token} HTTP/1.1"', "410", "-")
    logging.getLogger("gunicorn.access").info("%(r)s %(s)s", {"r": f"POST /invitations/accept/{token}?x=1", "s": "302"})
    assert caplog.text.count("/invitations/accept/[redacted]") == 2 and token not in caplog.text


def test_demo_team_and_external_invitations(app, world, create_user):
    lsp = create_user("lsp", agency=world.school)
    ep = create_user("ep", email="ep.demo@county-eps.example")
    from app.demo.team import add_demo_team, invite_demo_external

    with app.app_context():
        users = {u.public_id: u for u in db.session.scalars(select(User))}
        senco = users[world.senco.account.public_id]
        learner, other = _learner(app, world.learner), _learner(app, world.other)
        now = utcnow()
        add_demo_team(senco, learner, [users[lsp.public_id]])
        add_demo_team(senco, learner, [users[lsp.public_id]])  # idempotent
        invite_demo_external(senco, learner, users[ep.public_id], now - timedelta(days=10))  # already ended
        invite_demo_external(senco, other, users[ep.public_id], now + timedelta(days=200))
        db.session.commit()
        memberships = db.session.scalars(select(TeamMembership).order_by(TeamMembership.id)).all()
        assert [(m.user.public_id, m.learner.public_id) for m in memberships] == [
            (lsp.public_id, world.learner), (ep.public_id, world.learner), (ep.public_id, world.other)]
        assert users[ep.public_id].access_expires_at == memberships[-1].ends_at
        accepted = select(func.count()).select_from(Invitation).where(Invitation.accepted_at.is_not(None))
        assert db.session.scalar(accepted) == 2
    client = app.test_client()
    assert sign_in(client, ep.email, ep.password).status_code == 302
    assert client.get(f"/learners/{world.other}").status_code == 200
    assert client.get(f"/learners/{world.learner}").status_code == 404
