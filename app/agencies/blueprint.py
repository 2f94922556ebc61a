"""The agencies blueprint: importing it registers every route of accounts, signing in, two-step
verification and password reset."""
from flask import Blueprint

bp = Blueprint("agencies", __name__)

# The views register their routes on bp: imported last, because they import bp from here.
from app.agencies.accounts import views as accounts_views  # noqa: E402,F401
from app.agencies.calendar import views as calendar_views  # noqa: E402,F401
from app.agencies.family_view import views as family_view_views  # noqa: E402,F401
from app.agencies.password_reset import views as password_reset_views  # noqa: E402,F401
from app.agencies.sign_in import views as sign_in_views  # noqa: E402,F401
from app.agencies.two_step import views as two_step_views  # noqa: E402,F401
