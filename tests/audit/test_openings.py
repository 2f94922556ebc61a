"""Openings apart from appearances: opening a record is a VIEW naming its learner; a name shown in a list is LISTED;
the DSL's review of the trail is a VIEW of the audit trail, never of the learners it names; each refusal says what
was asked for; a learner's access history shows openings, with list appearances one click away; the chain
verifies across events written before and after the change."""
from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from app.agencies.accounts.models import AgencyKind, User
from app.audit.chain import seal_pending, verify_chain
from app.audit.directory import labelled
from app.audit.events import write_row
from app.audit.models import AuditAction, AuditEvent, AuditEventLearner, AuditOutcome
from app.audit.review.services import OBJECT_TYPES, event_page, object_type_label
from app.cases.learners.models import Learner
from app.extensions import db
from app.policy import Action
from app.policy.attempts import ATTEMPTS
from app.types import utcnow
from tests.fixtures.application import sign_in, text_of

# The chain and the learner index behave alike on both engines, but the chain is what must not break.
pytestmark = pytest.mark.both_backends


@dataclass
class School:
    accounts: dict  # name -> tests.fixtures.accounts.Account
    learners: dict  # name -> public id


@pytest.fixture
def school(app, create_agency, create_user, create_case, add_to_team) -> School:
    """Oak School: its DSL, SENCo, a teacher on Alpha's case (not Bravo's), an LSP on no case; Alpha's parent."""
    oak = create_agency(AgencyKind.SCHOOL, name="Oak School")
    family = create_agency(AgencyKind.FAMILY, name="The Alpha Family")
    accounts = {role: create_user(role, agency=oak) for role in ("dsl", "senco", "teacher", "lsp", "admin")}
    accounts["parent"] = create_user("parent", agency=family)
    learners = {name: create_case(school=oak, name=f"{name.title()} Openings") for name in ("alpha", "bravo", "delta")}
    for role in ("teacher", "parent"):
        add_to_team(learners["alpha"], accounts[role])
    return School(accounts, learners)


def signed_in(app, account):
    client = app.test_client()
    assert sign_in(client, account.email, account.password).status_code == 302
    return client


def last_id(app) -> int:
    with app.app_context():
        found = db.session.scalar(select(db.func.max(AuditEvent.id))) or 0
        db.session.remove()
        return found


def events_after(app, last: int) -> list[tuple]:
    """(action, outcome, object type, object id, learners named, learners indexed) of each event after `last`."""
    with app.app_context():
        rows = db.session.scalars(select(AuditEvent).where(AuditEvent.id > last).order_by(AuditEvent.id)).all()
        found = []
        for event in rows:
            indexed = set(db.session.scalars(select(AuditEventLearner.learner_public_id)
                                             .where(AuditEventLearner.event_id == event.id)))
            assert indexed == set(event.learner_ids)  # each learner's history finds the event
            found.append((event.action.value, event.outcome.value, event.object_type, event.object_public_id,
                          set(event.learner_ids)))
        db.session.remove()
        return found


def test_opening_a_record_is_a_view_naming_its_learner(app, school):
    client = signed_in(app, school.accounts["senco"])
    alpha = school.learners["alpha"]
    last = last_id(app)
    assert client.get(f"/learners/{alpha}").status_code == 200
    assert events_after(app, last) == [("view", "allowed", "learner", alpha, {alpha})]


@pytest.mark.parametrize("role, method, path, data", [
    ("senco", "GET", "/", None),
    ("senco", "GET", "/learners", None),
    ("teacher", "GET", "/", None),
    ("teacher", "GET", "/learners", None),
    ("senco", "POST", "/learners/find", {"query": "Alpha Openings"}),
])
def test_a_name_shown_in_a_list_is_listed_not_viewed(app, school, role, method, path, data):
    client = signed_in(app, school.accounts[role])
    last = last_id(app)
    response = client.post(path, data=data) if method == "POST" else client.get(path)
    assert response.status_code == 200
    events = events_after(app, last)
    assert [event[:4] for event in events] == [("listed", "allowed", "learner_list", None)]
    shown = {public_id for public_id in school.learners.values() if public_id in events[0][4]}
    assert school.learners["alpha"] in shown and events[0][4] == shown


def test_a_page_that_opens_one_record_and_lists_others_names_each_in_its_own_event(app, school):
    """The SENCo's merge page opens Alpha's record and lists the other learners as candidates."""
    client = signed_in(app, school.accounts["senco"])
    alpha, others = school.learners["alpha"], {school.learners["bravo"], school.learners["delta"]}
    last = last_id(app)
    assert client.get(f"/learners/{alpha}/merge").status_code == 200
    events = events_after(app, last)
    assert events[0] == ("view", "allowed", "learner", alpha, {alpha})
    assert events[1][:4] == ("listed", "allowed", "learner_list", None)
    assert alpha not in events[1][4] and others <= events[1][4]
    assert len(events) == 2


