"""A plan over the years: a cycle a term, each with its outcomes and provision. The plan page shows the current
cycle in full and links each earlier one, so it reads the same rows after two cycles or twenty; an earlier cycle's
page shows that cycle's outcomes."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.cases.learners.models import Learner
from app.cases.plans.models import CycleStage, Outcome, PlanCycle, Provision, SupportPlan
from app.extensions import db
from app.types import utcnow
from tests.fixtures.application import reads_of, signed_in_client, text_of

pytestmark = pytest.mark.both_backends

SCHOOL = "Many Terms Primary"


def _plan(app, learner_public_id: str, closed_cycles: int) -> list[str]:
    """`closed_cycles` closed cycles and an open one, each with three outcomes and two provisions named after its
    number; the cycles' public ids, oldest first."""
    with app.app_context():
        learner = db.session.scalars(select(Learner).where(Learner.public_id == learner_public_id)).one()
        plan = SupportPlan(learner_id=learner.id)
        db.session.add(plan)
        db.session.flush()
        today, ids = utcnow().date(), []
        for number in range(1, closed_cycles + 2):
            closed = number <= closed_cycles
            cycle = PlanCycle(plan_id=plan.id, number=number, review_on=today + timedelta(days=30),
                              stage=CycleStage.CLOSED if closed else CycleStage.DO,
                              closed_at=utcnow() if closed else None)
            db.session.add(cycle)
            db.session.flush()
            for n in range(3):
                outcome = Outcome(cycle_id=cycle.id, target_on=today + timedelta(days=60))
                outcome.description, outcome.measure = f"Cycle {number} outcome {n}", "Observed in class"
                db.session.add(outcome)
            for n in range(2):
                provision = Provision(cycle_id=cycle.id, frequency="Weekly", starts_on=today)
                provision.description, provision.delivered_by = f"Cycle {number} provision {n}", "The LSP"
                db.session.add(provision)
            ids.append(cycle.public_id)
        db.session.commit()
    return ids


def test_the_plan_page_reads_the_current_cycle_only_after_two_cycles_or_twenty(app, create_agency, create_user,
                                                                             create_case):
    create_agency(name=SCHOOL)
    senco = create_user("senco", agency=SCHOOL)
    short, long = create_case(school=SCHOOL, name="Two Terms"), create_case(school=SCHOOL, name="Twenty Terms")
    cycles = {short: _plan(app, short, 2), long: _plan(app, long, 20)}
    client = signed_in_client(app, senco)
    costs = {}
    for learner, closed in ((short, 2), (long, 20)):
        path = f"/learners/{learner}/plan"
        client.get(path)  # anything a first view does once
        statements, read, page = reads_of(app, client, path, Outcome, Provision)
        text = text_of(page)
        assert page.status_code == 200
        assert f"Cycle {closed + 1} outcome 2" in text and f"Cycle {closed + 1} provision 1" in text
        assert f"Cycle {closed} outcome" not in text and f"Cycle {closed}</a>" in page.get_data(as_text=True)
        costs[learner] = (statements, sorted(read))
    assert costs[short] == costs[long]
    assert costs[long][1] == ["Outcome"] * 3 + ["Provision"] * 2

    # An earlier cycle's page has that cycle's outcomes and provision.
    page = text_of(client.get(f"/cycles/{cycles[long][4]}"))
    assert "Cycle 5 outcome 0" in page and "Cycle 5 provision 1" in page and "Cycle 21 outcome" not in page
