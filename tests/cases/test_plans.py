"""Support plans: the SENCo runs assess-plan-do-review cycles; closed cycles read the same for ever."""
from __future__ import annotations

import re
from datetime import date, timedelta
from types import SimpleNamespace

import bleach.sanitizer
import pytest
from sqlalchemy import event, select, text

from app.agencies.accounts.models import User
from app.cases.contributions.models import Contribution, ContributionKind, Visibility
from app.cases.contributions.services import ON_THE_PLAN
from app.cases.learners.models import Learner
from app.cases.plans.models import CycleStage, PlanCycle, ProgressRating, SupportPlan
from app.core import writing
from app.extensions import db
from app.security.sanitize import ALLOWLIST_VERSION
from tests.fixtures.application import text_of

PLAN_TABLES = ("support_plan", "plan_cycle", "outcome", "provision")


def _d(value: date) -> list[str]:
    return [str(value.day), str(value.month), str(value.year)]


@pytest.fixture
def case(app, client_as, create_case, add_to_team):
    senco = client_as("senco")
    school = senco.account.agency_name
    learner = create_case(school=school, name="Maya Testcase")
    teacher = client_as("teacher", agency=school)
    add_to_team(learner, teacher.account)
    parent = client_as("parent")
    add_to_team(learner, parent.account)
    return SimpleNamespace(app=app, senco=senco, teacher=teacher, parent=parent, learner=learner, school=school)


def _snapshot(app) -> dict:
    """Every row of the plan tables, exactly as stored."""
    with app.app_context():
        return {table: db.session.execute(text(f"SELECT * FROM {table} ORDER BY id")).all() for table in PLAN_TABLES}


def _cycles(app, learner_public_id: str) -> list[PlanCycle]:
    with app.app_context():
        cycles = db.session.scalars(
            select(PlanCycle).join(SupportPlan).join(Learner).where(Learner.public_id == learner_public_id)
            .order_by(PlanCycle.number)
        ).all()
        for cycle in cycles:
            db.session.expunge(cycle)
        return cycles


def _cycle(app, public_id: str) -> PlanCycle:
    with app.app_context():
        cycle = db.session.scalars(select(PlanCycle).where(PlanCycle.public_id == public_id)).one()
        data = SimpleNamespace(
            public_id=cycle.public_id, number=cycle.number, stage=cycle.stage, version=cycle.version,
            closed_at=cycle.closed_at, learner_views=cycle.learner_views, family_views=cycle.family_views,
            aspirations=cycle.aspirations, needs_semh=cycle.needs_semh, review_on=cycle.review_on,
            review_summary=cycle.review_summary, learner_views_html=cycle.learner_views_html,
            review_summary_html=cycle.review_summary_html, writing_version=cycle.writing_version,
            outcomes=[SimpleNamespace(public_id=o.public_id, id=o.id, description=o.description, measure=o.measure,
                                      progress=o.progress, version=o.version, owner_id=o.owner_id,
                                      target_on=o.target_on) for o in cycle.outcomes],
            provisions=[SimpleNamespace(public_id=p.public_id, id=p.id, description=p.description,
                                        ends_on=p.ends_on, version=p.version, delivered_by=p.delivered_by)
                        for p in cycle.provisions],
        )
        return data


def _user_id(app, account) -> int:
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.public_id == account.public_id))


def _main(response) -> bytes:
    body = response.get_data()
    start, end = body.index(b"<main"), body.index(b"</main>")
    return body[start:end]


def _cycle_form(version, **changes) -> dict:
    data = {
        "assess_on": _d(date(2025, 1, 6)), "plan_on": _d(date(2025, 1, 20)), "do_from": _d(date(2025, 2, 3)),
        "review_on": _d(date(2025, 4, 28)),
        "learner_views": "I like **drawing**\n<script>alert(1)</script>",
        "family_views": "<p>We want Maya to make friends.</p>",
        "aspirations": "<p>To be a vet.</p>",
        "needs_communication": "<p>Fronting of /k/ and /g/.</p>",
        "needs_cognition": "", "needs_semh": "<p>Anxious at transitions.</p>", "needs_sensory": "",
        "version": str(version),
    }
    data.update(changes)
    return data


