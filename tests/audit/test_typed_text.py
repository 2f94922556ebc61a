"""Nobody can write into the append-only trail: an event names only records that exist.

A public id typed into a URL or a query string is free text until a registered table has a row with it
(app.audit.subjects). A parent once stored "Maya Carter DOB 2016-03-04 lives at 1 Oak Rd" through the
DSL's review pages, 200 times in 2.5 s, where no one could ever delete it. Here: the same requests,
signed in and signed out, on the review pages and on every kind of object route; the DSL's own filters;
and the "audit_review" door, which answers 429 (writing nothing) once refusals pile up.
"""
from __future__ import annotations

import csv
import io
from urllib.parse import quote

import pytest
from sqlalchemy import func, select

from app.agencies.accounts.models import AgencyKind, User
from app.audit import subjects
from app.audit.models import AuditEvent, AuditEventLearner
from app.audit.review.export import safe_cell
from app.audit.review.services import OBJECT_TYPES, object_type_label
from app.extensions import db
from tests.fixtures.application import sign_in, text_of

# Behaviour that can differ between the engines: run on PostgreSQL as well as SQLite.
pytestmark = pytest.mark.both_backends

FINDING = "Maya Carter DOB 2016-03-04 lives at 1 Oak Rd"
# The same squeezed into the public-id alphabet: well formed, so only a lookup can tell it names nothing.
FINDING_ID = "Maya_Carter_DOB_2016-03-04_lives_at_1_Oak_Rd"
PIECES = (FINDING, FINDING_ID, "Maya Carter", "Maya_Carter", "Oak Rd", "Oak_Rd", "2016-03-04")
TYPED = {"as typed": quote(FINDING), "as an id": FINDING_ID}
# The finding's four requests: the learner's history, a person's activity, the review and the export.
ATTACKS = ("/audit/learner?learner={q}", "/audit/person?user={q}", "/audit?learner={q}", "/audit/export?user={q}")
ACCOUNT_LIMIT = 20  # RATELIMIT_AUDIT_REVIEW_ACCOUNT: 20 per 15 minutes


@pytest.fixture
def school(app, create_agency, create_user, create_case, add_to_team):
    """Oak School (DSL, SENCo, teacher, LSP, admin), a parent on Ava's team, and Elm School with its learner Cal."""
    oak = create_agency(AgencyKind.SCHOOL, name="Oak School")
    elm = create_agency(AgencyKind.SCHOOL, name="Elm School")
    family = create_agency(AgencyKind.FAMILY, name="The Ava Family")
    people = {role: create_user(role, agency=oak, name=f"Oak {role.upper()}")
              for role in ("dsl", "senco", "teacher", "lsp", "admin")}
    people["parent"] = create_user("parent", agency=family, name="Pat Parent")
    people["elm_teacher"] = create_user("teacher", agency=elm, name="Elm Teacher")
    learners = {"ava": create_case(school=oak, name="Ava Learner"), "bo": create_case(school=oak, name="Bo Learner"),
                "cal": create_case(school=elm, name="Cal Learner")}
    for role in ("teacher", "lsp", "parent"):
        add_to_team(learners["ava"], people[role])
    return {"people": people, "learners": learners}


def signed_in(app, account, address: str = "127.0.0.1"):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    assert sign_in(client, account.email, account.password).status_code == 302
    return client


def last_event_id(app) -> int:
    with app.app_context():
        last = db.session.scalar(select(func.max(AuditEvent.id))) or 0
        db.session.remove()
    return last


def events_after(app, last: int) -> list:
    with app.app_context():
        rows = db.session.execute(select(AuditEvent.__table__).where(AuditEvent.id > last)
                                  .order_by(AuditEvent.id)).all()
        db.session.remove()
    return rows


def trail_text(app) -> str:
    """Every column of every row of the trail's event tables, as one text."""
    with app.app_context():
        rows = [repr(tuple(row)) for row in db.session.execute(select(AuditEvent.__table__))]
        rows += [repr(tuple(row)) for row in db.session.execute(select(AuditEventLearner.__table__))]
        db.session.remove()
    return "\n".join(rows)


