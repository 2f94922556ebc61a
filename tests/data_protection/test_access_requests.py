"""The register of subject access requests: the school's designated data protection officer registers a request,
records the identity check, extends, closes; nobody else reaches the pages (the SENCo, the DSL, a parent, an
administrator not designated, another school's DPO). Each change and each reading is audited with the learner as
the subject, never the requester's name."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.agencies.accounts.models import User
from app.agencies.calendar.services import add_school_days
from app.audit.models import AuditAction, AuditEvent
from app.cases.learners.models import Learner
from app.cases.restrictions import services as restrictions
from app.core import dates
from app.core.conflicts import EditConflict
from app.data_protection.requests import deadlines, services
from app.data_protection.requests.models import ClockStart, RequestStatus, SubjectAccessRequest
from app.extensions import db
from app.policy import Action, can
from app.types import utcnow
from tests.fixtures.application import text_of

# Behaviour that can differ between the engines (locking, the version column, dates): both.
pytestmark = pytest.mark.both_backends

SCHOOL = "Access Request Primary"
REQUESTER = "Joanna Requestercanary"
ENTITLEMENT = "Mother, named on the birth certificate (canary-entitlement)"


@pytest.fixture
def school(app, create_agency, create_case, client_as):
    """A school with two learners, its DPO (a teacher designated), an administrator not designated, the SENCo, the
    DSL, and another school's DPO."""
    create_agency(name=SCHOOL)
    learner = create_case(school=SCHOOL, name="Orla Subject")
    other = create_case(school=SCHOOL, name="Pip Other")
    people = {
        "dpo": client_as("teacher", agency=SCHOOL, dpo_designated_at=utcnow(), two_step=True),
        "admin": client_as("admin", agency=SCHOOL),
        "senco": client_as("senco", agency=SCHOOL),
        "dsl": client_as("dsl", agency=SCHOOL),
        "elsewhere_dpo": client_as("admin", agency=create_agency(name="Elsewhere Academy"),
                                   dpo_designated_at=utcnow()),
    }
    return {"learner": learner, "other": other, "people": people}


def _day(day: date) -> list[str]:
    return [str(day.day), str(day.month), str(day.year)]


def _today(app) -> date:
    with app.app_context():
        return dates.today()  # the school's day


def _form(app, learner_public_id: str, **changes) -> dict:
    received = _today(app) - timedelta(days=3)
    form = {"learner": learner_public_id, "kind": "article_15", "requester_name": REQUESTER, "relationship": "parent",
            "entitlement": ENTITLEMENT, "received_on": _day(received)}
    form.update(changes)
    return form


def _request(app) -> SubjectAccessRequest:
    return db.session.scalars(select(SubjectAccessRequest).order_by(SubjectAccessRequest.id.desc())).first()


def _events(app, object_type="subject_access_request") -> list[AuditEvent]:
    with app.app_context():
        found = list(db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == object_type)
                                        .order_by(AuditEvent.id)))
        db.session.expunge_all()
        return found


def _register(app, client, learner) -> str:
    response = client.post("/data-protection/requests/new", data=_form(app, learner))
    assert response.status_code == 302, text_of(response)
    with app.app_context():
        return _request(app).public_id


def test_the_dpo_registers_a_request_due_a_calendar_month_later(app, school):
    dpo = school["people"]["dpo"]
    public_id = _register(app, dpo, school["learner"])
    with app.app_context():
        found = _request(app)
        received = dates.today() - timedelta(days=3)
        assert (found.public_id, found.received_on, found.clock_start) == (public_id, received, ClockStart.RECEIVED)
        assert found.due_on == deadlines.article_15_due(received)
        assert found.requester_name == REQUESTER and found.entitlement == ENTITLEMENT
        assert REQUESTER not in str(found.requester_name_sealed)  # sealed, not in the clear
        assert found.status is RequestStatus.REGISTERED
    page = text_of(dpo.get(f"/data-protection/requests/{public_id}"))
    assert REQUESTER in page and "Orla Subject" in page and dates.day(found.due_on) in page
    register = text_of(dpo.get("/data-protection/requests"))
    assert "Orla Subject" in register and "Parent with parental responsibility" in register


