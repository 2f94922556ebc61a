"""Misfiled work put right: a contribution withdrawn with a reason (it leaves the case, kept sealed for the DSL),
or moved by the SENCo to the learner it belongs to (a sealed record of the move; the author is told by email).

Services take the acting user, change the data, write the audit event and flush; the view commits once (through
app.core.conflicts, so a withdrawal and a move racing on one contribution never both win).
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from app.agencies.accounts.models import User
from app.audit.events import record
from app.audit.models import AuditAction
from app.cases.attachments.models import Attachment
from app.cases.contributions.models import Contribution, ContributionMove
from app.cases.contributions.services import ContributionError, open_cycle_id
from app.cases.learners.models import Learner
from app.core.conflicts import EditConflict, check_version
from app.core.mail import services as outbox
from app.extensions import db
from app.policy import Action, can, listed_learners, require
from app.security.crypto import reseal_for_learner
from app.security.hosts import external_url
from app.types import utcnow

REASON_MAX = 1000


def _reason(reason: str | None, why: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ContributionError(f"Enter why the contribution is being {why}", "reason")
    if len(reason) > REASON_MAX:
        raise ContributionError(f"The reason must be {REASON_MAX} characters or fewer", "reason")
    return reason


def _lock(contribution: Contribution, version) -> None:
    """Read the row afresh under a lock, then check the version the form was loaded at.

    :raise EditConflict: when someone changed, withdrew or moved it since.
    """
    db.session.refresh(contribution, with_for_update=True)
    check_version(contribution, version)


def _flush() -> None:
    try:
        db.session.flush()
    except StaleDataError:
        raise EditConflict() from None


def withdraw_contribution(actor: User, contribution: Contribution, *, version, reason: str) -> Contribution:
    """Take a misfiled contribution out of the case, keeping it sealed with who, when and why.

    :raise 403: for anyone but its author (on the case) and the SENCo. :raise ContributionError: no reason, or
        withdrawn already. :raise EditConflict: when it changed since `version` was loaded.
    """
    require(actor, Action.WITHDRAW_CONTRIBUTION, contribution)
    reason = _reason(reason, "withdrawn")
    _lock(contribution, version)
    if contribution.withdrawn:
        raise ContributionError("This contribution has already been withdrawn")
    contribution.withdrawn_at = utcnow()
    contribution.withdrawn_by_id = actor.id
    contribution.withdrawn_reason = reason
    _flush()
    record(actor, AuditAction.UPDATE, contribution, fields=["withdrawn_at", "withdrawn_by", "withdrawn_reason"])
    return contribution


def learners_to_move_to(actor: User, contribution: Contribution) -> list[Learner]:
    """The learners `actor` may move the contribution to: those of their lists (not archived), but its own, by name."""
    learners = db.session.scalars(listed_learners(actor).where(Learner.id != contribution.learner_id)).all()
    return sorted(learners, key=lambda learner: (learner.name.casefold(), learner.public_id))


def move_contribution(actor: User, contribution: Contribution, *, version, to_learner_public_id: str,
                      reason: str) -> ContributionMove:
    """Move a misfiled contribution to the right learner, keep the move, and tell the author by email.

    The audit event names both learners. :raise 403: for anyone but the SENCo. :raise ContributionError: a learner
    out of sight or the same one, or no reason. :raise EditConflict: when it changed since `version` was loaded.
    """
    require(actor, Action.MOVE_CONTRIBUTION, contribution)
    target = None
    if isinstance(to_learner_public_id, str) and to_learner_public_id:
        target = db.session.scalars(
            listed_learners(actor).where(Learner.public_id == to_learner_public_id)).first()
    if target is None or not can(actor, Action.VIEW_CASE, target):
        raise ContributionError("Choose a learner from the list", "learner")
    if target.id == contribution.learner_id:
        raise ContributionError("The contribution is already on this learner's record: choose another learner",
                                "learner")
    reason = _reason(reason, "moved")
    _lock(contribution, version)
    source = contribution.learner
    move = ContributionMove(contribution=contribution, from_learner=source, to_learner=target, moved_by=actor,
                            moved_at=utcnow())
    move.reason = reason
    db.session.add(move)
    contribution.learner_id = target.id
    contribution.learner = target
    # Its words, earlier versions and files are the other child's now: sealed under that child's key.
    for row in (contribution, *contribution.revisions,
                *db.session.scalars(select(Attachment).where(Attachment.contribution_id == contribution.id))):
        reseal_for_learner(row)
    # Its place in a plan cycle is the new learner's current one (the old learner's cycle is not theirs).
    contribution.cycle_id = open_cycle_id(target)
    _flush()
    record(actor, AuditAction.UPDATE, contribution, learners=[source, target], fields=["learner"])
    _tell_the_author(actor, contribution)
    return move


def _tell_the_author(actor: User, contribution: Contribution) -> None:
    """An email with no learner's name and nothing sealed: a link on the canonical address when the author can still
    open it (an author not on the new learner's team is only told that it has moved)."""
    author = contribution.author
    if author.id == actor.id or not author.active:
        return
    if can(author, Action.VIEW_CONTRIBUTION, contribution):
        where = ("Sign in to Braid to see it:\n\n"
                 f"{external_url('cases.contribution_detail', public_id=contribution.public_id)}\n")
    else:
        where = ("You are not on that learner's team, so it no longer appears among your cases. "
                 "Ask the SENCo if you have questions.\n")
    outbox.queue_message(
        author.email,
        "A contribution of yours has been moved on Braid",
        f"Dear {author.display_name},\n\n"
        f"{actor.display_name}, the SENCo, has moved one of your contributions to another learner's record, "
        "because it had been filed against the wrong learner. Nothing you wrote has changed.\n\n" + where,
        agency_id=actor.agency_id,  # the SENCo's school, whose case it is: the author may be from outside it
    )


def withdrawn_contributions(actor: User, learner: Learner) -> list[Contribution]:
    """The learner's withdrawn contributions, newest withdrawal first, for the DSL. :raise 403: for anyone else."""
    require(actor, Action.VIEW_WITHDRAWN_CONTRIBUTIONS, learner)
    return list(db.session.scalars(
        select(Contribution)
        .where(Contribution.learner_id == learner.id, Contribution.withdrawn_at.is_not(None))
        .options(joinedload(Contribution.author), joinedload(Contribution.withdrawn_by))
        .order_by(Contribution.withdrawn_at.desc(), Contribution.id.desc())
    ).unique())

