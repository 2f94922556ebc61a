"""The line manager's pages: their reports' CPD logs (read-only) and progress reviews (Appendix 4), signed by both."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.agencies.accounts.models import people_by_name
from app.core.conflicts import ConflictField, EditConflict, commit_or_conflict
from app.core.forms import Saved, handle_form
from app.cpd.blueprint import bp
from app.cpd.entries import services
from app.cpd.entries.views import year_page
from app.cpd.goals import services as goal_services
from app.cpd.hours import format_hours
from app.cpd.reviews import services as review_services
from app.cpd.reviews.forms import ReviewForm, SignForm
from app.cpd.reviews.models import ProgressReview
from app.cpd.reviews.services import (
    FREE_TARGET_ROWS,
    TARGETS_MAX,
    TEXT_FIELDS,
    ReviewDraft,
    ReviewError,
    TargetDraft,
)
from app.extensions import db
from app.policy import Action, can, cpd_owner_or_404, cpd_reports, get_or_404, require
from app.problems import show_on_form

# --- the line manager's view of their reports ----------------------------------------------------


@bp.route("/people")
@login_required
def reports():
    """The people the current user line manages who keep a CPD log, each with their hours statement."""
    require(current_user, Action.LIST_CPD_REPORTS)
    people = people_by_name(db.session.scalars(cpd_reports(current_user)))
    summaries = services.hours_summaries(current_user, people)
    rows = [(person, summaries[person.id]) for person in people]
    return render_template("cpd/reviews/reports.html", rows=rows)


@bp.route("/people/<public_id>")
@login_required
def report_log(public_id: str):
    """A report's CPD log, read-only. One's own log lives at /cpd.

    :raise 404: for anyone but the person themself and their line manager.
    """
    owner = cpd_owner_or_404(public_id, current_user, Action.VIEW_CPD_LOG)
    if owner.id == current_user.id:
        return redirect(url_for("cpd.log"))
    year = services.current_year(owner)
    entries = services.log_entries(current_user, owner, year)
    return render_template(
        "cpd/reviews/report_log.html", owner=owner,
        summary=services.hours_summary(current_user, owner, year=year, entries=entries),
        entries=entries, earlier=services.earlier_years(current_user, owner, year),
        goals=goal_services.goals_of(current_user, owner),
        coverage=services.coverage(current_user, owner),
        reviews=review_services.reviews_of(current_user, owner),
    )


@bp.route("/people/<public_id>/years/<int:starts>")
@login_required
def report_log_year(public_id: str, starts: int):
    """One earlier CPD year of a report's log, read-only. One's own earlier years live at /cpd/years/<starts>.

    :raise 404: for anyone but the person themself and their line manager, and for a year that is not an
        earlier one.
    """
    owner = cpd_owner_or_404(public_id, current_user, Action.VIEW_CPD_LOG)
    if owner.id == current_user.id:
        return redirect(url_for("cpd.log_year", starts=starts))
    return year_page(owner, starts)


# --- progress reviews ----------------------------------------------------------------------------


def _blank_rows() -> list[dict]:
    return [{} for _ in range(FREE_TARGET_ROWS)]


def _goal_row(goal) -> dict:
    return {"goal": goal.public_id, "target": goal.specific}


def _new_data(practitioner) -> dict:
    goals = review_services.goals_to_review(current_user, practitioner)
    return {"targets": [_goal_row(goal) for goal in goals] + _blank_rows()}


def _edit_data(review: ProgressReview) -> dict:
    data = {name: getattr(review, name) or "" for name in TEXT_FIELDS}
    reviewed = [{"goal": row.goal.public_id if row.goal else "", "target": row.target,
                 "achieved": row.achieved.value, "comments": row.comments or ""} for row in review.targets]
    offered = review_services.goals_to_review(current_user, review.practitioner, on=review.held_on,
                                              exclude=[row.goal_id for row in review.targets])
    offered = offered[:max(TARGETS_MAX - len(reviewed), 0)]  # the form holds so many rows and no more
    data.update(kind=review.kind.value, held_on=review.held_on, version=review.version,
                targets=reviewed + [_goal_row(goal) for goal in offered] + _blank_rows())
    return data


def _draft(form: ReviewForm) -> ReviewDraft:
    """Only the fields the form declares: anything else POSTed is never read."""
    rows = [TargetDraft(target=row.target.data, achieved=row.achieved.data, comments=row.comments.data,
                        goal_public_id=row.goal.data or None)
            for row in (entry.form for entry in form.targets)]
    return ReviewDraft(kind=form.kind.data, held_on=form.held_on.data, targets=rows,
                       **{name: form[name].data for name in TEXT_FIELDS})


def _show(form: ReviewForm, refusal: ReviewError) -> None:
    """Put the refusal beside its field; a row's field is named targets-<index>-<name>."""
    field = refusal.field or ""
    if field == "targets" and len(form.targets):
        field = "targets-0-achieved"  # "review at least one target": said where the manager can act on it
    parts = field.split("-")
    if len(parts) == 3 and parts[0] == "targets" and parts[1].isdigit() and int(parts[1]) < len(form.targets):
        form.targets[int(parts[1])][parts[2]].errors.append(str(refusal))
        form.targets.errors = [entry.errors for entry in form.targets.entries]  # the error summary reads these
        return
    show_on_form(form, refusal, {"targets": "manager_summary"})


