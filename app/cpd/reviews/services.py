"""Progress reviews (Appendix 4): the line manager records one, both the manager and the practitioner sign it.

A signature is given to the record as it reads at that moment: a later change clears both signatures,
and once both have signed the review is the record and stays as signed (the policy refuses edits).
Services take the acting user, check the policy, record the audit event and flush; views commit once.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import flag_modified

from app.agencies.accounts.models import User
from app.audit.events import record
from app.audit.models import AuditAction
from app.core.conflicts import check_version
from app.core.dates import today as school_today
from app.cpd.entries.services import CpdError, hours_summary
from app.cpd.goals.models import DevelopmentGoal
from app.cpd.goals.services import goals_of
from app.cpd.hours import CpdYear, cpd_year_containing
from app.cpd.reviews import notifications
from app.cpd.reviews.models import Achieved, ProgressReview, ReviewKind, ReviewTarget
from app.extensions import db
from app.policy import Action, require, visible_progress_reviews
from app.types import utcnow

REVIEW_TEXT_MAX = 10_000
TARGET_TEXT_MAX = 2_000
TARGETS_MAX = 12
FREE_TARGET_ROWS = 2  # blank rows for targets that are not (yet) goals in the practitioner's log
RECENT_GOALS = timedelta(days=366)  # a closed goal is still offered for review within a year of its date

# The review's own texts, in the order of Appendix 4.
TEXT_FIELDS = ("individual_summary", "manager_summary", "key_targets", "personal_development",
               "revised_targets", "development_needs", "comments")
TEXT_LABELS = {
    "individual_summary": "The individual summary",
    "manager_summary": "The manager summary",
    "key_targets": "The key targets",
    "personal_development": "Personal development",
    "revised_targets": "The new or amended targets",
    "development_needs": "The revised development and training needs",
    "comments": "Further comments",
}
REVIEW_FIELDS = ("kind", "held_on", *TEXT_FIELDS[:4], "targets", *TEXT_FIELDS[4:])


class ReviewError(CpdError):
    """A progress review that cannot be saved as given."""


@dataclass
class TargetDraft:
    """One row of "Review of targets". A goal row names the goal; a free row has only its text."""

    target: str | None
    achieved: str | Achieved | None
    comments: str | None = None
    goal_public_id: str | None = None

    def is_blank(self) -> bool:
        # A goal row is offered filled in: it counts only once the manager answers or comments on it.
        untouched = not self.achieved and not (self.comments or "").strip()
        return untouched and (bool(self.goal_public_id) or not (self.target or "").strip())


@dataclass
class ReviewDraft:
    kind: str | ReviewKind | None
    held_on: date | None
    individual_summary: str | None = None
    manager_summary: str | None = None
    key_targets: str | None = None
    personal_development: str | None = None
    targets: list[TargetDraft] = field(default_factory=list)
    revised_targets: str | None = None
    development_needs: str | None = None
    comments: str | None = None


@dataclass(frozen=True)
class CleanTarget:
    goal: DevelopmentGoal | None
    target: str
    achieved: Achieved
    comments: str | None

    def key(self) -> tuple:
        return (self.goal.id if self.goal else None, self.target, self.achieved, self.comments)


def _optional_text(value, *, field_name: str, label: str, limit: int = REVIEW_TEXT_MAX) -> str | None:
    text = (value or "").replace("\r\n", "\n").strip()
    if len(text) > limit:
        raise ReviewError(f"{label} must be {limit:,} characters or fewer", field_name)
    return text or None


def _clean_targets(practitioner: User, rows: list[TargetDraft]) -> list[CleanTarget]:
    if len(rows) > TARGETS_MAX + FREE_TARGET_ROWS:
        raise ReviewError(f"A review can look at {TARGETS_MAX} targets at most", "targets")
    goals = {goal.public_id: goal for goal in db.session.scalars(
        select(DevelopmentGoal).where(DevelopmentGoal.owner_id == practitioner.id))}
    cleaned, seen_goals = [], set()
    for index, row in enumerate(rows):
        if row.is_blank():
            continue
        number = index + 1  # as the form numbers its rows
        goal = None
        if row.goal_public_id:
            goal = goals.get(row.goal_public_id)
            if goal is None:
                raise ReviewError(f"Target {number} is not one of {practitioner.display_name}'s goals",
                                  f"targets-{index}-target")
            if goal.id in seen_goals:
                raise ReviewError(f"Target {number} repeats a goal already reviewed above", f"targets-{index}-target")
            seen_goals.add(goal.id)
        target = (row.target or "").replace("\r\n", "\n").strip()
        if not target:
            raise ReviewError(f"Enter target {number}, or clear its answer and comments", f"targets-{index}-target")
        if len(target) > TARGET_TEXT_MAX:
            raise ReviewError(f"Target {number} must be {TARGET_TEXT_MAX:,} characters or fewer",
                              f"targets-{index}-target")
        try:
            achieved = row.achieved if isinstance(row.achieved, Achieved) else Achieved(row.achieved)
        except ValueError:
            raise ReviewError(f"Say whether target {number} was achieved: yes, no or partially",
                              f"targets-{index}-achieved") from None
        comments = _optional_text(row.comments, field_name=f"targets-{index}-comments",
                                  label=f"The comments on target {number}", limit=TARGET_TEXT_MAX)
        cleaned.append(CleanTarget(goal, target, achieved, comments))
    if len(cleaned) > TARGETS_MAX:
        raise ReviewError(f"A review can look at {TARGETS_MAX} targets at most", "targets")
    return cleaned


def clean_review(practitioner: User, draft: ReviewDraft, *, today: date) -> dict:
    """Every field checked, in the form's order, so the first problem is the first on the page.

    :raise ReviewError: naming the field (row fields as ``targets-<index>-<name>``).
    """
    try:
        kind = draft.kind if isinstance(draft.kind, ReviewKind) else ReviewKind(draft.kind)
    except ValueError:
        raise ReviewError("Choose the kind of review: annual or mid-year", "kind") from None
    if draft.held_on is None:
        raise ReviewError("Enter the date the review was held", "held_on")
    if draft.held_on > today:
        raise ReviewError("The date the review was held must be today or in the past", "held_on")
    values: dict = {"kind": kind, "held_on": draft.held_on}
    for name in TEXT_FIELDS:
        values[name] = _optional_text(getattr(draft, name), field_name=name, label=TEXT_LABELS[name])
    targets = _clean_targets(practitioner, draft.targets)
    # Appendix 4: the annual review is the manager's summary of the year; the mid-year one reviews targets.
    if kind is ReviewKind.ANNUAL and values["manager_summary"] is None:
        raise ReviewError("Enter your summary of the previous 12 months' performance", "manager_summary")
    if kind is ReviewKind.MID_YEAR and not targets and values["manager_summary"] is None:
        raise ReviewError("Review at least one target, or enter your summary of their performance", "targets")
    values["targets"] = targets
    return values


def _set_targets(review: ProgressReview, targets: list[CleanTarget]) -> None:
    """Rows are rewritten in place, position by position: no two rows ever share a position in one flush."""
    existing = list(review.targets)
    for position, wanted in enumerate(targets, start=1):
        row = existing[position - 1] if position <= len(existing) else None
        if row is None:
            row = ReviewTarget(position=position)
            review.targets.append(row)
        row.goal = wanted.goal
        row.target = wanted.target
        row.achieved = wanted.achieved
        row.comments = wanted.comments
    for row in existing[len(targets):]:
        review.targets.remove(row)


def _target_keys(review: ProgressReview) -> list[tuple]:
    return [(row.goal_id, row.target, row.achieved, row.comments) for row in review.targets]


def record_review(manager: User, practitioner: User, draft: ReviewDraft, *,
                  today: date | None = None) -> ProgressReview:
    """A new progress review of `practitioner` by their line manager, unsigned.

    :raise 403: `manager` does not line manage `practitioner`. :raise ReviewError: for anything the form must ask again.
    """
    require(manager, Action.RECORD_PROGRESS_REVIEW, practitioner)
    values = clean_review(practitioner, draft, today=today or school_today())
    review = ProgressReview(practitioner_id=practitioner.id, manager_id=manager.id, kind=values["kind"],
                            held_on=values["held_on"])
    for name in TEXT_FIELDS:
        setattr(review, name, values[name])
    db.session.add(review)
    _set_targets(review, values["targets"])
    db.session.flush()
    record(manager, AuditAction.CREATE, review, fields=list(REVIEW_FIELDS))
    notifications.review_awaits_signature(manager, review)
    return review


def update_review(manager: User, review: ProgressReview, draft: ReviewDraft, version, *,
                  today: date | None = None) -> list[str]:
    """Change the review; any change clears both signatures, which are then given again. Returns what changed.

    :raise 403: anyone but the manager who wrote it, or once both have signed. :raise EditConflict: stale version.
    """
    require(manager, Action.EDIT_PROGRESS_REVIEW, review)
    check_version(review, version)
    values = clean_review(review.practitioner, draft, today=today or school_today())
    changed = [name for name in ("kind", "held_on", *TEXT_FIELDS) if getattr(review, name) != values[name]]
    if _target_keys(review) != [target.key() for target in values["targets"]]:
        changed.append("targets")
    if not changed:
        return []
    for name in ("kind", "held_on", *TEXT_FIELDS):
        setattr(review, name, values[name])
    _set_targets(review, values["targets"])
    for signature in ("manager_signed_at", "practitioner_signed_at"):
        if getattr(review, signature) is not None:
            setattr(review, signature, None)
            changed.append(signature)
    if changed:  # signed again, it takes the hours at its new first signature (part of it: not audited apart)
        review.signed_hours = None
    # A change to the targets alone must still move the review's version on, so a stale editor is caught.
    flag_modified(review, "held_on")
    db.session.flush()
    record(manager, AuditAction.UPDATE, review, fields=changed)
    notifications.review_awaits_signature(manager, review)
    return changed


def sign_review(user: User, review: ProgressReview, *, version=None) -> str:
    """`user` (the manager or the practitioner) agrees the review, as it reads at `version`, is fair and accurate.

    Returns the signature field set. :raise 403: not theirs to sign, or already signed by them.
    :raise EditConflict: the review changed after `version` was read.
    """
    require(user, Action.SIGN_PROGRESS_REVIEW, review)
    if version is not None:
        check_version(review, version)
    signature = "manager_signed_at" if user.id == review.manager_id else "practitioner_signed_at"
    if review.signed_hours is None:
        # The first signature fixes the hours: the second signs the same figure, and the signed record keeps it.
        # Part of the signature, so the event names the signature alone.
        review.signed_hours = live_hours(user, review)
    setattr(review, signature, utcnow())
    db.session.flush()
    record(user, AuditAction.UPDATE, review, fields=[signature])
    return signature


def review_year(review: ProgressReview) -> CpdYear:
    """The practitioner's CPD year the review was held in: the year whose hours it states."""
    return cpd_year_containing(review.held_on, review.practitioner.cpd_year_start_month)


def live_hours(viewer: User, review: ProgressReview) -> Decimal:
    """The practitioner's hours in the review's year as the log stands now (withdrawn entries left out).

    :raise 403: `viewer` may no longer read the practitioner's log.
    """
    return hours_summary(viewer, review.practitioner, year=review_year(review)).total


def reviews_of(viewer: User, practitioner: User) -> list[ProgressReview]:
    """`practitioner`'s progress reviews that `viewer` may read (their own, or those they wrote), newest first."""
    query = visible_progress_reviews(viewer, practitioner).options(
        joinedload(ProgressReview.manager), joinedload(ProgressReview.practitioner))
    return list(db.session.scalars(query))


def goals_to_review(viewer: User, practitioner: User, *, on: date | None = None, exclude=()) -> list[DevelopmentGoal]:
    """The practitioner's goals a review offers as targets: open ones, and closed ones dated within the past year."""
    on = on or school_today()
    skip = {goal_id for goal_id in exclude if goal_id is not None}
    return [goal for goal in goals_of(viewer, practitioner)
            if goal.id not in skip and (goal.status.is_open or goal.target_on >= on - RECENT_GOALS)][:TARGETS_MAX]
