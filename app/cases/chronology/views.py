"""The chronology page: GET /learners/<public_id>/chronology, filtered by kind and day, paged by an opaque cursor."""
from __future__ import annotations

from datetime import datetime

from flask import current_app, render_template, request, url_for
from flask_login import current_user, login_required
from itsdangerous import BadData, URLSafeSerializer

from app.cases.blueprint import bp
from app.cases.break_glass.services import active_break_glass
from app.cases.chronology.forms import ChronologyFilterForm
from app.cases.chronology.services import EntryGroup, EntryKind, Position, Window, chronology_page
from app.cases.learners.models import Learner
from app.policy import Action, can, get_or_404

CURSOR_FIELD = "older"
BAD_CURSOR = "This link to older entries is not valid: start again from the newest entries"
_KINDS = frozenset(kind.value for kind in EntryKind)


class BadCursor(ValueError):
    pass


def _serializer(learner: Learner) -> URLSafeSerializer:
    # Signed with the app's secret and bound to the learner: a cursor cannot be edited or carried to another case.
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=f"braid.chronology.{learner.public_id}")


def cursor_for(learner: Learner, position: Position) -> str:
    return _serializer(learner).dumps([position.occurred_at.isoformat(), position.kind, position.row_id])


def position_from(learner: Learner, cursor: str) -> Position:
    """:raise BadCursor: when the cursor was not made here for this learner, or says nothing a page could follow."""
    try:
        moment, kind, row_id = _serializer(learner).loads(cursor)
        occurred_at = datetime.fromisoformat(moment)
    except (BadData, ValueError, TypeError):
        raise BadCursor(BAD_CURSOR) from None
    if occurred_at.utcoffset() is None or kind not in _KINDS or type(row_id) is not int:
        raise BadCursor(BAD_CURSOR)
    return Position(occurred_at, kind, row_id)


def offered_groups(learner: Learner) -> tuple[EntryGroup, ...]:
    """The kinds a viewer may filter by: the plan's and the team's for those on the case, concerns for the DSL."""
    groups = [EntryGroup.CONTRIBUTIONS]
    if can(current_user, Action.VIEW_CASE, learner):
        groups = [EntryGroup.PLAN, EntryGroup.OUTCOMES, EntryGroup.PROVISION, EntryGroup.CONTRIBUTIONS,
                  EntryGroup.MEETINGS, EntryGroup.TEAM]
    if can(current_user, Action.LIST_CASE_CONCERNS, learner):
        groups.append(EntryGroup.CONCERNS)
    return tuple(groups)


@bp.route("/learners/<public_id>/chronology")
@login_required
def chronology(public_id: str):
    """What happened in the learner's support, newest first, from what the viewer may read.

    :raise 404: when the learner is out of the viewer's sight. Filters or a cursor that do not make sense: 400,
        the page shown again with an error summary and what was typed.
    """
    learner = get_or_404(Learner, public_id, current_user, Action.VIEW_LEARNER)
    groups = offered_groups(learner)
    form = ChronologyFilterForm(formdata=request.args, groups=groups)
    problems = []
    page, older_url = None, None
    if form.validate():
        try:
            cursor = request.args.get(CURSOR_FIELD)
            before = position_from(learner, cursor) if cursor else None
        except BadCursor as error:
            problems.append({"text": str(error), "href": "#entries"})
        else:
            window = Window(groups=form.chosen_groups(), date_from=form.date_from.data, date_to=form.date_to.data,
                            before=before)
            page = chronology_page(current_user, learner, window)
            if page.older is not None:
                older_url = url_for("cases.chronology", public_id=learner.public_id,
                                    **_filter_args(form), **{CURSOR_FIELD: cursor_for(learner, page.older)})
    status = 400 if (form.errors or problems) else 200
    return render_template("cases/chronology/chronology.html", learner=learner, form=form, page=page,
                           problems=problems, older_url=older_url, paged=bool(request.args.get(CURSOR_FIELD)),
                           break_glass_grant=active_break_glass(current_user, learner)), status


def _filter_args(form: ChronologyFilterForm) -> dict:
    args = {}
    if form.kind.data:
        args["kind"] = list(form.kind.data)
    for name in ("date_from", "date_to"):
        if getattr(form, name).data:
            args[name] = getattr(form, name).data.isoformat()  # the day field reads one ISO date from a link
    return args