def test_the_register_lists_open_requests_by_due_date_with_overdue_and_due_soon_tags(app, school):
    dpo = school["people"]["dpo"]
    today = _today(app)
    with app.app_context():
        user = db.session.scalars(select(User).where(User.public_id == dpo.account.public_id)).one()
        learners = {name: db.session.scalars(select(Learner).where(Learner.public_id == school[name])).one()
                    for name in ("learner", "other")}
        late = services.register_request(user, learner=learners["learner"], kind="article_15", requester_name="A",
                                         relationship="parent", entitlement=None, received_on=today - timedelta(40))
        soon = services.register_request(user, learner=learners["other"], kind="article_15", requester_name="B",
                                         relationship="child", entitlement=None, received_on=today)
        soon.due_on = today + timedelta(days=3)  # as if received a month ago
        late.due_on = today - timedelta(days=2)
        db.session.commit()
        learners_ids = {name: learner.id for name, learner in learners.items()}
    page = text_of(dpo.get("/data-protection/requests"))
    assert page.index("Orla Subject") < page.index("Pip Other")  # the overdue one first
    assert "Overdue" in page and "Due in 3 days" in page
    assert "1 request overdue" in page
    with app.app_context():
        soon_id = db.session.scalars(select(SubjectAccessRequest.public_id).where(
            SubjectAccessRequest.learner_id == learners_ids["other"])).one()
    assert "Due in 3 days" in text_of(dpo.get(f"/data-protection/requests/{soon_id}"))
    home = text_of(dpo.get("/"))
    assert "1 overdue" in home and "Subject access requests" in home
    closed = text_of(dpo.get("/data-protection/requests?show=closed"))
    assert "Orla Subject" not in closed and "No request has been closed yet" in closed


@pytest.mark.parametrize("who", ["admin", "senco", "dsl", "elsewhere_dpo"])
def test_nobody_but_the_schools_dpo_reaches_the_register(app, school, who):
    public_id = _register(app, school["people"]["dpo"], school["learner"])
    client = school["people"][who]
    if who == "elsewhere_dpo":  # their own school's register, empty; they cannot choose this school's learner
        assert "Orla Subject" not in text_of(client.get("/data-protection/requests"))
        assert "Orla Subject" not in text_of(client.get("/data-protection/requests/new"))
        assert client.post("/data-protection/requests/new", data=_form(app, school["learner"])).status_code == 400
    else:
        assert client.get("/data-protection/requests").status_code == 403
        assert client.get("/data-protection/requests/new").status_code == 403
        assert client.post("/data-protection/requests/new", data=_form(app, school["learner"])).status_code == 403
        assert "Subject access" not in text_of(client.get("/"))
    for path in ("", "/identity", "/extend", "/close"):
        response = client.get(f"/data-protection/requests/{public_id}{path}")
        assert response.status_code == 404, (who, path)  # out of sight
        assert REQUESTER not in text_of(response)
    with app.app_context():
        assert db.session.scalar(select(SubjectAccessRequest.status)) is RequestStatus.REGISTERED


def test_a_parent_is_refused(app, school, client_as, add_to_team):
    parent = client_as("parent")
    add_to_team(school["learner"], parent.account)
    assert parent.get("/data-protection/requests").status_code == 403
    assert parent.post("/data-protection/requests/new", data=_form(app, school["learner"])).status_code == 403


@pytest.mark.parametrize(("changes", "message"), [
    ({"requester_name": ""}, "Enter the requester’s name"),
    ({"learner": ""}, "Select the learner the request is about"),
    ({"received_on": ["31", "2", "2026"]}, "Not a valid date value"),
    ({"received_on": ["1", "1", str(date.today().year + 1)]}, "must be today or in the past"),
    ({"kind": "gossip"}, "Not a valid choice"),
])
def test_a_wrong_registration_re_renders_with_what_was_typed(app, school, changes, message):
    form = _form(app, school["learner"], **changes)
    response = school["people"]["dpo"].post("/data-protection/requests/new", data=form)
    page = text_of(response)
    assert response.status_code == 400 and "There is a problem" in page and message in page
    assert "canary-entitlement" in page  # what was typed is kept
    with app.app_context():
        assert db.session.scalar(select(SubjectAccessRequest.id)) is None


def test_another_schools_learner_cannot_be_chosen(app, school, create_case, create_agency):
    elsewhere = create_case(school=create_agency(name="Far School"))
    response = school["people"]["dpo"].post("/data-protection/requests/new", data=_form(app, elsewhere))
    assert response.status_code == 400


def _day_fields(name: str, day: date) -> dict:
    return {name: _day(day)}


def _version(app, public_id) -> str:
    with app.app_context():
        return str(db.session.scalar(select(SubjectAccessRequest.version).where(
            SubjectAccessRequest.public_id == public_id)))