def assert_never_written(app, *texts: str) -> None:
    trail = trail_text(app).lower()
    found = [piece for piece in (*PIECES, *texts) if piece.lower() in trail]
    assert not found, f"typed text in the audit trail: {found}"


def account_id(app, account) -> int:
    with app.app_context():
        found = db.session.scalars(select(User.id).where(User.public_id == account.public_id)).one()
        db.session.remove()
    return found


# --- the finding, as it was reported ----------------------------------------------------------------


def test_a_parent_repeating_the_findings_requests_writes_no_text_and_is_stopped(app, school):
    parent = signed_in(app, school["people"]["parent"])
    last = last_event_id(app)
    statuses = []
    for n in range(ACCOUNT_LIMIT + 10):
        url = ATTACKS[n % len(ATTACKS)].format(q=TYPED["as typed" if n % 2 else "as an id"])
        statuses.append(parent.get(url).status_code)
    assert statuses == [403] * ACCOUNT_LIMIT + [429] * 10
    events = events_after(app, last)
    assert len(events) == ACCOUNT_LIMIT  # one refusal each, and nothing at all once the door is shut
    assert all(event.outcome.value == "refused" and event.object_public_id is None for event in events)
    assert all(event.actor_id == account_id(app, school["people"]["parent"]) for event in events)
    # Each refusal is what was asked: the trail's review (a learner's history), a person's activity, the export.
    assert {event.object_type for event in events} == {"audit_trail", "user_account", "audit_export"}
    assert_never_written(app)
    # The door is shut for the review only: the parent's own case still opens.
    assert parent.get(f"/learners/{school['learners']['ava']}/plan").status_code == 200


def test_nothing_typed_reaches_the_dsls_csv_export(app, school):
    """A teacher of the school (whose refusals are in the school's trail) and the DSL's own bad filters."""
    teacher = signed_in(app, school["people"]["teacher"], "10.0.0.1")
    for n in range(ACCOUNT_LIMIT):
        assert teacher.get(ATTACKS[n % len(ATTACKS)].format(q=TYPED["as an id"])).status_code == 403
    dsl = signed_in(app, school["people"]["dsl"], "10.0.0.2")
    assert [dsl.get(url.format(q=TYPED["as typed"])).status_code for url in ATTACKS] == [404, 404, 400, 400]
    response = dsl.post("/audit/export?outcome=refused", data={"purpose": "inspection", "details": "Refusals"})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    body = response.get_data().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(body)))
    # The attempts are all there, by who made them; what was typed is not. (A public id may start with "-": its
    # cell then carries the formula guard's quote.)
    teacher_id = safe_cell(school["people"]["teacher"].public_id)
    assert sum(row["Actor public id"] == teacher_id for row in rows) == ACCOUNT_LIMIT
    assert sum(row["Object type"] == "audit_filter" for row in rows) == len(ATTACKS)
    assert all(not row["Object public id"] for row in rows)
    assert not [piece for piece in PIECES if piece.lower() in body.lower()]
    assert_never_written(app)


# --- signed out: anyone on the internet --------------------------------------------------------------


ANONYMOUS_URLS = ("/learners/{q}/plan", "/learners/{q}", "/meetings/{q}", "/contributions/{q}/edit",
                  "/accounts/{q}", "/cpd/entries/{q}")


@pytest.mark.parametrize("typed", sorted(TYPED))
def test_signed_out_requests_for_made_up_objects_name_nothing(app, school, typed):
    visitor = app.test_client()
    last = last_event_id(app)
    for url in ANONYMOUS_URLS:
        for _ in range(5):
            response = visitor.get(url.format(q=TYPED[typed]))
            assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")
    response = visitor.post(f"/learners/{TYPED[typed]}/contributions/new", data={"title": "x"})
    assert response.status_code == 302
    events = events_after(app, last)
    assert len(events) == len(ANONYMOUS_URLS) * 5 + 1
    assert {(event.object_type, event.object_public_id, event.actor_id, event.outcome.value) for event in events} \
        == {(None, None, None, "refused")}
    assert_never_written(app)