def test_the_dsl_filtering_the_trail_by_a_learner_does_not_view_them(app, school):
    """The review page is a VIEW of the audit trail; Alpha, chosen in the filter and named in its rows, is only
    LISTED; the filter's options (every learner of the school) are not recorded at all."""
    signed_in(app, school.accounts["senco"]).get(f"/learners/{school.learners['alpha']}")  # a row naming Alpha
    client = signed_in(app, school.accounts["dsl"])
    alpha = school.learners["alpha"]
    for path in (f"/audit?learner={alpha}", f"/audit/learner?learner={alpha}", f"/audit/export?learner={alpha}"):
        last = last_id(app)
        assert client.get(path).status_code == 200, path
        events = events_after(app, last)
        assert events == [("view", "allowed", "audit_trail", None, set()),
                          ("listed", "allowed", "learner_list", None, {alpha})], path
    last = last_id(app)
    assert client.get("/audit").status_code == 200
    named = set().union(*(event[4] for event in events_after(app, last)))
    assert school.learners["delta"] not in named  # offered in the filter, named in no row


def test_the_dsls_review_never_fills_a_learners_history_with_openings(app, school):
    client = signed_in(app, school.accounts["dsl"])
    alpha = school.learners["alpha"]
    for _ in range(3):
        assert client.get(f"/audit/learner?learner={alpha}").status_code == 200
    signed_in(app, school.accounts["teacher"]).get(f"/learners/{alpha}")  # the one real opening
    page = client.get(f"/audit/learner?learner={alpha}")
    with app.app_context():
        opened = db.session.scalars(
            select(AuditEvent).join(AuditEventLearner, AuditEventLearner.event_id == AuditEvent.id)
            .where(AuditEventLearner.learner_public_id == alpha, AuditEvent.action == AuditAction.VIEW)).all()
        teacher = db.session.scalar(select(User.id).where(User.public_id == school.accounts["teacher"].public_id))
        assert [event.actor_id for event in opened] == [teacher]
        db.session.remove()
    assert page.status_code == 200 and "Show list appearances too" in text_of(page)


def _history_rows(response) -> list[int]:
    return [int(value) for value in re.findall(r'data-event-id="(\d+)"', response.get_data(as_text=True))]


def test_a_learners_history_shows_openings_and_list_appearances_one_click_away_and_pages_with_them(app, school,
                                                                                                 monkeypatch):
    alpha = school.learners["alpha"]
    senco = signed_in(app, school.accounts["senco"])
    for _ in range(3):
        senco.get("/learners")  # listed three times
    senco.get(f"/learners/{alpha}")  # opened once
    dsl = signed_in(app, school.accounts["dsl"])
    with app.app_context():
        listed = set(db.session.scalars(
            select(AuditEvent.id).join(AuditEventLearner, AuditEventLearner.event_id == AuditEvent.id)
            .where(AuditEventLearner.learner_public_id == alpha, AuditEvent.action == AuditAction.LISTED)))
        db.session.remove()
    assert len(listed) >= 3
    openings = dsl.get(f"/audit/learner?learner={alpha}")
    assert not listed & set(_history_rows(openings)) and _history_rows(openings)
    assert f'href="/audit/learner?learner={alpha}&amp;listed=1"' in openings.get_data(as_text=True)
    everything = dsl.get(f"/audit/learner?learner={alpha}&listed=1")
    assert listed <= set(_history_rows(everything))
    assert "Show openings only" in text_of(everything)

    # Keyset paging keeps the choice: two events a page walks every listed event once, newest first.
    before, after, _, connection = event_page.__defaults__
    monkeypatch.setattr(event_page, "__defaults__", (before, after, 2, connection))
    seen, path = [], f"/audit/learner?learner={alpha}&listed=1"
    while path:
        response = dsl.get(path)
        seen += _history_rows(response)
        older = re.search(r'href="(/audit/learner\?[^"]*before=\d+[^"]*)"', response.get_data(as_text=True))
        path = older.group(1).replace("&amp;", "&") if older else None
        assert path is None or "listed=1" in path
    assert listed <= set(seen) and seen == sorted(seen, reverse=True) and len(seen) == len(set(seen))


def test_the_trails_action_filter_offers_listed(app, school):
    client = signed_in(app, school.accounts["senco"])
    client.get("/learners")
    dsl = signed_in(app, school.accounts["dsl"])
    page = dsl.get("/audit?action=listed")
    assert page.status_code == 200
    assert '<option value="listed" selected>Listed (name shown in a list)</option>' in page.get_data(as_text=True)
    assert "Listed (name shown in a list)" in text_of(page)


