"""The signed-in user's home page, chosen by role, and a health check for load balancers."""
from __future__ import annotations

from flask import render_template
from flask_login import current_user, login_required
from sqlalchemy import func, select, text

from app.cases.services import school_learners
from app.extensions import db
from app.home import bp
from app.policy import Action, can, line_reports, require, visible_accounts


@bp.route("/")
@login_required
def index():
    require(current_user, Action.VIEW_HOME)
    account_counts = None
    if can(current_user, Action.LIST_ACCOUNTS):
        scope = visible_accounts(current_user).order_by(None).subquery()
        active, total = db.session.execute(
            select(func.count().filter(scope.c.active.is_(True)), func.count()).select_from(scope)
        ).one()
        account_counts = {"active": active, "inactive": total - active}
    learners = school_learners(current_user) if can(current_user, Action.LIST_LEARNERS) else []
    reports = db.session.scalars(line_reports(current_user)).all()
    return render_template(
        f"home/{current_user.role.value}.html", account_counts=account_counts, reports=reports, learners=learners
    )


@bp.route("/health")
def health():
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}
