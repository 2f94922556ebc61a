"""The DSL's review of the audit trail: filters, scope, keyset paging, flags, export and verifying on request.

Expected rows are computed from every row of audit_event with plain Python (the oracle), so each
filter is checked against the whole trail as it stands, including what the services themselves wrote.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from app.agencies.accounts.models import AgencyKind, User
from app.audit.events import record, write_row
from app.audit.models import (
    AuditAction,
    AuditEvent,
    AuditExport,
    AuditOutcome,
    AuditVerification,
    PurposeCategory,
)
from app.audit.review import export as export_module
from app.audit.review.flags import find_flags
from app.audit.review.services import AuditFilters, event_page, ordered_by_time
from app.cases.break_glass.models import BreakGlassAccess
from app.cases.learners.models import Learner
from app.extensions import db
from app.types import utcnow
from tests.fixtures.application import sign_in, text_of

# Behaviour that can differ between the engines: run on PostgreSQL as well as SQLite.
pytestmark = pytest.mark.both_backends

LONDON = ZoneInfo("Europe/London")
SCHOOL_ROLES_REFUSED = ("teacher", "senco", "admin", "lsp")


# --- the world -----------------------------------------------------------------------------------


@dataclass
class World:
    accounts: dict  # name -> tests.fixtures.accounts.Account
    learners: dict  # name -> public id
    schools: dict  # name -> agency name


@pytest.fixture
def world(app, create_agency, create_user, create_case, add_to_team) -> World:
    """Alpha School (DSL, teacher, SENCo, admin, LSP), an NHS therapist on Alpha's team, a parent, and
    Beta School (its DSL and teacher) with its own learner Charlie."""
    alpha_school = create_agency(AgencyKind.SCHOOL, name="Alpha School")
    beta_school = create_agency(AgencyKind.SCHOOL, name="Beta School")
    nhs = create_agency(AgencyKind.NHS_SERVICE, name="Riverside SLT Service")
    family = create_agency(AgencyKind.FAMILY, name="The Alpha Family")
    accounts = {
        "dsl": create_user("dsl", agency=alpha_school, name="Dee Lead"),
        "teacher": create_user("teacher", agency=alpha_school, name="Tess Teacher"),
        "senco": create_user("senco", agency=alpha_school, name="Sam Senco"),
        "admin": create_user("admin", agency=alpha_school, name="Ada Admin"),
        "lsp": create_user("lsp", agency=alpha_school, name="Lee Support"),
        "slt": create_user("slt", agency=nhs, name="Sal Therapist", access_expires_in=timedelta(days=3)),
        "slt_later": create_user("slt", agency=nhs, name="Lou Therapist", access_expires_in=timedelta(days=60)),
        "parent": create_user("parent", agency=family, name="Pat Parent"),
        "beta_dsl": create_user("dsl", agency=beta_school, name="Bea Lead"),
        "beta_teacher": create_user("teacher", agency=beta_school, name="Ben Teacher"),
    }
    learners = {
        "alpha": create_case(school=alpha_school, name="Alpha Learner"),
        "bravo": create_case(school=alpha_school, name="Bravo Learner"),
        "charlie": create_case(school=beta_school, name="Charlie Learner"),
    }
    for extra in ("delta", "echo", "foxtrot"):
        learners[extra] = create_case(school=alpha_school, name=f"{extra.title()} Learner")
    for name in ("teacher", "slt", "slt_later", "parent"):
        add_to_team(learners["alpha"], accounts[name], days=3 if name == "slt" else 60)
    return World(accounts, learners, {"alpha": alpha_school, "beta": beta_school})


def user(account) -> User:
    return db.session.scalars(select(User).where(User.public_id == account.public_id)).one()


def learner(public_id) -> Learner:
    return db.session.scalars(select(Learner).where(Learner.public_id == public_id)).one()


def school_of(world, name="alpha") -> int:
    return user(world.accounts["dsl" if name == "alpha" else "beta_dsl"]).agency_id


def local(days_ago: int, hour: int, minute: int = 0) -> datetime:
    day = datetime.now(LONDON).date() - timedelta(days=days_ago)
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON).astimezone(UTC)


def add_event(actor: User | None, *, when=None, action=AuditAction.VIEW, outcome=AuditOutcome.ALLOWED,
              learners=(), object_type="learner", object_public_id=None, purpose=None, out_of_hours=False,
              school_id=None, fields=None) -> int:
    """Write one event as the services would, at a chosen time (inside an app context; flushes)."""
    ids = sorted(learner.public_id for learner in learners)
    school = learners[0].school_id if learners else (school_id if school_id is not None else actor.agency_id)
    write_row(dict(
        occurred_at=when or utcnow(), actor_id=actor.id if actor else None,
        actor_role=actor.role.value if actor else None,
        actor_agency_id=actor.agency_id if actor else None, action=action, outcome=outcome, object_type=object_type,
        object_public_id=object_public_id or (ids[0] if len(ids) == 1 else None),
        learner_public_ids=" ".join(ids) or None, school_id=school, request_id=None, ip_address="10.0.0.9",
        fields_changed=fields, purpose=purpose, out_of_hours=out_of_hours,
    ), ids)
    return db.session.scalar(select(func.max(AuditEvent.id)))


def all_events() -> list:
    return db.session.execute(select(AuditEvent.__table__).order_by(AuditEvent.id.desc())).all()


def oracle(school_id: int, filters: AuditFilters, users: dict) -> list[int]:
    """The ids `filters` must return, newest first, decided in Python over every row of the trail."""
    found = []
    for row in all_events():
        if row.school_id != school_id:
            continue
        if filters.learner and filters.learner not in (row.learner_public_ids or "").split():
            continue
        if filters.user and row.actor_id != users[filters.user]:
            continue
        if filters.action and row.action is not filters.action:
            continue
        if filters.outcome and row.outcome is not filters.outcome:
            continue
        day = row.occurred_at.astimezone(LONDON).date()
        if filters.date_from and day < filters.date_from:
            continue
        if filters.date_to and day > filters.date_to:
            continue
        found.append(row)
    if ordered_by_time(filters):  # date-bounded pages go newest first by time, then id
        found.sort(key=lambda row: (row.occurred_at, row.id), reverse=True)
    return [row.id for row in found]


def walk(dsl: User, filters: AuditFilters, limit: int, pages: list | None = None) -> list[int]:
    """Every page from the newest, following `older` cursors; asserts each page's size."""
    ids, before = [], None
    while True:
        page = event_page(dsl, filters, before=before, limit=limit)
        assert len(page) <= limit
        ids += [row.id for row in page]
        if pages is not None:
            pages.append(page)
        if page.older is None:
            return ids
        assert len(page) == limit
        before = page.older


