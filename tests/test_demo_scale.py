"""`flask demo scale`: proportional counts, the same rows from the same seed (after an interruption too), a chain
that verifies, sealed values that open under each learner's key, and a scaled learner's plan seen by its SENCo."""
from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import func, select

from app import create_app
from app.agencies.accounts.models import Agency, Role, User
from app.audit import chain
from app.audit.models import AuditEvent
from app.cases.contributions.models import Contribution
from app.cases.learners.models import Learner
from app.cases.meetings.models import Meeting
from app.cases.plans.models import Outcome
from app.cpd.entries.models import CaseEvidence, ReflectiveEntry
from app.demo.scale import BuildInterrupted, ScaleBuild, build_authority
from app.demo.scale_people import ScaleCounts
from app.extensions import db
from app.security.crypto import Sealed
from app.security.learner_keys import is_learner_key_id
from tests.fixtures.application import sign_in, text_of

pytestmark = pytest.mark.both_backends

SEED = 7
LEARNERS = 40
SMALL = dict(seed=SEED, learners=LEARNERS, learners_per_unit=10, trail_days=21)


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_small_authority_has_the_counts_of_the_ratios_and_a_chain_that_verifies(app):
    with app.app_context():
        reports = build_authority(**SMALL)
        counts = ScaleCounts.for_learners(LEARNERS)
        authority = ScaleBuild(SEED, counts).authority
        layouts = [authority.learner(index) for index in range(LEARNERS)]
        assert [report.phase for report in reports] == ["accounts", "learners", "contributions", "meetings", "cpd",
                                                        "audit"]
        assert counts.schools == 2 and counts.big_school == 8 and counts.professionals == 2
        assert _count(Learner) == LEARNERS
        per_school = Counter(db.session.scalars(select(Learner.school_id)))
        assert sorted(per_school.values()) == [8, 32]
        staff = [person for school in authority.schools for person in school.people]
        assert db.session.scalar(select(func.count()).select_from(User).where(User.role.in_(
            [Role.SENCO, Role.DSL, Role.ADMIN, Role.TEACHER, Role.LSP]))) == len(staff) == 11  # 6 + 5 (the least)
        assert db.session.scalar(select(func.count()).select_from(User).where(
            User.role.in_([Role.SLT, Role.EP]))) == 2
        assert _count(Contribution) == sum(layout.contributions for layout in layouts)
        assert 45 * LEARNERS <= _count(Contribution) <= 55 * LEARNERS
        per_learner = Counter(db.session.scalars(select(Contribution.learner_id)))
        assert sum(1 for count in per_learner.values() if count == 50) >= LEARNERS // 10
        assert _count(Meeting) == 2 * LEARNERS
        assert _count(ReflectiveEntry) == 10 * LEARNERS
        assert _count(CaseEvidence) > 0  # CPD entries reflecting on a contribution their owner wrote
        assert _count(AuditEvent) == 200 * LEARNERS

        result = chain.verify_chain()
        assert result.intact, result.problem
        assert result.event_count == 200 * LEARNERS and result.unsealed == 0

        # Sealed under each learner's own key, bound to the row: the ORM opens them.
        first = layouts[0]
        learner = db.session.scalars(select(Learner).where(Learner.public_id == first.public_id)).one()
        assert (learner.name, learner.date_of_birth, learner.upn) == (first.name, first.date_of_birth, first.upn)
        assert db.session.scalars(select(Learner).where(Learner.name.matches(first.name))).first() is not None
        assert is_learner_key_id(Sealed(learner.name_sealed).key_id)
        contribution = db.session.scalars(select(Contribution).where(Contribution.learner_id == learner.id)).first()
        assert contribution.title and contribution.body and contribution.body_html.startswith("<")
        assert is_learner_key_id(Sealed(contribution.body_sealed).key_id)
        entry = db.session.scalars(select(ReflectiveEntry)).first()
        assert entry.title and entry.reflection


def _snapshot():
    """What a build made, as values: ids, names and texts opened, times."""
    return dict(
        agencies=sorted((agency.public_id, agency.name) for agency in db.session.scalars(select(Agency))),
        users=sorted((user.public_id, user.email, user.display_name, user.role) for user in
                     db.session.scalars(select(User))),
        learners=sorted((learner.id, learner.public_id, learner.name, learner.date_of_birth) for learner in
                        db.session.scalars(select(Learner))),
        outcomes=sorted((outcome.id, outcome.public_id, outcome.description) for outcome in
                        db.session.scalars(select(Outcome))),
        contributions=sorted((row.id, row.public_id, row.author_id, row.created_at, row.title, row.body) for row in
                             db.session.scalars(select(Contribution))),
        entries=sorted((row.id, row.public_id, row.owner_id, row.title) for row in
                       db.session.scalars(select(ReflectiveEntry))),
        events=db.session.execute(select(AuditEvent.id, AuditEvent.request_id, AuditEvent.occurred_at,
                                         AuditEvent.actor_id, AuditEvent.learner_public_ids)
                                  .order_by(AuditEvent.id)).all(),
    )


