"""GET /learners/<public_id>/who-has-seen: the family's summary of who has opened their child's record."""
from __future__ import annotations

from flask import abort, current_app, render_template, request
from flask_login import current_user, login_required
from itsdangerous import BadData, URLSafeSerializer

from app.audit.events import note_page
from app.audit.family.services import ACCESS_SUMMARY
from app.cases.access_summary.services import summary_for
from app.cases.blueprint import bp
from app.cases.break_glass.services import active_break_glass
from app.cases.learners.models import Learner
from app.policy import Action, get_or_404


def _serializer(learner: Learner) -> URLSafeSerializer:
    # Event ids stay inside: the page cursor is signed and bound to the learner.
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=f"braid.who-has-seen.{learner.public_id}")


def cursor_for(learner: Learner, event_id: int | None) -> str | None:
    return None if event_id is None else _serializer(learner).dumps(event_id)


def _cursor(learner: Learner, name: str) -> int | None:
    value = request.args.get(name)
    if value is None:
        return None
    try:
        event_id = _serializer(learner).loads(value)
    except BadData:
        abort(400)
    if type(event_id) is not int:
        abort(400)
    return event_id


@bp.route("/learners/<public_id>/who-has-seen")
@login_required
def access_summary(public_id: str):
    """Who has opened this child's record, when and why, as their family sees it.

    :raise 404: for a learner out of the user's sight (a parent of another child). :raise 403: for anyone on the
        case but a parent or carer, the SENCo or the DSL.
    """
    learner = get_or_404(Learner, public_id, current_user, Action.VIEW_FAMILY_ACCESS_SUMMARY)
    summary = summary_for(current_user, learner, before=_cursor(learner, "before"), after=_cursor(learner, "after"))
    note_page(ACCESS_SUMMARY)  # the page's own event: seeing this summary is not an opening of the record
    return render_template("cases/access_summary/summary.html", learner=learner, summary=summary,
                           newer=cursor_for(learner, summary.page.newer),
                           older=cursor_for(learner, summary.page.older),
                           break_glass_grant=active_break_glass(current_user, learner))
