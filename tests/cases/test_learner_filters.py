"""The learner list's filters: year group, area of need, SEN status and plan stage, within what the user may see."""
from urllib.parse import urlencode

import pytest
from sqlalchemy import select

from app.agencies.accounts.models import User
from app.audit.models import AuditAction, AuditEvent
from app.cases.learners.models import AreaOfNeed, SenStatus
from app.cases.learners.services import PAGE_SIZE
from app.cases.plans.models import CycleStage, PlanCycle, SupportPlan
from app.extensions import db
from app.types import utcnow
from tests.fixtures.application import statements_of, text_of
from tests.fixtures.learners import make_learner, school_id

C, K, S, P = (AreaOfNeed.COMMUNICATION_INTERACTION, AreaOfNeed.COGNITION_LEARNING, AreaOfNeed.SEMH,
              AreaOfNeed.SENSORY_PHYSICAL)

# name: (year group, areas of need, SEN status, the stages of the plan's cycles in order; none: no plan)
CLASS = {
    "Ada Quillfeather": (3, [C], SenStatus.SEN_SUPPORT, [CycleStage.DO]),
    "Bram Thistlewood": (3, [K, S], SenStatus.EHC_PLAN, [CycleStage.CLOSED, CycleStage.REVIEW]),
    "Cora Marchbank": (5, [S], None, []),
    "Dov Ravensworth": (0, [], SenStatus.NO_SEN, []),
    "Elin Saltmarsh": (-1, [P, C], SenStatus.SEN_SUPPORT, [CycleStage.ASSESS]),
    "Finn Hollowbeck": (5, [K], SenStatus.SEN_SUPPORT, [CycleStage.PLAN]),
}
# At another school, matching every filter the tests use: never listed.
ELSEWHERE = {"Zia Otherschool": (3, [C, K, S, P], SenStatus.SEN_SUPPORT, [CycleStage.DO])}
EVERYONE = set(CLASS) | set(ELSEWHERE)


def _add(app, school: str, people: dict) -> dict[str, str]:
    """Learners with these fields and plans at `school`; their public ids by name."""
    ids = {}
    with app.app_context():
        school_pk = school_id(school)
        for n, (name, (year, areas, status, stages)) in enumerate(people.items()):
            learner = make_learner(school_pk, 100 + n, name=name, upn=None)
            learner.year_group, learner.areas_of_need, learner.sen_status = year, areas, status
            db.session.flush()
            if stages:
                plan = SupportPlan(learner_id=learner.id)
                db.session.add(plan)
                db.session.flush()
                for number, stage in enumerate(stages, 1):
                    closed = utcnow() if stage is CycleStage.CLOSED else None
                    db.session.add(PlanCycle(plan_id=plan.id, number=number, stage=stage, closed_at=closed))
            ids[name] = learner.public_id
        db.session.commit()
    return ids


@pytest.fixture
def school(app, client_as):
    """A SENCo's client at a school holding CLASS, with ELSEWHERE at another school."""
    senco = client_as("senco")
    ids = _add(app, senco.account.agency_name, CLASS)
    ids |= _add(app, "Another School", ELSEWHERE)
    senco.ids = ids
    return senco


def _listed(client, **filters):
    response = client.get("/learners?" + urlencode(filters))
    page = text_of(response)
    return response, page, {name for name in EVERYONE if name in page}


