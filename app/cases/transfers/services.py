"""Transfers to the next school. Services take the acting user, check the policy, write the audit event and only
flush; the views commit once."""
from __future__ import annotations

import hashlib
from datetime import date

from sqlalchemy import select

from app.agencies.accounts.models import User
from app.audit.events import record
from app.audit.models import AuditAction
from app.cases.lawful_basis.bases import TRANSFER_DEFAULT
from app.cases.learners.models import Learner
from app.cases.printing import builders
from app.cases.transfers.models import ChildProtectionTransfer, TransferBundle, TransferMethod
from app.core import dates
from app.extensions import db
from app.policy import Action, require
from app.problems import Refusal
from app.types import utcnow

SCHOOL_MAX, REFERENCE_MAX, CONFIRMED_BY_MAX = 200, 1000, 200


class TransferError(Refusal):
    """Input a transfer cannot accept: the message names what to fix, the field where it goes."""


def _text(value: str | None, *, field: str, missing: str | None, limit: int, what: str) -> str | None:
    value = (value or "").strip()
    if not value:
        if missing:
            raise TransferError(missing, field)
        return None
    if len(value) > limit:
        raise TransferError(f"{what} must be {limit} characters or fewer", field)
    return value


def _past_or_today(day: date | None, *, field: str, missing: str, what: str) -> date:
    if day is None:
        raise TransferError(missing, field)
    if day > dates.today():
        raise TransferError(f"{what} must be today or in the past", field)
    return day


# --- the transfer bundle (the SENCo's) --------------------------------------------------------------


def make_transfer_bundle(actor: User, learner: Learner, *, receiving_school: str) -> tuple[TransferBundle, str]:
    """Make the learner's transfer bundle; returns it and the passphrase, which is shown once and never kept.

    :raise 403: for anyone but the school's SENCo. :raise TransferError: without a receiving school.
    """
    require(actor, Action.MAKE_TRANSFER_BUNDLE, learner)
    school = _text(receiving_school, field="receiving_school", missing="Enter the name of the receiving school",
                   limit=SCHOOL_MAX, what="The receiving school's name")
    pdfs = builders()
    passphrase = pdfs.new_passphrase()
    now = utcnow()
    made = pdfs.make_bundle_pdf(learner, made_by=actor.display_name, made_on=now, receiving_school=school,
                           passphrase=passphrase)
    bundle = TransferBundle(learner_id=learner.id, made_by_id=actor.id, made_at=now, size_bytes=len(made.content),
                            sha256=hashlib.sha256(made.content).hexdigest(),
                            lawful_basis=TRANSFER_DEFAULT[0], special_category_condition=TRANSFER_DEFAULT[1])
    bundle.receiving_school = school
    bundle.content = made.content
    db.session.add(bundle)
    db.session.flush()
    record(actor, AuditAction.CREATE, bundle, learners=[learner])
    return bundle, passphrase


def download_transfer_bundle(actor: User, bundle: TransferBundle) -> bytes:
    """The bundle's encrypted file, its export audited first (the view commits before a byte leaves).

    :raise 403: for anyone but the school's SENCo.
    """
    require(actor, Action.DOWNLOAD_TRANSFER_BUNDLE, bundle)
    record(actor, AuditAction.EXPORT, bundle, learners=[bundle.learner])
    return bundle.content


def transfer_bundles(actor: User, learner: Learner) -> list[TransferBundle]:
    require(actor, Action.VIEW_TRANSFERS, learner)
    return db.session.scalars(select(TransferBundle).where(TransferBundle.learner_id == learner.id)
                              .order_by(TransferBundle.made_at.desc(), TransferBundle.id.desc())).all()


# --- child-protection transfers (the DSL's) -----------------------------------------------------------


def record_cp_transfer(actor: User, learner: Learner, *, receiving_school: str, method: str | None,
                       sent_on: date | None, reference: str | None = None) -> ChildProtectionTransfer:
    """Record that the child-protection file was sent outside Braid: to which school, how and when.

    :raise 403: for anyone but the school's DSL. :raise TransferError: naming the field.
    """
    require(actor, Action.RECORD_CP_TRANSFER, learner)
    school = _text(receiving_school, field="receiving_school", missing="Enter the name of the receiving school",
                   limit=SCHOOL_MAX, what="The receiving school's name")
    try:
        how = TransferMethod(method)
    except ValueError:
        raise TransferError("Select how the file was sent", "method") from None
    sent = _past_or_today(sent_on, field="sent_on", missing="Enter the date the file was sent",
                          what="The date the file was sent")
    note = _text(reference, field="reference", missing=None, limit=REFERENCE_MAX, what="The reference")
    transfer = ChildProtectionTransfer(learner_id=learner.id, recorded_by_id=actor.id, sent_on=sent, method=how)
    transfer.receiving_school = school
    transfer.reference = note
    db.session.add(transfer)
    db.session.flush()
    record(actor, AuditAction.CREATE, transfer, learners=[learner])
    return transfer


def confirm_cp_receipt(actor: User, transfer: ChildProtectionTransfer, *, confirmed_on: date | None,
                       confirmed_by: str) -> None:
    """Record that the receiving school confirmed the file arrived: when, and who confirmed it.

    :raise 403: for anyone but the school's DSL, or once receipt is confirmed. :raise TransferError: naming the field.
    """
    require(actor, Action.CONFIRM_CP_RECEIPT, transfer)
    day = _past_or_today(confirmed_on, field="confirmed_on", missing="Enter the date receipt was confirmed",
                         what="The date receipt was confirmed")
    if day < transfer.sent_on:
        raise TransferError(f"The date receipt was confirmed must be on or after the date the file was sent "
                            f"({dates.day(transfer.sent_on)})", "confirmed_on")
    who = _text(confirmed_by, field="confirmed_by", missing="Enter who at the receiving school confirmed receipt",
                limit=CONFIRMED_BY_MAX, what="Who confirmed receipt")
    transfer.receipt_confirmed_on = day
    transfer.confirmed_by = who
    transfer.receipt_recorded_by_id = actor.id
    transfer.receipt_recorded_at = utcnow()
    db.session.flush()
    record(actor, AuditAction.UPDATE, transfer, fields=["receipt_confirmed_on", "confirmed_by"])


def cp_transfers(actor: User, learner: Learner) -> list[ChildProtectionTransfer]:
    require(actor, Action.VIEW_CP_TRANSFERS, learner)
    return db.session.scalars(select(ChildProtectionTransfer).where(ChildProtectionTransfer.learner_id == learner.id)
                              .order_by(ChildProtectionTransfer.sent_on.desc(),
                                        ChildProtectionTransfer.id.desc())).all()
