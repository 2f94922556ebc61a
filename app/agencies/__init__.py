"""Agencies and accounts: sign-in, sessions, and each agency administrator's management of its people."""
from flask import Blueprint

bp = Blueprint("agencies", __name__)

from app.agencies import mfa_views, views  # noqa: E402,F401  (routes register on bp)
from app.agencies import reset_views  # noqa: E402,F401  (forgotten passwords)