def walk_back(dsl: User, filters: AuditFilters, limit: int) -> list[int]:
    """From the oldest page up, following `newer` cursors: the ids newest first again."""
    pages = []
    walk(dsl, filters, limit, pages)
    page, ids = pages[-1], []
    while True:
        ids = [row.id for row in page] + ids
        if page.newer is None:
            return ids
        page = event_page(dsl, filters, after=page.newer, limit=limit)


def build_trail(world) -> dict:
    """A varied trail across both schools (ids by label)."""
    teacher, senco, slt = user(world.accounts["teacher"]), user(world.accounts["senco"]), user(world.accounts["slt"])
    dsl, beta_teacher = user(world.accounts["dsl"]), user(world.accounts["beta_teacher"])
    alpha, bravo, charlie = (learner(world.learners[n]) for n in ("alpha", "bravo", "charlie"))
    made = {
        "teacher_views_alpha": add_event(teacher, when=local(10, 10), learners=[alpha]),
        "teacher_refused_bravo": add_event(teacher, when=local(5, 11), learners=[bravo], outcome=AuditOutcome.REFUSED),
        "senco_updates_alpha": add_event(senco, when=local(5, 12), learners=[alpha], action=AuditAction.UPDATE,
                                         fields="notes"),
        "slt_views_alpha": add_event(slt, when=local(1, 9), learners=[alpha]),
        "senco_lists": add_event(senco, when=local(1, 8), learners=[alpha, bravo], object_type="learner_list"),
        "dsl_signs_in": add_event(dsl, when=local(10, 8), action=AuditAction.SIGN_IN, object_type="user_account",
                                  object_public_id=dsl.public_id),
        "beta_views_charlie": add_event(beta_teacher, when=local(1, 9), learners=[charlie]),
        "beta_signs_in": add_event(beta_teacher, when=local(1, 8), action=AuditAction.SIGN_IN),
    }
    db.session.commit()
    return made


def signed_in(app, account):
    client = app.test_client()
    assert sign_in(client, account.email, account.password).status_code == 302
    return client


def shown_ids(response) -> list[int]:
    return [int(value) for value in re.findall(r'data-event-id="(\d+)"', response.get_data(as_text=True))]


# --- filters -------------------------------------------------------------------------------------


def test_each_filter_narrows_to_exactly_the_matching_events(app, world):
    with app.app_context():
        made = build_trail(world)
        dsl = user(world.accounts["dsl"])
        school = dsl.agency_id
        users = {account.public_id: user(account).id for account in world.accounts.values()}
        today = datetime.now(LONDON).date()
        cases = {
            "learner": AuditFilters(learner=world.learners["alpha"]),
            "user": AuditFilters(user=world.accounts["teacher"].public_id),
            "action": AuditFilters(action=AuditAction.UPDATE),
            "outcome": AuditFilters(outcome=AuditOutcome.REFUSED),
            "date_from": AuditFilters(date_from=today - timedelta(days=5)),
            "date_to": AuditFilters(date_to=today - timedelta(days=5)),
            "date range": AuditFilters(date_from=today - timedelta(days=5), date_to=today - timedelta(days=5)),
            "learner and user": AuditFilters(learner=world.learners["alpha"], user=world.accounts["teacher"].public_id),
            "learner and action": AuditFilters(learner=world.learners["alpha"], action=AuditAction.VIEW,
                                               date_from=today - timedelta(days=2)),
            "everything": AuditFilters(learner=world.learners["bravo"], user=world.accounts["teacher"].public_id,
                                       action=AuditAction.VIEW, outcome=AuditOutcome.REFUSED,
                                       date_from=today - timedelta(days=6), date_to=today - timedelta(days=4)),
        }
        everything = oracle(school, AuditFilters(), users)
        assert walk(dsl, AuditFilters(), limit=3) == everything
        for label, filters in cases.items():
            expected = oracle(school, filters, users)
            assert expected, f"{label}: the world has no matching event"
            assert len(expected) < len(everything), f"{label}: does not narrow"
            assert walk(dsl, filters, limit=2) == expected, label
            assert walk_back(dsl, filters, limit=2) == expected, f"{label}, walking back"
        assert walk(dsl, cases["everything"], limit=50) == [made["teacher_refused_bravo"]]
        assert walk(dsl, cases["action"], limit=50) == [made["senco_updates_alpha"]]


