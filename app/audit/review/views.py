"""The DSL's review pages: the filtered trail, a learner's access history, a person's activity, flags, export, verify.

Every page requires Action.REVIEW_AUDIT (the export also EXPORT_AUDIT) before it reads anything. A page is
recorded as a VIEW of the audit trail (`note_review`), never of a learner's record: the learners its rows
name, or its filter chose, are recorded as LISTED; the learner filter's options are not recorded at all.
Learners and people are chosen by query parameter (`?learner=`, `?user=`), never in the path. A filter
naming a learner or person the DSL's school does not have is refused and recorded as a refused filter,
naming nothing: what was typed never reaches the trail. Every page is behind the "audit_review" door:
refused or ill-formed requests (400, 403, 404) count per account and per IP address.
"""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required

from app.audit import subjects
from app.audit.blueprint import bp
from app.audit.events import note_learners, note_read, note_refusal, note_review, record
from app.audit.family.services import decide_family_visibility, family_of, family_visibility, learner_event
from app.audit.models import AuditAction, AuditOutcome, PurposeCategory
from app.audit.review.export import ExportError, export_events, exports_made
from app.audit.review.flags import find_flags
from app.audit.review.forms import AuditFilterForm, DateRangeForm, ExportForm, FamilyVisibilityForm, VerifyForm
from app.audit.review.services import (
    AuditFilters,
    break_glass_openings,
    chain_status,
    describe_events,
    event_page,
    learners_named,
    learners_to_choose,
    load_actors,
    people_to_choose,
    person_in_trail,
    today,
    verify_now,
)
from app.core.forms import Saved, handle_form
from app.extensions import db
from app.policy import Action, attempted, can, get_or_404, require
from app.problems import show_on_form
from app.security import limits

REFUSED_FILTER = "audit_filter"  # the object type of a refused filter's event, which names no object
AUDIT_TRAIL = "audit_trail"  # what a review page's VIEW event names (services.OBJECT_TYPES labels it)

# Pages shown never count; refusals and ill-formed requests do, so probing for learners or people stops.
_review_door = limits.guard("audit_review", limits.signed_in_account, methods=("GET", "POST"),
                            failure_statuses=frozenset({400, 403, 404}))
# Withholding from a family's summary (by event id): refusals and misses count alike, at a door of its own.
_family_view_door = limits.guard("family_view", limits.signed_in_account, methods=("GET", "POST"),
                                 failure_statuses=frozenset({400, 403, 404}))


def _require_review(*actions: Action, attempt: AuditAction | None = None, object_type: str | None = None,
                    public_id: str | None = None, asked_for=None) -> None:
    """:raise 403: for anyone who may not do every one of `actions` (REVIEW_AUDIT when none is given). The
    refusal is what the last action asks by this method (app.policy.attempts: a view of the audit trail, an
    export), unless `attempt` and `object_type` say otherwise, and names the learner
    whose history (`asked_for`) or the account whose activity (`public_id`) was asked for.

    `asked_for` loads the object named, and is called only for a refusal.
    """
    actions = actions or (Action.REVIEW_AUDIT,)
    note_review(AUDIT_TRAIL)
    if not all(can(current_user, action) for action in actions):
        thing = asked_for() if asked_for is not None else None
        asked, asked_type = attempted(actions[-1], request.method, None)
        # The trail keeps the id only if it names a record (app.audit.subjects): never the text typed.
        note_refusal(attempt or asked, object_type or asked_type,
                     public_id if isinstance(public_id, str) else None, thing)
        abort(403)


def _no_such_filter() -> None:
    """:raise 404: the history of a learner or person no record has: a refused filter, naming nothing."""
    note_refusal(AuditAction.VIEW, REFUSED_FILTER, None)
    abort(404)


def _record_refused_filter() -> None:
    """The review or export filtered by a learner or person the school does not have: a refused filter, naming
    nothing. The page (400) still shows the form, so the refusal is committed here; the learners the form
    offers are a choice, not a read of anyone, and are not recorded."""
    record(current_user, AuditAction.VIEW, object_type=REFUSED_FILTER, outcome=AuditOutcome.REFUSED)
    db.session.commit()


def _filter_refused(form) -> bool:
    """Did the filters name a learner or person that is not the school's to choose?"""
    return bool(form.learner.errors or form.user.errors)


def _cursor(name: str) -> int | None:
    value = request.args.get(name, type=int)
    return value if value is not None and value >= 0 else None


