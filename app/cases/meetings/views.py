"""Meeting pages: a learner's meetings, recording and amending one, signing it off, its frozen records, actions."""
from __future__ import annotations

from datetime import datetime

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from wtforms import SelectChoice

from app.cases.attachments.views import attachments_context
from app.cases.blueprint import bp
from app.cases.break_glass.services import active_break_glass
from app.cases.learners.models import Learner
from app.cases.meetings import record_file, services
from app.cases.meetings.forms import (
    BLANK_ACTION_ROWS,
    NOT_INVITED,
    ActionUpdateForm,
    SignOffForm,
    meeting_form,
)
from app.cases.meetings.models import Meeting, MeetingAction, MeetingKind
from app.cases.meetings.services import ActionDraft, MeetingDetails, MeetingError
from app.cases.plans.models import ProgressRating
from app.core.conflicts import ConflictField, EditConflict, commit_or_conflict
from app.core.downloads import attachment
from app.core.forms import Saved, handle_form
from app.extensions import db
from app.policy import Action, can, get_or_404, visible_meetings


def _build_form(learner: Learner, meeting: Meeting | None = None, data: dict | None = None):
    people = services.eligible_people(learner, meeting)
    outcomes = services.reviewable_outcomes(learner, meeting)
    form = meeting_form(people, outcomes, data=data) if data is not None else meeting_form(people, outcomes)
    form.chair.choices = [SelectChoice("", "Choose the chair")] + [
        SelectChoice(person.public_id, f"{person.display_name}, {person.role.label}")
        for person in services.chair_choices(people, learner)
    ]
    form.set_owner_choices([(person.public_id, person.display_name) for person in people])
    return form


def _details(form) -> MeetingDetails:
    """Only the fields the form declares: anything else POSTed is never read."""
    attendance = {}
    for name, person in form.attendance_fields:
        value = form[name].data
        if value and value != NOT_INVITED:
            attendance[person.public_id] = value
    reviews = {}
    for rating_name, comment_name, outcome in form.outcome_fields:
        if form[rating_name].data:
            reviews[outcome.public_id] = (ProgressRating(form[rating_name].data), form[comment_name].data or "")
    actions = [
        ActionDraft(description=row.description.data, owner=row.owner.data, due_on=row.due_on.data,
                    public_id=row.action_id.data or None)
        for row in (entry.form for entry in form.actions) if not row.is_blank()
    ]
    return MeetingDetails(
        kind=MeetingKind(form.kind.data),
        held_on=form.held_on.data,
        starts_at=datetime.strptime(form.starts_at.data, "%H:%M").time(),
        duration_minutes=form.duration_minutes.data,
        chair=form.chair.data,
        agenda=form.agenda.data or "",
        minutes=form.minutes.data or "",
        decisions=form.decisions.data or "",
        other_attendees=(form.other_attendees.data or "").splitlines(),
        attendance=attendance,
        outcome_reviews=reviews,
        actions=actions,
        shared_with_family=bool(form.shared_with_family.data),
    )


def _initial_data(meeting: Meeting) -> dict:
    attendance = {row.user_id: row.attendance.value for row in meeting.attendees}
    data = {
        "kind": meeting.kind.value,
        "held_on": meeting.held_on,
        "starts_at": meeting.starts_at.strftime("%H:%M"),
        "duration_minutes": meeting.duration_minutes,
        "chair": meeting.chair.public_id,
        "other_attendees": meeting.other_attendees or "",
        "agenda": meeting.agenda or "",
        "minutes": meeting.minutes or "",
        "decisions": meeting.decisions or "",
        "shared_with_family": meeting.shared_with_family,
        "version": meeting.version,
        "actions": [
            {"action_id": action.public_id, "description": action.description, "owner": action.owner.public_id,
             "due_on": action.due_on}
            for action in meeting.actions
        ] + [{} for _ in range(BLANK_ACTION_ROWS)],
    }
    for person in services.eligible_people(meeting.learner, meeting):
        data[f"attendance-{person.public_id}"] = attendance.get(person.id, NOT_INVITED)
    for review in meeting.outcome_reviews:
        data[f"rating-{review.outcome.public_id}"] = review.rating.value
        data[f"comment-{review.outcome.public_id}"] = review.comment or ""
    return data


@bp.route("/learners/<public_id>/meetings")
@login_required
def meeting_list(public_id: str):
    learner = get_or_404(Learner, public_id, current_user, Action.VIEW_CASE)
    meetings = db.session.scalars(visible_meetings(current_user, learner)).all()
    return render_template("cases/meetings/meeting_list.html", learner=learner, meetings=meetings,
                           break_glass_grant=active_break_glass(current_user, learner))


@bp.route("/learners/<public_id>/meetings/new", methods=["GET", "POST"])
@login_required
def meeting_new(public_id: str):
    learner = get_or_404(Learner, public_id, current_user, Action.RECORD_MEETING)
    form = _build_form(learner)

    def save():
        meeting = services.record_meeting(current_user, learner, _details(form))
        return Saved(url_for("cases.meeting_detail", public_id=meeting.public_id),
                     "Meeting recorded. The chair can now sign it off.")

    return handle_form(form, save, render=lambda: render_template(
        "cases/meetings/meeting_form.html", form=form, learner=learner, meeting=None, title="Record a meeting"))