def test_a_signed_out_request_for_a_real_record_still_names_it(app, school):
    ava = school["learners"]["ava"]
    last = last_event_id(app)
    assert app.test_client().get(f"/learners/{ava}/plan").status_code == 302
    (event,) = events_after(app, last)
    assert (event.object_type, event.object_public_id, event.actor_id) == ("learner", ava, None)


# --- signed in: every kind of object route, with an id that names nothing -----------------------------


# role, method, url ({q}: the made-up id), the object type the refusal names
OBJECT_ROUTES = [
    ("senco", "GET", "/learners/{q}", "learner"),
    ("senco", "GET", "/learners/{q}/plan", "learner"),
    ("teacher", "GET", "/learners/{q}/contributions", "learner"),
    ("teacher", "POST", "/learners/{q}/contributions/new", "contribution"),  # what was asked: a contribution
    ("senco", "GET", "/learners/{q}/team", "learner"),
    ("teacher", "GET", "/contributions/{q}", "contribution"),
    ("teacher", "GET", "/contributions/{q}/history", "contribution"),
    ("teacher", "GET", "/meetings/{q}", "meeting"),
    ("teacher", "POST", "/actions/{q}", "meeting_action"),
    ("dsl", "GET", "/concerns/{q}", "safeguarding_concern"),
    ("senco", "GET", "/cycles/{q}", "plan_cycle"),
    ("senco", "GET", "/outcomes/{q}/edit", "plan_form"),  # a GET asks to see the form
    ("senco", "GET", "/provision/{q}/edit", "plan_form"),
    ("senco", "POST", "/memberships/{q}/end", "team_membership"),
    ("senco", "POST", "/invitations/{q}/revoke", "invitation"),
    ("admin", "GET", "/accounts/{q}", "user_account"),
    ("lsp", "GET", "/cpd/entries/{q}", "cpd_entry"),
    ("lsp", "GET", "/cpd/goals/{q}", "cpd_goal"),
    ("lsp", "GET", "/cpd/reviews/{q}", "cpd_progress_review"),
    ("senco", "GET", "/cpd/people/{q}", "cpd_log"),
    ("teacher", "GET", "/break-glass?learner={q}", "break_glass_form"),
    ("parent", "GET", "/audit/learner?learner={q}", "audit_trail"),
    ("parent", "GET", "/audit/person?user={q}", "user_account"),
    ("dsl", "GET", "/audit/learner?learner={q}", "audit_filter"),
    ("dsl", "GET", "/audit/person?user={q}", "audit_filter"),
    ("parent", "GET", "/learners/{q}/who-has-seen", "access_summary"),
    ("parent", "GET", "/audit/learner/family-view?learner={q}&event=1", "audit_trail"),
    ("dsl", "GET", "/audit/learner/family-view?learner={q}&event=1", "audit_filter"),
    ("admin", "GET", "/data-protection/requests/{q}", "subject_access_request"),
    ("admin", "POST", "/data-protection/requests/{q}/close", "subject_access_request"),
    ("admin", "GET", "/data-protection/officers/{q}", "account_change_form"),
]


@pytest.mark.parametrize("typed", sorted(TYPED))
def test_a_made_up_id_on_any_object_route_is_refused_and_names_nothing(app, school, typed):
    clients = {role: signed_in(app, account) for role, account in school["people"].items()}
    problems = []
    for role, method, url_template, object_type in OBJECT_ROUTES:
        url = url_template.format(q=TYPED[typed])
        last = last_event_id(app)
        client = clients[role]
        response = client.get(url) if method == "GET" else client.post(url, data={"version": "1", "title": "x"})
        events = events_after(app, last)
        got = [(event.object_type, event.object_public_id, event.outcome.value, event.learner_public_ids)
               for event in events]
        if response.status_code not in (403, 404):
            problems.append(f"{method} {url_template} as {role}: {response.status_code}")
        if got != [(object_type, None, "refused", None)]:
            problems.append(f"{method} {url_template} as {role}: {got}")
    assert not problems, "\n".join(problems)
    assert_never_written(app)


