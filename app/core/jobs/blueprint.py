"""The jobs blueprint: the administrator's page of background job runs."""
from flask import Blueprint

bp = Blueprint("jobs", __name__)

from app.core.jobs import views  # noqa: E402,F401