def _outcome_form(owner_public_id, **changes) -> dict:
    data = {"description": "Maya will follow a two-part instruction", "measure": "4 of 5 observed lessons",
            "target_on": _d(date.today() + timedelta(days=60)), "owner": owner_public_id,
            "progress": "not_yet_reviewed"}
    data.update(changes)
    return data


def _provision_form(**changes) -> dict:
    data = {"description": "Talk Boost small-group sessions", "delivered_by": "Learning support practitioner",
            "frequency": "3 × 20 minutes a week", "starts_on": _d(date.today() - timedelta(days=10)),
            "ends_on": ["", "", ""]}
    data.update(changes)
    return data


def _start(case) -> str:
    response = case.senco.post(f"/learners/{case.learner}/plan")
    assert response.status_code == 302
    (cycle,) = _cycles(case.app, case.learner)
    return cycle.public_id


def _build_to_review(case) -> str:
    """A plan with cycle 1 at review: views, two outcomes, a running and an ended provision."""
    cycle = _start(case)
    senco = case.senco
    assert senco.post(f"/cycles/{cycle}/edit", data=_cycle_form(1)).status_code == 302
    assert senco.post(f"/cycles/{cycle}/outcomes/new",
                      data=_outcome_form(case.teacher.account.public_id)).status_code == 302
    assert senco.post(f"/cycles/{cycle}/outcomes/new", data=_outcome_form(
        senco.account.public_id, description="Maya will name five feelings")).status_code == 302
    assert senco.post(f"/cycles/{cycle}/provision/new", data=_provision_form()).status_code == 302
    assert senco.post(f"/cycles/{cycle}/provision/new", data=_provision_form(
        description="Lunchtime nurture group", starts_on=_d(date(2020, 1, 6)), ends_on=_d(date(2020, 3, 27)),
    )).status_code == 302
    for _ in range(3):
        version = _cycle(case.app, cycle).version
        assert senco.post(f"/cycles/{cycle}/stage", data={"confirm": "yes", "version": version}).status_code == 302
    assert _cycle(case.app, cycle).stage is CycleStage.REVIEW
    return cycle


def _close(case, cycle: str, ratings=("partly_met", "met")):
    data = _cycle(case.app, cycle)
    form = {"version": data.version, "review_summary": "Good progress with instructions."}
    for outcome, rating in zip(data.outcomes, ratings, strict=False):
        form[f"rating_{outcome.public_id}"] = rating
    return case.senco.post(f"/cycles/{cycle}/close", data=form)


# --- the whole cycle ------------------------------------------------------------------------------


