"""Retention: the table of what the sweep destroys (record classes, birthdays including 29 February, holds and the
DSL's reviews), a second run destroying nothing, a dry run changing nothing, the register holding no content, and
erasure refused with its Article 17(3) ground. Both engines: the sweep deletes through raw SQL over foreign keys."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from app.agencies.accounts.models import Agency, Role, User
from app.cases.concerns.models import SafeguardingConcern
from app.cases.learners.models import Learner
from app.core.dates import end_of_day
from app.data_protection.requests.models import (
    ClockStart,
    RequesterRelationship,
    RequestKind,
    RequestStatus,
    SubjectAccessRequest,
)
from app.data_protection.retention import schedule, services
from app.data_protection.retention.models import (
    DestructionEntry,
    ErasureGround,
    ErasureOutcome,
    ErasureRequest,
    RetentionAction,
    ReviewDecision,
)
from app.data_protection.retention.schedule import RecordClass, anniversary
from app.extensions import db
from app.types import utcnow

pytestmark = pytest.mark.both_backends

SCHOOL = "Retention Academy"
TODAY = date(2026, 12, 4)
SEND, CP = RecordClass.SEND_FILE.value, RecordClass.CHILD_PROTECTION.value
SAR = RecordClass.SUBJECT_ACCESS.value
CONCERN = "Sentinel concern: bruise on the left arm seen at break"


@pytest.mark.parametrize(("day", "years", "expected"), [
    (date(2010, 5, 17), 31, date(2041, 5, 17)),
    (date(1996, 2, 29), 31, date(2027, 3, 1)),  # a common year: 1 March
    (date(1996, 2, 29), 28, date(2024, 2, 29)),  # a leap year: the day itself
    (date(2000, 2, 29), 25, date(2025, 3, 1)),
])
def test_an_anniversary_of_29_february_is_1_march_in_a_common_year(day, years, expected):
    assert anniversary(day, years) == expected


# name, date of birth, today, with a concern?, held?, the DSL's review (decision, keep until), school's SEND years,
# the classes the sweep destroys
CASES = [
    ("born 31 years ago yesterday", date(1995, 12, 3), TODAY, False, False, None, None, {SEND}),
    ("born 31 years ago today", date(1995, 12, 4), TODAY, False, False, None, None, {SEND}),
    ("born 31 years ago tomorrow", date(1995, 12, 5), TODAY, False, False, None, None, set()),
    ("29 February, the day before 1 March", date(1996, 2, 29), date(2027, 2, 28), False, False, None, None, set()),
    ("29 February, on 1 March of a common year", date(1996, 2, 29), date(2027, 3, 1), False, False, None, None,
     {SEND}),
    ("29 February, long past", date(1992, 2, 29), TODAY, False, False, None, None, {SEND}),
    ("held, long past", date(1990, 1, 1), TODAY, False, True, None, None, set()),
    ("held, with a reviewed concern", date(1990, 1, 1), TODAY, True, True, (ReviewDecision.DESTROY, None), None,
     set()),
    ("child of ten", date(2016, 3, 1), TODAY, True, False, None, None, set()),
    ("CP due, not reviewed", date(2000, 1, 1), TODAY, True, False, None, None, set()),
    ("CP due, reviewed: destroy", date(2000, 1, 1), TODAY, True, False, (ReviewDecision.DESTROY, None), None, {CP}),
    ("CP due, reviewed: keep", date(2000, 1, 1), TODAY, True, False, (ReviewDecision.KEEP, date(2030, 1, 1)), None,
     set()),
    ("CP kept until yesterday", date(2000, 1, 1), TODAY, True, False, (ReviewDecision.KEEP, date(2026, 12, 3)),
     None, set()),
    ("CP 25th birthday tomorrow, reviewed early", date(2001, 12, 5), TODAY, True, False,
     (ReviewDecision.DESTROY, None), None, set()),
    ("SEND due, CP not reviewed: waits", date(1990, 1, 1), TODAY, True, False, None, None, set()),
    ("SEND due, CP reviewed: both", date(1990, 1, 1), TODAY, True, False, (ReviewDecision.DESTROY, None), None,
     {SEND, CP}),
    ("school keeps SEND files 25 years", date(2000, 6, 1), TODAY, False, False, None, 25, {SEND}),
    ("school keeps SEND files 35 years", date(1993, 6, 1), TODAY, False, False, None, 35, set()),
]


@pytest.fixture
def people(app, create_agency, create_user):
    create_agency(name=SCHOOL)
    dpo = create_user(Role.SENCO, agency=SCHOOL, dpo_designated_at=utcnow())
    dsl = create_user(Role.DSL, agency=SCHOOL)
    return {"dpo": dpo.public_id, "dsl": dsl.public_id}


def _user(public_id) -> User:
    return db.session.scalars(select(User).where(User.public_id == public_id)).one()


def _school() -> Agency:
    return db.session.scalars(select(Agency).where(Agency.name.matches(SCHOOL))).one()


def _learner(name, born, school) -> Learner:
    learner = Learner(school_id=school.id, year_group=6)
    learner.set_name_and_birth(name, born)
    learner.upn = f"A{abs(hash(name)) % 10**12:012d}"
    learner.notes = f"Sentinel notes of {name}"
    db.session.add(learner)
    db.session.flush()
    return learner


def _make(case, people) -> str:
    name, born, _, concern, held, review, send_years, _ = case
    school, dpo, dsl = _school(), _user(people["dpo"]), _user(people["dsl"])
    learner = _learner(name, born, school)
    if concern:
        row = SafeguardingConcern(learner_id=learner.id, author_id=dsl.id)
        row.concern = CONCERN
        db.session.add(row)
        db.session.flush()
    if review:
        services.record_review(dsl, learner, review[0], keep_until=review[1], reason="Reviewed with the LA")
    if held:
        services.place_legal_hold(dpo, learner, "Tribunal appeal pending", "SE/26/00417")
    if send_years:
        services.edit_rule(dpo, RecordClass.SEND_FILE, send_years, RetentionAction.DESTROY)
    return learner.public_id


def _destroyed(public_id) -> set[str]:
    return set(db.session.scalars(select(DestructionEntry.record_class)
                                  .where(DestructionEntry.learner_public_id == public_id)))


def _alive(public_id) -> bool:
    return db.session.scalar(select(func.count()).select_from(Learner).where(Learner.public_id == public_id)) == 1


@pytest.mark.parametrize("case", CASES, ids=[case[0] for case in CASES])
def test_what_the_sweep_destroys(app, people, case):
    """Each row alone at its school (a school's edit of a rule must not leak into the next row): the sweep destroys
    exactly the classes the table says, keeps the rest, and a second run destroys nothing more."""
    today, expected = case[2], case[7]
    with app.app_context():
        public_id = _make(case, people)
        db.session.commit()
        school = _school().id

        dry = services.sweep(school, today, dry_run=True)
        assert {item.record_class.value for item in dry.items if item.destroys} == expected
        assert not dry.destroyed and _destroyed(public_id) == set() and _alive(public_id)

        first = services.sweep(school, today, dry_run=False)
        db.session.commit()
        assert _destroyed(public_id) == expected
        assert {entry.record_class for entry in first.destroyed} == expected
        assert _alive(public_id) is (SEND not in expected)
        concerns = db.session.scalar(select(func.count()).select_from(SafeguardingConcern)
                                     .join(Learner).where(Learner.public_id == public_id)) or 0
        if CP in expected or SEND in expected:
            assert concerns == 0

        second = services.sweep(school, today, dry_run=False)
        db.session.commit()
        assert second.destroyed == [] and _destroyed(public_id) == expected


# name, days the requests were closed (None: still open), today, held?, the school's years, how many the sweep destroys
SAR_CASES = [
    ("closed a year ago today", [date(2025, 12, 4)], TODAY, False, None, 1),
    ("closed a year ago tomorrow", [date(2025, 12, 5)], TODAY, False, None, 0),
    ("closed on 29 February, the day before 1 March", [date(2024, 2, 29)], date(2025, 2, 28), False, None, 0),
    ("closed on 29 February, on 1 March of a common year", [date(2024, 2, 29)], date(2025, 3, 1), False, None, 1),
    ("one due, one not, one open", [date(2024, 1, 10), date(2026, 6, 1), None], TODAY, False, None, 1),
    ("held", [date(2020, 1, 10)], TODAY, True, None, 0),
    ("the school keeps them two years", [date(2025, 6, 1)], TODAY, False, 2, 0),
]


def _access_request(learner: Learner, dpo: User, closed_on: date | None) -> None:
    request = SubjectAccessRequest(
        agency_id=learner.school_id, learner_id=learner.id, kind=RequestKind.ARTICLE_15,
        requester_relationship=RequesterRelationship.PARENT, received_on=date(2019, 1, 7), registered_by_id=dpo.id,
        clock_start=ClockStart.RECEIVED, clock_starts_on=date(2019, 1, 7), due_on=date(2019, 2, 7),
        status=RequestStatus.COMPLETED if closed_on else RequestStatus.REGISTERED,
        closed_at=end_of_day(closed_on) if closed_on else None)
    request.requester_name = "Sentinel requester"
    db.session.add(request)
    db.session.flush()


@pytest.mark.parametrize("case", SAR_CASES, ids=[case[0] for case in SAR_CASES])
def test_what_the_sweep_destroys_of_subject_access_files(app, people, case):
    """Closure + 1 year (29 February closing moves to 1 March), open requests never due, a hold keeps them, a school's
    longer rule keeps them; the learner (born 2015) stays, and a second run destroys nothing."""
    _, closings, today, held, years, expected = case
    with app.app_context():
        school, dpo = _school(), _user(people["dpo"])
        learner = _learner("Sar Child", date(2015, 5, 5), school)
        for closed_on in closings:
            _access_request(learner, dpo, closed_on)
        if held:
            services.place_legal_hold(dpo, learner, "Complaint to the ICO pending", "ICO/26/1")
        if years:
            services.edit_rule(dpo, RecordClass.SUBJECT_ACCESS, years, RetentionAction.DESTROY)
        db.session.commit()
        public_id = learner.public_id

        def requests_left():
            return db.session.scalar(select(func.count()).select_from(SubjectAccessRequest)
                                     .join(Learner).where(Learner.public_id == public_id))

        dry = services.sweep(school.id, today, dry_run=True)
        assert {item.record_class.value for item in dry.items if item.destroys} == ({SAR} if expected else set())
        services.sweep(school.id, today, dry_run=False)
        db.session.commit()
        assert requests_left() == len(closings) - expected and _alive(public_id)
        assert _destroyed(public_id) == ({SAR} if expected else set())
        assert services.sweep(school.id, today, dry_run=False).destroyed == []


def test_a_dry_run_changes_nothing_and_a_held_learner_is_untouched(app, people):
    with app.app_context():
        school = _school()
        gone = _make(("long gone", date(1980, 1, 1), TODAY, True, False, (ReviewDecision.DESTROY, None), None, None),
                     people)
        held = _make(("held", date(1980, 1, 1), TODAY, True, True, (ReviewDecision.DESTROY, None), None, None), people)
        db.session.commit()
        tables = list(db.metadata.sorted_tables)

        def snapshot():
            return {table.name: sorted(map(tuple, db.session.execute(select(table)).all()), key=repr)
                    for table in tables}

        before = snapshot()
        result = services.sweep(school.id, TODAY, dry_run=True)
        db.session.rollback()
        assert {(item.learner_public_id, item.held) for item in result.items if item.what == services.DESTROY} \
            == {(gone, False), (held, True)}
        assert snapshot() == before

        services.sweep(school.id, TODAY, dry_run=False)
        db.session.commit()
        assert not _alive(gone) and _alive(held) and _destroyed(held) == set()
        kept = db.session.scalar(select(func.count()).select_from(SafeguardingConcern).join(Learner)
                                 .where(Learner.public_id == held))
        assert kept == 1


def test_the_register_holds_no_content_and_no_names(app, people):
    with app.app_context():
        public_id = _make(("Zebedee Quartermaine", date(1985, 7, 7), TODAY, True, False,
                           (ReviewDecision.DESTROY, None), None, None), people)
        db.session.commit()
        services.sweep(_school().id, TODAY, dry_run=False)
        db.session.commit()
        rows = db.session.execute(select(DestructionEntry.__table__)).all()
        assert {row.record_class for row in rows} == {SEND, CP}
        text = repr([tuple(row) for row in rows])
        assert public_id in text
        for secret in ("Zebedee", "Quartermaine", "1985", "bruise", "Sentinel"):
            assert secret not in text
        assert {row.rule for row in rows} == {"SEND file: date of birth + 31 years",
                                              "Child protection file: date of birth + 25 years"}
        assert all(row.destroyed_by_id is None for row in rows)  # by the retention sweep


@pytest.mark.parametrize(("born", "held", "ground"), [
    (date(2015, 1, 1), False, ErasureGround.LEGAL_OBLIGATION),  # the SEND file is kept until 2046
    (date(1980, 1, 1), True, ErasureGround.LEGAL_CLAIMS),  # past retention, but held
    (date(2015, 1, 1), True, ErasureGround.LEGAL_CLAIMS),  # both: the hold is named
])
def test_erasure_is_refused_with_its_article_17_3_ground_and_changes_nothing(app, people, born, held, ground):
    with app.app_context():
        public_id = _make(("Refused", born, TODAY, False, held, None, None, None), people)
        db.session.commit()
        learner = db.session.scalars(select(Learner).where(Learner.public_id == public_id)).one()
        request = services.request_erasure(_user(people["dpo"]), learner, requested_by="Ms Farrow (mother)",
                                           received_on=TODAY, today=TODAY, confirmed=True)
        db.session.commit()
        assert request.outcome is ErasureOutcome.REFUSED and request.ground is ground
        assert _alive(public_id) and _destroyed(public_id) == set()
        assert "Farrow" not in str(request.requested_by_sealed) and request.requested_by == "Ms Farrow (mother)"


def test_erasure_past_retention_erases_once_confirmed(app, people):
    with app.app_context():
        public_id = _make(("Past", date(1980, 1, 1), TODAY, False, False, None, None, None), people)
        db.session.commit()
        learner = db.session.scalars(select(Learner).where(Learner.public_id == public_id)).one()
        with pytest.raises(ValueError, match="confirm"):
            services.request_erasure(_user(people["dpo"]), learner, requested_by="Himself", received_on=TODAY,
                                     today=TODAY, confirmed=False)
        db.session.rollback()
        learner = db.session.scalars(select(Learner).where(Learner.public_id == public_id)).one()
        request = services.request_erasure(_user(people["dpo"]), learner, requested_by="Himself", received_on=TODAY,
                                           today=TODAY, confirmed=True)
        db.session.commit()
        saved = db.session.scalars(select(ErasureRequest).where(ErasureRequest.public_id == request.public_id)).one()
        assert saved.outcome is ErasureOutcome.ERASED and saved.learner_id is None
        assert saved.learner_public_id == public_id and not _alive(public_id)
        assert _destroyed(public_id) == {SEND}


def test_the_schedule_shows_the_irms_defaults_until_the_school_edits_a_rule(app, people):
    with app.app_context():
        school = _school()
        rules = schedule.rules_of(school.id)
        send = rules[RecordClass.SEND_FILE]
        assert (send.years, send.action) == (31, RetentionAction.DESTROY)
        assert (rules[RecordClass.CHILD_PROTECTION].years, rules[RecordClass.CHILD_PROTECTION].action) == \
            (25, RetentionAction.REVIEW)
        assert rules[RecordClass.AUDIT_TRAIL].action is RetentionAction.KEEP
        services.edit_rule(_user(people["dpo"]), RecordClass.CHILD_PROTECTION, 30, RetentionAction.REVIEW)
        db.session.commit()
        assert schedule.rules_of(school.id)[RecordClass.CHILD_PROTECTION].years == 30
        assert schedule.DEFAULTS[RecordClass.CHILD_PROTECTION].years == 25


def test_the_command_lists_on_a_dry_run_then_destroys_and_the_sweep_runs_daily_by_itself(app, people):
    from app.core.jobs.registry import spec_of

    with app.app_context():
        public_id = _make(("Old Leaver", date(1970, 5, 5), TODAY, False, False, None, None, None), people)
        held = _make(("Held Leaver", date(1970, 5, 5), TODAY, False, True, None, None, None), people)
        db.session.commit()
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["retention", "sweep", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    line = next(line for line in dry.output.splitlines() if public_id in line)
    assert "SEND file: date of birth + 31 years" in line and "due since 2001-05-05" in line
    assert "not held" in line and "would destroy" in line
    assert "kept: legal hold" in next(line for line in dry.output.splitlines() if held in line)
    assert "Old Leaver" not in dry.output
    with app.app_context():
        assert _alive(public_id)
    run = runner.invoke(args=["retention", "sweep"])
    assert run.exit_code == 0 and "destroyed" in run.output
    with app.app_context():
        assert not _alive(public_id) and _alive(held) and _destroyed(public_id) == {SEND}
    again = runner.invoke(args=["retention", "sweep"])
    assert "0 destruction(s) registered" in again.output
    spec = spec_of("retention.sweep")
    assert spec.periodic and spec.every.days == 1