@pytest.mark.parametrize("filters, expected", [
    ({}, set(CLASS)),
    ({"year": "3"}, {"Ada Quillfeather", "Bram Thistlewood"}),
    ({"year": "5"}, {"Cora Marchbank", "Finn Hollowbeck"}),
    ({"year": "0"}, {"Dov Ravensworth"}),
    ({"year": "-1"}, {"Elin Saltmarsh"}),
    ({"year": "12"}, set()),
    ({"need": C.value}, {"Ada Quillfeather", "Elin Saltmarsh"}),
    ({"need": K.value}, {"Bram Thistlewood", "Finn Hollowbeck"}),
    ({"need": S.value}, {"Bram Thistlewood", "Cora Marchbank"}),
    ({"need": P.value}, {"Elin Saltmarsh"}),
    ({"status": "K"}, {"Ada Quillfeather", "Elin Saltmarsh", "Finn Hollowbeck"}),
    ({"status": "E"}, {"Bram Thistlewood"}),
    ({"status": "N"}, {"Dov Ravensworth"}),
    ({"status": "none"}, {"Cora Marchbank"}),
    ({"stage": "assess"}, {"Elin Saltmarsh"}),
    ({"stage": "plan"}, {"Finn Hollowbeck"}),
    ({"stage": "do"}, {"Ada Quillfeather"}),
    ({"stage": "review"}, {"Bram Thistlewood"}),  # the open cycle counts, not the closed one before it
    ({"stage": "none"}, {"Cora Marchbank", "Dov Ravensworth"}),
    # combinations
    ({"year": "3", "need": K.value}, {"Bram Thistlewood"}),
    ({"year": "5", "status": "K"}, {"Finn Hollowbeck"}),
    ({"need": C.value, "status": "K", "stage": "assess"}, {"Elin Saltmarsh"}),
    ({"year": "3", "need": C.value, "status": "K", "stage": "do"}, {"Ada Quillfeather"}),
    ({"year": "3", "stage": "none"}, set()),
    ({"need": S.value, "stage": "none"}, {"Cora Marchbank"}),
    # "Any" is an empty value
    ({"year": "", "need": "", "status": "", "stage": ""}, set(CLASS)),
    ({"year": "", "need": P.value}, {"Elin Saltmarsh"}),
])
def test_each_filter_and_combination_lists_exactly_its_learners(school, filters, expected):
    response, page, listed = _listed(school, **filters)
    assert response.status_code == 200
    assert listed == expected
    narrowed = any(filters.values())
    if not narrowed:
        assert f"{len(CLASS)} learners" in page and "Clear filters" not in page
    elif expected:
        assert f"{len(expected)} of {len(CLASS)} learners" in page and "Clear filters" in page
    else:
        assert "No learner matches these filters" in page and "Clear filters" in page


def test_the_page_offers_every_choice_and_keeps_the_chosen_ones(school):
    response = school.get("/learners?year=5&need=cognition_learning&status=none&stage=plan")
    html = response.get_data(as_text=True)
    assert 'method="get"' in html
    for label in ("Year group", "Area of need", "SEN status", "Stage", "Apply filters", "No plan yet",
                  "Not recorded", "Reception", "Nursery", "Year 13", "Education, health and care plan",
                  "Sensory and/or physical", "Review"):
        assert label in text_of(response), label
    assert ">Closed<" not in html
    for name, value in (("year", "5"), ("need", "cognition_learning"), ("status", "none"), ("stage", "plan")):
        assert f'<option value="{value}" selected>' in html, name
    # The new columns: each learner's SEN status and areas of need, or that none are recorded.
    page = text_of(school.get("/learners"))
    assert "SEN status" in page and "Areas of need" in page
    assert "Sensory and/or physical, Communication and interaction" in page
    assert "None recorded" in page and "Not recorded" in page


@pytest.mark.parametrize("filters, field", [
    ({"year": "99"}, "year"),
    ({"year": "three"}, "year"),
    ({"need": "flying"}, "need"),
    ({"status": "X"}, "status"),
    ({"status": "k"}, "status"),
    ({"stage": "closed"}, "stage"),  # a closed cycle is history, never a learner's stage
    ({"stage": "nonsense", "year": "3"}, "stage"),
])
def test_an_unknown_filter_value_is_a_400_listing_nobody(school, filters, field):
    response, page, listed = _listed(school, **filters)
    assert response.status_code == 400
    assert "There is a problem" in page and f'href="#{field}"' in response.get_data(as_text=True)
    assert "from the list" in page
    assert listed == set()
    assert "Clear filters" in page


def _as_teacher_on(client_as, add_to_team, school, names):
    """A teacher at the SENCo's school on the teams of these learners only."""
    teacher = client_as("teacher", agency=school.account.agency_name)
    for name in names:
        add_to_team(school.ids[name], teacher.account)
    return teacher


