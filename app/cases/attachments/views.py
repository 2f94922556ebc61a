"""Attachment pages: attach a file to a contribution, a meeting or a concern; download it; remove it (confirmed)."""
from __future__ import annotations

from flask import render_template, url_for
from flask_login import current_user, login_required

from app.cases.attachments import services
from app.cases.attachments.files import MAX_BYTES
from app.cases.attachments.forms import ACCEPT, FILE_HINT, AttachmentForm, RemoveAttachmentForm
from app.cases.attachments.models import Attachment
from app.cases.blueprint import bp
from app.cases.concerns.models import SafeguardingConcern
from app.cases.contributions.models import Contribution
from app.cases.meetings.models import Meeting
from app.core.downloads import attachment as file_response
from app.core.downloads import safe_filename
from app.core.forms import Saved, handle_form
from app.extensions import db
from app.policy import Action, can, get_or_404

_PAGES = {Contribution: ("cases.contribution_detail", "cases.contribution_attach", "this contribution"),
          Meeting: ("cases.meeting_detail", "cases.meeting_attach", "this meeting"),
          SafeguardingConcern: ("cases.concern_detail", "cases.concern_attach", "this concern")}


def parent_url(parent) -> str:
    return url_for(_PAGES[type(parent)][0], public_id=parent.public_id)


def read_upload(storage) -> bytes:
    """The upload's bytes, read in memory (app.web keeps uploads off the disk); one byte over is enough to refuse."""
    return storage.read(MAX_BYTES + 1)


def attachments_context(parent) -> dict:
    """What a parent's page needs to list its files and offer the attach form (None for those who may not)."""
    allowed = can(current_user, Action.ATTACH_FILE, parent)
    return {
        "attachments": services.attachments_of(current_user, parent),
        "attach_form": AttachmentForm(formdata=None) if allowed else None,
        "attach_url": url_for(_PAGES[type(parent)][1], public_id=parent.public_id),
        "file_hint": FILE_HINT, "file_accept": ACCEPT,
    }


def _attach(parent):
    form = AttachmentForm()

    def save():
        storage = form.file.data
        services.attach_file(current_user, parent, filename=storage.filename, data=read_upload(storage),
                             description=form.description.data)
        return Saved(parent_url(parent), "The file has been attached.")

    return handle_form(form, save, render=lambda: render_template(
        "cases/attachments/attach.html", form=form, parent=parent, learner=parent.learner,
        what=_PAGES[type(parent)][2], back_url=parent_url(parent), file_hint=FILE_HINT, file_accept=ACCEPT))


@bp.route("/contributions/<public_id>/attachments/new", methods=["GET", "POST"])
@login_required
def contribution_attach(public_id: str):
    """:raise 404: out of sight. :raise 403: anyone but its author."""
    return _attach(get_or_404(Contribution, public_id, current_user, Action.ATTACH_FILE))


@bp.route("/meetings/<public_id>/attachments/new", methods=["GET", "POST"])
@login_required
def meeting_attach(public_id: str):
    """:raise 404: out of sight. :raise 403: anyone but its recorder, its chair and the SENCo."""
    return _attach(get_or_404(Meeting, public_id, current_user, Action.ATTACH_FILE))


@bp.route("/concerns/<public_id>/attachments/new", methods=["GET", "POST"])
@login_required
def concern_attach(public_id: str):
    """:raise 404: anyone but the concern's author and the DSL."""
    return _attach(get_or_404(SafeguardingConcern, public_id, current_user, Action.ATTACH_FILE))


@bp.route("/attachments/<public_id>")
@login_required
def attachment_download(public_id: str):
    """The file, for whoever may read its parent: audited and committed before it leaves, as an attachment,
    sandboxed, never sniffed, under a name that carries no child's name.

    :raise 404: out of sight (its parent is).
    """
    attached = get_or_404(Attachment, public_id, current_user, Action.DOWNLOAD_ATTACHMENT)
    content = services.download(current_user, attached)
    db.session.commit()
    name = safe_filename("braid-attachment", attached.public_id, extension=attached.kind.extensions[0][1:])
    return file_response(content, filename=name, mimetype=attached.kind.mimetype)


@bp.route("/attachments/<public_id>/remove", methods=["GET", "POST"])
@login_required
def attachment_remove(public_id: str):
    """Confirm, then delete the file. :raise 404: out of sight. :raise 403: anyone but its uploader and the SENCo
    (the DSL for a concern's files)."""
    attached = get_or_404(Attachment, public_id, current_user, Action.REMOVE_ATTACHMENT)
    parent = attached.parent
    form = RemoveAttachmentForm()

    def save():
        services.remove(current_user, attached)
        return Saved(parent_url(parent), "The file has been removed.")

    return handle_form(form, save, render=lambda: render_template(
        "cases/attachments/remove.html", form=form, attachment=attached, parent=parent, learner=parent.learner,
        what=_PAGES[type(parent)][2], back_url=parent_url(parent)))