def _filter_form():
    """(form, filters or None when the query string does not validate, the learners the filter may choose)."""
    learners = learners_to_choose(current_user, public_id=request.args.get("learner"),
                                  typed=request.args.get("learner_name", "").strip())
    requested = request.args.get("user")
    typed_email = request.args.get("person_email", "").strip()[:320]
    people = people_to_choose(current_user, public_id=requested if subjects.well_formed(requested) else None,
                              email=typed_email or None)
    if subjects.well_formed(requested) and all(person.public_id != requested for person in people):
        # Someone who acted in the school's trail without working for it or on its cases (a refused outsider).
        outsider = person_in_trail(current_user, requested)
        if outsider is not None:
            people = [*people, outsider]
    form = AuditFilterForm(formdata=request.args)
    form.fill_choices(learners, people)
    return form, (form.filters() if form.validate() else None), learners


def _chosen(learners, filters):
    """The learner the filters name, from the learners already loaded for the choice."""
    if filters is None or not filters.learner:
        return None
    return next((learner for learner in learners if learner.public_id == filters.learner), None)


@bp.route("/audit")
@login_required
@_review_door
def review():
    """The school's trail, filtered and paged newest first, with the chain's status.

    :raise 403: for anyone but the school's DSL. A filter the school has no learner or person for: 400, recorded
        as a refused filter.
    """
    _require_review()
    form, filters, learners = _filter_form()
    page, shown, status = None, [], 200
    if filters is None:
        status = 400
        if _filter_refused(form):
            _record_refused_filter()
    else:
        page = event_page(current_user, filters, before=_cursor("before"), after=_cursor("after"))
        shown = describe_events(current_user, page.rows)
    # The learners its rows name, and the one chosen (named in a link), are listed; the filter's options are not.
    chosen = _chosen(learners, filters)
    note_learners(learners_named(shown) + ([chosen] if chosen is not None else []))
    return render_template(
        "audit/review.html", form=form, filters=filters, page=page, shown=shown, chosen=chosen,
        chain=chain_status(), verify_form=VerifyForm(),
    ), status


@bp.route("/audit/learner")
@login_required
@_review_door
def learner_history():
    """Who has seen this learner's record, when, and why: every event naming them but the lists their name was
    shown in (those too with `?listed=1`), break-glass first.

    :raise 403: for anyone but the DSL. :raise 404: for a learner who is not of the DSL's school (another
        school's learner is named in the refusal; an id that names no learner is a refused filter).
    """
    public_id = request.args.get("learner")
    # A refusal names the learner asked for only if there is one (any school's), so the trail shows the attempt.
    _require_review(asked_for=lambda: subjects.find("learner", public_id))
    if not public_id:
        return redirect(url_for("audit.review"))
    if subjects.named("learner", public_id) is None:
        _no_such_filter()
    learner = get_or_404(subjects.model("learner"), public_id, current_user, Action.REVIEW_AUDIT)
    # Openings by default; every list their name appeared in only when asked (?listed=1), paging kept with it.
    with_listed = request.args.get("listed") == "1"
    page = event_page(current_user, AuditFilters(learner=learner.public_id, openings_only=not with_listed),
                      before=_cursor("before"), after=_cursor("after"))
    # Only this learner is named: others listed on the same page as them are counted, not named.
    shown = describe_events(current_user, page.rows, with_grants=True, focus=learner.public_id)
    openings = describe_events(current_user, break_glass_openings(current_user, learner.public_id),
                               with_grants=True, focus=learner.public_id)
    note_learners(learners_named(shown + openings))
    family = family_visibility(learner.public_id, page.rows, family_ids=family_of(learner))
    return render_template("audit/learner_history.html", learner=learner, page=page, shown=shown, openings=openings,
                           with_listed=with_listed, family=family)


@bp.route("/audit/learner/family-view", methods=["GET", "POST"])
@login_required
@_family_view_door
def family_view_decision():
    """Withhold one opening of a learner's record from their family's summary, or release it, with a reason.

    :raise 403: for anyone but the DSL. :raise 404: for a learner not of the DSL's school, or an event not in
        the learner's trail.
    """
    public_id = request.args.get("learner")
    # A refused POST was an attempt to decide; a refused GET, a view of the trail (the learner named if real).
    posted = request.method == "POST"
    _require_review(attempt=AuditAction.CREATE if posted else None,
                    object_type="family_visibility_decision" if posted else None,
                    asked_for=lambda: subjects.find("learner", public_id))
    if not public_id or subjects.named("learner", public_id) is None:
        _no_such_filter()
    learner = get_or_404(subjects.model("learner"), public_id, current_user, Action.DECIDE_FAMILY_VISIBILITY)
    event = learner_event(learner, _cursor("event"))
    if event is None:
        abort(404)
    family = family_of(learner)
    status = family_visibility(learner.public_id, [event], family_ids=family)[event.id]
    shown = describe_events(current_user, [event], with_grants=True, focus=learner.public_id)[0]
    form = FamilyVisibilityForm()
    if request.method == "GET":
        form.decision.data = "withhold" if status.visible else "release"
    back = url_for("audit.learner_history", learner=learner.public_id)

    def save():
        withheld = form.decision.data == "withhold"
        decide_family_visibility(current_user, learner, event, withheld=withheld, reason=form.reason.data)
        return Saved(back, "The entry is now withheld from the family." if withheld
                     else "The entry is now shown to the family.")

    return handle_form(form, save, render=lambda: render_template(
        "audit/family_visibility.html", learner=learner, item=shown, status=status, form=form, back=back))


