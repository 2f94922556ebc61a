"""The CPD blueprint (under /cpd): importing it registers the routes of entries, goals, reviews and export."""
from flask import Blueprint

bp = Blueprint("cpd", __name__, url_prefix="/cpd")

# The views register their routes on bp: imported last, because they import bp from here.
from app.cpd.entries import views as entries_views  # noqa: E402,F401
from app.cpd.export import views as export_views  # noqa: E402,F401
from app.cpd.goals import views as goals_views  # noqa: E402,F401
from app.cpd.reviews import views as reviews_views  # noqa: E402,F401
