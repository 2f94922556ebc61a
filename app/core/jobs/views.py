"""The administrator's page of background jobs: failures first, then recent runs. No personal data: names,
statuses, attempts, times and error class names only."""
from __future__ import annotations

from flask import render_template
from flask_login import current_user, login_required

from app.core.jobs import services
from app.core.jobs.blueprint import bp
from app.core.jobs.models import JobStatus
from app.policy import Action, require


@bp.route("/admin/jobs")
@login_required
def job_list():
    require(current_user, Action.VIEW_JOBS)
    return render_template("core/jobs/list.html", overview=services.overview(), JobStatus=JobStatus)
