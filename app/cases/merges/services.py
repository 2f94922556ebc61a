"""Merging two records of one learner: the SENCo picks the values that survive; the case follows the survivor.

The merged-away record keeps its row (pointing at the survivor, with when, by whom and a sealed reason) so that
its public id still resolves and the audit trail's events about it stay readable under the survivor.
Services flush; the view commits (through app.core.conflicts, so a merge racing another change loses nothing).
"""
from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import or_, select, update
from sqlalchemy.orm.attributes import flag_modified

from app.agencies.accounts.models import User
from app.audit.events import record
from app.audit.models import AuditAction
from app.cases.break_glass.models import BreakGlassAccess
from app.cases.concerns.models import SafeguardingConcern
from app.cases.contributions.models import Contribution, ContributionMove
from app.cases.learners.corrections import CORRECTABLE, REASON_MAX, shown
from app.cases.learners.models import Learner, LearnerRevision
from app.cases.learners.services import LearnerError
from app.cases.meetings.models import Meeting
from app.cases.merges.signals import learners_merged
from app.cases.plans.models import CycleStage, PlanCycle, SupportPlan
from app.cases.plans.stages import note_stage_change
from app.cases.team.models import Invitation, TeamMembership
from app.cases.transfers.models import ChildProtectionTransfer, TransferBundle
from app.core import writing
from app.core.conflicts import check_version
from app.extensions import db
from app.policy import Action, listed_learners, require
from app.types import utcnow

SURVIVOR, OTHER = "survivor", "other"
# Every record of a case that names its learner directly; plan cycles follow their plan.
_CASE_RECORDS = (TeamMembership, Invitation, Contribution, Meeting, SafeguardingConcern, BreakGlassAccess,
                 TransferBundle, ChildProtectionTransfer)


class MergeError(LearnerError):
    """Two records that cannot be merged as asked."""


class MergeCandidates(NamedTuple):
    likely: list[Learner]  # same UPN, or the same name (and perhaps date of birth): probably the same child
    others: list[Learner]  # every other learner the SENCo may merge with


def merge_candidates(actor: User, learner: Learner) -> MergeCandidates:
    """The school's other learners, likely duplicates first (through the blind indexes, never opening values)."""
    require(actor, Action.MERGE_LEARNERS, learner)
    # Archived leavers are read-only: they are neither offered nor merged (their records stand as they left).
    # Restricted records (UK GDPR Article 18) are changed by nobody: not offered either.
    scope = listed_learners(actor).where(Learner.id != learner.id, Learner.school_id == learner.school_id,
                                         Learner.restricted_at.is_(None))
    keys = db.session.execute(select(Learner.name_index, Learner.name_and_birth_index, Learner.upn_index)
                              .where(Learner.id == learner.id)).one()
    same = [Learner.name_index == keys.name_index]
    if keys.name_and_birth_index is not None:
        same.append(Learner.name_and_birth_index == keys.name_and_birth_index)
    if keys.upn_index is not None:
        same.append(Learner.upn_index == keys.upn_index)
    likely = db.session.scalars(scope.where(or_(*same))).all()
    seen = {other.id for other in likely}
    others = sorted((other for other in db.session.scalars(scope) if other.id not in seen),
                    key=lambda other: (other.name.casefold(), other.public_id))
    return MergeCandidates(list(likely), others)


def differing_fields(survivor: Learner, other: Learner) -> list[str]:
    """The details the two records disagree on: the SENCo chooses each of these."""
    return [field for field in CORRECTABLE if getattr(survivor, field) != getattr(other, field)]


def open_cycle(learner: Learner) -> PlanCycle | None:
    return db.session.scalars(
        select(PlanCycle).join(SupportPlan, SupportPlan.id == PlanCycle.plan_id)
        .where(SupportPlan.learner_id == learner.id, PlanCycle.stage != CycleStage.CLOSED,
               PlanCycle.closed_at.is_(None))
        .order_by(PlanCycle.number.desc())).first()


def check_pair(survivor: Learner, other: Learner) -> None:
    """:raise MergeError: for a record merged with itself, or with one merged away already."""
    if other.id == survivor.id:
        raise MergeError("A record cannot be merged with itself: choose the other record of this learner", "other")
    if survivor.merged_into_id is not None or other.merged_into_id is not None:
        raise MergeError("That record has already been merged into another", "other")
    if other.school_id != survivor.school_id:
        raise MergeError("Only two records of the same school can be merged", "other")
    if survivor.is_archived or other.is_archived:
        raise MergeError("An archived leaver's record is read-only and cannot be merged", "other")