def test_identity_confirmed_later_restarts_the_clock_then_extend_and_complete(app, school):
    dpo = school["people"]["dpo"]
    public_id = _register(app, dpo, school["learner"])
    base = f"/data-protection/requests/{public_id}"
    confirmed = _today(app) - timedelta(days=1)
    response = dpo.post(f"{base}/identity", data={"version": _version(app, public_id), "note": "Passport seen",
                                                  "clock_waited": "yes", **_day_fields("confirmed_on", confirmed)})
    assert response.status_code == 302, text_of(response)
    with app.app_context():
        found = _request(app)
        assert (found.clock_start, found.clock_starts_on) == (ClockStart.IDENTITY_CONFIRMED, confirmed)
        assert found.due_on == deadlines.article_15_due(confirmed)
        assert found.status is RequestStatus.IDENTITY_CHECKED
    assert dpo.get(f"{base}/identity").status_code == 403  # recorded once

    assert dpo.post(f"{base}/extend", data={"version": _version(app, public_id), "months": "2",
                                            "reason": ""}).status_code == 400  # the reason is required
    response = dpo.post(f"{base}/extend", data={"version": _version(app, public_id), "months": "2",
                                                "reason": "Records across three systems"})
    assert response.status_code == 302
    with app.app_context():
        found = _request(app)
        assert found.due_on == found.extended_to == deadlines.article_15_due(confirmed, 2)
    assert dpo.get(f"{base}/extend").status_code == 403  # once

    response = dpo.post(f"{base}/close", data={"version": _version(app, public_id), "outcome": "complete"})
    assert response.status_code == 302
    with app.app_context():
        found = _request(app)
        assert found.status is RequestStatus.COMPLETED and found.completed_at is not None
    page = text_of(dpo.get(base))
    assert "Identity checked" in page and "Deadline extended to" in page and "Records across three systems" in page
    assert dpo.get(f"{base}/close").status_code == 403  # closed: nothing more to do

    with app.app_context():
        events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.object_public_id == public_id)
                                         .order_by(AuditEvent.id)))
        assert [(e.action.value, e.outcome.value, e.object_type, e.fields_changed) for e in events] == [
            ("create", "allowed", "subject_access_request",
             "due_on,entitlement,kind,received_on,requester_name,requester_relationship"),
            ("update", "allowed", "subject_access_request",
             "clock_starts_on,due_on,identity_confirmed_on,identity_note,status"),
            ("view", "refused", "subject_access_request_form", None),  # the identity form, checked already
            ("view", "allowed", "subject_access_request", None),  # the extension without a reason: re-rendered
            ("update", "allowed", "subject_access_request", "due_on,extended_to,extension_reason"),
            ("view", "refused", "subject_access_request_form", None),  # extended already
            ("update", "allowed", "subject_access_request", "closed_at,completed_at,status"),
            ("view", "allowed", "subject_access_request", None),  # the request's page
            ("view", "refused", "subject_access_request_form", None),  # closed
        ]
    assert all(event.object_public_id == public_id for event in events)
    with app.app_context():
        rows = db.session.execute(select(AuditEvent.__table__)).all()
    trail = repr(rows)
    assert REQUESTER not in trail and "canary-entitlement" not in trail and "Passport seen" not in trail


def test_every_event_names_the_learner_so_it_shows_in_their_access_history(app, school):
    dpo = school["people"]["dpo"]
    public_id = _register(app, dpo, school["learner"])
    dpo.get(f"/data-protection/requests/{public_id}")
    with app.app_context():
        events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.object_public_id == public_id)))
        assert {event.action for event in events} == {AuditAction.CREATE, AuditAction.VIEW}
        assert all(event.learner_ids == [school["learner"]] for event in events), \
            [event.learner_ids for event in events]


def test_an_educational_record_request_is_due_after_15_school_days(app, school):
    dpo = school["people"]["dpo"]
    response = dpo.post("/data-protection/requests/new", data=_form(app, school["learner"], kind="educational_record"))
    assert response.status_code == 302
    with app.app_context():
        found = _request(app)
        assert found.due_on == add_school_days(found.agency_id, found.received_on, 15)
        assert not can(db.session.get(User, found.registered_by_id), Action.EXTEND_ACCESS_REQUEST, found)


def test_a_refusal_needs_a_reason_and_completion_needs_the_identity_check(app, school):
    dpo = school["people"]["dpo"]
    public_id = _register(app, dpo, school["learner"])
    base = f"/data-protection/requests/{public_id}/close"
    page = text_of(dpo.post(base, data={"version": _version(app, public_id), "outcome": "refuse"}))
    assert "Enter why the request is refused" in page
    page = text_of(dpo.post(base, data={"version": _version(app, public_id), "outcome": "complete"}))
    assert "Record the identity check before marking the request completed" in page
    response = dpo.post(base, data={"version": _version(app, public_id), "outcome": "refuse",
                                    "reason": "Manifestly excessive: the fourth identical request this month"})
    assert response.status_code == 302
    with app.app_context():
        assert _request(app).status is RequestStatus.REFUSED