def test_filters_through_the_page(app, world):
    with app.app_context():
        made = build_trail(world)
    client = signed_in(app, world.accounts["dsl"])
    response = client.get(f"/audit?learner={world.learners['alpha']}&action=update")
    assert response.status_code == 200
    assert shown_ids(response) == [made["senco_updates_alpha"]]
    page = text_of(response)
    assert "Sam Senco" in page and "Alpha Learner" in page and "Fields: notes" in page
    response = client.get(f"/audit?user={world.accounts['teacher'].public_id}&outcome=refused")
    assert shown_ids(response) == [made["teacher_refused_bravo"]]
    day = local(5, 12).astimezone(LONDON).date()
    response = client.get(f"/audit?date_from={day.isoformat()}&date_to={day.isoformat()}&action=update")
    assert shown_ids(response) == [made["senco_updates_alpha"]]
    # The GOV.UK date input sends day, month and year under one name.
    response = client.get(f"/audit?date_from={day.day}&date_from={day.month}&date_from={day.year}"
                          f"&date_to={day.day}&date_to={day.month}&date_to={day.year}&action=update")
    assert shown_ids(response) == [made["senco_updates_alpha"]]


def test_a_learner_is_found_by_the_name_typed_and_the_page_opens_no_other_name(app, world, create_case):
    with app.app_context():
        made = build_trail(world)
    client = signed_in(app, world.accounts["dsl"])
    # Spacing and case do not matter (the blind index's normalised name); one learner found is chosen.
    response = client.get("/audit?learner_name=alpha%20LEARNER&action=update")
    assert response.status_code == 200
    assert shown_ids(response) == [made["senco_updates_alpha"]]
    page = text_of(response)
    assert "Bravo Learner" not in page  # the filter no longer offers every learner of the school
    # Another school's learner, or a name nobody has: the form says so, and nothing is shown.
    for typed in ("Charlie Learner", "Nobody Atall"):
        response = client.get(f"/audit?learner_name={typed}")
        assert response.status_code == 400
        assert "No learner at your school has this full name or UPN" in text_of(response)
        assert 'id="events"' not in text_of(response)
    # Two learners of one name: both offered, to choose from.
    twin = create_case(school="Alpha School", name="Alpha Learner")
    response = client.get("/audit?learner_name=Alpha+Learner")
    assert response.status_code == 400
    assert "More than one learner has this name: choose one from the list" in text_of(response)
    body = response.get_data(as_text=True)
    assert world.learners["alpha"] in body and twin in body and world.learners["bravo"] not in body


@pytest.mark.parametrize("query, message, kept", [
    ("date_from=31&date_from=2&date_from=2025", "Date from must be a real date", ("31", "2", "2025")),
    ("date_from=3&date_from=&date_from=2025", "Date from must include a month", ("3", "2025")),
    ("date_to=not-a-date", "Date to must be a real date", ()),
    ("date_from=2025-03-10&date_to=2025-03-01", "Date to must be the same as or after date from", ("10", "3", "1")),
    ("action=explode", "Choose an action from the list", ()),
    ("learner=no-such-learner", "Choose a learner from the list", ()),
])
def test_bad_filters_re_render_with_an_error_summary_and_keep_what_was_typed(app, world, query, message, kept):
    client = signed_in(app, world.accounts["dsl"])
    response = client.get(f"/audit?{query}")
    assert response.status_code == 400
    page = text_of(response)
    assert "There is a problem" in page and message in page
    assert 'id="events"' not in page
    for value in kept:
        assert f'value="{value}"' in response.get_data(as_text=True)


# --- scope ---------------------------------------------------------------------------------------


