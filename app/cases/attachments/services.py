"""Attaching, downloading and removing files. Services take the acting user, check the policy, record the audit
event and flush; views commit (a download is committed, with its event, before a byte leaves)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.agencies.accounts.models import User
from app.audit.events import record
from app.audit.models import AuditAction
from app.cases.attachments.files import check_file
from app.cases.attachments.models import Attachment
from app.cases.concerns.models import SafeguardingConcern
from app.cases.contributions.models import Contribution
from app.cases.meetings.models import Meeting
from app.extensions import db
from app.policy import Action, require, shows
from app.problems import Refusal
from app.types import utcnow

DESCRIPTION_MAX = 200
_PARENT_COLUMN = {Contribution: "contribution_id", Meeting: "meeting_id", SafeguardingConcern: "concern_id"}


class AttachmentError(Refusal):
    """An attachment that cannot be kept as given."""


def attach_file(actor: User, parent, *, filename: str | None, data: bytes, description: str | None = None
                ) -> Attachment:
    """Keep `data` on `parent` (a Contribution, Meeting or SafeguardingConcern), sealed and bound to its row.

    :raise 403: for anyone who may not add to `parent`. :raise FileRefused: for a file Braid does not keep.
    """
    require(actor, Action.ATTACH_FILE, parent)
    description = (description or "").strip() or None
    if description is not None and len(description) > DESCRIPTION_MAX:
        raise AttachmentError(f"The description must be {DESCRIPTION_MAX} characters or fewer", "description")
    name, kind = check_file(filename, data)
    attachment = Attachment(uploaded_by_id=actor.id, uploaded_at=utcnow(), kind=kind, size_bytes=len(data))
    setattr(attachment, _PARENT_COLUMN[type(parent)], parent.id)
    attachment.name = name
    attachment.description = description
    attachment.content = data
    db.session.add(attachment)
    db.session.flush()
    record(actor, AuditAction.CREATE, attachment, fields=["content", "description", "name"])
    return attachment


def download(actor: User, attachment: Attachment) -> bytes:
    """The file's bytes, its download audited first (the view commits before they leave).

    :raise 403/404 (through the policy): for anyone who may not read the parent.
    """
    require(actor, Action.DOWNLOAD_ATTACHMENT, attachment)
    record(actor, AuditAction.EXPORT, attachment, fields=["content"])
    return attachment.content


def remove(actor: User, attachment: Attachment) -> None:
    """Delete the row, file and all: the event keeps who removed which attachment, never its name."""
    require(actor, Action.REMOVE_ATTACHMENT, attachment)
    record(actor, AuditAction.DELETE, attachment, fields=["content", "description", "name"])
    db.session.delete(attachment)
    db.session.flush()


def attachments_of(actor: User, parent) -> list[Attachment]:
    """`parent`'s attachments, oldest first, with their uploaders (not their content) - for whoever may read it."""
    if not shows(actor, _VIEW[type(parent)], parent):
        return []
    column = getattr(Attachment, _PARENT_COLUMN[type(parent)])
    return list(db.session.scalars(
        select(Attachment).where(column == parent.id).options(joinedload(Attachment.uploaded_by))
        .order_by(Attachment.uploaded_at, Attachment.id)))


_VIEW = {Contribution: Action.VIEW_CONTRIBUTION, Meeting: Action.VIEW_MEETING,
         SafeguardingConcern: Action.VIEW_CONCERN}
