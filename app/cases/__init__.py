"""Learners' cases: the team around the child, support plans, contributions and meetings."""
from flask import Blueprint

bp = Blueprint("cases", __name__)

from app.cases import views  # noqa: E402,F401
