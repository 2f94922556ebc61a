"""The count in the header: a template global, so the query runs only on a page that shows the navigation."""
from __future__ import annotations

from flask import Flask, g
from flask_login import current_user

from app.notifications.services import unread_count

# Set in flask.g by the user loader, which counts in the same query as it loads the account.
UNREAD_COUNT = "braid_unread_notifications"


def unread_notification_count() -> int:
    if not current_user.is_authenticated:
        return 0
    counted = g.get(UNREAD_COUNT)
    return counted if counted is not None else unread_count(current_user)


def init_app(app: Flask) -> None:
    app.jinja_env.globals["unread_notification_count"] = unread_notification_count
