"""The data protection blueprint: importing it registers the routes of every feature of data protection."""
from flask import Blueprint

from app.data_protection import trail

bp = Blueprint("data_protection", __name__, url_prefix="/data-protection")
trail.register()

# The views register their routes on bp: imported last, because they import bp from here.
from app.data_protection.bundles import jobs, views  # noqa: E402,F401
from app.data_protection.officers import views as officers_views  # noqa: E402,F401
from app.data_protection.processing import views as processing_views  # noqa: E402,F401
from app.data_protection.requests import views as requests_views  # noqa: E402,F401
from app.data_protection.retention import views as retention_views  # noqa: E402,F401
