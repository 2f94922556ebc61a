"""The data protection blueprint: importing it registers the routes of every feature of data protection."""
from flask import Blueprint

bp = Blueprint("data_protection", __name__, url_prefix="/data-protection")

# The views register their routes on bp: imported last, because they import bp from here.
from app.data_protection.bundles import jobs, views  # noqa: E402,F401
from app.data_protection.officers import views as officers_views  # noqa: E402,F401
from app.data_protection.requests import views as requests_views  # noqa: E402,F401
