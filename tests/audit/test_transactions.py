"""A change and its event share one transaction: a request that fails half-way leaves neither, a refusal only itself.

The failure is made real: the test installs a trigger on its own database copy that makes a later
INSERT of the same request fail, after the contribution and (in one case) its event were flushed.
"""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.agencies.accounts.models import AgencyKind, User
from app.audit.models import AuditAction, AuditEvent, AuditOutcome
from app.cases.contributions.models import Contribution
from app.cases.learners.models import Learner
from app.extensions import db
from tests.fixtures.application import sign_in, text_of

# Behaviour that can differ between the engines: run on PostgreSQL as well as SQLite.
pytestmark = pytest.mark.both_backends

SCHOOL = "Transactions School"
FORM = {"kind": "classroom_view", "visibility": "team", "title": "Reading in class",
        "body": "<p>Reads aloud with a ruler under the line.</p>"}
FAILURE = "simulated failure of the database"

# Where the request fails: each INSERT comes after the contribution was flushed.
FAILING_INSERTS = {
    "the event itself": "audit_event",
    "the learner index, after the event": "audit_event_learner",
}


@pytest.fixture
def case(app, create_agency, create_user, create_case, add_to_team):
    create_agency(AgencyKind.SCHOOL, name=SCHOOL)
    learner = create_case(school=SCHOOL)
    teacher = create_user("teacher", agency=SCHOOL)
    add_to_team(learner, teacher)
    dsl = create_user("dsl", agency=SCHOOL)  # on no team: may not write on this case
    return {"learner": learner, "teacher": teacher, "dsl": dsl}


def _client(app, account):
    client = app.test_client()
    assert sign_in(client, account.email, account.password).status_code == 302
    return client


def _fail_every_insert_into(table: str, *, at_commit: bool = False) -> None:
    """A trigger of the test's own: the next INSERT into `table` fails (at COMMIT if `at_commit`)."""
    with db.engine.begin() as connection:
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql(
                f"CREATE TRIGGER test_fail_{table} BEFORE INSERT ON {table} BEGIN SELECT RAISE(ABORT, '{FAILURE}'); END"
            )
            return
        connection.exec_driver_sql(
            "CREATE OR REPLACE FUNCTION test_fail() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN RAISE EXCEPTION '{FAILURE}'; END $$"
        )
        if at_commit:
            connection.exec_driver_sql(
                f"CREATE CONSTRAINT TRIGGER test_fail_{table} AFTER INSERT ON {table} DEFERRABLE INITIALLY DEFERRED "
                "FOR EACH ROW EXECUTE FUNCTION test_fail()"
            )
        else:
            connection.exec_driver_sql(
                f"CREATE TRIGGER test_fail_{table} BEFORE INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION test_fail()"
            )


def _stop_failing(table: str) -> None:
    with db.engine.begin() as connection:
        on = "" if connection.dialect.name == "sqlite" else f" ON {table}"
        connection.exec_driver_sql(f"DROP TRIGGER test_fail_{table}{on}")


def _state(app, learner_public_id: str) -> dict:
    with app.app_context():
        learner_id = db.session.scalar(select(Learner.id).where(Learner.public_id == learner_public_id))
        return {
            "contributions": db.session.scalar(
                select(func.count()).select_from(Contribution).where(Contribution.learner_id == learner_id)),
            "events": db.session.scalar(select(func.count()).select_from(AuditEvent)),
            "allowed creates": db.session.scalar(select(func.count()).select_from(AuditEvent).where(
                AuditEvent.action == AuditAction.CREATE, AuditEvent.object_type == "contribution",
                AuditEvent.outcome == AuditOutcome.ALLOWED)),
        }


def _assert_error_page(response) -> None:
    page = text_of(response)
    assert response.status_code == 500
    assert "Sorry, there is a problem with Braid" in page
    assert "Traceback" not in page and FAILURE not in page and "audit_event" not in page


def _post_contribution(client, learner: str):
    return client.post(f"/learners/{learner}/contributions/new", data=FORM)


@pytest.mark.parametrize("where", sorted(FAILING_INSERTS))
def test_a_request_failing_half_way_leaves_neither_the_change_nor_an_allowed_event(app, case, where):
    client = _client(app, case["teacher"])
    before = _state(app, case["learner"])
    table = FAILING_INSERTS[where]
    with app.app_context():
        _fail_every_insert_into(table)

    _assert_error_page(_post_contribution(client, case["learner"]))
    assert _state(app, case["learner"]) == before

    # The same request succeeds once the database does: the change and its event commit together.
    with app.app_context():
        _stop_failing(table)
    assert _post_contribution(client, case["learner"]).status_code == 302
    after = _state(app, case["learner"])
    assert after["contributions"] == before["contributions"] + 1
    assert after["allowed creates"] == before["allowed creates"] + 1


@pytest.mark.parametrize("backend", ["postgresql"])
def test_a_request_failing_at_its_commit_leaves_neither_the_change_nor_an_allowed_event(app, case):
    client = _client(app, case["teacher"])
    before = _state(app, case["learner"])
    with app.app_context():
        _fail_every_insert_into("contribution", at_commit=True)  # the event is written; COMMIT fails
    _assert_error_page(_post_contribution(client, case["learner"]))
    assert _state(app, case["learner"]) == before


def test_a_refused_post_leaves_its_refusal_and_no_change(app, case):
    client = _client(app, case["dsl"])
    before = _state(app, case["learner"])
    response = _post_contribution(client, case["learner"])
    assert response.status_code == 403
    after = _state(app, case["learner"])
    assert after["contributions"] == before["contributions"]
    assert after["allowed creates"] == before["allowed creates"]
    assert after["events"] == before["events"] + 1
    with app.app_context():
        dsl_id = db.session.scalar(select(User.id).where(User.public_id == case["dsl"].public_id))
        event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).one()
        assert (event.actor_id, event.outcome) == (dsl_id, AuditOutcome.REFUSED)
        assert case["learner"] in event.learner_ids
        assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.actor_id == dsl_id, AuditEvent.outcome == AuditOutcome.ALLOWED,
            AuditEvent.action != AuditAction.SIGN_IN)) == 0


def test_a_post_refused_after_its_change_was_flushed_commits_only_its_refusal(app, case, monkeypatch):
    """Whatever a refused request flushed (the change and its allowed event) is undone before the refusal commits."""
    from app.cases.contributions import services
    from app.policy import Action, require

    def record_then_refuse(actor, *args, **kwargs):
        original(actor, *args, **kwargs)
        require(actor, Action.REVIEW_AUDIT)  # a teacher may not: refused once the change and event were flushed

    original = services.record
    monkeypatch.setattr(services, "record", record_then_refuse)
    client = _client(app, case["teacher"])
    before = _state(app, case["learner"])
    assert _post_contribution(client, case["learner"]).status_code == 403
    after = _state(app, case["learner"])
    assert (after["contributions"], after["allowed creates"]) == (before["contributions"], before["allowed creates"])
    assert after["events"] == before["events"] + 1
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).one()
        assert event.outcome == AuditOutcome.REFUSED and event.object_type != "contribution"
