"""The tamper-evident GDPR audit trail and the DSL's review of it (issue 5)."""
from flask import Blueprint

bp = Blueprint("audit", __name__)

from app.audit import views  # noqa: E402,F401