# --- a refusal of a record that exists still names it ------------------------------------------------


def test_a_refusal_of_an_existing_learner_out_of_sight_names_that_learner(app, school):
    ava, cal = school["learners"]["ava"], school["learners"]["cal"]
    cases = [  # role, url, (action, object type, object, learners)
        # Another school's learner: the trail's review (what was asked), on Cal's history.
        ("dsl", f"/audit/learner?learner={cal}", ("view", "audit_trail", None, cal)),
        ("senco", f"/learners/{cal}", ("view", "learner", cal, cal)),
        ("teacher", f"/break-glass?learner={cal}", ("view", "break_glass_form", None, cal)),
        ("parent", f"/audit/learner?learner={ava}", ("view", "audit_trail", None, ava)),
    ]
    for role, url, expected in cases:
        client = signed_in(app, school["people"][role])
        last = last_event_id(app)
        assert client.get(url).status_code in (403, 404), url
        (event,) = events_after(app, last)
        assert (event.action.value, event.object_type, event.object_public_id, event.learner_public_ids) == expected
        assert event.outcome.value == "refused"


# --- the DSL's own filters -----------------------------------------------------------------------------


@pytest.mark.parametrize("typed", sorted(TYPED))
def test_a_dsls_filter_naming_no_one_of_the_school_is_a_refused_filter(app, school, typed):
    dsl = signed_in(app, school["people"]["dsl"])
    cal_id = school["learners"]["cal"]
    requests = [
        (f"/audit?learner={TYPED[typed]}", 400, "Choose a learner from the list"),
        (f"/audit?user={TYPED[typed]}", 400, "Choose a person from the list"),
        (f"/audit?learner={cal_id}", 400, "Choose a learner from the list"),  # another school's
        (f"/audit/export?learner={TYPED[typed]}", 400, "Choose a learner from the list"),
        # Another school's teacher: neither of the school nor in its trail.
        (f"/audit/export?user={school['people']['elm_teacher'].public_id}", 400, "Choose a person from the list"),
        (f"/audit/learner?learner={TYPED[typed]}", 404, None),
        (f"/audit/person?user={TYPED[typed]}", 404, None),
    ]
    for url, status, message in requests:
        last = last_event_id(app)
        response = dsl.get(url)
        assert response.status_code == status, url
        if message:
            page = text_of(response)
            assert "There is a problem" in page and message in page
        events = events_after(app, last)
        refused = [event for event in events if event.outcome.value == "refused"]
        assert [(e.action.value, e.object_type, e.object_public_id, e.learner_public_ids) for e in refused] \
            == [("view", "audit_filter", None, None)], url
        assert refused[0].actor_id == account_id(app, school["people"]["dsl"])
        # The form still offers the school's learners: a choice, not a read of anyone, so not recorded.
        assert len(events) == 1
    assert_never_written(app)
    # The review shows the refused filters by their label.
    page = text_of(dsl.get("/audit?outcome=refused"))
    assert OBJECT_TYPES["audit_filter"] in page


def test_a_refused_filter_has_a_label_of_its_own():
    assert object_type_label("audit_filter") == OBJECT_TYPES["audit_filter"] != "Audit filter"


# --- the "audit_review" door ---------------------------------------------------------------------------


