"""The reflective CPD log: each practitioner's own record, fed by their real case work."""
from flask import Blueprint

bp = Blueprint("cpd", __name__, url_prefix="/cpd")

from app.cpd import views  # noqa: E402,F401
