"""Restriction of processing (UK GDPR Article 18): the SENCo or the DSL restricts a learner's record with a reason;
it stays readable by them, cannot be changed or shared, shows a banner on every page, sends no notifications, and
is lifted with a reason; both audited. (Every action × role on a restricted record: tests/test_authorization_matrix.)
"""
from __future__ import annotations

import pytest
from sqlalchemy import func, select, text, update

from app.agencies.accounts.models import User
from app.audit.models import AuditAction, AuditEvent
from app.cases.contributions import services as contributions
from app.cases.contributions.models import Contribution
from app.cases.learners.models import Learner
from app.cases.restrictions import services as restrictions
from app.cases.restrictions.models import ProcessingRestriction
from app.core.conflicts import EditConflict
from app.extensions import db
from app.notifications.models import Notification, NotificationKind
from app.notifications.services import notify
from app.policy import Action
from app.types import utcnow
from tests.fixtures.application import text_of

SCHOOL = "Restriction Primary"
REASON = "Mr Hale contests the accuracy of the speech assessment; checking with the NHS service"
BANNER = "Processing of this record is restricted since"


@pytest.fixture
def case(app, create_agency, create_case, client_as, add_to_team):
    """A learner with the SENCo's learner-voice contribution on it; the DSL, a teacher and a parent's clients."""
    create_agency(name=SCHOOL)
    learner = create_case(school=SCHOOL, name="Ivy Hale")
    people = {role: client_as(role, agency=SCHOOL) for role in ("senco", "dsl", "teacher")}
    add_to_team(learner, people["teacher"].account)
    with app.app_context():
        senco = _user(people["senco"])
        contribution = contributions.add_contribution(senco, _learner(learner), kind="learner_voice",
                                                      visibility="team", title="Ivy's voice",
                                                      body="<p>Ivy likes the quiet room</p>")
        db.session.commit()
        contribution_id = contribution.public_id
    return {"learner": learner, "people": people, "contribution": contribution_id}


def _learner(public_id) -> Learner:
    return db.session.scalars(select(Learner).where(Learner.public_id == public_id)).one()


def _user(client) -> User:
    return db.session.scalars(select(User).where(User.public_id == client.account.public_id)).one()


def _restrict(client, learner, reason=REASON):
    return client.post(f"/learners/{learner}/restrict", data={"reason": reason})


def _checksum(app) -> tuple:
    with app.app_context():
        return tuple(db.session.execute(text(f"SELECT * FROM {table} ORDER BY 1")).all()
                     for table in ("learner", "contribution", "contribution_revision", "processing_restriction",
                                   "notification"))


def test_the_senco_restricts_with_a_reason_and_the_record_says_so_on_every_page(app, case):
    senco, learner = case["people"]["senco"], case["learner"]
    page = senco.get(f"/learners/{learner}")
    assert 'id="restrict-link"' in text_of(page) and BANNER not in text_of(page)

    form = senco.get(f"/learners/{learner}/restrict")
    assert form.status_code == 200 and "not changed" not in text_of(form)  # no banner before it is restricted
    assert "nobody can change it" in text_of(form)  # what it means, in plain words
    empty = _restrict(senco, learner, reason="")
    assert empty.status_code == 400 and "There is a problem" in text_of(empty)
    assert "Enter why processing of this record is being restricted" in text_of(empty)
    too_long = _restrict(senco, learner, reason="Kept as typed " + "x" * 2000)
    assert too_long.status_code == 400 and "Kept as typed" in text_of(too_long)  # what was typed comes back

    assert _restrict(senco, learner).status_code == 302
    with app.app_context():
        row = db.session.scalars(select(ProcessingRestriction)).one()
        assert row.reason == REASON and row.restricted_by_id == _user(senco).id and row.lifted_at is None
        assert _learner(learner).restricted_at == row.restricted_at
        assert "Hale" not in db.session.execute(text("SELECT reason_sealed FROM processing_restriction")).scalar()
        events = db.session.execute(select(AuditEvent.action, AuditEvent.object_type, AuditEvent.fields_changed)
                                    .where(AuditEvent.object_type == "processing_restriction")).all()
        assert [(action, fields) for action, _, fields in events] == [(AuditAction.CREATE, "reason,restricted_at")]

    detail = text_of(senco.get(f"/learners/{learner}"))
    assert f"{BANNER}" in detail and REASON in detail and "It can be read but not changed or shared." in detail
    assert 'id="restricted-tag"' in detail and 'id="lift-restriction-link"' in detail
    assert 'id="restrict-link"' not in detail
    for path in (f"/learners/{learner}/plan", f"/learners/{learner}/contributions",
                 f"/contributions/{case['contribution']}", f"/learners/{learner}/history",
                 f"/learners/{learner}/chronology", f"/learners/{learner}/team"):
        response = senco.get(path)
        assert response.status_code == 200 and BANNER in text_of(response) and REASON in text_of(response), path
    dsl_page = text_of(case["people"]["dsl"].get(f"/learners/{learner}"))
    assert BANNER in dsl_page and REASON in dsl_page
    # Lists: the SENCo's shows it, tagged; the teacher on its team no longer sees it at all.
    listed = text_of(senco.get("/learners"))
    assert "Ivy Hale" in listed and "Restricted" in listed
    teacher = case["people"]["teacher"]
    assert "Ivy Hale" not in text_of(teacher.get("/learners"))
    assert teacher.get(f"/learners/{learner}").status_code == 404
    assert BANNER not in text_of(senco.get("/learners/find"))  # a page of no record has no banner


