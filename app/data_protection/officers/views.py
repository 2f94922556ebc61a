"""Designating a data protection officer from the account page (the school's administrator)."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.agencies.accounts.models import User
from app.data_protection.blueprint import bp
from app.data_protection.officers import services
from app.data_protection.officers.forms import DesignationForm
from app.extensions import db
from app.policy import Action, get_or_404


@bp.route("/officers/<public_id>", methods=["GET", "POST"])
@login_required
def officer_designation(public_id: str):
    """Confirm, then designate the account (or clear its designation).

    :raise 404: not an account the administrator manages. :raise 403: a parent's or an outside account."""
    account = get_or_404(User, public_id, current_user, Action.DESIGNATE_DPO)
    form = DesignationForm()
    designate = (form.designate.data if request.method == "POST" else request.args.get("designate")) != "no"
    if request.method == "POST":
        if not form.validate_on_submit():
            return render_template("data_protection/officers/designate.html", account=account, form=form,
                                   designate=designate), 400
        changed = services.set_designation(current_user, account, designate)
        db.session.commit()
        if changed:
            flash(f"{account.display_name} is {'now' if designate else 'no longer'} a data protection officer.",
                  "success")
        return redirect(url_for("agencies.account_detail", public_id=account.public_id))
    return render_template("data_protection/officers/designate.html", account=account, form=form,
                           designate=designate)
