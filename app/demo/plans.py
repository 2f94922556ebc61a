"""Demo support plans: closed earlier cycles with their reviews, and a current cycle at a chosen stage."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import select

from app.agencies.accounts.models import User
from app.cases.learners.models import AreaOfNeed, Learner
from app.cases.plans import services, stages
from app.cases.plans.models import CycleStage, CycleStageChange, ProgressRating
from app.core.dates import school_zone
from app.core.dates import today as school_today
from app.extensions import db
from app.types import utcnow

CYCLE_DAYS = 84  # about a school half-term and a bit: twelve weeks from assess to review

NEEDS = {
    AreaOfNeed.COMMUNICATION_INTERACTION: (
        "needs_communication",
        "Speech sounds: fronting of /k/ and /g/. Finds it hard to follow instructions with more than two parts "
        "and to retell a short story in order.",
    ),
    AreaOfNeed.COGNITION_LEARNING: (
        "needs_cognition",
        "Reading accuracy is secure but written recording is slow; working memory makes multi-step maths "
        "problems hard to hold in mind.",
    ),
    AreaOfNeed.SEMH: (
        "needs_semh",
        "Anxious at transitions, particularly coming in from the playground after lunch. Can withdraw when "
        "a task feels too hard.",
    ),
    AreaOfNeed.SENSORY_PHYSICAL: (
        "needs_sensory",
        "Finds the noise of the hall overwhelming; fine motor control makes handwriting tiring after ten "
        "minutes.",
    ),
}

OUTCOMES = {
    AreaOfNeed.COMMUNICATION_INTERACTION: (
        ("will follow a two-part classroom instruction without a visual prompt",
         "Observed in 4 of 5 lessons, recorded on the class teacher's weekly log"),
        ("will produce /k/ and /g/ correctly at the start of words in structured play",
         "80% accuracy on the therapist's word list"),
    ),
    AreaOfNeed.COGNITION_LEARNING: (
        ("will plan and write a paragraph of five sentences using a writing frame",
         "Three independent pieces in the literacy book by the target date"),
        ("will solve two-step word problems using a bar model",
         "7 of 10 correct on the end-of-unit check"),
    ),
    AreaOfNeed.SEMH: (
        ("will come into class after lunch and settle within five minutes",
         "Transition log kept by the learning support practitioner, 4 of 5 days a week"),
        ("will name how they feel using the zones of regulation and choose a strategy",
         "Self-report on the zones chart, checked at the end of each nurture session"),
    ),
    AreaOfNeed.SENSORY_PHYSICAL: (
        ("will use ear defenders and a movement break to stay in whole-school assemblies",
         "Attends 3 of 4 assemblies a fortnight without leaving"),
        ("will write legibly for fifteen minutes using a writing slope and pencil grip",
         "Handwriting sample compared at the start and end of the cycle"),
    ),
}

PROVISION = {
    AreaOfNeed.COMMUNICATION_INTERACTION: ("Talk Boost small-group language sessions", "Learning support practitioner",
                                           "3 × 20 minutes a week"),
    AreaOfNeed.COGNITION_LEARNING: ("Precision teaching of key spellings and a writing frame in every lesson",
                                    "Class teacher and learning support practitioner", "Daily, 10 minutes"),
    AreaOfNeed.SEMH: ("Lunchtime nurture group and a meet-and-greet after lunch", "Learning support practitioner",
                      "Every school day"),
    AreaOfNeed.SENSORY_PHYSICAL: ("Movement breaks, ear defenders and a writing slope", "Class teacher",
                                  "As needed, at least twice a day"),
}

REVIEW_RATINGS = (ProgressRating.PARTLY_MET, ProgressRating.MET, ProgressRating.EXCEEDED, ProgressRating.NOT_MET)


def _areas(learner: Learner) -> list[AreaOfNeed]:
    return list(learner.areas_of_need or []) or [AreaOfNeed.COGNITION_LEARNING]


def _fill_cycle(senco: User, cycle, learner: Learner, assess_on, review_on) -> None:
    known_as = learner.known_as
    values = {
        "assess_on": assess_on,
        "plan_on": assess_on + timedelta(days=14),
        "do_from": assess_on + timedelta(days=21),
        "review_on": review_on,
        "learner_views": f"{known_as} says: “I like it when I know what is happening next. "
                         "I am good at drawing and I want to get better at writing stories.”",
        "family_views": "At home we see a happy, creative child who gets tired and upset after a hard day.\n\n"
                        "We would like school to keep us updated each week.",
        "aspirations": f"{known_as} wants to be a vet, and to have a best friend in class.",
    }
    for name in services.CYCLE_TEXT_FIELDS:
        values.setdefault(name, getattr(cycle, name))
    for area in _areas(learner):
        field, text = NEEDS[area]
        values[field] = text
    services.update_cycle(senco, cycle, version=cycle.version, **values)


def _add_outcomes_and_provision(senco: User, cycle, learner: Learner, owner_public_id: str, target_on, starts_on,
                                round_: int) -> None:
    known_as = learner.known_as
    for area in _areas(learner)[:2]:
        description, measure = OUTCOMES[area][round_ % 2]
        services.add_outcome(senco, cycle, description=f"{known_as} {description}", measure=measure,
                             target_on=target_on, owner_public_id=owner_public_id, progress=None)
        what, who, how_often = PROVISION[area]
        services.add_provision(senco, cycle, description=what, delivered_by=who, frequency=how_often,
                               starts_on=starts_on, ends_on=None)


def _to_stage(senco: User, cycle, stage: CycleStage) -> None:
    while cycle.stage is not stage and cycle.stage in services.NEXT_STAGE:
        services.advance_stage(senco, cycle, version=cycle.version)


def _date_stage_changes(cycle, *, keep_latest: bool = False) -> None:
    """The demo's moves happened over past terms: each is dated on its stage's day (9am at the school), never in
    the future. `keep_latest` leaves the newest move at today, so the SENCo can see the move-back link."""
    stage_days = {CycleStage.PLAN: cycle.plan_on, CycleStage.DO: cycle.do_from, CycleStage.REVIEW: cycle.review_on}
    changes = list(db.session.scalars(select(CycleStageChange).where(CycleStageChange.cycle_id == cycle.id)
                                      .order_by(CycleStageChange.id)))
    now = utcnow()
    for left, change in enumerate(reversed(changes[:-1] if keep_latest else changes)):
        if change.to_stage is CycleStage.CLOSED and cycle.closed_at is not None:
            change.changed_at = cycle.closed_at
            continue
        day = stage_days.get(change.to_stage) or cycle.assess_on
        moment = datetime.combine(day, time(9), tzinfo=school_zone()) if day else now
        change.changed_at = min(moment, now - timedelta(days=left + 1))
    db.session.flush()


def build_demo_mistaken_move(senco: User, learner: Learner) -> None:
    """Today's move on that was pressed too early, moved back by the SENCo with her reason."""
    cycle = services.current_cycle(services.plan_of(learner))
    if cycle is None or cycle.stage not in services.NEXT_STAGE:
        return
    services.advance_stage(senco, cycle, version=cycle.version)
    stages.move_stage_back(senco, cycle, version=cycle.version,
                           reason="Moved on by mistake in the meeting: the family's view is still to be added "
                                  "before the plan is agreed.")


