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
    monkeypatch.setenv("BRAID_AUDIT_KEY", "q" * 48)
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


def test_the_demo_cases_show_every_capability(demo_app):
    """About two dozen learners at every stage, every role contributing, meetings, concerns and invitations."""
    from app.agencies.models import Role
    from app.cases.models import (
        Contribution,
        ContributionRevision,
        CycleStage,
        Learner,
        Meeting,
        MeetingAction,
        PlanCycle,
        SafeguardingConcern,
        TeamMembership,
    )
    from app.types import utcnow

    with demo_app.app_context():
        count = lambda query: db.session.scalar(select(func.count()).select_from(query.subquery()))  # noqa: E731
        assert count(select(Learner.id)) == 24
        stages = set(db.session.scalars(select(PlanCycle.stage)))
        assert stages == set(CycleStage)  # assess, plan, do, review and closed cycles all present
        authors = set(db.session.scalars(select(User.role).join(Contribution, Contribution.author_id == User.id)))
        assert authors == {Role.TEACHER, Role.LSP, Role.SLT, Role.EP, Role.PARENT}
        assert count(select(ContributionRevision.id)) > 0
        assert count(select(Meeting.id).where(Meeting.signed_off_at.is_not(None))) > 0
        assert count(select(MeetingAction.id)) > 0
        assert count(select(SafeguardingConcern.id)) == 2

        def cases_of(email):
            user = db.session.scalars(select(User).where(User.email == email)).one()
            memberships = db.session.scalars(select(TeamMembership).where(TeamMembership.user_id == user.id)).all()
            return len(memberships), sum(1 for m in memberships if not m.is_live(utcnow()))

        assert cases_of("slt@riverside-slt.example") == (5, 0)
        assert cases_of("ep@county-eps.example") == (4, 1)  # one invitation has expired
        assert cases_of("parent@family.example") == (1, 0)
    again = demo_app.test_cli_runner().invoke(args=["demo", "load"])
    assert "0 case(s) built" in again.output


def test_the_demo_trail_has_the_patterns_a_dsl_reviews_and_a_verified_chain(demo_app):
    from app.audit.chain import latest_verification, verify_chain
    from app.audit.models import AuditAction, AuditEvent, AuditEventLearner, AuditOutcome

    with demo_app.app_context():
        events = db.session.scalars(select(AuditEvent)).all()
        refused = [event for event in events if event.outcome is AuditOutcome.REFUSED]
        out_of_hours = [event for event in events if event.out_of_hours and event.action is AuditAction.VIEW]
        lsp = db.session.scalar(select(User.id).where(User.email == "lsp@oakfield.example"))
        busiest_hour = max(
            len({event.learner_public_ids for event in events
                 if event.actor_id == lsp and event.occurred_at.replace(minute=0, second=0, microsecond=0) == hour})
            for hour in {event.occurred_at.replace(minute=0, second=0, microsecond=0) for event in events}
        )
        assert len(refused) >= 3
        assert out_of_hours
        assert busiest_hour > demo_app.config["AUDIT_MANY_LEARNERS_PER_HOUR"]
        # A list page names every learner it showed, and each learner's history finds that one event.
        listing = next(event for event in events if event.object_type == "learner_list")
        indexed = db.session.scalars(select(AuditEventLearner.learner_public_id).where(AuditEventLearner.event_id == listing.id)).all()
        assert sorted(indexed) == listing.learner_ids and len(indexed) >= 20
        verification = latest_verification()
        assert verification is not None and verification.intact and verification.event_count > 300
        assert verify_chain().intact
