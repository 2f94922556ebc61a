"""Merging two records of one learner: the SENCo picks the other record (likely duplicates first), then compares
them and chooses what survives."""
from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_login import current_user, login_required
from wtforms import SelectChoice

from app.audit.events import note_learners
from app.cases.blueprint import bp
from app.cases.learners.corrections import CORRECTABLE, shown
from app.cases.learners.models import Learner
from app.cases.merges import services as merges
from app.cases.merges.forms import LearnerMergeForm, MergePickForm
from app.core import dates
from app.core.forms import Saved, handle_form
from app.extensions import db
from app.policy import Action, get_or_404, survivor_public_id
from app.problems import show_on_form


def _label(learner: Learner) -> str:
    upn = f", UPN {learner.upn}" if learner.upn else ""
    return f"{learner.name}, born {dates.day(learner.date_of_birth)}, {learner.year_group_label}{upn}"


def _pick_page(learner: Learner, form: MergePickForm, status: int = 200):
    candidates = merges.merge_candidates(current_user, learner)
    form.other.choices = [SelectChoice(other.public_id, f"{_label(other)} (likely the same learner)")
                          for other in candidates.likely] + [SelectChoice(other.public_id, _label(other))
                                                             for other in candidates.others]
    note_learners([*candidates.likely, *candidates.others])
    if request.method == "POST" and status == 200:
        if form.validate_on_submit():
            return redirect(url_for("cases.learner_merge", public_id=learner.public_id, other=form.other.data))
        status = 400
    return render_template("cases/learners/learner_merge_pick.html", form=form, learner=learner,
                           likely=candidates.likely), status


@bp.route("/learners/<public_id>/merge", methods=["GET", "POST"])
@login_required
def learner_merge_pick(public_id: str):
    """Choose the other record of this learner. :raise 404: out of sight. :raise 403: not the school's SENCo."""
    learner = get_or_404(Learner, public_id, current_user, Action.MERGE_LEARNERS)
    return _pick_page(learner, MergePickForm())


@bp.route("/learners/<public_id>/merge/<other>", methods=["GET", "POST"])
@login_required
def learner_merge(public_id: str, other: str):
    """Compare two records and merge the second into the first.

    :raise 404: either record out of sight. :raise 403: not the school's SENCo. A record merged with itself or
        with one merged away already: 400, the pick page with the error, nothing changed.
    """
    learner = get_or_404(Learner, public_id, current_user, Action.MERGE_LEARNERS)
    merged_already = survivor_public_id(other) != other
    duplicate = get_or_404(Learner, other, current_user, Action.MERGE_LEARNERS)
    try:
        if merged_already:
            raise merges.MergeError("That record has already been merged into another: choose another", "other")
        merges.check_pair(learner, duplicate)
    except merges.MergeError as refusal:
        form = MergePickForm(formdata=None)
        form.other.errors = [str(refusal)]
        return _pick_page(learner, form, status=400)

    form = LearnerMergeForm()
    if request.method == "GET":
        form.survivor_version.data, form.other_version.data = learner.version, duplicate.version
    problems = []

    def save():
        keep = {field: getattr(form, f"keep_{field}").data for field in merges.differing_fields(learner, duplicate)}
        merges.merge_learners(current_user, learner, duplicate, survivor_version=form.survivor_version.data,
                              other_version=form.other_version.data, keep=keep,
                              continuing_cycle=form.continuing_cycle.data, reason=form.reason.data)
        return Saved(url_for("cases.learner_detail", public_id=learner.public_id),
                     "The two records are now one. The other record's address leads here.")

    def show(form, refusal):
        if refusal.field == "other":
            problems.append({"text": str(refusal), "href": "#reason"})
        else:
            show_on_form(form, refusal)

    def render(status_note=None):
        return _compare_page(learner, duplicate, form, problems, status_note)

    def conflict():
        fresh = (db.session.get(Learner, learner.id), db.session.get(Learner, duplicate.id))
        form.survivor_version.data, form.other_version.data = fresh[0].version, fresh[1].version
        note = "One of these records changed while you were comparing them: check the details again, then merge."
        return _compare_page(fresh[0], fresh[1], form, problems, note), 409

    return handle_form(form, save, render=render, show=show, conflict=conflict)


def _compare_page(learner: Learner, duplicate: Learner, form: LearnerMergeForm, problems, note=None):
    differing = merges.differing_fields(learner, duplicate)
    rows = [(field, label, shown(field, getattr(learner, field)), shown(field, getattr(duplicate, field)))
            for field, label in CORRECTABLE.items()]
    cycles = (merges.open_cycle(learner), merges.open_cycle(duplicate))
    if all(cycles):
        form.continuing_cycle.choices = [
            SelectChoice(cycle.public_id, f"{whose}: cycle {cycle.number}, at {cycle.stage.label.lower()}, opened "
                              f"{dates.day(cycle.opened_at)}")
            for whose, cycle in zip(("This record's", "The other record's"), cycles, strict=True)]
    for field in differing:
        choice = getattr(form, f"keep_{field}")
        choice.choices = [SelectChoice("survivor", f"This record's: {_choice_text(field, learner)}"),
                          SelectChoice("other", f"The other record's: {_choice_text(field, duplicate)}")]
    return render_template("cases/learners/learner_merge.html", form=form, learner=learner, duplicate=duplicate,
                           rows=rows, differing=differing, both_open=all(cycles), problems=problems, note=note)


def _choice_text(field: str, learner: Learner) -> str:
    # Notes are rich text: compared in the table above, named here.
    return "the notes shown above" if field == "notes" and learner.notes else shown(field, getattr(learner, field))
