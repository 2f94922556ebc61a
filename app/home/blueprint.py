"""The home blueprint: importing it registers each role's home page and the health check."""
from flask import Blueprint

bp = Blueprint("home", __name__)

# The views register their routes on bp: imported last, because they import bp from here.
from app.home import views  # noqa: E402,F401
