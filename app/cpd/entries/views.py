"""Reflective entry pages: one's own log and its standards coverage, writing an entry (from scratch or
from one's own case work), reading one (the owner, and their line manager read-only) and changing one."""
from __future__ import annotations

from itertools import groupby

from flask import abort, render_template, request, url_for
from flask_login import current_user, login_required

from app.audit.events import note_learners
from app.cases.contributions.models import Contribution
from app.cases.meetings.models import Meeting
from app.core.conflicts import ConflictField
from app.core.dates import day
from app.core.dates import today as school_today
from app.core.forms import Saved, handle_form
from app.cpd.blueprint import bp
from app.cpd.entries import services
from app.cpd.entries.forms import EntryForm, WithdrawForm, entry_form
from app.cpd.entries.models import ActivityType, ReflectiveEntry, ReflectiveModel
from app.cpd.entries.services import AlreadyReflected, EntryDraft
from app.cpd.goals import services as goal_services
from app.cpd.reviews import services as review_services
from app.policy import Action, get_or_404, require

ENTRY_FORM = "cpd/entries/entry_form.html"
EARLIEST_YEAR = 1990  # no CPD log reaches further back; an address naming an earlier year is not a page


# --- the log and its coverage --------------------------------------------------------------------


@bp.route("")
@login_required
def log():
    """The current user's own log for the current CPD year.

    :raise 403: for those who keep no CPD log (parents, administrators).
    """
    require(current_user, Action.KEEP_CPD_LOG)
    today = school_today()
    year = services.current_year(current_user, today)
    this_year = services.log_entries(current_user, current_user, year)
    earlier = services.earlier_years(current_user, current_user, year)  # each year's entries on a page of its own
    summary = services.hours_summary(current_user, current_user, today, year, entries=this_year)
    goals = goal_services.goals_of(current_user, current_user)
    offers = services.unreflected_work(current_user, today)
    reviews = review_services.reviews_of(current_user, current_user)
    page = render_template(
        "cpd/entries/log.html", summary=summary, entries=this_year, earlier=earlier, goals=goals, offers=offers,
        reviews=reviews,
        goals_due={goal.id for goal in goal_services.due_among(goals, today)}, models=list(ReflectiveModel),
    )
    # The prompt names the learner each piece of work was about: the owner is on those cases, and the
    # trail records that this page showed them.
    note_learners(offer.work.learner for offer in offers)
    return page


@bp.route("/years/<int:starts>")
@login_required
def log_year(starts: int):
    """The current user's entries of one earlier CPD year: the one starting in the calendar year `starts`.

    :raise 403: for those who keep no CPD log.
    :raise 404: for the current year (its entries are on the log itself), a later one, or a year out of range.
    """
    require(current_user, Action.KEEP_CPD_LOG)
    return year_page(current_user, starts)


def year_page(owner, starts: int) -> str:
    """One earlier CPD year of `owner`'s log, as the current user may read it (the policy asks in each service)."""
    today = school_today()
    if not EARLIEST_YEAR <= starts < services.current_year(owner, today).starts_on.year:
        abort(404)
    year = services.year_starting(owner, starts)
    entries = services.log_entries(current_user, owner, year)
    return render_template("cpd/entries/year.html", owner=owner, year=year, entries=entries,
                           summary=services.hours_summary(current_user, owner, today, year, entries=entries))


@bp.route("/coverage")
@login_required
def coverage():
    """Every standard, with how much of the current user's log evidences it.

    :raise 403: for those who keep no CPD log.
    """
    require(current_user, Action.KEEP_CPD_LOG)
    rows = services.coverage(current_user, current_user)
    return render_template("cpd/entries/coverage.html", rows=rows, year=services.current_year(current_user))


# --- writing an entry -----------------------------------------------------------------------------


@bp.route("/entries/new", methods=["GET", "POST"])
@login_required
def entry_new():
    """:raise 403: for those who keep no CPD log."""
    require(current_user, Action.KEEP_CPD_LOG)
    return _entry_page(work=None, entry=None)


@bp.route("/entries/new/from-meeting/<public_id>", methods=["GET", "POST"])
@login_required
def entry_from_meeting(public_id: str):
    """:raise 404: a meeting out of sight. :raise 403: one the user did not attend, chair or record."""
    meeting = get_or_404(Meeting, public_id, current_user, Action.REFLECT_ON_WORK)
    return _entry_page(work=meeting, entry=None)