def build_demo_plan(senco: User, learner: Learner, *, stage: CycleStage, closed_cycles: int,
                    owner: User | None) -> None:
    """Give `learner` a support plan: `closed_cycles` reviewed cycles, then a current cycle at `stage`.

    The current cycle's review falls 5 to 60 days from today (varied by learner), so some are due
    within 30 days. Outcomes are owned by `owner` when they are on the team (else the SENCo).
    Uses the plan services, so every record is built as a user would build it; only flushes.
    """
    if stage is CycleStage.CLOSED:
        raise ValueError("the current cycle of a plan is never closed")
    today = school_today()
    review_on = today + timedelta(days=5 + (learner.id * 11) % 56)
    current_assess = review_on - timedelta(days=CYCLE_DAYS)
    choices = {person.public_id for person in services.owner_choices(learner)}
    owner_public_id = owner.public_id if owner is not None and owner.public_id in choices else senco.public_id

    cycle = services.start_plan(senco, learner)
    for number in range(closed_cycles):
        assess_on = current_assess - timedelta(days=CYCLE_DAYS * (closed_cycles - number))
        cycle_review = assess_on + timedelta(days=CYCLE_DAYS - 3)
        _fill_cycle(senco, cycle, learner, assess_on, cycle_review)
        if number == 0:
            _add_outcomes_and_provision(senco, cycle, learner, owner_public_id, cycle_review,
                                        assess_on + timedelta(days=21), number)
        _to_stage(senco, cycle, CycleStage.REVIEW)
        ratings = {outcome.public_id: REVIEW_RATINGS[(learner.id + n + number) % len(REVIEW_RATINGS)]
                   for n, outcome in enumerate(cycle.outcomes)}
        following = services.close_cycle(
            senco, cycle, version=cycle.version, ratings=ratings,
            review_summary=f"Review held with {learner.known_as}'s family and the class team.\n\n"
                           "- Progress discussed outcome by outcome\n- The family's view was heard first\n\n"
                           "Outcomes not yet met **carry forward** with the same support.",
        )
        # The demo's history happened over past terms: date the close when that review was held.
        cycle.closed_at = cycle.closed_at - timedelta(days=(today - cycle_review).days)
        following.opened_at = cycle.closed_at
        db.session.flush()
        _date_stage_changes(cycle)
        cycle = following
        if not cycle.outcomes:
            _add_outcomes_and_provision(senco, cycle, learner, owner_public_id,
                                        cycle_review + timedelta(days=CYCLE_DAYS), cycle_review, number + 1)

    _fill_cycle(senco, cycle, learner, current_assess, review_on)
    if not cycle.outcomes:
        _add_outcomes_and_provision(senco, cycle, learner, owner_public_id, review_on,
                                    current_assess + timedelta(days=21), closed_cycles)
    _to_stage(senco, cycle, stage)
    db.session.flush()
    _date_stage_changes(cycle, keep_latest=stage is CycleStage.PLAN)
