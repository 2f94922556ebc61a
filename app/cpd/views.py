"""CPD log pages, one module per part of the log."""
from app.cpd import entry_views, export_views, goal_views, review_views  # noqa: F401
