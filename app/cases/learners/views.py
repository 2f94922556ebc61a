"""Learner pages: the school's learners, registering one, and finding one by name or UPN."""
from __future__ import annotations

from flask import render_template, request, url_for
from flask_login import current_user, login_required

from app.audit.events import note_learners
from app.cases.blueprint import bp
from app.cases.break_glass.services import active_break_glass
from app.cases.learners import corrections, services
from app.cases.learners.forms import FindLearnerForm, LearnerCorrectionForm, LearnerFilterForm, LearnerForm
from app.cases.learners.models import Learner, normalise_upn
from app.cases.learners.services import UPN_PATTERN
from app.cases.restrictions.services import restrictions_of
from app.core.conflicts import ConflictField, conflict_page
from app.core.forms import Saved, handle_form
from app.extensions import db
from app.policy import Action, can, get_or_404, require
from app.problems import show_on_form


@bp.route("/learners")
@login_required
def learner_list():
    """The learners the user may list, filtered by the query string (year, need, status, stage).

    :raise 403: for a role that may not list learners. A filter value that is not one of the choices: 400,
        the form shown again with its error and no learners.
    """
    form = LearnerFilterForm(formdata=request.args)
    if not form.validate():
        require(current_user, Action.LIST_LEARNERS)
        return render_template("cases/learners/learner_list.html", form=form, learners=[], total=None), 400
    # The page comes from the list's own links: anything else shows the first (a page past the end, the last).
    page = request.args.get("page", 1, type=int)
    shown = services.filter_learners(current_user, **form.filters(), page=page)
    note_learners(shown.learners)
    return render_template("cases/learners/learner_list.html", form=form, learners=shown.learners, total=shown.total,
                           matched=shown.matched, page=shown.page, pages=shown.pages,
                           page_url=lambda number: url_for("cases.learner_list", **form.link_args(), page=number))


@bp.route("/learners/new", methods=["GET", "POST"])
@login_required
def learner_new():
    require(current_user, Action.REGISTER_LEARNER)
    form = LearnerForm()
    lookalike = []  # the learner this one seems to be, once the service has said so

    def save():
        learner = services.register_learner(
            current_user,
            name=form.name.data,
            preferred_name=form.preferred_name.data,
            date_of_birth=form.date_of_birth.data,
            year_group=form.year_group.data,
            upn=form.upn.data,
            notes=form.notes.data,
            areas_of_need=form.areas_of_need.data,
            sen_status=form.sen_status.data or None,
            registration_group=form.registration_group.data,
            not_a_duplicate=form.not_a_duplicate.data,
        )
        return Saved(url_for("cases.learner_detail", public_id=learner.public_id))

    def show(form, refusal):
        if isinstance(refusal, services.LooksLikeRegistered):
            lookalike.append(refusal.learner)
        show_on_form(form, refusal)

    def render():
        return render_template("cases/learners/learner_new.html", form=form,
                               lookalike=lookalike[0] if lookalike else None)

    return handle_form(form, save, render=render, show=show)


@bp.route("/learners/<public_id>")
@login_required
def learner_detail(public_id: str):
    learner = get_or_404(Learner, public_id, current_user, Action.VIEW_LEARNER)
    # Past and present restrictions of processing, with their reasons: for the SENCo and the DSL.
    restrictions = restrictions_of(learner) if can(current_user, Action.VIEW_LEARNER_HISTORY, learner) else []
    return render_template("cases/learners/learner_detail.html", learner=learner, restrictions=restrictions,
                           break_glass_grant=active_break_glass(current_user, learner))


@bp.route("/learners/find", methods=["GET", "POST"])
@login_required
def learner_find():
    require(current_user, Action.FIND_LEARNER)
    form = FindLearnerForm()
    results, searched = [], False
    if form.validate_on_submit():
        query, archived = form.query.data, form.include_archived.data
        if UPN_PATTERN.match(normalise_upn(query)):
            match = services.find_by_upn(current_user, query, include_archived=archived)
            results = [match] if match else []
        else:
            results = services.find_by_name(current_user, query, include_archived=archived)
        searched = True
        note_learners(results)
    status = 400 if form.errors else 200
    return render_template("cases/learners/learner_find.html", form=form, results=results, searched=searched), status


@bp.route("/learners/<public_id>/edit", methods=["GET", "POST"])
@login_required
def learner_edit(public_id: str):
    """Correct a learner's details, with a reason. :raise 404: out of sight. :raise 403: not the school's SENCo."""
    learner = get_or_404(Learner, public_id, current_user, Action.CORRECT_LEARNER)
    if request.method == "GET":
        form = LearnerCorrectionForm(data={
            "name": learner.name, "preferred_name": learner.preferred_name, "date_of_birth": learner.date_of_birth,
            "year_group": learner.year_group, "upn": learner.upn, "notes": learner.notes,
            "areas_of_need": [area.value for area in learner.areas_of_need or []],
            "sen_status": learner.sen_status.value if learner.sen_status else "",
            "registration_group": learner.registration_group, "version": learner.version,
        })
    else:
        form = LearnerCorrectionForm()
    detail = url_for("cases.learner_detail", public_id=learner.public_id)

    def save():
        revision = corrections.correct_learner(
            current_user, learner, version=form.version.data, reason=form.reason.data, name=form.name.data,
            preferred_name=form.preferred_name.data, date_of_birth=form.date_of_birth.data,
            year_group=form.year_group.data, upn=form.upn.data, notes=form.notes.data,
            areas_of_need=form.areas_of_need.data, sen_status=form.sen_status.data or None,
            registration_group=form.registration_group.data)
        return Saved(detail, "The learner's details were corrected." if revision else "Nothing was changed.")

    return handle_form(
        form, save, conflict=lambda: _correction_conflict(learner, form),
        render=lambda: render_template("cases/learners/learner_edit.html", form=form, learner=learner))


def _correction_conflict(learner: Learner, form: LearnerCorrectionForm):
    learner = db.session.get(Learner, learner.id)
    form.version.data = learner.version
    typed = {"name": form.name.data, "date_of_birth": form.date_of_birth.data, "year_group": form.year_group.data,
             "upn": normalise_upn(form.upn.data) or None}
    fields = [ConflictField(corrections.CORRECTABLE[field], theirs=corrections.shown(field, getattr(learner, field)),
                            yours=corrections.shown(field, value) if value is not None else "")
              for field, value in typed.items()]
    return conflict_page(title="This learner's details", record=learner, fields=fields, form=form,
                         action_url=url_for("cases.learner_edit", public_id=learner.public_id),
                         back_url=url_for("cases.learner_detail", public_id=learner.public_id))


@bp.route("/learners/<public_id>/history")
@login_required
def learner_history(public_id: str):
    """Earlier values of a learner's details, for the SENCo and the DSL."""
    learner = get_or_404(Learner, public_id, current_user, Action.VIEW_LEARNER_HISTORY)
    revisions = corrections.learner_history(current_user, learner)
    return render_template("cases/learners/learner_history.html", learner=learner, revisions=revisions,
                           labels=corrections.CORRECTABLE)