def test_the_senco_runs_a_cycle_and_closing_the_review_opens_the_next(case):
    app, senco = case.app, case.senco
    page = text_of(senco.get(f"/learners/{case.learner}/plan"))
    assert "No plan yet" in page and "Start a support plan" in page

    cycle = _build_to_review(case)
    before = _cycle(app, cycle)
    assert before.learner_views == "I like **drawing**\n<script>alert(1)</script>"  # the source, as typed
    # sanitised on the way in, stored beside it: typed HTML is text, the line break kept
    assert before.learner_views_html == ("<p>I like <strong>drawing</strong><br>\n"
                                         "&lt;script&gt;alert(1)&lt;/script&gt;</p>")
    assert before.writing_version == ALLOWLIST_VERSION
    assert before.review_on == date(2025, 4, 28)
    page = text_of(senco.get(f"/learners/{case.learner}/plan"))
    for expected in ("Cycle 1", "Review", "Maya will follow a two-part instruction", "4 of 5 observed lessons",
                     "Talk Boost small-group sessions", "3 × 20 minutes a week", "Anxious at transitions",
                     "28 April 2025", "Record the review and close this cycle"):
        assert expected in page
    assert "<script>alert" not in senco.get(f"/learners/{case.learner}/plan").get_data(as_text=True)

    # One step past review is refused: the review closes a cycle, not the stage button.
    assert senco.post(f"/cycles/{cycle}/stage", data={"confirm": "yes", "version": before.version}).status_code == 302
    assert _cycle(app, cycle).stage is CycleStage.REVIEW and _cycle(app, cycle).version == before.version

    assert senco.get(f"/cycles/{cycle}/close").status_code == 200
    response = _close(case, cycle)
    assert response.status_code == 302

    first, second = _cycles(app, case.learner)
    closed, opened = _cycle(app, first.public_id), _cycle(app, second.public_id)
    assert closed.stage is CycleStage.CLOSED and closed.closed_at is not None
    assert closed.review_summary == "Good progress with instructions."
    assert closed.review_summary_html == "<p>Good progress with instructions.</p>"
    assert [o.progress for o in closed.outcomes] == [ProgressRating.PARTLY_MET, ProgressRating.MET]
    assert [o.description for o in closed.outcomes] == [o.description for o in before.outcomes]
    assert len(closed.provisions) == 2
    assert opened.number == 2 and opened.stage is CycleStage.ASSESS
    assert opened.learner_views == before.learner_views and opened.needs_semh == before.needs_semh
    # Only the outcome not yet met is carried forward, as a new row; only running provision continues.
    assert [o.description for o in opened.outcomes] == ["Maya will follow a two-part instruction"]
    assert opened.outcomes[0].id not in {o.id for o in closed.outcomes}
    assert opened.outcomes[0].progress is ProgressRating.NOT_YET_REVIEWED
    assert [p.description for p in opened.provisions] == ["Talk Boost small-group sessions"]
    assert opened.provisions[0].id not in {p.id for p in closed.provisions}

    page = text_of(senco.get(f"/learners/{case.learner}/plan"))
    assert "Cycle 2" in page and f"/cycles/{first.public_id}" in page
    old = text_of(senco.get(f"/cycles/{first.public_id}"))
    assert "Closed on" in old and "Partly met" in old and "Good progress with instructions." in old
    assert f"/cycles/{first.public_id}/edit" not in old


def test_a_closed_cycle_page_stays_byte_identical_after_edits_in_the_next(case):
    app, senco = case.app, case.senco
    first = _build_to_review(case)
    assert _close(case, first).status_code == 302
    senco.get(f"/learners/{case.learner}/plan")  # shows (and uses up) the "closed" flash
    before = {who: _main(client.get(f"/cycles/{first}")) for who, client in
              (("senco", senco), ("teacher", case.teacher), ("parent", case.parent))}
    assert b"Closed on" in before["senco"]

    second = _cycles(app, case.learner)[1].public_id
    data = _cycle(app, second)
    assert senco.post(f"/cycles/{second}/edit", data=_cycle_form(
        data.version, learner_views="<p>Changed in cycle 2</p>", needs_semh="<p>Settled now</p>"),
        follow_redirects=True).status_code == 200
    outcome = data.outcomes[0]
    assert senco.post(f"/outcomes/{outcome.public_id}/edit", data=_outcome_form(
        senco.account.public_id, description="Carried and reworded", progress="partly_met",
        version=outcome.version), follow_redirects=True).status_code == 200
    provision = data.provisions[0]
    assert senco.post(f"/provision/{provision.public_id}/edit", data=_provision_form(
        frequency="Daily", version=provision.version), follow_redirects=True).status_code == 200
    assert senco.post(f"/cycles/{second}/provision/new", data=_provision_form(description="Social stories"),
                      follow_redirects=True).status_code == 200
    for _ in range(3):
        assert senco.post(f"/cycles/{second}/stage",
                          data={"confirm": "yes", "version": _cycle(app, second).version},
                          follow_redirects=True).status_code == 200
    assert _close(case, second, ratings=("met",)).status_code == 302
    senco.get(f"/learners/{case.learner}/plan")  # the flash is shown (and used up) here

    assert len(_cycles(app, case.learner)) == 3
    assert "Changed in cycle 2" in text_of(senco.get(f"/cycles/{second}"))
    after = {who: _main(client.get(f"/cycles/{first}")) for who, client in
             (("senco", senco), ("teacher", case.teacher), ("parent", case.parent))}
    assert after == before