@bp.route("/audit/person")
@login_required
@_review_door
def user_activity():
    """One person's events in the school's trail, optionally between two dates.

    :raise 403: for anyone but the DSL. :raise 404: for someone who neither works for the school nor
        appears in its trail.
    """
    public_id = request.args.get("user")
    _require_review(object_type="user_account", public_id=public_id)
    if not public_id:
        return redirect(url_for("audit.review"))
    person = person_in_trail(current_user, public_id)
    if person is None:
        if subjects.named("user_account", public_id) is None:
            _no_such_filter()
        note_refusal(AuditAction.VIEW, "user_account", public_id)  # someone else's account: named, as asked for
        abort(404)
    require(current_user, Action.REVIEW_AUDIT, person)
    note_read(person)
    form = DateRangeForm(formdata=request.args)
    page, shown, status = None, [], 200
    if form.validate():
        filters = AuditFilters(user=person.public_id, date_from=form.date_from.data, date_to=form.date_to.data)
        page = event_page(current_user, filters, before=_cursor("before"), after=_cursor("after"))
        shown = describe_events(current_user, page.rows)
    else:
        filters, status = AuditFilters(user=person.public_id), 400
    note_learners(learners_named(shown))
    return render_template("audit/user_activity.html", person=person, form=form, filters=filters, page=page,
                           shown=shown), status


@bp.route("/audit/flags")
@login_required
@_review_door
def flags():
    """Patterns to look at within a window of days (default: the last 30).

    :raise 403: for anyone but the DSL.
    """
    _require_review()
    form = DateRangeForm(formdata=request.args)
    if not form.validate():
        return render_template("audit/flags.html", form=form, found=None), 400
    found = find_flags(current_user, form.date_from.data, form.date_to.data)
    lists = ("refused", "out_of_hours", "break_glass", "external_near_end")
    rows = [row for name in lists for row in getattr(found, name).items]
    described = iter(describe_events(current_user, rows))
    shown = {name: [next(described) for _ in getattr(found, name).items] for name in lists}
    people = load_actors(hour.actor_id for hour in found.many_learners.items)
    busy = [(hour, people.get(hour.actor_id)) for hour in found.many_learners.items]
    note_learners(learners_named([item for items in shown.values() for item in items]))
    return render_template("audit/flags.html", form=form, found=found, shown=shown, busy=busy)


@bp.route("/audit/export", methods=["GET", "POST"])
@login_required
@_review_door
def export():
    """Export the filtered view (every matching event, not only a page) to CSV, saying why.

    :raise 403: for anyone but the DSL. A filter the school has no learner or person for: 400, recorded as a
        refused filter, and nothing exported.
    """
    posted = request.method == "POST"
    _require_review(Action.REVIEW_AUDIT, Action.EXPORT_AUDIT)
    filter_form, filters, learners = _filter_form()
    if filters is None:
        if _filter_refused(filter_form):
            _record_refused_filter()
        return render_template("audit/export.html", filter_form=filter_form, filters=None, form=None), 400
    learner = _chosen(learners, filters)
    form = ExportForm()
    status = 200
    if posted:
        status = 400
        if form.validate_on_submit():
            try:
                _, file = export_events(current_user, filters, purpose=PurposeCategory(form.purpose.data),
                                        details=form.details.data, learners=[learner] if learner else [])
            except ExportError as refusal:
                db.session.rollback()
                show_on_form(form, refusal)
            else:
                db.session.commit()
                return send_file(file, mimetype="text/csv", as_attachment=True,
                                 download_name=f"braid-audit-trail-{today().isoformat()}.csv")
    if learner is not None:
        note_learners([learner])
    person = person_in_trail(current_user, filters.user) if filters.user else None
    return render_template("audit/export.html", filter_form=filter_form, filters=filters, form=form,
                           learner=learner, person=person, exports=exports_made(current_user)), status


@bp.route("/audit/verify", methods=["POST"])
@login_required
@_review_door
def verify():
    """Seal, verify the whole chain now, record the result, and show it on the review page.

    :raise 403: for anyone but the DSL.
    """
    _require_review(attempt=AuditAction.VERIFY_AUDIT, object_type="audit_verification")
    form = VerifyForm()
    if not form.validate_on_submit():
        abort(400)
    result = verify_now(current_user)
    db.session.commit()
    if result.intact:
        flash(f"The audit trail is intact: {result.event_count:,} events verified.", "success")
    else:
        flash(f"The audit trail has been tampered with: {result.problem}", "error")
    return redirect(url_for("audit.review"))