def test_another_schools_events_never_appear(app, world):
    with app.app_context():
        made = build_trail(world)
        dsl, beta_dsl = user(world.accounts["dsl"]), user(world.accounts["beta_dsl"])
        alpha_ids = walk(dsl, AuditFilters(), limit=50)
        beta_ids = walk(beta_dsl, AuditFilters(), limit=50)
        assert made["beta_views_charlie"] not in alpha_ids and made["beta_signs_in"] not in alpha_ids
        assert made["beta_views_charlie"] in beta_ids and made["teacher_views_alpha"] not in beta_ids
        schools = dict(db.session.execute(select(AuditEvent.id, AuditEvent.school_id)).all())
        assert {schools[i] for i in alpha_ids} == {dsl.agency_id}
        # Asking by another school's learner or person finds nothing, even through the pure query.
        assert walk(dsl, AuditFilters(learner=world.learners["charlie"]), limit=50) == []
        assert walk(dsl, AuditFilters(user=world.accounts["beta_teacher"].public_id), limit=50) == []
        # Anyone but a DSL gets nothing from the query itself (it fails closed).
        teacher = user(world.accounts["teacher"])
        assert len(event_page(teacher, AuditFilters())) == 0
        assert find_flags(teacher) is None
    client = signed_in(app, world.accounts["dsl"])
    page = client.get("/audit").get_data(as_text=True)
    assert "Charlie Learner" not in page and "Ben Teacher" not in page
    assert client.get(f"/audit?learner={world.learners['charlie']}").status_code == 400
    assert client.get(f"/audit/learner?learner={world.learners['charlie']}").status_code == 404
    assert client.get(f"/audit/person?user={world.accounts['beta_teacher'].public_id}").status_code == 404
    assert client.get(f"/audit/person?user={world.accounts['beta_dsl'].public_id}").status_code == 404
    for response in (client.get("/audit/flags"), client.post(f"/audit/export?learner={world.learners['alpha']}",
                                                             data={"purpose": "inspection", "details": "Visit"})):
        assert "Charlie Learner" not in response.get_data(as_text=True)
        assert "Ben Teacher" not in response.get_data(as_text=True)


def test_everyone_but_the_dsl_is_refused(app, world):
    alpha, teacher = world.learners["alpha"], world.accounts["teacher"].public_id
    routes = [
        ("get", "/audit"), ("get", f"/audit/learner?learner={alpha}"), ("get", f"/audit/person?user={teacher}"),
        ("get", "/audit/flags"), ("get", "/audit/export"), ("post", "/audit/verify"),
        ("post", "/audit/export", {"purpose": "inspection", "details": "Looking"}),
    ]
    for name in (*SCHOOL_ROLES_REFUSED, "slt", "parent"):
        client = signed_in(app, world.accounts[name])
        for method, url, *data in routes:
            response = getattr(client, method)(url, data=data[0] if data else None)
            assert response.status_code == 403, (name, method, url)
            assert "Alpha Learner" not in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditExport)) == 0
        assert db.session.scalar(select(func.count()).select_from(AuditVerification)) == 0
        refused = db.session.scalars(select(AuditEvent).where(AuditEvent.outcome == AuditOutcome.REFUSED)).all()
        assert len(refused) >= len(routes) * 6
    anonymous = app.test_client()
    assert anonymous.get("/audit").headers["Location"].startswith("/sign-in")


def test_the_dsl_home_page_links_to_the_review(app, world):
    assert "Review the audit trail" in text_of(signed_in(app, world.accounts["dsl"]).get("/"))
    assert "Review the audit trail" not in text_of(signed_in(app, world.accounts["senco"]).get("/"))


# --- paging --------------------------------------------------------------------------------------


def test_keyset_paging_walks_every_event_once_both_ways(app, world):
    with app.app_context():
        teacher = user(world.accounts["teacher"])
        alpha, bravo = learner(world.learners["alpha"]), learner(world.learners["bravo"])
        for n in range(137):
            add_event(teacher, when=local(2, 10) + timedelta(seconds=n), learners=[alpha if n % 3 else bravo])
        db.session.commit()
        dsl = user(world.accounts["dsl"])
        users = {world.accounts["teacher"].public_id: teacher.id}
        everything = oracle(dsl.agency_id, AuditFilters(), users)
        day = local(2, 10).astimezone(LONDON).date()
        # By id (the school's index and the learner index), and by time (a date range).
        for filters in (AuditFilters(), AuditFilters(learner=alpha.public_id),
                        AuditFilters(date_from=day, date_to=day)):
            expected = oracle(dsl.agency_id, filters, users)
            assert len(expected) > 50
            assert walk(dsl, filters, limit=50) == expected
            assert walk_back(dsl, filters, limit=50) == expected  # up again through `after` cursors
        newest = max(everything)

    client = signed_in(app, world.accounts["dsl"])
    seen, url = [], "/audit"
    while url:
        response = client.get(url)
        assert response.status_code == 200
        ids = shown_ids(response)
        assert len(ids) <= 50
        seen += ids
        older = re.search(r'href="([^"]*)" rel="next"', response.get_data(as_text=True))
        url = older.group(1).replace("&amp;", "&") if older else None
        assert not older or "before=" in url
    # Paging as the DSL writes VIEW events of its own (newer ids): the older pages are exactly the trail as it was.
    assert [i for i in seen if i <= newest] == everything
    assert len(seen) == len(set(seen))
    assert len(everything) > 137
    # And back up through "Newer" links from the oldest page: every event again, once, in order.
    last_ids = shown_ids(response)
    up, html = [], response.get_data(as_text=True)
    while True:
        newer = re.search(r'href="([^"]*)" rel="prev"', html)
        if not newer:
            break
        url = newer.group(1).replace("&amp;", "&")
        assert "after=" in url
        response = client.get(url)
        up = shown_ids(response) + up
        html = response.get_data(as_text=True)
    both_ways = up + last_ids
    assert len(both_ways) == len(set(both_ways))
    assert [i for i in both_ways if i <= newest] == everything