def merge_learners(actor: User, survivor: Learner, other: Learner, *, survivor_version, other_version,
                   keep: dict[str, str], continuing_cycle: str | None, reason: str) -> LearnerRevision | None:
    """Merge `other` into `survivor`; returns the revision keeping the survivor's replaced values (None if none).

    `keep` names, for each differing detail, whose value survives (SURVIVOR or OTHER); `continuing_cycle` is the
    public id of the open plan cycle that continues when both records have one.

    :raise MergeError: naming the field. :raise EditConflict: when either record changed since the page was loaded.
    :raise 403: unless the SENCo may merge both records.
    """
    require(actor, Action.MERGE_LEARNERS, survivor)
    require(actor, Action.MERGE_LEARNERS, other)
    check_pair(survivor, other)
    check_version(survivor, survivor_version)
    check_version(other, other_version)
    reason = (reason or "").strip()
    if not reason:
        raise MergeError("Enter why these records are being merged", "reason")
    if len(reason) > REASON_MAX:
        raise MergeError(f"The reason must be {REASON_MAX} characters or fewer", "reason")
    changed = []
    for field in differing_fields(survivor, other):
        choice = keep.get(field)
        if choice not in (SURVIVOR, OTHER):
            raise MergeError(f"Choose which {CORRECTABLE[field].lower()} to keep", f"keep_{field}")
        if choice == OTHER:
            changed.append(field)
    cycles = (open_cycle(survivor), open_cycle(other))
    closing = None
    if all(cycles):
        chosen = [cycle for cycle in cycles if cycle.public_id == continuing_cycle]
        if not chosen:
            raise MergeError("Choose which plan cycle continues", "continuing_cycle")
        closing = cycles[1] if chosen[0] is cycles[0] else cycles[0]

    now = utcnow()
    revision = _take_values(actor, survivor, other, changed, reason) if changed else None
    if closing is not None:
        note_stage_change(actor, closing, closing.stage, CycleStage.CLOSED)
        closing.stage, closing.closed_at, closing.closed_by_id = CycleStage.CLOSED, now, actor.id
        closing.merged_at = now
    _move_plan(survivor, other)
    for model in _CASE_RECORDS:
        db.session.execute(update(model).where(model.learner_id == other.id).values(learner_id=survivor.id)
                           .execution_options(synchronize_session="fetch"))
    # Moves of misfiled work name the survivor too: the other record is one child with it.
    for column in (ContributionMove.from_learner_id, ContributionMove.to_learner_id):
        db.session.execute(update(ContributionMove).where(column == other.id).values({column: survivor.id})
                           .execution_options(synchronize_session="fetch"))
    # A leaving date marked on either record stands (the earlier, if both: the child leaves once).
    leaving = [day for day in (survivor.leaving_on, other.leaving_on) if day is not None]
    survivor.leaving_on = min(leaving) if leaving else None
    other.merged_into_id, other.merged_at, other.merged_by_id = survivor.id, now, actor.id
    other.merge_reason = reason
    # The survivor's version moves on too, even when none of its values changed: two merges of one pair racing
    # the other way round cannot both win.
    flag_modified(survivor, "year_group")
    db.session.flush()
    db.session.expire(survivor, ["memberships", "plan"])
    learners_merged.send(survivor, other=other)
    record(actor, AuditAction.UPDATE, survivor, learners=[other], fields=[*changed, "merged_from"])
    record(actor, AuditAction.UPDATE, other, learners=[survivor], fields=["merged_into"])
    return revision


def _take_values(actor: User, survivor: Learner, other: Learner, changed: list[str], reason: str) -> LearnerRevision:
    """The other record's values replace the survivor's; the replaced ones go to the sealed history."""
    earlier = {field: shown(field, getattr(survivor, field)) for field in changed}
    if "upn" in changed:
        # One UPN, one record: the merged-away record gives it up (its value stays in this revision's history).
        upn = other.upn
        other.upn = None
        db.session.flush()
        survivor.upn = upn
    for field in changed:
        if field == "notes":  # the source with its safe HTML and stamp
            writing.copy(other, survivor, ("notes",))
        elif field not in ("name", "date_of_birth", "upn", "year_group"):
            setattr(survivor, field, getattr(other, field))
    if "year_group" in changed:  # with where and when it was set, which the year end reads
        survivor.set_year_group(other.year_group, other.year_group_source, other.year_group_set_on)
    if "name" in changed or "date_of_birth" in changed:
        survivor.set_name_and_birth(other.name, other.date_of_birth)
    revision = LearnerRevision(learner=survivor, changed_by=actor, fields=",".join(changed), merged_from=other)
    revision.reason = reason
    revision.earlier = earlier
    db.session.add(revision)
    return revision


def _move_plan(survivor: Learner, other: Learner) -> None:
    """The other record's plan cycles join the survivor's plan: closed ones first by when they opened, then the
    open one, so that the newest cycle is the one that continues (current_cycle takes the highest number)."""
    plans = {plan.learner_id: plan for plan in db.session.scalars(
        select(SupportPlan).where(SupportPlan.learner_id.in_([survivor.id, other.id])))}
    theirs, ours = plans.get(other.id), plans.get(survivor.id)
    if theirs is None:
        return
    if ours is None:
        theirs.learner_id = survivor.id
        return
    cycles = db.session.scalars(select(PlanCycle).where(PlanCycle.plan_id.in_([ours.id, theirs.id]))).all()
    ordered = sorted(cycles, key=lambda cycle: (cycle.stage is not CycleStage.CLOSED, cycle.opened_at, cycle.id))
    # Out of the way first (numbers are unique per plan, and rows are updated in any order): above both the old
    # numbers and the new ones.
    clear = max(cycle.number for cycle in cycles) + len(cycles)
    for offset, cycle in enumerate(ordered, start=1):
        cycle.plan_id, cycle.number = ours.id, clear + offset
    db.session.flush()
    for number, cycle in enumerate(ordered, start=1):
        cycle.number = number
    db.session.flush()
    db.session.expire(ours, ["cycles"])
    db.session.expire(theirs, ["cycles"])
