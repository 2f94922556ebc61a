"""Mail pages: the administrator's list of messages not sent (never a body) with "try again" for a failed one,
and the development outbox, where a demo reads the links kept in the outbox (404 unless switched on)."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from app.core.mail import unsent
from app.core.mail.blueprint import bp
from app.core.mail.models import OutboxMessage
from app.core.mail.services import will_be_sent
from app.extensions import db
from app.policy import Action, get_or_404, require


class SendAgainForm(FlaskForm):
    """Nothing but the CSRF token: sending a failed message once more."""


def _unsent_page(problems=None, status: int = 200):
    return render_template("core/mail/unsent.html", listed=unsent.unsent_messages(current_user),
                           mail_on=will_be_sent(), form=SendAgainForm(), problems=problems or []), status


@bp.app_context_processor
def _outbox_page() -> dict:
    return {"outbox_page_on": unsent.outbox_page_on}  # the admin's home links the page only where it exists


@bp.route("/admin/mail")
@login_required
def unsent_list():
    require(current_user, Action.VIEW_UNSENT_MAIL)
    return _unsent_page()


@bp.route("/admin/mail/<public_id>/send-again", methods=["POST"])
@login_required
def send_again(public_id: str):
    """:raise 404: for a message sent already or unknown. :raise 403: for anyone but an administrator."""
    message = get_or_404(OutboxMessage, public_id, current_user, Action.RETRY_MAIL)
    if not SendAgainForm().validate_on_submit():
        abort(400)
    try:
        unsent.send_again(current_user, message)
    except unsent.MailError as refusal:
        db.session.rollback()
        return _unsent_page([{"text": str(refusal), "href": "#unsent-mail"}], 400)
    db.session.commit()
    # No address in the flash: it travels in the session cookie.
    flash(f"The message “{message.subject}” will be sent again.", "success")
    return redirect(url_for("mail.unsent_list"))


@bp.route("/dev/outbox")
@login_required
def dev_outbox():
    """:raise 404: unless MAIL_OUTBOX_PAGE is on and MAIL_SERVER unset (development). :raise 403: non-admins."""
    if not unsent.outbox_page_on():
        abort(404)
    require(current_user, Action.VIEW_DEV_OUTBOX)
    return render_template("core/mail/dev_outbox.html", messages=unsent.kept_messages())