def test_the_page_statement_uses_no_offset_and_counts_nothing(app, world):
    from sqlalchemy.dialects import postgresql

    from app.audit.review.services import page_query

    today = datetime.now(LONDON).date()
    with app.app_context():
        dsl = user(world.accounts["dsl"])
        for filters in (AuditFilters(), AuditFilters(learner=world.learners["alpha"], action=AuditAction.VIEW),
                        AuditFilters(user=world.accounts["teacher"].public_id, date_from=today)):
            for cursor in ({}, {"before": 10}, {"after": 10}):
                statement, params = page_query(dsl.agency_id, filters, limit=51, **cursor)
                sql = str(statement.compile(dialect=postgresql.dialect())).upper()
                assert "OFFSET" not in sql and "COUNT(" not in sql and sql.count("SELECT") <= 3, sql
                # The same shape of filters is one statement object, built once (no construction per page).
                assert page_query(dsl.agency_id, filters, limit=51, **cursor)[0] is statement


# --- the learner's access history ----------------------------------------------------------------


def test_learner_history_shows_break_glass_with_its_reason_and_is_itself_recorded(app, world):
    reason = "Disclosure at lunchtime; the SENCo is away on a course today"
    with app.app_context():
        teacher, bravo = user(world.accounts["teacher"]), learner(world.learners["bravo"])
        now = utcnow()
        grant = BreakGlassAccess(user_id=teacher.id, learner_id=bravo.id, purpose=PurposeCategory.SAFEGUARDING,
                                 started_at=now, expires_at=now + timedelta(hours=1))
        grant.reason = reason
        grant.learner = bravo
        db.session.add(grant)
        db.session.flush()
        record(teacher, AuditAction.BREAK_GLASS, grant, purpose=PurposeCategory.SAFEGUARDING.value)
        add_event(teacher, learners=[bravo], object_type="support_plan", purpose="break_glass")
        add_event(user(world.accounts["senco"]), learners=[learner(world.learners["alpha"])])  # another learner
        # A list page that showed Bravo with Alpha: on Bravo's history, Alpha is counted, not named.
        add_event(user(world.accounts["senco"]), learners=[bravo, learner(world.learners["alpha"])],
                  object_type="learner_list")
        db.session.commit()
        grant_id = grant.public_id
    client = signed_in(app, world.accounts["dsl"])
    response = client.get(f"/audit/learner?learner={world.learners['bravo']}")
    assert response.status_code == 200
    page = text_of(response)
    assert "Bravo Learner" in page and "Tess Teacher" in page
    assert "Break-glass" in page and PurposeCategory.SAFEGUARDING.label in page and reason in page
    assert "opened with break-glass 1 time" in page
    assert "Alpha Learner" not in page and "and 1 other learner" in page  # only Bravo is named
    with app.app_context():
        # Reviewing Bravo's history is a view of the audit trail, not of Bravo's record: Bravo is only listed.
        viewed, listed = db.session.scalars(select(AuditEvent).where(
            AuditEvent.actor_id == user(world.accounts["dsl"]).id).order_by(AuditEvent.id.desc()).limit(2)).all()[::-1]
        assert (viewed.action, viewed.object_type, viewed.learner_ids) == (AuditAction.VIEW, "audit_trail", [])
        assert listed.action is AuditAction.LISTED and world.learners["bravo"] in listed.learner_ids
        opening = db.session.scalars(select(AuditEvent).where(AuditEvent.action == AuditAction.BREAK_GLASS)).one()
        assert opening.object_public_id == grant_id
        # The reason is sealed in the grant and never written into the trail.
        for row in all_events():
            assert reason not in repr(tuple(row))
    assert client.get("/audit/learner").status_code == 302


def test_user_activity_lists_one_persons_events_in_the_school(app, world):
    with app.app_context():
        made = build_trail(world)
    client = signed_in(app, world.accounts["dsl"])
    response = client.get(f"/audit/person?user={world.accounts['teacher'].public_id}")
    assert response.status_code == 200
    assert shown_ids(response) == sorted([made["teacher_views_alpha"], made["teacher_refused_bravo"]], reverse=True)
    assert "Tess Teacher" in text_of(response)
    day = local(5, 11).astimezone(LONDON).date().isoformat()
    response = client.get(f"/audit/person?user={world.accounts['teacher'].public_id}&date_from={day}&date_to={day}")
    assert shown_ids(response) == [made["teacher_refused_bravo"]]
    # The external therapist works elsewhere but acted in Alpha's trail: the DSL may review that.
    response = client.get(f"/audit/person?user={world.accounts['slt'].public_id}")
    assert response.status_code == 200 and shown_ids(response) == [made["slt_views_alpha"]]
    with app.app_context():
        viewed = db.session.scalars(select(AuditEvent).where(AuditEvent.actor_id == user(world.accounts["dsl"]).id,
                                                             AuditEvent.action == AuditAction.VIEW)
                                    .order_by(AuditEvent.id.desc())).first()
        assert viewed.object_type == "user_account" and viewed.object_public_id == world.accounts["slt"].public_id


# --- flags ---------------------------------------------------------------------------------------