@bp.route("/entries/new/from-contribution/<public_id>", methods=["GET", "POST"])
@login_required
def entry_from_contribution(public_id: str):
    """:raise 404: a contribution out of sight. :raise 403: someone else's contribution."""
    contribution = get_or_404(Contribution, public_id, current_user, Action.REFLECT_ON_WORK)
    return _entry_page(work=contribution, entry=None)


@bp.route("/entries/<public_id>/edit", methods=["GET", "POST"])
@login_required
def entry_edit(public_id: str):
    """:raise 404: an entry out of sight. :raise 403: the owner's line manager, who reads but never writes."""
    entry = get_or_404(ReflectiveEntry, public_id, current_user, Action.EDIT_CPD_RECORD)
    return _entry_page(work=None, entry=entry)


def _model_named(value) -> ReflectiveModel | None:
    try:
        return ReflectiveModel(value)
    except ValueError:
        return None


def _entry_page(*, work, entry: ReflectiveEntry | None):
    """The model choice, then the form for that model; saving records or updates the entry.

    Work the user has reflected on already opens their entry on it: one entry, its hours claimed once.
    """
    if work is not None and (existing := services.entry_for_work(current_user, work)) is not None:
        return _already_reflected(existing)()
    offer = services.offer_for(current_user, work) if work is not None else None
    if request.method == "POST":
        model = _model_named(request.form.get("reflective_model"))
        if model is None:  # only a tampered form lacks it: the choice is asked again
            return _choose_model(offer, entry, problem=True)
        form = entry_form(model)
    else:
        asked = request.args.get("model")
        if asked is None and (entry is None or "choose" in request.args):
            return _choose_model(offer, entry)
        model = _model_named(asked) if asked is not None else entry.reflective_model
        if model is None:
            return _choose_model(offer, entry, problem=True)
        form = entry_form(model, data=_initial_data(model, offer, entry))

    case_work = offer is not None or (entry is not None and entry.evidence is not None)

    def save():
        draft = _draft(form, model, case_work)
        if entry is None:
            try:
                saved = services.record_entry(current_user, draft, work=work)
            except AlreadyReflected as already:  # another request saved one first: nothing of this one is kept
                return _already_reflected(already.entry)
            return Saved(url_for("cpd.entry_detail", public_id=saved.public_id), "Your CPD entry has been saved.")
        services.update_entry(current_user, entry, draft, version=form.version.data)
        return Saved(url_for("cpd.entry_detail", public_id=entry.public_id), "Your changes have been saved.")

    # Only a change to a saved entry can meet someone else's save.
    conflict = (lambda: _edit_conflict(entry.public_id, form, model)) if entry is not None else None
    return handle_form(form, save, conflict=conflict,
                       render=lambda: _render_form(form, model, offer, entry, case_work))


def _already_reflected(entry: ReflectiveEntry) -> Saved:
    return Saved(url_for("cpd.entry_detail", public_id=entry.public_id),
                 "You have already reflected on this in your CPD log: this is your entry. Change it rather than "
                 "starting another, so its hours count once.", "info")


def _choose_model(offer, entry, *, problem: bool = False):
    """Step one: the reflective model, chosen before its prompts are shown (a plain GET form, no script)."""
    return render_template(ENTRY_FORM, choosing=True, problem=problem, models=list(ReflectiveModel), offer=offer,
                           offer_reference=_reference(offer), entry=entry, form=None,
                           title=_title(offer, entry)), 400 if problem else 200


def _reference(offer) -> str | None:
    """The learner as this log names them: the form shows the reference, never the name."""
    return services.learner_reference(current_user, offer.work.learner) if offer is not None else None


def _title(offer, entry) -> str:
    if entry is not None:
        return "Change your CPD entry"
    return "Reflect on your case work" if offer is not None else "Start a new CPD entry"


def _render_form(form: EntryForm, model: ReflectiveModel, offer, entry, case_work: bool, conflict=None):
    return render_template(ENTRY_FORM, choosing=False, form=form, model=model, offer=offer, entry=entry,
                           offer_reference=_reference(offer), case_work=case_work, standard_groups=_standard_groups(),
                           conflict=conflict, chosen_codes=set(form.standard_codes.data or []),
                           title=_title(offer, entry))


def _standard_groups():
    """[(framework, [(group name, [standards])])] in the published order, for the grouped checkboxes."""
    standards = services.all_standards()
    return [(framework, [(group, list(rows)) for group, rows in groupby(items, key=lambda s: s.group_name)])
            for framework, items in ((f, list(i)) for f, i in groupby(standards, key=lambda s: s.framework))]


