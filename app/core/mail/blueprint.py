"""The mail blueprint: the administrator's list of unsent mail, and the development outbox page."""
from flask import Blueprint

bp = Blueprint("mail", __name__)

from app.core.mail import views  # noqa: E402,F401