def test_each_flag_finds_its_pattern_and_not_a_near_miss(app, world):
    app.config["AUDIT_MANY_LEARNERS_PER_HOUR"] = 3
    with app.app_context():
        teacher, lsp, senco, slt, slt_later, dsl = (
            user(world.accounts[name]) for name in ("teacher", "lsp", "senco", "slt", "slt_later", "dsl"))
        kids = [learner(world.learners[n]) for n in ("alpha", "bravo", "delta", "echo", "foxtrot")]
        flagged, near_miss = {}, {}
        flagged["refused"] = add_event(teacher, when=local(3, 10), learners=kids[1:2], outcome=AuditOutcome.REFUSED)
        near_miss["refused"] = add_event(teacher, when=local(3, 10, 5), learners=kids[0:1])
        flagged["out_of_hours"] = add_event(teacher, when=local(3, 22), learners=kids[0:1], out_of_hours=True)
        near_miss["out_of_hours"] = add_event(None, when=local(3, 23), action=AuditAction.VERIFY_AUDIT,
                                              object_type="audit_verification", out_of_hours=True,
                                              school_id=dsl.agency_id)
        flagged["break_glass"] = add_event(senco, when=local(2, 10), learners=kids[1:2], action=AuditAction.BREAK_GLASS,
                                           object_type="break_glass_access", object_public_id="grant-1",
                                           purpose="safeguarding")
        near_miss["break_glass"] = add_event(senco, when=local(2, 10, 5), learners=kids[1:2], purpose="safeguarding",
                                             action=AuditAction.EXPORT, object_type="audit_export")
        flagged["external_near_end"] = add_event(slt, when=local(0, 0, 1), learners=kids[0:1])
        near_miss["external_near_end"] = add_event(slt_later, when=local(0, 0, 2), learners=kids[0:1])
        # Many learners: the teacher opens 4 different learners within 14:00-14:59 (flagged); the LSP
        # opens 3 different ones (twice over) in one hour, the SENCo 4 across two hours, and a list
        # page names 5 at once: none of those.
        for minute, kid in zip((1, 10, 20, 59), kids, strict=False):  # the first four
            add_event(teacher, when=local(4, 14, minute), learners=[kid])
        for minute, kid in zip((1, 2, 3, 4, 5, 6), kids[:3] * 2, strict=True):
            add_event(lsp, when=local(4, 14, minute), learners=[kid])
        whens = (local(4, 14, 50), local(4, 14, 55), local(4, 15, 5), local(4, 15, 10))
        for when, kid in zip(whens, kids, strict=False):  # the first four
            add_event(senco, when=when, learners=[kid])
        add_event(dsl, when=local(4, 14, 30), learners=kids, object_type="learner_list")
        old = add_event(teacher, when=local(40, 10), learners=kids[:1], outcome=AuditOutcome.REFUSED)
        db.session.commit()

        found = find_flags(dsl)
        lists = {name: [row.id for row in getattr(found, name).items]
                 for name in ("refused", "out_of_hours", "break_glass", "external_near_end")}
        for name, event_id in flagged.items():
            assert event_id in lists[name], name
        for name, event_id in near_miss.items():
            assert event_id not in lists[name], name
        assert old not in lists["refused"]
        busy = [(hour.actor_id, hour.learners) for hour in found.many_learners.items]
        assert busy == [(teacher.id, 4)]
        assert found.many_learners.items[0].hour == local(4, 14).astimezone(UTC)
        # A window given by dates reaches older events, and only that window.
        today = datetime.now(LONDON).date()
        window = find_flags(dsl, today - timedelta(days=41), today - timedelta(days=39))
        assert [row.id for row in window.refused.items] == [old]
        assert window.many_learners.items == []

    client = signed_in(app, world.accounts["dsl"])
    response = client.get("/audit/flags")
    assert response.status_code == 200
    page = text_of(response)
    for heading in ("Refused attempts (1)", "Break-glass access (1)", "Many different learners in one hour (1)",
                    "External accounts near or after their end date (1)"):
        assert heading in page
    assert "Tess Teacher" in page and "Sal Therapist" in page and "Lou Therapist" not in page
    busy_link = re.search(r'href="(/audit/person\?[^"]+)"[^>]*>Their activity that day',
                          response.get_data(as_text=True))
    assert busy_link and world.accounts["teacher"].public_id in busy_link.group(1)
    assert client.get(busy_link.group(1).replace("&amp;", "&")).status_code == 200
    response = client.get("/audit/flags?date_from=31&date_from=2&date_from=2025")
    assert response.status_code == 400 and "Date from must be a real date" in text_of(response)


def test_access_after_an_external_accounts_end_is_flagged(app, world):
    with app.app_context():
        slt = user(world.accounts["slt"])
        slt.access_expires_at = utcnow() - timedelta(days=2)
        event_id = add_event(slt, when=utcnow() - timedelta(days=1), learners=[learner(world.learners["alpha"])],
                             outcome=AuditOutcome.REFUSED)
        early = add_event(slt, when=utcnow() - timedelta(days=10), learners=[learner(world.learners["alpha"])])
        db.session.commit()
        items = [row.id for row in find_flags(user(world.accounts["dsl"])).external_near_end.items]
        assert event_id in items and early not in items