def _render_form(form, practitioner, review=None, conflict=None) -> str:
    goals = {goal.public_id: goal for goal in goal_services.goals_of(current_user, practitioner)}
    return render_template("cpd/reviews/review_form.html", form=form, practitioner=practitioner, review=review,
                           goals=goals, conflict=conflict,
                           title="Change progress review" if review else "Record a progress review")


@bp.route("/people/<public_id>/reviews/new", methods=["GET", "POST"])
@login_required
def review_new(public_id: str):
    """:raise 404: not the user nor one of their reports. :raise 403: the user themself (nobody reviews themself)."""
    practitioner = cpd_owner_or_404(public_id, current_user, Action.RECORD_PROGRESS_REVIEW)
    form = ReviewForm(data=_new_data(practitioner)) if request.method == "GET" else ReviewForm()

    def save():
        review = review_services.record_review(current_user, practitioner, _draft(form))
        return Saved(url_for("cpd.review_detail", public_id=review.public_id),
                     f"Progress review saved. Sign it when it is right; {practitioner.display_name} signs it too.")

    return handle_form(form, save, show=_show, render=lambda: _render_form(form, practitioner))


@bp.route("/reviews/<public_id>")
@login_required
def review_detail(public_id: str):
    """:raise 404: for anyone but the practitioner reviewed and the manager who wrote it."""
    review = get_or_404(ProgressReview, public_id, current_user, Action.VIEW_PROGRESS_REVIEW)
    sign_form = SignForm(formdata=None, data={"version": review.version})
    return render_template("cpd/reviews/review_detail.html", review=review, sign_form=sign_form,
                           reviews=review_services.reviews_of(current_user, review.practitioner),
                           hours_year=review_services.review_year(review).label, hours=_hours_line(review))


def _hours_line(review: ProgressReview) -> str:
    """The hours the review states: the figure fixed at its first signature, else the log's total now.

    A manager who no longer line manages the practitioner reads the review but not the log: only a stored figure.
    """
    live = review_services.live_hours(current_user, review) \
        if can(current_user, Action.VIEW_CPD_LOG, review.practitioner) else None
    live_text = f"{format_hours(live)} hours" if live is not None else None
    if review.signed_hours is not None:
        line = f"{format_hours(review.signed_hours)} hours, as signed"
        if live is not None and live != review.signed_hours:
            line += f" (the log shows {live_text} now: entries were withdrawn or added after it was signed)"
        return line
    if live_text is None:
        return "Not recorded"
    if review.manager_signed_at or review.practitioner_signed_at:  # signed before Braid kept the figure
        return f"{live_text}: the log's total now (this review was signed before Braid kept the hours at signing)"
    return f"{live_text} so far (fixed when the first of you signs)"


@bp.route("/reviews/<public_id>/edit", methods=["GET", "POST"])
@login_required
def review_edit(public_id: str):
    """:raise 404: review out of sight. :raise 403: the practitioner, or anyone once both have signed."""
    review = get_or_404(ProgressReview, public_id, current_user, Action.EDIT_PROGRESS_REVIEW)
    form = ReviewForm(data=_edit_data(review)) if request.method == "GET" else ReviewForm()

    def save():
        changed = review_services.update_review(current_user, review, _draft(form), form.version.data)
        if any(name.endswith("_signed_at") for name in changed):
            message = "Progress review saved. Its signatures were cleared: you both sign the changed record again."
        else:
            message = "Progress review saved." if changed else "Nothing was changed."
        return Saved(url_for("cpd.review_detail", public_id=public_id), message)

    return handle_form(form, save, show=_show, conflict=lambda: _edit_conflict(public_id, form),
                       render=lambda: _render_form(form, review.practitioner, review))


def _edit_conflict(public_id: str, form: ReviewForm):
    """409: the review as saved now beside what this editor typed, which stays in the form to save again."""
    review = get_or_404(ProgressReview, public_id, current_user, Action.EDIT_PROGRESS_REVIEW)
    form.version.data = review.version
    conflict = [ConflictField(form[name].label.text, getattr(review, name), form[name].data) for name in TEXT_FIELDS
                if (getattr(review, name) or "") != (form[name].data or "").strip()]
    return _render_form(form, review.practitioner, review, conflict=conflict), 409


@bp.route("/reviews/<public_id>/sign", methods=["POST"])
@login_required
def review_sign(public_id: str):
    """:raise 404: review out of sight. :raise 403: already signed by this person, or no longer their report."""
    review = get_or_404(ProgressReview, public_id, current_user, Action.SIGN_PROGRESS_REVIEW)
    form = SignForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        review_services.sign_review(current_user, review, version=form.version.data)
        commit_or_conflict()
    except EditConflict:
        db.session.rollback()
        flash("The review was changed after you opened it. Read this version, then sign it if you agree.", "info")
        return redirect(url_for("cpd.review_detail", public_id=public_id))
    if review.is_signed:
        flash("You have signed the progress review. Both of you have now signed it: it is the record and cannot "
              "be changed.", "success")
    else:
        flash("You have signed the progress review. It is complete once you have both signed.", "success")
    return redirect(url_for("cpd.review_detail", public_id=public_id))