@pytest.mark.parametrize("filters, expected", [
    ({}, {"Ada Quillfeather", "Bram Thistlewood"}),
    ({"year": "3"}, {"Ada Quillfeather", "Bram Thistlewood"}),
    ({"year": "5"}, set()),
    ({"need": K.value}, {"Bram Thistlewood"}),
    ({"need": P.value}, set()),
    ({"status": "K"}, {"Ada Quillfeather"}),
    ({"status": "none"}, set()),
    ({"stage": "none"}, set()),
    ({"stage": "review"}, {"Bram Thistlewood"}),
    ({"stage": "plan"}, set()),
])
def test_a_teacher_sees_only_their_team_learners_through_any_filter(client_as, add_to_team, school, filters, expected):
    teacher = _as_teacher_on(client_as, add_to_team, school, ["Ada Quillfeather", "Bram Thistlewood"])
    response, page, listed = _listed(teacher, **filters)
    assert response.status_code == 200
    assert listed == expected
    if any(filters.values()) and expected:
        assert f"{len(expected)} of 2 learners" in page


def test_only_the_learners_shown_are_recorded_as_listed(app, school):
    assert school.get("/learners?year=3").status_code == 200
    with app.app_context():
        senco = db.session.scalars(select(User).where(User.public_id == school.account.public_id)).one()
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.actor_id == senco.id, AuditEvent.action == AuditAction.LISTED)
            .order_by(AuditEvent.id.desc())
        ).first()
    assert sorted(event.learner_ids) == sorted([school.ids["Ada Quillfeather"], school.ids["Bram Thistlewood"]])


def test_a_role_that_may_not_list_learners_is_refused_whatever_the_filters(client_as):
    admin = client_as("admin")
    assert admin.get("/learners?year=3").status_code == 403
    assert admin.get("/learners?year=99").status_code == 403


def test_the_find_page_still_shows_its_table(app, school):
    response = school.post("/learners/find", data={"query": "Ada Quillfeather"})
    page = text_of(response)
    assert response.status_code == 200 and "Matching learners" in page and "Ada Quillfeather" in page
    assert "Communication and interaction" in page and "SEN support" in page


def _statements(app, client, url) -> int:
    """How many SQL statements one request runs."""
    count, response = statements_of(app, client, url)
    assert response.status_code == 200
    return count


def test_the_stage_filter_costs_no_query_per_learner(app, school):
    url = "/learners?stage=none&need=social_emotional_mental_health"
    before = _statements(app, school, url)
    _add(app, school.account.agency_name, {f"Extra Learner{n}": (3, [S], None, [CycleStage.DO]) for n in range(8)})
    assert _statements(app, school, url) == before


def _many(app, school_name: str, count: int, year: int = 3) -> None:
    with app.app_context():
        school_pk = school_id(school_name)
        for n in range(count):
            learner = make_learner(school_pk, 1000 + n, name=f"Paged Learner{n:03d}", upn=None)
            learner.year_group, learner.areas_of_need, learner.sen_status = year, [S], SenStatus.SEN_SUPPORT
        db.session.commit()


def test_a_long_list_is_shown_a_page_at_a_time_and_its_links_keep_the_filters(app, school):
    _many(app, school.account.agency_name, PAGE_SIZE + 4)  # 6 of CLASS + 54: two pages
    response, page, _ = _listed(school)
    assert response.status_code == 200
    assert f"{len(CLASS) + PAGE_SIZE + 4} learners, page 1 of 2" in page
    assert page.count("Paged Learner") + sum(name in page for name in CLASS) == PAGE_SIZE
    assert 'href="/learners?page=2"' in response.get_data(as_text=True)

    response, page, _ = _listed(school, page="2")
    assert "page 2 of 2" in page and page.count("Paged Learner") + sum(name in page for name in CLASS) == 10
    # A page past the end shows the last; a page that is not a number, the first.
    assert "page 2 of 2" in _listed(school, page="9")[1]
    assert "page 1 of 2" in _listed(school, page="two")[1]

    # Filtered in Python (sealed values) or in SQL (the year), the pages and their links keep the filters.
    response, page, _ = _listed(school, need=S.value, page="2")
    assert f"{PAGE_SIZE + 4 + 2} of {len(CLASS) + PAGE_SIZE + 4} learners, page 2 of 2" in page
    assert f"need={S.value}" in response.get_data(as_text=True)
    response, page, _ = _listed(school, year="3")
    assert f"{PAGE_SIZE + 4 + 2} of {len(CLASS) + PAGE_SIZE + 4} learners, page 1 of 2" in page
    assert "year=3&amp;page=2" in response.get_data(as_text=True)


def test_the_list_costs_as_many_statements_however_many_learners(app, school):
    before = _statements(app, school, "/learners")
    _many(app, school.account.agency_name, 2 * PAGE_SIZE)
    assert _statements(app, school, "/learners") == before