def test_a_closed_cycle_refuses_every_edit_and_nothing_changes(case):
    app, senco = case.app, case.senco
    first = _build_to_review(case)
    assert _close(case, first).status_code == 302
    data = _cycle(app, first)
    outcome, provision = data.outcomes[0], data.provisions[0]
    before = _snapshot(app)
    attempts = [
        (f"/cycles/{first}/edit", _cycle_form(data.version, learner_views="<p>Rewritten history</p>")),
        (f"/cycles/{first}/stage", {"confirm": "yes", "version": data.version}),
        (f"/cycles/{first}/close", {"version": data.version, "review_summary": "<p>Again</p>"}),
        (f"/cycles/{first}/outcomes/new", _outcome_form(senco.account.public_id)),
        (f"/outcomes/{outcome.public_id}/edit", _outcome_form(senco.account.public_id, version=outcome.version)),
        (f"/cycles/{first}/provision/new", _provision_form()),
        (f"/provision/{provision.public_id}/edit", _provision_form(version=provision.version)),
    ]
    for url, form in attempts:
        response = senco.post(url, data=form, follow_redirects=True)
        assert "can no longer be changed" in text_of(response), url
        assert _snapshot(app) == before, url
    for url in (f"/cycles/{first}/edit", f"/cycles/{first}/close", f"/cycles/{first}/outcomes/new",
                f"/outcomes/{outcome.public_id}/edit", f"/provision/{provision.public_id}/edit"):
        response = senco.get(url)
        assert response.status_code == 302 and response.headers["Location"].endswith(f"/cycles/{first}")


# --- no lost updates -------------------------------------------------------------------------------


def _version_in(page: str) -> str:
    return re.search(r'name="version"[^>]*value="(\d+)"', page).group(1)


def test_two_editors_of_one_cycle_the_second_gets_a_conflict_page_and_loses_nothing(case, app, sign_in_again):
    cycle = _start(case)
    other = sign_in_again(case.senco.account)
    first_page = case.senco.get(f"/cycles/{cycle}/edit").get_data(as_text=True)
    second_page = other.get(f"/cycles/{cycle}/edit").get_data(as_text=True)
    version = _version_in(first_page)
    assert version == _version_in(second_page) == "1"

    saved = case.senco.post(f"/cycles/{cycle}/edit", data=_cycle_form(version, family_views="<p>Mum's words</p>"))
    assert saved.status_code == 302
    stored = _snapshot(app)
    response = other.post(f"/cycles/{cycle}/edit", data=_cycle_form(version, family_views="<p>Dad's words</p>"))
    page = text_of(response)
    assert response.status_code == 409
    assert "Mum's words" in page and "Dad's words" in page
    assert re.search(r"<textarea[^>]*name=\"family_views\"[^>]*>\s*<p>Dad's words</p>", page)
    assert _snapshot(app) == stored and _cycle(app, cycle).family_views == "<p>Mum's words</p>"
    # Saving again from the conflict page (now at the current version) goes through.
    again = other.post(f"/cycles/{cycle}/edit", data=_cycle_form(_version_in(response.get_data(as_text=True)),
                                                                 family_views="<p>Dad's words</p>"))
    assert again.status_code == 302 and _cycle(app, cycle).family_views == "<p>Dad's words</p>"