@bp.route("/meetings/<public_id>")
@login_required
def meeting_detail(public_id: str):
    meeting = get_or_404(Meeting, public_id, current_user, Action.VIEW_MEETING)
    action_forms = {}
    for action in meeting.actions:
        if can(current_user, Action.UPDATE_ACTION, action):
            form = ActionUpdateForm(prefix=f"action-{action.public_id}", formdata=None,
                                    data={"status": action.status.value, "version": action.version})
            action_forms[action.id] = form
    sign_off_form = SignOffForm(formdata=None, data={"version": meeting.version})
    current = next((record for record in meeting.records if record.number == meeting.record_number), None)
    signed = services.load_snapshot(current) if meeting.is_signed_off and current is not None else None
    return render_template("cases/meetings/meeting_detail.html", meeting=meeting, learner=meeting.learner,
                           record=services.snapshot_of(meeting), action_forms=action_forms,
                           sign_off_form=sign_off_form, signed=signed,
                           break_glass_grant=active_break_glass(current_user, meeting.learner),
                           **attachments_context(meeting))


@bp.route("/meetings/<public_id>/edit", methods=["GET", "POST"])
@login_required
def meeting_edit(public_id: str):
    meeting = get_or_404(Meeting, public_id, current_user, Action.EDIT_MEETING)
    learner = meeting.learner
    if request.method == "GET":
        form = _build_form(learner, meeting, data=_initial_data(meeting))
    else:
        form = _build_form(learner, meeting)

    def save():
        services.amend_meeting(current_user, meeting, _details(form), version=form.version.data)
        return Saved(url_for("cases.meeting_detail", public_id=meeting.public_id),
                     f"Meeting saved as version {meeting.record_number}. The chair can now sign it off.")

    return handle_form(form, save, conflict=lambda: _edit_conflict(public_id, form), render=lambda: render_template(
        "cases/meetings/meeting_form.html", form=form, learner=learner, meeting=meeting,
        title="Change meeting record"))


def _edit_conflict(public_id: str, form):
    meeting = get_or_404(Meeting, public_id, current_user, Action.EDIT_MEETING)
    form.version.data = meeting.version
    fields = [
        ConflictField("Agenda", meeting.agenda, form.agenda.data, rich=True),
        ConflictField("Minutes", meeting.minutes, form.minutes.data, rich=True),
        ConflictField("Decisions", meeting.decisions, form.decisions.data, rich=True),
        ConflictField("Others at the meeting", meeting.other_attendees, form.other_attendees.data),
        ConflictField("Actions", "\n".join(f"{a.description} ({a.owner.display_name}, {a.due_on:%d/%m/%Y})"
                                           for a in meeting.actions),
                      "\n".join(row.form.description.data for row in form.actions if not row.form.is_blank())),
    ]
    return render_template("cases/meetings/meeting_conflict.html", title="this meeting record", record=meeting,
                           fields=fields, form=form, learner=meeting.learner, meeting=meeting), 409


@bp.route("/meetings/<public_id>/sign-off", methods=["POST"])
@login_required
def meeting_sign_off(public_id: str):
    meeting = get_or_404(Meeting, public_id, current_user, Action.SIGN_OFF_MEETING)
    form = SignOffForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        record = services.sign_off_meeting(current_user, meeting, version=form.version.data)
        commit_or_conflict()
    except EditConflict:
        db.session.rollback()
        flash("The record was changed after you opened it. Read this version, then sign it off.", "info")
        return redirect(url_for("cases.meeting_detail", public_id=public_id))
    flash(f"Version {record.number} signed off.", "success")
    return redirect(url_for("cases.meeting_detail", public_id=public_id))


@bp.route("/meetings/<public_id>/records/<int:number>")
@login_required
def meeting_record(public_id: str, number: int):
    meeting = get_or_404(Meeting, public_id, current_user, Action.VIEW_MEETING)
    record = next((record for record in meeting.records if record.number == number), None)
    if record is None:
        abort(404)
    return render_template("cases/meetings/meeting_record.html", meeting=meeting,
                           record=services.load_snapshot(record), signed_off_at=record.signed_off_at,
                           break_glass_grant=active_break_glass(current_user, meeting.learner))


@bp.route("/meetings/<public_id>/record.pdf")
@login_required
def meeting_record_pdf(public_id: str):
    """The meeting's record as a PDF (as signed off, or marked a draft), for whoever may view the meeting.

    :raise 404: out of sight (a family sees only signed-off records shared with it).
    """
    meeting = get_or_404(Meeting, public_id, current_user, Action.EXPORT_CASE_DOCUMENT)
    filename, content = record_file.export_meeting_record(current_user, meeting)
    db.session.commit()
    return attachment(content, filename=filename)


@bp.route("/actions/<public_id>", methods=["POST"])
@login_required
def action_update(public_id: str):
    action = get_or_404(MeetingAction, public_id, current_user, Action.UPDATE_ACTION)
    meeting_id = action.meeting.public_id
    form = ActionUpdateForm(prefix=f"action-{public_id}")
    if not form.validate_on_submit():
        abort(400)
    try:
        services.update_action(current_user, action, status=form.status.data, version=form.version.data)
        commit_or_conflict()
    except MeetingError:
        db.session.rollback()
        abort(400)
    except EditConflict:
        db.session.rollback()
        flash("Someone else updated that action after you opened the page. Its status is shown below: "
              "choose again if it still needs changing.", "info")
        return redirect(url_for("cases.meeting_detail", public_id=meeting_id) + f"#action-{public_id}")
    flash(f"Action marked {action.status.label.lower()}.", "success")
    return redirect(url_for("cases.meeting_detail", public_id=meeting_id) + f"#action-{public_id}")
