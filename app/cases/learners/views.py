"""Learner pages: the school's learners, registering one, and finding one by name or UPN."""
from __future__ import annotations

from flask import redirect, render_template, url_for
from flask_login import current_user, login_required

from app.audit.events import note_learners
from app.cases.blueprint import bp
from app.cases.learners import services
from app.cases.learners.forms import FindLearnerForm, LearnerForm
from app.cases.learners.models import Learner
from app.cases.learners.services import UPN_PATTERN, LearnerError
from app.extensions import db
from app.policy import Action, get_or_404, require
from app.problems import show_on_form
from app.security.crypto import normalise_upn


@bp.route("/learners")
@login_required
def learner_list():
    learners = services.school_learners(current_user)
    note_learners(learners)
    return render_template("cases/learner_list.html", learners=learners)


@bp.route("/learners/new", methods=["GET", "POST"])
@login_required
def learner_new():
    require(current_user, Action.REGISTER_LEARNER)
    form = LearnerForm()
    status = 200
    if form.validate_on_submit():
        try:
            learner = services.register_learner(
                current_user,
                name=form.name.data,
                preferred_name=form.preferred_name.data,
                date_of_birth=form.date_of_birth.data,
                year_group=form.year_group.data,
                upn=form.upn.data,
                notes=form.notes.data,
                areas_of_need=form.areas_of_need.data,
            )
        except LearnerError as refusal:
            db.session.rollback()
            show_on_form(form, refusal)
            status = 400
        else:
            db.session.commit()
            return redirect(url_for("cases.learner_detail", public_id=learner.public_id))
    elif form.errors:
        status = 400
    return render_template("cases/learner_new.html", form=form), status


@bp.route("/learners/<public_id>")
@login_required
def learner_detail(public_id: str):
    learner = get_or_404(Learner, public_id, current_user, Action.VIEW_LEARNER)
    return render_template("cases/learner_detail.html", learner=learner)


@bp.route("/learners/find", methods=["GET", "POST"])
@login_required
def learner_find():
    require(current_user, Action.FIND_LEARNER)
    form = FindLearnerForm()
    results, searched = [], False
    if form.validate_on_submit():
        query = form.query.data
        if UPN_PATTERN.match(normalise_upn(query)):
            match = services.find_by_upn(current_user, query)
            results = [match] if match else []
        else:
            results = services.find_by_name(current_user, query)
        searched = True
        note_learners(results)
    status = 400 if form.errors else 200
    return render_template("cases/learner_find.html", form=form, results=results, searched=searched), status