def test_two_editors_of_one_outcome_and_one_provision(case, app):
    cycle = _start(case)
    senco = case.senco
    owner = senco.account.public_id
    senco.post(f"/cycles/{cycle}/outcomes/new", data=_outcome_form(owner))
    senco.post(f"/cycles/{cycle}/provision/new", data=_provision_form())
    data = _cycle(app, cycle)
    outcome, provision = data.outcomes[0], data.provisions[0]

    first = senco.post(f"/outcomes/{outcome.public_id}/edit",
                       data=_outcome_form(owner, measure="Teacher log, weekly", version=outcome.version))
    assert first.status_code == 302
    stored = _snapshot(app)
    second = senco.post(f"/outcomes/{outcome.public_id}/edit",
                        data=_outcome_form(owner, measure="Termly assessment", version=outcome.version))
    assert second.status_code == 409
    assert "Teacher log, weekly" in text_of(second) and "Termly assessment" in text_of(second)
    assert _snapshot(app) == stored

    first = senco.post(f"/provision/{provision.public_id}/edit",
                       data=_provision_form(frequency="Daily", version=provision.version))
    assert first.status_code == 302
    stored = _snapshot(app)
    second = senco.post(f"/provision/{provision.public_id}/edit",
                        data=_provision_form(frequency="Weekly", version=provision.version))
    assert second.status_code == 409 and "Daily" in text_of(second) and "Weekly" in text_of(second)
    assert _snapshot(app) == stored


@pytest.fixture
def sign_in_again(app):
    """A second browser signed in as the same person."""
    from tests.fixtures.application import sign_in

    def make(account):
        client = app.test_client()
        assert sign_in(client, account.email, account.password).status_code == 302
        return client

    return make


# --- no query per row -----------------------------------------------------------------------------


def _add_contributions(app, learner_public_id, authors, count, start=0):
    with app.app_context():
        learner = db.session.scalars(select(Learner).where(Learner.public_id == learner_public_id)).one()
        for n in range(start, start + count):
            author_id, kind, visibility = authors[n % len(authors)]
            contribution = Contribution(learner_id=learner.id, author_id=author_id, kind=kind, visibility=visibility)
            contribution.title = f"Contribution title {n}"
            writing.write(contribution, ("body",), body=f"Contribution body {n}")
            db.session.add(contribution)
        db.session.commit()


def _statements_for(app, client, url) -> tuple[int, str]:
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get(url)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200
    return len(statements), text_of(response)


def test_the_plan_page_costs_the_same_queries_with_5_and_50_contributions(case, app, monkeypatch):
    cycle = _build_to_review(case)
    assert cycle
    authors = [
        (_user_id(app, case.teacher.account), ContributionKind.CLASSROOM_VIEW, Visibility.TEAM),
        (_user_id(app, case.parent.account), ContributionKind.FAMILY_VIEW, Visibility.TEAM_AND_FAMILY),
        (_user_id(app, case.senco.account), ContributionKind.LEARNER_VOICE, Visibility.RESTRICTED),
    ]
    url = f"/learners/{case.learner}/plan"
    _add_contributions(app, case.learner, authors, 5)
    case.senco.get(url)
    few, page = _statements_for(app, case.senco, url)
    assert page.count("Contribution title ") == 5 and "Contribution body 4" in page
    _add_contributions(app, case.learner, authors, 45, start=5)
    # The page shows the HTML stored when each value was saved: the sanitiser does not run per value per view.
    cleans = []
    clean = bleach.sanitizer.Cleaner.clean
    monkeypatch.setattr(bleach.sanitizer.Cleaner, "clean", lambda self, html: cleans.append(1) or clean(self, html))
    many, page = _statements_for(app, case.senco, url)
    assert cleans == []
    # The newest ten, and the way to the rest (the case's list, in pages of its own).
    assert page.count("Contribution title ") == ON_THE_PLAN and "Contribution body 49" in page
    assert "Contribution body 39<" not in page and "The 10 newest of the 50 contributions you can read." in page
    assert "Class teacher" in page and "Parent or carer" in page
    assert many == few

    # The family reads only what is shared with the family, at the same flat cost.
    _, page = _statements_for(app, case.parent, url)
    shared = [n for n in range(50) if n % 3 == 1]
    assert f"Contribution body {shared[-1]}<" in page and "Contribution body 48<" not in page
    assert page.count("Contribution title ") == ON_THE_PLAN and f"of the {len(shared)} contributions" in page


# --- who may do what ------------------------------------------------------------------------------


