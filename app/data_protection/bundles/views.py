"""The pages of a subject access request's bundle: the DPO builds it (a background job with a progress bar),
reviews every item and redacts passages or withholds items, finalises and downloads it with a purpose; the DSL
releases the learner's safeguarding concerns into it, or keeps them out."""
from __future__ import annotations

from flask import jsonify, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from app.audit.events import note_learners, note_read
from app.audit.subjects import well_formed
from app.cases.concerns.models import SafeguardingConcern
from app.core import dates
from app.core.downloads import attachment, safe_filename
from app.core.forms import Saved, handle_form
from app.data_protection.blueprint import bp
from app.data_protection.bundles import services
from app.data_protection.bundles.forms import ActionForm, ConcernReleaseForm, DownloadForm, RedactionForm
from app.data_protection.bundles.gather import KIND_TITLES, concerns_of
from app.data_protection.bundles.models import BundleRedaction
from app.data_protection.requests.models import SubjectAccessRequest
from app.extensions import db
from app.policy import Action, can, refuse, require


def _request(public_id: str, action: Action) -> SubjectAccessRequest:
    """A request of the user's own school, then the action. :raise 404: none such (or another school's).
    :raise 403: in the school, but not theirs to do."""
    found = None
    if well_formed(public_id):
        found = db.session.scalars(select(SubjectAccessRequest).where(
            SubjectAccessRequest.public_id == public_id,
            SubjectAccessRequest.agency_id == current_user.agency_id)).first()
    if found is None:
        refuse(404, action, model=SubjectAccessRequest)
    require(current_user, action, found)
    note_read(found)
    return found


def _bundle_url(request: SubjectAccessRequest) -> str:
    return url_for("data_protection.bundle_page", public_id=request.public_id)


@bp.route("/requests/<public_id>/bundle")
@login_required
def bundle_page(public_id: str):
    """The bundle of a request: built, reviewed and finalised while the request is open; downloaded after too."""
    request = _request(public_id, Action.VIEW_ACCESS_REQUEST)
    return _page(request, ActionForm())


def _page(request: SubjectAccessRequest, form, status: int = 200):
    bundle = services.bundle_of(request)
    decisions = services.concern_decisions(request)
    concerns = concerns_of(request.learner)
    return render_template(
        "data_protection/bundles/bundle.html", request=request, bundle=bundle, form=form,
        stale=services.is_stale(request, bundle), redactions=services.redactions_of(request),
        concern_count=len(concerns), undecided=sum(1 for one in concerns if one.id not in decisions),
        released=sum(1 for one in decisions.values() if one.released), dates=dates,
        can_download=bundle is not None and can(current_user, Action.DOWNLOAD_SUBJECT_ACCESS_BUNDLE, bundle),
        can_prepare=can(current_user, Action.PREPARE_SUBJECT_ACCESS_BUNDLE, request),
    ), status


@bp.route("/requests/<public_id>/bundle/progress")
@login_required
def bundle_progress(public_id: str):
    """What the progress bar polls: counts only."""
    request = _request(public_id, Action.VIEW_ACCESS_REQUEST)
    bundle = services.bundle_of(request)
    if bundle is None:
        return jsonify(status="none", label="Not built", done=0, total=0, percent=0)
    return jsonify(status=bundle.status.value, label=bundle.status.label, done=bundle.progress_done,
                   total=bundle.progress_total, percent=bundle.percent_done)


@bp.route("/requests/<public_id>/bundle/build", methods=["POST"])
@login_required
def bundle_build(public_id: str):
    request = _request(public_id, Action.PREPARE_SUBJECT_ACCESS_BUNDLE)
    form = ActionForm()

    def save():
        services.request_build(current_user, request)
        return Saved(_bundle_url(request), "The bundle is being built")

    return handle_form(form, save, render=lambda: _page(request, form, 400)[0])


@bp.route("/requests/<public_id>/bundle/finalise", methods=["POST"])
@login_required
def bundle_finalise(public_id: str):
    request = _request(public_id, Action.PREPARE_SUBJECT_ACCESS_BUNDLE)
    form = ActionForm()

    def save():
        services.finalise(current_user, request)
        return Saved(_bundle_url(request), "The bundle is final: the request is ready to send")

    return handle_form(form, save, render=lambda: _page(request, form, 400)[0])


@bp.route("/requests/<public_id>/bundle/review")
@login_required
def bundle_review(public_id: str):
    request = _request(public_id, Action.PREPARE_SUBJECT_ACCESS_BUNDLE)
    review = services.review(current_user, request)
    return render_template("data_protection/bundles/review.html", request=request, review=review,
                           kind_titles=KIND_TITLES, form=ActionForm())


