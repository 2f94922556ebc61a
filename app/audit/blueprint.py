"""The audit trail's blueprint: the DSL's review pages."""
from flask import Blueprint

bp = Blueprint("audit", __name__)

from app.audit.review import views  # noqa: E402,F401  (the views register themselves on bp)