def _initial_data(model: ReflectiveModel, offer, entry: ReflectiveEntry | None) -> dict:
    if entry is not None:
        data = {
            "activity_on": entry.activity_on, "hours": _hours_text(entry.hours),
            "activity_type": entry.activity_type.value, "participation": entry.participation.value,
            "title": entry.title, "content": entry.content, "action_what": entry.action_what or "",
            "action_how": entry.action_how or "", "action_by": entry.action_by,
            "standard_codes": [standard.code for standard in entry.standards], "version": entry.version,
        }
        data.update({f"prompt_{prompt.key}": entry.answer(prompt.key) for prompt in model.prompts})
        return data
    if offer is not None:
        # The work's date, a meeting's length and its participation: the practitioner can change each.
        return {"activity_on": offer.work_on, "hours": _hours_text(offer.hours) if offer.hours else "",
                "participation": offer.participation.value, "title": offer.title,
                "activity_type": ActivityType.CASE_WORK.value}
    return {}


def _hours_text(hours) -> str:
    return f"{hours.normalize():f}"


def _draft(form: EntryForm, model: ReflectiveModel, case_work: bool) -> EntryDraft:
    """Only the fields the form declares. A case-work form's type is case work whatever was sent; a
    participation left unanswered is the one usual for the type (what the hint beside it says)."""
    activity_type = ActivityType.CASE_WORK.value if case_work else (form.activity_type.data or None)
    participation = form.participation.data or None
    if participation is None and activity_type:
        try:
            participation = ActivityType(activity_type).usual_participation.value
        except ValueError:
            participation = None  # the service names the bad type first
    return EntryDraft(
        activity_on=form.activity_on.data, hours=form.hours.data, activity_type=activity_type,
        participation=participation, reflective_model=model, title=form.title.data, content=form.content.data,
        reflection=form.prompt_answers(), action_what=form.action_what.data, action_how=form.action_how.data,
        action_by=form.action_by.data, standard_codes=list(form.standard_codes.data or []),
    )


def _edit_conflict(public_id: str, form: EntryForm, model: ReflectiveModel):
    """409: what is saved now beside what this editor typed, which stays in the form to save again."""
    entry = get_or_404(ReflectiveEntry, public_id, current_user, Action.EDIT_CPD_RECORD)
    form.version.data = entry.version
    fields = [
        ConflictField("Date of the activity", day(entry.activity_on),
                      " ".join(form.activity_on.raw_data or [])),
        ConflictField("Length in hours", _hours_text(entry.hours), form.hours.data),
        ConflictField("Activity title", entry.title, form.title.data),
        ConflictField("Content and learning", entry.content, form.content.data),
    ]
    fields += [ConflictField(prompt.label, entry.answer(prompt.key), form[name].data)
               for name, prompt in form.prompt_fields]
    fields += [
        ConflictField("What you will do differently", entry.action_what, form.action_what.data),
        ConflictField("How you will do it", entry.action_how, form.action_how.data),
        ConflictField("Standards", ", ".join(standard.code for standard in entry.standards),
                      ", ".join(form.standard_codes.data or [])),
    ]
    case_work = entry.evidence is not None
    return _render_form(form, model, None, entry, case_work, conflict=fields), 409


# --- reading an entry -----------------------------------------------------------------------------


@bp.route("/entries/<public_id>")
@login_required
def entry_detail(public_id: str):
    """:raise 404: for anyone but the entry's owner and their line manager (who reads it read-only)."""
    entry = get_or_404(ReflectiveEntry, public_id, current_user, Action.VIEW_CPD_RECORD)
    return render_template("cpd/entries/entry_detail.html", entry=entry, own=entry.owner_id == current_user.id)


# --- withdrawing an entry ------------------------------------------------------------------------------


@bp.route("/entries/<public_id>/withdraw", methods=["GET", "POST"])
@login_required
def entry_withdraw(public_id: str):
    """Withdraw an entry, giving a reason: it stays in the log, marked withdrawn, and its hours no longer count.

    :raise 404: an entry out of sight. :raise 403: the owner's line manager, or an entry already withdrawn.
    """
    entry = get_or_404(ReflectiveEntry, public_id, current_user, Action.WITHDRAW_CPD_ENTRY)
    form = WithdrawForm()

    def save():
        services.withdraw_entry(current_user, entry, form.reason.data)
        return Saved(url_for("cpd.entry_detail", public_id=entry.public_id),
                     "Your entry has been withdrawn. It stays in your log, marked withdrawn; its hours no longer "
                     "count.")

    return handle_form(form, save, render=lambda: render_template("cpd/entries/withdraw_form.html", form=form,
                                                                  entry=entry))