def _every_edit(case, cycle, outcome, provision, owner):
    return [
        (f"/learners/{case.learner}/plan", {}),
        (f"/cycles/{cycle.public_id}/edit", _cycle_form(cycle.version, learner_views="<p>Not allowed</p>")),
        (f"/cycles/{cycle.public_id}/stage", {"confirm": "yes", "version": cycle.version}),
        (f"/cycles/{cycle.public_id}/close", {"version": cycle.version, "review_summary": "<p>No</p>"}),
        (f"/cycles/{cycle.public_id}/outcomes/new", _outcome_form(owner)),
        (f"/outcomes/{outcome.public_id}/edit", _outcome_form(owner, version=outcome.version)),
        (f"/cycles/{cycle.public_id}/provision/new", _provision_form()),
        (f"/provision/{provision.public_id}/edit", _provision_form(version=provision.version)),
    ]


@pytest.mark.parametrize("role", ["teacher", "parent"])
def test_the_team_and_family_read_the_plan_but_cannot_change_it(case, app, role):
    cycle_id = _build_to_review(case)
    cycle = _cycle(app, cycle_id)
    reader = getattr(case, role)
    page = text_of(reader.get(f"/learners/{case.learner}/plan"))
    assert "Maya will follow a two-part instruction" in page and "We want Maya to make friends." in page
    assert "Record the review and close this cycle" not in page and "/edit" not in page
    assert reader.get(f"/cycles/{cycle_id}").status_code == 200
    before = _snapshot(app)
    for url, form in _every_edit(case, cycle, cycle.outcomes[0], cycle.provisions[0], reader.account.public_id):
        assert reader.post(url, data=form).status_code == 403, url
        assert _snapshot(app) == before, url
    for url in (f"/cycles/{cycle_id}/edit", f"/cycles/{cycle_id}/close", f"/cycles/{cycle_id}/outcomes/new",
                f"/outcomes/{cycle.outcomes[0].public_id}/edit", f"/cycles/{cycle_id}/provision/new",
                f"/provision/{cycle.provisions[0].public_id}/edit"):
        assert reader.get(url).status_code == 403, url


def test_a_family_member_cannot_start_a_plan(case, app):
    before = _snapshot(app)
    assert case.parent.post(f"/learners/{case.learner}/plan").status_code == 403
    assert case.teacher.post(f"/learners/{case.learner}/plan").status_code == 403
    assert "No plan yet" in text_of(case.parent.get(f"/learners/{case.learner}/plan"))
    assert "Start a support plan" not in text_of(case.parent.get(f"/learners/{case.learner}/plan"))
    assert _snapshot(app) == before


def test_a_teacher_not_on_the_team_gets_404_everywhere(case, app, client_as):
    cycle_id = _build_to_review(case)
    cycle = _cycle(app, cycle_id)
    stranger = client_as("teacher", agency=case.school)
    assert stranger.get(f"/learners/{case.learner}/plan").status_code == 404
    assert stranger.get(f"/cycles/{cycle_id}").status_code == 404
    before = _snapshot(app)
    for url, form in _every_edit(case, cycle, cycle.outcomes[0], cycle.provisions[0],
                                 stranger.account.public_id):
        assert stranger.post(url, data=form).status_code == 404, url
    assert _snapshot(app) == before


def test_a_senco_of_another_school_gets_404(case, app, client_as, create_agency):
    cycle_id = _build_to_review(case)
    cycle = _cycle(app, cycle_id)
    other = client_as("senco", agency=create_agency(name="Another Primary School"))
    assert other.get(f"/learners/{case.learner}/plan").status_code == 404
    before = _snapshot(app)
    for url, form in _every_edit(case, cycle, cycle.outcomes[0], cycle.provisions[0], other.account.public_id):
        assert other.post(url, data=form).status_code == 404, url
    assert _snapshot(app) == before