@bp.route("/requests/<public_id>/bundle/items/<item_key>", methods=["GET", "POST"])
@login_required
def bundle_redact(public_id: str, item_key: str):
    """One item, with the form to redact a passage of it (or withhold it whole)."""
    request = _request(public_id, Action.PREPARE_SUBJECT_ACCESS_BUNDLE)
    item = services.gathered_for(request).item(item_key)
    if item is None:
        refuse(404, Action.PREPARE_SUBJECT_ACCESS_BUNDLE, request)
    form = RedactionForm()
    form.field.choices = [(one.name, one.label) for one in item.fields]
    if not form.is_submitted():
        form.item_key.data = item.key

    def save():
        if form.whole_item.data == "yes":
            services.withhold_item(current_user, request, item_key=item.key, reason=form.reason.data,
                                   details=form.details.data)
            message = "The item is withheld from the bundle"
        else:
            services.redact_passage(current_user, request, item_key=item.key, field=form.field.data,
                                    passage=form.passage.data, occurrence=form.occurrence.data,
                                    reason=form.reason.data, details=form.details.data)
            message = "The passage is redacted"
        return Saved(url_for("data_protection.bundle_review", public_id=request.public_id) + f"#{item.key}",
                     message)

    def render():
        redactions = [one for one in services.redactions_of(request) if one.item_key == item.key]
        return render_template("data_protection/bundles/item.html", request=request, item=item, form=form,
                               redactions=redactions, kind_titles=KIND_TITLES, remove_form=ActionForm())

    return handle_form(form, save, render=render)


@bp.route("/requests/<public_id>/bundle/redactions/<redaction_id>/remove", methods=["POST"])
@login_required
def bundle_unredact(public_id: str, redaction_id: str):
    request = _request(public_id, Action.PREPARE_SUBJECT_ACCESS_BUNDLE)
    redaction = db.session.scalars(select(BundleRedaction).where(
        BundleRedaction.public_id == redaction_id, BundleRedaction.request_id == request.id)).first() \
        if well_formed(redaction_id) else None
    if redaction is None:
        refuse(404, Action.PREPARE_SUBJECT_ACCESS_BUNDLE, request)
    form = ActionForm()

    def save():
        services.remove_redaction(current_user, redaction)
        return Saved(url_for("data_protection.bundle_review", public_id=request.public_id)
                     + f"#{redaction.item_key}", "The redaction was removed")

    return handle_form(form, save, render=lambda: _page(request, form, 400)[0])


@bp.route("/requests/<public_id>/bundle/download", methods=["GET", "POST"])
@login_required
def bundle_download(public_id: str):
    """Ask why, then send the ZIP (no-store, as an attachment); the export is audited with that purpose."""
    request = _request(public_id, Action.VIEW_ACCESS_REQUEST)
    bundle = services.bundle_of(request)
    if bundle is None:
        refuse(404, Action.DOWNLOAD_SUBJECT_ACCESS_BUNDLE, request)
    require(current_user, Action.DOWNLOAD_SUBJECT_ACCESS_BUNDLE, bundle)
    form = DownloadForm()

    def save():
        content = services.download(current_user, bundle, form.purpose.data)
        name = safe_filename("subject-access-bundle", request.public_id, extension="zip")
        return lambda: attachment(content, filename=name, mimetype="application/zip")

    return handle_form(form, save, render=lambda: render_template(
        "data_protection/bundles/download.html", request=request, bundle=bundle, form=form))


# --- the DSL's release of concerns -------------------------------------------------------------------------------


@bp.route("/concern-releases")
@login_required
def concern_requests():
    """The DSL's list: open requests of their school about learners with safeguarding concerns."""
    require(current_user, Action.RELEASE_CONCERNS_FOR_REQUEST)
    requests = db.session.scalars(
        select(SubjectAccessRequest)
        .where(SubjectAccessRequest.agency_id == current_user.agency_id,
               SubjectAccessRequest.learner_id.in_(select(SafeguardingConcern.learner_id)))
        .order_by(SubjectAccessRequest.due_on, SubjectAccessRequest.id)).all()
    shown = [one for one in requests if can(current_user, Action.RELEASE_CONCERNS_FOR_REQUEST, one)]
    note_learners([one.learner for one in shown])
    rows = [(one, services.concern_decisions(one), len(concerns_of(one.learner))) for one in shown]
    return render_template("data_protection/bundles/concern_requests.html", rows=rows, dates=dates)


@bp.route("/requests/<public_id>/concerns")
@login_required
def concern_release(public_id: str):
    request = _request(public_id, Action.RELEASE_CONCERNS_FOR_REQUEST)
    return _concerns_page(request, None, ConcernReleaseForm())


def _concerns_page(request, chosen, form, status: int = 200):
    return render_template("data_protection/bundles/concerns.html", request=request, chosen=chosen, form=form,
                           concerns=services.concerns_for_release(current_user, request), dates=dates), status


@bp.route("/requests/<public_id>/concerns/<concern_id>", methods=["POST"])
@login_required
def concern_decide(public_id: str, concern_id: str):
    request = _request(public_id, Action.RELEASE_CONCERNS_FOR_REQUEST)
    concern = db.session.scalars(select(SafeguardingConcern).where(
        SafeguardingConcern.public_id == concern_id, SafeguardingConcern.learner_id == request.learner_id)).first() \
        if well_formed(concern_id) else None
    if concern is None:
        refuse(404, Action.RELEASE_CONCERNS_FOR_REQUEST, request)
    form = ConcernReleaseForm()

    def save():
        released = form.decision.data == "release"
        services.decide_concern(current_user, request, concern, released=released, reason=form.reason.data)
        return Saved(url_for("data_protection.concern_release", public_id=request.public_id),
                     "Released to this request" if released else "Kept out of this request")

    return handle_form(form, save, render=lambda: _concerns_page(request, concern, form, 400)[0])
