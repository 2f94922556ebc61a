"""Learners' cases: the team around the child, support plans, contributions and meetings."""
from flask import Blueprint

bp = Blueprint("cases", __name__)

from app.cases import views  # noqa: E402,F401
from app.cases.team import views as team_views  # noqa: E402,F401
from app.cases.contributions import views as contribution_views  # noqa: E402,F401
from app.cases.concerns import views as concern_views  # noqa: E402,F401
from app.cases.plans import views as plan_views  # noqa: E402,F401
from app.cases.meetings import views as meeting_views  # noqa: E402,F401
from app.cases.break_glass import views as break_glass_views  # noqa: E402,F401
