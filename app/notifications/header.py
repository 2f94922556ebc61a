"""The count in the header: a template global, so the query runs only on a page that shows the navigation."""
from __future__ import annotations

from flask import Flask
from flask_login import current_user

from app.notifications.services import unread_count


def unread_notification_count() -> int:
    return unread_count(current_user) if current_user.is_authenticated else 0


def init_app(app: Flask) -> None:
    app.jinja_env.globals["unread_notification_count"] = unread_notification_count
