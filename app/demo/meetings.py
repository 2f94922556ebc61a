"""Demo meetings: recorded, and signed off by their chair, through the same services as the pages use."""
from __future__ import annotations

from datetime import date, time

from app.agencies.accounts.models import User
from app.cases.learners.models import Learner
from app.cases.meetings import services
from app.cases.meetings.models import Attendance, Meeting, MeetingKind
from app.cases.plans.models import Outcome, ProgressRating


def record_demo_meeting(
    recorder: User,
    learner: Learner,
    *,
    kind: MeetingKind | str,
    held_on: date,
    chair: User,
    attendees: dict[User, Attendance],
    others: list[str],
    agenda: str,
    minutes: str,
    decisions: str,
    actions: list[tuple[str, User, date]],
    shared_with_family: bool,
    sign_off: bool,
    starts_at: time = time(15, 30),
    duration_minutes: int = 45,
    outcome_reviews: dict[Outcome, tuple[ProgressRating, str]] | None = None,
) -> Meeting:
    """Record a meeting about `learner` as `recorder` (an LSP on the team or the school's SENCo).

    `chair`, the `attendees` and each action's owner must be on the learner's case (or be the
    school's SENCo). `actions` are (what, owner, due date). With `sign_off`, the chair signs the
    record off as version 1. Flushes only; the caller commits.
    """
    details = services.MeetingDetails(
        kind=MeetingKind(kind),
        held_on=held_on,
        starts_at=starts_at,
        duration_minutes=duration_minutes,
        chair=chair.public_id,
        agenda=agenda,
        minutes=minutes,
        decisions=decisions,
        other_attendees=list(others),
        attendance={user.public_id: Attendance(status) for user, status in attendees.items()},
        outcome_reviews={outcome.public_id: (ProgressRating(rating), comment)
                         for outcome, (rating, comment) in (outcome_reviews or {}).items()},
        actions=[services.ActionDraft(description=what, owner=owner.public_id, due_on=due)
                 for what, owner, due in actions],
        shared_with_family=shared_with_family,
    )
    meeting = services.record_meeting(recorder, learner, details)
    if sign_off:
        services.sign_off_meeting(chair, meeting, version=meeting.version)
    return meeting
