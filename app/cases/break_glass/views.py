"""Break-glass pages: choosing a case one is not on, giving the reason, and opening it for an hour."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.audit.events import note_learners
from app.audit.models import PurposeCategory
from app.cases.blueprint import bp
from app.cases.break_glass import services
from app.cases.break_glass.forms import BreakGlassForm, FindLearnerForm
from app.core.dates import time_of_day
from app.core.forms import Saved, handle_form
from app.policy import Action, refuse, require

NOT_FOUND = "No learner of your school whose case you are not on has this full name or UPN"


def _chosen_learner(public_id: str | None):
    """The learner named in the form or the query, checked: None when none was named.

    :raise 404: no learner of the user's school has that public id. :raise 403: the user may not break glass
    on that learner (they are on the case, or never may).
    """
    if not public_id:
        return None
    learner = services.learner_for_break_glass(current_user, public_id)
    if learner is None:
        # Out of sight, as get_or_404 would answer; the trail still names whose record was asked for, if
        # anyone's: never the text that was typed.
        named = services.learner_named_in_refusal(public_id)
        refuse(404, Action.BREAK_GLASS, named)
    require(current_user, Action.BREAK_GLASS, learner)
    return learner


@bp.route("/break-glass", methods=["GET", "POST"])
@login_required
def break_glass():
    """Find a learner of one's school by full name or UPN (`?learner_name=`), say why, and read their case for one hour.

    The learner comes in the form (or `?learner=` from the learner's page), never in the path.
    :raise 403: for those who may never break glass (administrators, external accounts, parents), for
        those with no case to open (the SENCo is on every case), and for a learner whose case one is on.
    :raise 404: for a learner who is not of the user's school.
    """
    require(current_user, Action.LIST_LEARNERS)  # school staff who work on cases
    posted = request.method == "POST"
    learner = _chosen_learner(request.form.get("learner") if posted else request.args.get("learner"))
    if learner is not None:
        live = services.active_break_glass(current_user, learner)
        if live is not None:
            flash(f"You already have break-glass access to this case until {time_of_day(live.expires_at)}.", "info")
            return redirect(url_for("cases.plan", public_id=learner.public_id))
    elif not services.may_break_glass(current_user):
        require(current_user, Action.BREAK_GLASS)  # with no learner to open this always refuses (403)
    finder = FindLearnerForm(formdata=request.args)
    typed = finder.learner_name.data if finder.validate() else None
    found = [learner] if learner is not None else services.break_glass_matches(current_user, typed)
    if typed and not found:
        finder.learner_name.errors = [NOT_FOUND]
    note_learners(found)  # the page names only the learners found
    form = BreakGlassForm()
    if not posted and learner is not None:
        form.learner.data = learner.public_id
    form.fill_learners(found)

    def save():
        grant = services.open_break_glass(current_user, learner, purpose=PurposeCategory(form.purpose.data),
                                          reason=form.reason.data)
        # No name in the message: flashed messages travel in the session cookie.
        return Saved(url_for("cases.plan", public_id=grant.learner.public_id),
                     f"You have break-glass access to this case until {time_of_day(grant.expires_at)}. "
                     "Everything you view is recorded.", "info")

    return handle_form(form, save, render=lambda: render_template(
        "cases/break_glass/open.html", form=form, finder=finder, learner=learner, found=found,
        problems=[{"text": error, "href": "#learner_name"} for error in finder.learner_name.errors]))
