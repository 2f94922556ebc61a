"""The notifications page (newest first, unread marked), opening one, marking all read, and the settings page."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.audit.events import note_learners
from app.extensions import db
from app.notifications import services
from app.notifications.blueprint import bp
from app.notifications.forms import MarkAllReadForm, settings_form
from app.notifications.header import unread_notification_count
from app.notifications.models import Delivery, NotificationKind
from app.notifications.relevance import kinds_for
from app.notifications.subjects import visible_subjects
from app.policy import Action, require
from app.security.redirects import safe_next


@bp.route("/notifications")
@login_required
def notification_list():
    require(current_user, Action.VIEW_NOTIFICATIONS)
    rows = services.newest(current_user, limit=services.PAGE_SIZE + 1, before=request.args.get("before"))
    older = len(rows) > services.PAGE_SIZE
    rows = rows[:services.PAGE_SIZE]
    # A notification whose subject the person can no longer see (off the team, access ended) is not shown.
    visible = visible_subjects(current_user, rows)
    shown = [row for row in rows if (row.subject_type, row.subject_public_id) in visible]
    page = render_template("notifications/list.html", notifications=shown, form=MarkAllReadForm(),
                           older=rows[-1].public_id if older else None,
                           unread_notifications=unread_notification_count())  # the header's too
    # As the home page's case lists: one audit event names every learner whose name the page showed.
    note_learners([row.learner for row in shown if row.learner is not None])
    return page


@bp.route("/notifications/<public_id>")
@login_required
def open_notification(public_id: str):
    """Mark it read and go to what it is about, through the one safe-redirect helper."""
    require(current_user, Action.VIEW_NOTIFICATIONS)
    notification = services.own_notification(current_user, public_id)
    if notification is None:
        abort(404)
    services.mark_read(notification)
    db.session.commit()
    return redirect(safe_next(notification.path) or url_for("notifications.notification_list"))


@bp.route("/notifications/read", methods=["POST"])
@login_required
def mark_all_read():
    require(current_user, Action.MANAGE_NOTIFICATIONS)
    form = MarkAllReadForm()
    if form.validate_on_submit():
        services.mark_all_read(current_user)
        db.session.commit()
        flash("All your notifications are marked as read.", "success")
    return redirect(url_for("notifications.notification_list"))


@bp.route("/notifications/settings", methods=["GET", "POST"])
@login_required
def settings():
    require(current_user, Action.MANAGE_NOTIFICATIONS)
    kinds = kinds_for(current_user)
    chosen = services.deliveries(current_user)
    form = settings_form(kinds, chosen, request.form if request.method == "POST" else None)
    if request.method == "POST" and form.validate():
        services.save_deliveries(current_user, {kind: Delivery(form[kind.value].data)
                                                for kind in kinds if kind.can_turn_off})
        db.session.commit()
        flash("Your notification settings are saved.", "success")
        return redirect(url_for("notifications.settings"))
    fixed = [kind for kind in kinds if not kind.can_turn_off]
    return render_template("notifications/settings.html", form=form, kinds=kinds, fixed=fixed,
                           NotificationKind=NotificationKind), (400 if request.method == "POST" else 200)