def test_the_chain_verifies_across_old_view_list_events_and_new_listed_ones(app, school):
    """An event as Braid wrote a list page before LISTED existed (a VIEW of learner_list), sealed; then new
    requests write LISTED and VIEW events; the whole chain verifies, and the old event reads as it was."""
    alpha, bravo = school.learners["alpha"], school.learners["bravo"]
    with app.app_context():
        senco = db.session.scalars(select(User).where(User.public_id == school.accounts["senco"].public_id)).one()
        school_id = db.session.scalar(select(Learner.school_id).where(Learner.public_id == alpha))
        write_row(dict(occurred_at=utcnow(), actor_id=senco.id, actor_role="senco", actor_agency_id=senco.agency_id,
                       action=AuditAction.VIEW, outcome=AuditOutcome.ALLOWED, object_type="learner_list",
                       object_public_id=None, learner_public_ids=f"{min(alpha, bravo)} {max(alpha, bravo)}",
                       school_id=school_id, request_id="before0022", ip_address="10.0.0.1", fields_changed=None,
                       purpose=None, out_of_hours=False), sorted([alpha, bravo]))
        db.session.commit()
        seal_pending()
        db.session.remove()
    client = signed_in(app, school.accounts["senco"])
    assert client.get("/learners").status_code == 200 and client.get(f"/learners/{alpha}").status_code == 200
    with app.app_context():
        seal_pending()
        assert verify_chain().intact
        old = db.session.scalars(select(AuditEvent).where(AuditEvent.request_id == "before0022")).one()
        assert (old.action, old.object_type) == (AuditAction.VIEW, "learner_list")
        actions = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.id > old.id)))
        assert {AuditAction.LISTED, AuditAction.VIEW} <= actions
        db.session.remove()


# --- refusals, labelled for what was asked -------------------------------------------------------

# role, method, path (placeholders: learner names, {self}), form data, expected action label, object type label
REFUSALS = [
    ("parent", "GET", "/learners/{alpha}/concerns/new", None, "View", "Raise a concern form"),
    ("parent", "POST", "/learners/{alpha}/concerns/new", {"concern": "x"}, "Create", "Safeguarding concern"),
    ("senco", "GET", "/audit", None, "View", "Audit trail"),
    ("senco", "GET", "/audit/learner?learner={alpha}", None, "View", "Audit trail"),
    ("teacher", "GET", "/audit/export", None, "Export", "Audit trail export"),
    ("teacher", "POST", "/audit/export", {"purpose": "inspection"}, "Export", "Audit trail export"),
    ("dsl", "POST", "/cpd/people/{lsp}/export", {"purpose": "review"}, "Export", "CPD log"),
    ("dsl", "GET", "/cpd/people/{lsp}/export", None, "Export", "CPD log"),
    ("dsl", "GET", "/cpd/people/{lsp}", None, "View", "CPD log"),
    ("teacher", "GET", "/learners/new", None, "View", "Learner's details form"),
    ("teacher", "POST", "/learners/new", {"name": "x"}, "Create", "Learner's record"),
    ("teacher", "GET", "/learners/{alpha}/team/invite", None, "View", "Team around the child form"),
    ("teacher", "GET", "/learners/{alpha}/edit", None, "View", "Learner's details form"),
    ("parent", "GET", "/learners/{alpha}/meetings/new", None, "View", "Meeting form"),
    ("lsp", "GET", "/learners/{alpha}/history", None, "View", "Correction of a learner's details"),
    ("teacher", "GET", "/accounts", None, "View", "List of accounts"),
    ("teacher", "GET", "/accounts/new", None, "View", "Account form"),
    ("teacher", "GET", "/admin/jobs", None, "View", "Background job runs"),
    ("admin", "GET", "/learners", None, "View", "List of learners"),
    ("admin", "GET", "/learners/import", None, "View", "Import of learners form"),
    ("parent", "GET", "/concerns", None, "View", "List of safeguarding concerns"),
    ("admin", "GET", "/cpd", None, "View", "CPD log"),
    ("senco", "GET", "/break-glass", None, "View", "Break-glass form"),
    ("admin", "GET", "/school/year-end", None, "View", "School year end form"),
]


@pytest.mark.parametrize("role, method, path, data, action_label, object_label", REFUSALS,
                         ids=[f"{row[0]}-{row[1]}-{row[2]}" for row in REFUSALS])
def test_each_refusal_is_labelled_for_what_was_asked(app, school, role, method, path, data, action_label,
                                                     object_label):
    names = {**school.learners, "lsp": school.accounts["lsp"].public_id}
    url = path.format(**names)
    client = signed_in(app, school.accounts[role])
    last = last_id(app)
    response = client.post(url, data=data) if method == "POST" else client.get(url)
    assert response.status_code in (403, 404)
    with app.app_context():
        refused = db.session.scalars(select(AuditEvent).where(AuditEvent.id > last,
                                                              AuditEvent.outcome == AuditOutcome.REFUSED)).all()
        assert [(event.action.label, object_type_label(event.object_type)) for event in refused] == \
            [(action_label, object_label)]
        if "{alpha}" in path:  # asked of Alpha's record: Alpha's history holds the attempt
            assert refused[0].learner_ids == [school.learners["alpha"]]
        db.session.remove()


def test_every_action_has_a_truthful_labelled_refusal(app):
    """Every policy action has its row, and every object type a row names has a label (not a made-up one)."""
    assert set(ATTEMPTS) == set(Action)
    types = {t for attempt in ATTEMPTS.values() for t in (attempt.object_type, attempt.form) if t}
    assert not sorted(t for t in types if t not in OBJECT_TYPES and labelled("object_type", t) is None)
