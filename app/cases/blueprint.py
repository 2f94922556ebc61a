"""The cases blueprint: importing it registers the routes of every feature of a case."""
from flask import Blueprint

bp = Blueprint("cases", __name__)

# The views register their routes on bp: imported last, because they import bp from here.
from app.cases.access_summary import views as access_summary_views  # noqa: E402,F401
from app.cases.attachments import views as attachments_views  # noqa: E402,F401
from app.cases.break_glass import views as break_glass_views  # noqa: E402,F401
from app.cases.chronology import views as chronology_views  # noqa: E402,F401
from app.cases.concerns import views as concerns_views  # noqa: E402,F401
from app.cases.consents import views as consents_views  # noqa: E402,F401
from app.cases.contributions import views as contributions_views  # noqa: E402,F401
from app.cases.family_profile import views as family_profile_views  # noqa: E402,F401
from app.cases.learners import views as learners_views  # noqa: E402,F401
from app.cases.meetings import views as meetings_views  # noqa: E402,F401
from app.cases.merges import views as merges_views  # noqa: E402,F401
from app.cases.mis_import import views as mis_import_views  # noqa: E402,F401
from app.cases.plans import views as plans_views  # noqa: E402,F401
from app.cases.restrictions import views as restrictions_views  # noqa: E402,F401
from app.cases.team import views as team_views  # noqa: E402,F401
from app.cases.transfers import views as transfers_views  # noqa: E402,F401
from app.cases.year_end import views as year_end_views  # noqa: E402,F401