def test_a_stale_version_is_a_conflict_and_changes_nothing(app, school):
    dpo = school["people"]["dpo"]
    public_id = _register(app, dpo, school["learner"])
    response = dpo.post(f"/data-protection/requests/{public_id}/close",
                        data={"version": "0", "outcome": "withdraw"})
    assert response.status_code == 409 and "Someone else changed" in text_of(response)
    with app.app_context():
        found = _request(app)
        assert found.status is RequestStatus.REGISTERED
        user = db.session.get(User, found.registered_by_id)
        with pytest.raises(EditConflict):
            services.close_request(user, found, version=found.version + 1, outcome="withdraw")


def test_an_extension_is_refused_once_the_request_is_overdue(app, school):
    _register(app, school["people"]["dpo"], school["learner"])
    with app.app_context():
        found = _request(app)
        user = db.session.get(User, found.registered_by_id)
        services.record_identity_check(user, found, version=found.version, confirmed_on=found.received_on,
                                       note="Known to the school", clock_waited=False)
        with pytest.raises(services.RequestError):
            services.extend_request(user, found, version=found.version, months=1, reason="Complex",
                                    today=found.due_on + timedelta(days=1))
        extended = services.extend_request(user, found, version=found.version, months=1, reason="Complex",
                                           today=found.due_on)  # on the due date itself: still in time
        assert extended.due_on == deadlines.article_15_due(found.clock_starts_on, 1)


def test_a_leavers_or_a_restricted_record_still_gets_its_request_answered(app, school, client_as):
    """Answering a request is the learner's right: archiving (a leaver) and a restriction of processing (Article 18)
    stop the casework, not the register; and the DPO reads none of the casework through it."""
    senco = school["people"]["senco"]
    with app.app_context():
        learner = db.session.scalars(select(Learner).where(Learner.public_id == school["learner"])).one()
        other = db.session.scalars(select(Learner).where(Learner.public_id == school["other"])).one()
        restrictions.restrict_processing(
            db.session.scalars(select(User).where(User.public_id == senco.account.public_id)).one(), learner,
            "The mother contests the accuracy of the plan")
        other.archived_at = utcnow()
        db.session.commit()
    dpo = school["people"]["dpo"]
    for public_id in (school["learner"], school["other"]):
        request_id = _register(app, dpo, public_id)
        page = dpo.get(f"/data-protection/requests/{request_id}")
        assert page.status_code == 200
        assert "contests the accuracy" not in text_of(page)  # the restriction's reason is the SENCo's and DSL's
        assert dpo.get(f"/data-protection/requests/{request_id}/identity").status_code == 200
        assert dpo.get(f"/learners/{public_id}").status_code in (403, 404)  # no casework through the designation


def test_closed_requests_come_a_page_at_a_time_newest_first_and_none_is_missed(app, school):
    """The closed ones add up every year: fifty a page, then older pages; two closed at one moment are told
    apart by their row, so a page may end between them."""
    dpo = school["people"]["dpo"]
    count = services.CLOSED_PAGE_SIZE + 4
    with app.app_context():
        user = db.session.scalars(select(User).where(User.public_id == dpo.account.public_id)).one()
        learner = db.session.scalars(select(Learner).where(Learner.public_id == school["learner"])).one()
        made = [services.register_request(user, learner=learner, kind="article_15", requester_name=f"R{n}",
                                          relationship="parent", entitlement=None, received_on=_today(app))
                for n in range(count)]
        for request in made:
            services.close_request(user, request, version=request.version, outcome="withdraw")
        now = utcnow()
        for n, request in enumerate(made):  # pairs share a moment: (0), (1, 2), (3, 4), ...
            request.closed_at = now - timedelta(hours=(n + 1) // 2)
        db.session.commit()
        expected = [request.public_id for request in sorted(made, key=lambda r: (r.closed_at, r.id), reverse=True)]
    seen, pages, path = [], 0, "/data-protection/requests?show=closed"
    while path:
        html = dpo.get(path).get_data(as_text=True)
        listed = re.findall(r'href="/data-protection/requests/([^"/]+)"', html)
        seen += [public_id for public_id in listed if public_id != "new"]
        pages += 1
        found = re.search(r'href="([^"]+)" id="older-requests"', html)
        path = found.group(1).replace("&amp;", "&") if found else None
    assert pages == 2 and seen == expected
    # A bound that is no closed request of this register (here a learner's id) starts from the newest.
    first = dpo.get(f"/data-protection/requests?show=closed&before={school['learner']}").get_data(as_text=True)
    assert f'href="/data-protection/requests/{expected[0]}"' in first