def test_extra_and_tampered_fields_are_ignored_or_refused(case, app, create_case):
    senco = case.senco
    cycle_id = _start(case)
    other_learner = create_case(school=case.school, name="Other Learner")
    with app.app_context():
        other_id = db.session.scalar(select(Learner.id).where(Learner.public_id == other_learner))

    response = senco.post(f"/cycles/{cycle_id}/edit", data=_cycle_form(
        1, learner_id=str(other_id), plan_id="999", stage="closed", number="7", closed_at="2020-01-01",
        review_summary="<p>Smuggled</p>"))
    assert response.status_code == 302
    cycle = _cycle(app, cycle_id)
    assert cycle.stage is CycleStage.ASSESS and cycle.number == 1 and cycle.closed_at is None
    assert cycle.review_summary is None and cycle.version == 2
    assert len(_cycles(app, case.learner)) == 1 and _cycles(app, other_learner) == []

    # The stage moves one step whatever the form says it should become.
    moved = senco.post(f"/cycles/{cycle_id}/stage", data={"confirm": "yes", "version": 2, "stage": "closed"})
    assert moved.status_code == 302
    assert _cycle(app, cycle_id).stage is CycleStage.PLAN

    before = _snapshot(app)
    for version in ("1", "999", "abc", ""):
        response = senco.post(f"/cycles/{cycle_id}/edit", data=_cycle_form(version, aspirations="<p>Tampered</p>"))
        assert response.status_code == 409, version
        assert _snapshot(app) == before
        assert senco.post(f"/cycles/{cycle_id}/stage", data={"confirm": "yes", "version": version}).status_code == 409
        assert _snapshot(app) == before

    # An owner who is not on the team, or an outcome posted at another cycle's id, changes nothing.
    stranger_response = senco.post(f"/cycles/{cycle_id}/outcomes/new", data=_outcome_form("not-a-person"))
    assert stranger_response.status_code == 400 and _snapshot(app) == before
    response = senco.post(f"/cycles/{cycle_id}/outcomes/new", data=_outcome_form(
        case.teacher.account.public_id, cycle_id="999", owner_id="1", progress="met"))
    assert response.status_code == 302
    outcome = _cycle(app, cycle_id).outcomes[0]
    assert outcome.owner_id == _user_id(app, case.teacher.account) and outcome.progress is ProgressRating.MET

    # Closing before review is refused, whatever ratings come with it.
    before = _snapshot(app)
    response = senco.post(f"/cycles/{cycle_id}/close", data={
        "version": _cycle(app, cycle_id).version, "review_summary": "<p>Early</p>",
        f"rating_{outcome.public_id}": "met"})
    assert response.status_code == 400 and "review stage" in text_of(response)
    assert _snapshot(app) == before


# --- demo ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("stage, closed", [(CycleStage.DO, 2), (CycleStage.ASSESS, 0), (CycleStage.REVIEW, 1)])
def test_the_demo_plan_has_reviewed_history_and_a_current_cycle(case, app, stage, closed):
    from app.demo.plans import build_demo_plan

    with app.app_context():
        senco = db.session.scalars(select(User).where(User.public_id == case.senco.account.public_id)).one()
        teacher = db.session.scalars(select(User).where(User.public_id == case.teacher.account.public_id)).one()
        learner = db.session.scalars(select(Learner).where(Learner.public_id == case.learner)).one()
        build_demo_plan(senco, learner, stage=stage, closed_cycles=closed, owner=teacher)
        db.session.commit()
        teacher_id = teacher.id
    cycles = [_cycle(app, c.public_id) for c in _cycles(app, case.learner)]
    assert [c.number for c in cycles] == list(range(1, closed + 2))
    *history, current = cycles
    assert all(c.stage is CycleStage.CLOSED and c.review_summary and c.outcomes for c in history)
    assert all(o.progress is not ProgressRating.NOT_YET_REVIEWED for c in history for o in c.outcomes)
    assert all(c.closed_at.date() < date.today() for c in history)
    assert current.stage is stage and current.outcomes and current.provisions
    assert date.today() < current.review_on <= date.today() + timedelta(days=61)
    assert {o.owner_id for o in current.outcomes} == {teacher_id}
    page = text_of(case.senco.get(f"/learners/{case.learner}/plan"))
    assert f"Cycle {closed + 1}" in page and "Maya Testcase" in page