def test_a_build_interrupted_and_resumed_makes_the_rows_of_an_uninterrupted_one(app, backend, database_servers):
    with app.app_context():
        build_authority(**SMALL)
        whole = _snapshot()
    servers = database_servers(backend)
    url = servers.clone()
    other = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url, "BRAID_FIELD_KEYS": app.config["BRAID_FIELD_KEYS"]})
    try:
        with other.app_context():
            # Units: 4 agencies, then 4 of ten learners for each of learners, contributions and meetings, 1 of CPD,
            # then the trail's days. Stopped in the learners, again in the contributions, and again in the trail.
            for stop_after in (6, 4, 9):
                with pytest.raises(BuildInterrupted):
                    build_authority(**SMALL, stop_after_units=stop_after)
                db.session.remove()
            reports = build_authority(**SMALL)
            skipped = {report.phase: report.skipped_units for report in reports}
            assert skipped == {"accounts": 4, "learners": 4, "contributions": 4, "meetings": 4, "cpd": 1, "audit": 2}
            assert _snapshot() == whole
            assert chain.verify_chain().intact
    finally:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()
        other.extensions["braid_learner_keys"].remove_test_store()
        servers.drop(url)


def test_the_secondarys_senco_reads_a_scaled_learners_plan_beside_the_demo(demo_app):
    with demo_app.app_context():
        build_authority(seed=SEED, learners=20, trail_days=7)
        build = ScaleBuild(SEED, ScaleCounts.for_learners(20))
        layout = build.authority.learner(0)  # at the secondary; every tenth learner has exactly 50 contributions
        senco = build.authority.schools[0].of(Role.SENCO)[0]
        assert layout.contributions == 50
    client = demo_app.test_client()
    assert sign_in(client, senco.email, demo_app.config["BRAID_DEMO_PASSWORD"]).status_code == 302
    page = client.get(f"/learners/{layout.public_id}/plan")
    assert page.status_code == 200
    assert layout.name in text_of(page)
    for part, shown in (("contributions", "Classroom view"), ("meetings", "Planning meeting")):
        listed = client.get(f"/learners/{layout.public_id}/{part}")
        assert listed.status_code == 200 and shown in text_of(listed), part
    # The demo's own sign-ins keep working beside the authority; its SENCo does not see the scaled learner.
    demo = demo_app.test_client()
    assert sign_in(demo, "senco@oakfield.example", demo_app.config["BRAID_DEMO_PASSWORD"]).status_code == 302
    assert demo.get(f"/learners/{layout.public_id}/plan").status_code == 404


def test_the_command_reports_each_phase_and_refuses_a_second_authority(app):
    runner = app.test_cli_runner()
    built = runner.invoke(args=["demo", "scale", "--learners", "10", "--seed", "3"])
    assert built.exit_code == 0, built.output
    for phase in ("accounts", "learners", "contributions", "meetings", "cpd", "audit"):
        assert f"\n{phase}" in built.output and "rows/s" in built.output
    again = runner.invoke(args=["demo", "scale", "--learners", "10", "--seed", "3"])
    assert again.exit_code == 0 and "unit(s) already there" in again.output  # finished: every unit is skipped
    with app.app_context():
        before = _count(AuditEvent), _count(Learner)
    other = runner.invoke(args=["demo", "scale", "--learners", "10", "--seed", "4"])
    assert other.exit_code == 1 and "another seed or size" in other.output and "Traceback" not in other.output
    with app.app_context():
        assert (_count(AuditEvent), _count(Learner)) == before
    more = runner.invoke(args=["demo", "scale", "--learners", "10", "--seed", "3", "--audit-per-learner", "5"])
    assert more.exit_code == 0, more.output
    with app.app_context():
        assert _count(AuditEvent) == before[0] + 5 * 10 and _count(Learner) == before[1]  # a second trail, only
        result = chain.verify_chain()
        assert result.intact and result.event_count == before[0] + 50
