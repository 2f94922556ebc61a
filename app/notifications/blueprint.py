"""The notifications blueprint: importing it registers the page, opening one, and the settings page."""
from flask import Blueprint

bp = Blueprint("notifications", __name__)

# The views register their routes on bp: imported last, because they import bp from here.
from app.notifications import views  # noqa: E402,F401
