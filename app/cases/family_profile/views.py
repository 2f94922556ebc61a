"""The family one-page profile: the page (the team, and the family once shared), the SENCo's edit, the PDF."""
from __future__ import annotations

from flask import render_template, request, url_for
from flask_login import current_user, login_required

from app.audit.events import note_read
from app.cases.blueprint import bp
from app.cases.break_glass.services import active_break_glass
from app.cases.family_profile import services
from app.cases.family_profile.forms import FamilyProfileForm
from app.cases.learners.models import Learner
from app.core.conflicts import ConflictField, conflict_page
from app.core.downloads import attachment
from app.core.forms import Saved, handle_form
from app.extensions import db
from app.policy import Action, can, get_or_404, refuse


def _page_url(learner: Learner) -> str:
    return url_for("cases.family_profile", public_id=learner.public_id)


@bp.route("/learners/<public_id>/family-profile")
@login_required
def family_profile(public_id: str):
    """The profile as an accessible page. :raise 404: out of sight, or a family's before it is shared with them."""
    learner = get_or_404(Learner, public_id, current_user, Action.VIEW_CASE)
    profile = services.profile_of(learner)
    if not can(current_user, Action.VIEW_FAMILY_PROFILE, profile or learner):
        refuse(404, Action.VIEW_FAMILY_PROFILE, profile or learner)
    note_read(profile)
    return render_template("cases/family_profile/profile.html", learner=learner, profile=profile,
                           headings=services.headings(learner),
                           break_glass_grant=active_break_glass(current_user, learner))


@bp.route("/learners/<public_id>/family-profile/edit", methods=["GET", "POST"])
@login_required
def family_profile_edit(public_id: str):
    """The SENCo writes the profile with the family and the child: a draft from the plan the first time.

    :raise 404: out of sight. :raise 403: anyone but the learner's SENCo.
    """
    learner = get_or_404(Learner, public_id, current_user, Action.EDIT_FAMILY_PROFILE)
    profile = services.profile_of(learner)
    if request.method == "GET":
        values = ({name: getattr(profile, name) for name in services.FIELDS} if profile is not None
                  else services.draft_from_plan(current_user, learner))
        form = FamilyProfileForm(formdata=None, data={**values, "shared": bool(profile and profile.is_published),
                                                      "version": profile.version if profile else 0})
    else:
        form = FamilyProfileForm()
    headings = services.headings(learner)
    form.good_at.label.text = headings["good_at"]

    def save():
        services.save_family_profile(current_user, learner, version=form.version.data, shared=form.shared.data,
                                     **{name: getattr(form, name).data for name in services.FIELDS})
        shared = "It is shared with the family." if form.shared.data else "The family cannot see it yet."
        return Saved(_page_url(learner), f"Profile saved. {shared}")

    def conflict():
        saved = services.profile_of(learner)
        form.version.data = saved.version if saved else 0
        fields = [ConflictField(headings[name], getattr(saved, name) if saved else None, getattr(form, name).data)
                  for name in services.FIELDS]
        return conflict_page(title="the one-page profile", record=saved, fields=fields, form=form,
                             action_url=url_for("cases.family_profile_edit", public_id=learner.public_id),
                             back_url=_page_url(learner))

    return handle_form(form, save, conflict=conflict, render=lambda: render_template(
        "cases/family_profile/edit.html", form=form, learner=learner, profile=profile, drafted=profile is None))


@bp.route("/learners/<public_id>/family-profile.pdf")
@login_required
def family_profile_pdf(public_id: str):
    """The profile as a PDF, for exactly who may read its page; its export committed before it leaves.

    :raise 404: out of sight, no profile yet, or a family's before it is shared with them.
    """
    learner = get_or_404(Learner, public_id, current_user, Action.VIEW_CASE)
    profile = services.profile_of(learner)
    if profile is None or not can(current_user, Action.EXPORT_CASE_DOCUMENT, profile):
        refuse(404, Action.EXPORT_CASE_DOCUMENT, profile or learner)
    filename, content = services.export_family_profile(current_user, profile)
    db.session.commit()
    return attachment(content, filename=filename)