# --- export --------------------------------------------------------------------------------------


def read_csv(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))


def test_export_writes_the_filtered_view_with_its_record_and_event(app, world, monkeypatch):
    monkeypatch.setattr(export_module, "BATCH", 3)  # several keyset batches
    details = "Subject access request SAR-2025-014 from the family"
    with app.app_context():
        build_trail(world)
        teacher, alpha = user(world.accounts["teacher"]), learner(world.learners["alpha"])
        for n in range(8):
            add_event(teacher, when=local(1, 10, n), learners=[alpha])
        db.session.commit()
        dsl = user(world.accounts["dsl"])
        users = {account.public_id: user(account).id for account in world.accounts.values()}
    client = signed_in(app, world.accounts["dsl"])
    query = f"learner={world.learners['alpha']}&outcome=allowed"
    assert client.get(f"/audit/export?{query}").status_code == 200
    with app.app_context():
        expected = oracle(dsl.agency_id, AuditFilters(learner=world.learners["alpha"], outcome=AuditOutcome.ALLOWED),
                          users)
    response = client.post(f"/audit/export?{query}", data={"purpose": "subject_access", "details": details})
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=braid-audit-trail-")
    rows = read_csv(response)
    assert [int(row["Event id"]) for row in rows] == expected
    assert len(expected) > 3 * 3
    # A public id may start with "-": such a cell carries the formula guard's quote.
    assert all(world.learners["alpha"] in row["Learner public ids"].lstrip("'").split() for row in rows)
    body = response.get_data().decode("utf-8-sig")
    for name in ("Alpha Learner", "Bravo Learner", "Charlie Learner", details, "10.0.0.9"):
        assert name not in body
    assert "Tess Teacher" in body and "Sal Therapist" in body
    with app.app_context():
        made = db.session.scalars(select(AuditExport)).one()
        assert made.purpose is PurposeCategory.SUBJECT_ACCESS and made.details == details
        assert made.event_count == len(rows) and made.user_id == dsl.id
        assert f"learner={world.learners['alpha']}" in made.filters and "outcome=allowed" in made.filters
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == AuditAction.EXPORT)).one()
        assert event.object_type == "audit_export" and event.object_public_id == made.public_id
        assert event.purpose == "subject_access" and event.actor_id == dsl.id
        assert event.learner_ids == [world.learners["alpha"]]
        for row in all_events():
            assert details not in repr(tuple(row))


def test_export_neutralises_formulas(app, world, create_user):
    evil = create_user("teacher", agency=world.schools["alpha"], name='=HYPERLINK("http://evil.example","x")')
    plus = create_user("teacher", agency=world.schools["alpha"], name="+44 7700 900000")
    at = create_user("teacher", agency=world.schools["alpha"], name="@SUM(A1:A9)")
    minus = create_user("teacher", agency=world.schools["alpha"], name="-2+3")
    with app.app_context():
        for account in (evil, plus, at, minus):
            add_event(user(account), learners=[learner(world.learners["alpha"])], fields="=cmd|' /C calc'!A0")
        db.session.commit()
    client = signed_in(app, world.accounts["dsl"])
    response = client.post(f"/audit/export?learner={world.learners['alpha']}",
                           data={"purpose": "breach_investigation", "details": "Checking"})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    cells = [cell for row in rows for cell in row]
    assert "'=HYPERLINK(\"http://evil.example\",\"x\")" in cells and "'+44 7700 900000" in cells
    assert "'@SUM(A1:A9)" in cells and "'-2+3" in cells and "'=cmd|' /C calc'!A0" in cells
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]


@pytest.mark.parametrize("data, message", [
    ({"details": "A reason with no purpose"}, "Choose why you are exporting the audit trail"),
    ({"purpose": "inspection", "details": "   "}, "Explain what the export is for"),
    ({"purpose": "not-a-purpose", "details": "x"}, "Not a valid choice"),
])
def test_a_refused_export_changes_nothing_and_says_why(app, world, data, message):
    client = signed_in(app, world.accounts["dsl"])
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == AuditAction.EXPORT))
    response = client.post(f"/audit/export?learner={world.learners['alpha']}", data=data)
    assert response.status_code == 400
    page = text_of(response)
    assert "There is a problem" in page and message in page
    if data.get("details", "").strip():
        assert data["details"] in page  # what was typed is kept
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditExport)) == 0
        assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == AuditAction.EXPORT)) == before
    assert client.post("/audit/export?date_from=99&date_from=99&date_from=2025",
                       data={"purpose": "inspection", "details": "x"}).status_code == 400


# --- the chain ------------------------------------------------------------------------------------


def test_verify_now_records_a_verification_and_shows_it(app, world):
    with app.app_context():
        build_trail(world)
    client = signed_in(app, world.accounts["dsl"])
    page = text_of(client.get("/audit"))
    assert "Never" in page and "Verify the chain now" in page
    response = client.post("/audit/verify")
    assert response.status_code == 302 and response.headers["Location"] == "/audit"
    with app.app_context():
        verification = db.session.scalars(select(AuditVerification)).one()
        assert verification.intact and verification.event_count > 8
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == AuditAction.VERIFY_AUDIT)).one()
        assert event.actor_id == user(world.accounts["dsl"]).id and event.object_type == "audit_verification"
        assert event.school_id == user(world.accounts["dsl"]).agency_id
    page = text_of(client.get("/audit"))
    assert "The audit trail is intact" in page and "Intact" in page
    assert f"{verification.event_count:,}" in page


