"""GET/POST /school/family-view: the SENCo or administrator chooses whether families see staff names."""
from __future__ import annotations

from flask import render_template, request, url_for
from flask_login import current_user, login_required

from app.agencies.blueprint import bp
from app.agencies.family_view import services
from app.agencies.family_view.forms import FamilyViewSettingsForm
from app.core.forms import Saved, handle_form


@bp.route("/school/family-view", methods=["GET", "POST"])
@login_required
def family_view_settings():
    """:raise 403: for anyone but the SENCo or administrator of a school."""
    school = services.school_of(current_user)
    form = FamilyViewSettingsForm()
    if request.method == "GET":
        form.show_staff_names.data = "yes" if school.show_staff_names_to_family else "no"

    def save():
        services.set_staff_names_shown(current_user, form.show_staff_names.data == "yes")
        return Saved(url_for("agencies.family_view_settings"), "Your choice is saved.")

    return handle_form(form, save, render=lambda: render_template(
        "agencies/family_view/settings.html", school=school, form=form))