def test_a_change_to_a_restricted_record_is_refused_and_changes_nothing(app, case):
    senco, learner, contribution = case["people"]["senco"], case["learner"], case["contribution"]
    edit = {"version": "1", "visibility": "team", "title": "Changed", "body": "<p>Changed while restricted</p>"}
    assert _restrict(senco, learner).status_code == 302
    before = _checksum(app)
    response = senco.post(f"/contributions/{contribution}/edit", data=edit)
    assert response.status_code == 403
    page = text_of(response)
    assert "You do not have permission to do that" in page and BANNER in page  # the refusal says why
    assert _checksum(app) == before
    assert "Changed while restricted" not in text_of(senco.get(f"/contributions/{contribution}"))
    # Lifting restores normal rights: the author edits again, the teacher finds the learner again.
    assert senco.post(f"/learners/{learner}/restriction/lift", data={"reason": ""}).status_code == 400
    assert senco.post(f"/learners/{learner}/restriction/lift",
                      data={"reason": "The NHS service confirmed the assessment"}).status_code == 302
    assert senco.post(f"/contributions/{contribution}/edit", data=edit).status_code == 302
    assert case["people"]["teacher"].get(f"/learners/{learner}").status_code == 200
    detail = text_of(senco.get(f"/learners/{learner}"))
    assert BANNER not in detail and 'id="restrict-link"' in detail
    assert REASON in detail and "The NHS service confirmed the assessment" in detail  # the history stays
    with app.app_context():
        row = db.session.scalars(select(ProcessingRestriction)).one()
        assert row.lifted_at is not None and row.lift_reason == "The NHS service confirmed the assessment"
        assert _learner(learner).restricted_at is None
        lifted = db.session.scalars(select(AuditEvent.fields_changed).where(
            AuditEvent.object_type == "processing_restriction", AuditEvent.action == AuditAction.UPDATE)).all()
        assert lifted == ["lift_reason,lifted_at"]


def _notifications(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Notification.id)))


def _tell_the_dsl(app, case) -> int:
    """The real notify, about the SENCo's contribution, to the DSL and the SENCo (the DSL may read the record)."""
    with app.app_context():
        contribution = db.session.scalars(select(Contribution).where(
            Contribution.public_id == case["contribution"])).one()
        made = notify(NotificationKind.CONTRIBUTION_ADDED, subject=contribution.learner, action=Action.VIEW_LEARNER,
                      recipients=[_user(case["people"]["dsl"]), _user(case["people"]["senco"])],
                      summary="A contribution was added", path="/", learner=contribution.learner)
        db.session.commit()
        return len(made)


def test_nothing_is_notified_about_a_restricted_learner(app, case):
    assert _tell_the_dsl(app, case) == 2  # unrestricted: both are told (so the check below can fail)
    before = _notifications(app)
    assert _restrict(case["people"]["dsl"], case["learner"]).status_code == 302
    assert _tell_the_dsl(app, case) == 0
    assert _notifications(app) == before


def test_restricting_twice_at_once_keeps_one_restriction_and_shows_the_second_what_they_typed(app, case):
    senco, dsl, learner = case["people"]["senco"], case["people"]["dsl"], case["learner"]
    assert senco.get(f"/learners/{learner}/restrict").status_code == 200
    assert dsl.get(f"/learners/{learner}/restrict").status_code == 200  # both have the form open
    assert _restrict(senco, learner).status_code == 302
    second = _restrict(dsl, learner, reason="The DSL's own reason, typed at the same time")
    assert second.status_code == 409
    page = text_of(second)
    assert "already restricted" in page and "The DSL's own reason, typed at the same time" in page
    with app.app_context():
        assert db.session.scalar(select(func.count(ProcessingRestriction.id))) == 1


@pytest.mark.both_backends  # the version check is in the UPDATE itself, on both engines
def test_a_restriction_saved_over_one_made_meanwhile_is_a_conflict_not_a_second_restriction(app, case):
    """The DSL loaded the unrestricted record; the SENCo's restriction is saved before the DSL's: the learner's
    version makes the DSL's save an EditConflict (the view shows the 409 page with what was typed)."""
    with app.app_context():
        dsl, learner = _user(case["people"]["dsl"]), _learner(case["learner"])
        assert learner.restricted_at is None and learner.version == 1
        # The SENCo's save, committed meanwhile: the loaded learner still holds version 1.
        db.session.execute(update(Learner).where(Learner.id == learner.id)
                           .values(restricted_at=utcnow(), version=Learner.version + 1)
                           .execution_options(synchronize_session=False))
        with pytest.raises(EditConflict):
            restrictions.restrict_processing(dsl, learner, "The DSL's reason")
        db.session.rollback()
        assert db.session.scalar(select(func.count(ProcessingRestriction.id))) == 0