def test_a_429_from_the_review_writes_no_event(app, school):
    app.config["RATELIMIT_AUDIT_REVIEW_ACCOUNT"] = "3 per 15 minutes"
    teacher = signed_in(app, school["people"]["teacher"])
    assert [teacher.get("/audit").status_code for _ in range(3)] == [403] * 3
    last = last_event_id(app)
    for url in ("/audit", f"/audit/learner?learner={FINDING_ID}", "/audit/flags", "/audit/export"):
        response = teacher.get(url)
        assert response.status_code == 429 and "Too many attempts" in text_of(response)
        assert int(response.headers["Retry-After"]) > 0
    for url in ("/audit/verify", "/audit/export"):
        assert teacher.post(url, data={"purpose": "inspection", "details": "x"}).status_code == 429
    assert events_after(app, last) == []


def test_the_review_door_counts_per_account_and_per_address(app, school):
    app.config["RATELIMIT_AUDIT_REVIEW_IP"] = "5 per 15 minutes"
    teacher = signed_in(app, school["people"]["teacher"], "10.0.0.7")
    parent = signed_in(app, school["people"]["parent"], "10.0.0.7")
    dsl_elsewhere = signed_in(app, school["people"]["dsl"], "10.0.0.8")
    assert [teacher.get("/audit").status_code for _ in range(3)] == [403] * 3
    assert [parent.get("/audit/flags").status_code for _ in range(2)] == [403] * 2
    assert parent.get("/audit/flags").status_code == 429  # the address's five refusals are spent
    assert dsl_elsewhere.get("/audit").status_code == 200  # another address, another account


def test_a_dsl_browsing_many_pages_never_meets_the_door(app, school):
    app.config["RATELIMIT_AUDIT_REVIEW_ACCOUNT"] = "3 per 15 minutes"
    app.config["RATELIMIT_AUDIT_REVIEW_IP"] = "3 per 15 minutes"
    ava, teacher = school["learners"]["ava"], school["people"]["teacher"].public_id
    dsl = signed_in(app, school["people"]["dsl"])
    pages = ("/audit", f"/audit?learner={ava}", f"/audit/learner?learner={ava}", f"/audit/person?user={teacher}",
             "/audit/flags", f"/audit/export?learner={ava}", "/audit?outcome=refused&action=view")
    for _ in range(4):
        assert [dsl.get(page).status_code for page in pages] == [200] * len(pages)
    response = dsl.post(f"/audit/export?learner={ava}", data={"purpose": "inspection", "details": "Visit"})
    assert response.status_code == 200
    # Three mistakes spend the limit; then even a good page waits.
    assert [dsl.get(f"/audit/learner?learner={FINDING_ID}").status_code for _ in range(3)] == [404] * 3
    assert dsl.get("/audit").status_code == 429


# --- the registry ---------------------------------------------------------------------------------------


def test_every_record_with_a_public_id_is_a_subject_the_trail_can_name(app):
    # Secrets' holders, the sealed rows of a file waiting to be imported, and notifications (the trail names the
    # thing a notification is about, when it is opened): no event is ever about them.
    never_named = {"mfa_enrolment", "learner_import_row", "notification"}
    with_public_id = {mapper.class_.__tablename__ for mapper in db.Model.registry.mappers
                      if "public_id" in mapper.columns}
    assert with_public_id - never_named == {name for name in with_public_id if subjects.model(name) is not None}
    assert {name for name in OBJECT_TYPES if subjects.model(name) is not None} <= with_public_id


def test_a_subject_is_named_only_when_its_record_exists(app, school):
    ava = school["learners"]["ava"]
    with app.app_context():
        assert subjects.named("learner", ava) == ava
        assert subjects.named("meeting", ava) is None  # a learner's id is no meeting's
        assert subjects.named("learner", FINDING_ID) is None and subjects.named("learner", FINDING) is None
        assert subjects.named("no_such_type", ava) is None and subjects.named("learner", None) is None
        assert subjects.identify(ava) == ("learner", ava)
        assert subjects.name(None, FINDING_ID) == (None, None)
        assert subjects.name("learner", "x' OR '1'='1") == ("learner", None)
        assert subjects.find("learner", ava).public_id == ava
        db.session.remove()