def test_a_backlog_of_unsealed_events_is_counted_only_up_to_a_bound(app, world, monkeypatch):
    from app.audit.review import services

    with app.app_context():
        build_trail(world)  # the testing app seals nothing by itself: every event of the trail waits
    client = signed_in(app, world.accounts["dsl"])
    with app.app_context():
        waiting = db.session.scalar(select(func.count(AuditEvent.id)))
    assert _unsealed_shown(client.get("/audit")) == f"{waiting:,}"
    monkeypatch.setattr(services, "UNSEALED_COUNTED_UP_TO", 5)
    assert waiting > 5
    assert _unsealed_shown(client.get("/audit")) == "5 or more"


def _unsealed_shown(response) -> str:
    found = re.search(r"not yet sealed into the chain\s*</dt>\s*<dd[^>]*>\s*(.+?)\s*</dd>", text_of(response), re.S)
    return found.group(1)


def test_a_failed_verification_is_shown_with_its_problem(app, world):
    from app.audit.chain import Verification, record_verification

    with app.app_context():
        record_verification(Verification(False, 41, problem="event 42 was altered", event_id=42))
        db.session.commit()
    page = text_of(signed_in(app, world.accounts["dsl"]).get("/audit"))
    assert "Tampering detected" in page and "event 42 was altered" in page


def test_the_review_page_is_a_view_of_the_trail_listing_the_learners_it_names(app, world):
    with app.app_context():
        build_trail(world)
    client = signed_in(app, world.accounts["dsl"])
    assert client.get(f"/audit?learner={world.learners['alpha']}").status_code == 200
    with app.app_context():
        dsl = user(world.accounts["dsl"])
        viewed, listed = db.session.scalars(select(AuditEvent).where(AuditEvent.actor_id == dsl.id)
                                            .order_by(AuditEvent.id.desc()).limit(2)).all()[::-1]
        assert (viewed.action, viewed.object_type, viewed.learner_ids) == (AuditAction.VIEW, "audit_trail", [])
        # Alpha (chosen, in every row) and Bravo (named in a row with Alpha) are listed; the filter's other options
        # (Delta, Echo, Foxtrot) are not recorded at all.
        assert listed.action is AuditAction.LISTED
        assert sorted(listed.learner_ids) == sorted([world.learners["alpha"], world.learners["bravo"]])


def test_refusals_name_what_was_asked_for(app, world):
    client = signed_in(app, world.accounts["teacher"])
    attempts = [
        (client.get(f"/audit/learner?learner={world.learners['bravo']}"), ("view", "audit_trail", None)),
        (client.get(f"/audit/person?user={world.accounts['senco'].public_id}"),
         ("view", "user_account", world.accounts["senco"].public_id)),
        (client.post("/audit/export", data={"purpose": "inspection", "details": "x"}),
         ("export", "audit_export", None)),
        (client.post("/audit/verify"), ("verify_audit", "audit_verification", None)),
        (client.get("/audit"), ("view", "audit_trail", None)),
    ]
    with app.app_context():
        teacher = user(world.accounts["teacher"])
        refused = db.session.scalars(select(AuditEvent).where(
            AuditEvent.actor_id == teacher.id, AuditEvent.outcome == AuditOutcome.REFUSED,
        ).order_by(AuditEvent.id)).all()
        assert [(e.action.value, e.object_type, e.object_public_id) for e in refused] == [want for _, want in attempts]
        assert all(response.status_code == 403 for response, _ in attempts)
        # The attempt on Bravo's history is on Bravo's own history.
        assert refused[0].learner_ids == [world.learners["bravo"]]


def test_parents_are_found_by_address_not_listed_and_the_filter_keeps_what_was_typed(app, world):
    """A secondary has about as many parents as learners: the person filter lists the school's staff and the
    professionals on its teams, and finds a parent or carer by the address typed (or the id a link carries)."""
    client = signed_in(app, world.accounts["dsl"])
    page = client.get("/audit").get_data(as_text=True)
    assert "Tess Teacher" in page and "Sal Therapist" in page and "Pat Parent" not in page
    parent = world.accounts["parent"]
    found = client.get(f"/audit?person_email={parent.email.upper()}")
    assert found.status_code == 200
    assert f'value="{parent.public_id}" selected' in found.get_data(as_text=True)
    # A link naming the parent still filters by them.
    assert client.get(f"/audit?user={parent.public_id}").status_code == 200
    # An address no parent of the school has: a clear error, what was typed kept, nothing listed.
    missing = client.get("/audit?person_email=nobody%40example.org")
    body = missing.get_data(as_text=True)
    assert missing.status_code == 400
    assert "No parent or carer of your school’s learners has this email address" in body
    assert 'value="nobody@example.org"' in body
    # Another school's parent is not found either.
    beta_parent = world.accounts["beta_teacher"]
    assert client.get(f"/audit?person_email={beta_parent.email}").status_code == 400
