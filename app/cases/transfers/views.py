"""Transfer pages: the learner's transfers, making and downloading a bundle, recording a child-protection transfer."""
from __future__ import annotations

from flask import abort, render_template, url_for
from flask_login import current_user, login_required

from app.cases.blueprint import bp
from app.cases.learners.models import Learner
from app.cases.transfers import services
from app.cases.transfers.forms import ChildProtectionTransferForm, DownloadBundleForm, ReceiptForm, TransferBundleForm
from app.cases.transfers.models import ChildProtectionTransfer, TransferBundle
from app.core.downloads import attachment
from app.core.forms import Saved, handle_form
from app.policy import Action, can, get_or_404


@bp.route("/learners/<public_id>/transfers")
@login_required
def transfers(public_id: str):
    """The learner's transfer bundles (SENCo, DSL) and, for the DSL only, child-protection transfers.

    :raise 404: out of sight. :raise 403: anyone but the school's SENCo and DSL.
    """
    learner = get_or_404(Learner, public_id, current_user, Action.VIEW_TRANSFERS)
    bundles = services.transfer_bundles(current_user, learner)
    cp = services.cp_transfers(current_user, learner) if can(current_user, Action.VIEW_CP_TRANSFERS, learner) else None
    return render_template("cases/transfers/transfers.html", learner=learner, bundles=bundles, cp_transfers=cp,
                           download_form=DownloadBundleForm())


@bp.route("/learners/<public_id>/transfers/bundle", methods=["GET", "POST"])
@login_required
def transfer_bundle_new(public_id: str):
    """Make the transfer bundle; the passphrase is shown once, on the answer to the POST, and never kept."""
    learner = get_or_404(Learner, public_id, current_user, Action.MAKE_TRANSFER_BUNDLE)
    form = TransferBundleForm()

    def save():
        bundle, passphrase = services.make_transfer_bundle(current_user, learner,
                                                           receiving_school=form.receiving_school.data)
        return lambda: render_template("cases/transfers/bundle_made.html", learner=learner, bundle=bundle,
                                       passphrase=passphrase, download_form=DownloadBundleForm())

    return handle_form(form, save, render=lambda: render_template(
        "cases/transfers/bundle_new.html", form=form, learner=learner))


@bp.route("/transfer-bundles/<public_id>/download", methods=["POST"])
@login_required
def transfer_bundle_download(public_id: str):
    """The encrypted file as an attachment, audited and committed before it leaves; sandboxed, never sniffed.

    :raise 404: out of sight. :raise 403: anyone but the school's SENCo.
    """
    bundle = get_or_404(TransferBundle, public_id, current_user, Action.DOWNLOAD_TRANSFER_BUNDLE)

    def save():
        content = services.download_transfer_bundle(current_user, bundle)
        return lambda: attachment(content, filename=f"transfer-record-{bundle.public_id}.pdf")

    # Only a POST with its token reaches here; one without is refused outright (there is no form to show again).
    return handle_form(DownloadBundleForm(), save, render=lambda: abort(400))


@bp.route("/learners/<public_id>/transfers/child-protection", methods=["GET", "POST"])
@login_required
def cp_transfer_new(public_id: str):
    """The DSL records that the child-protection file was sent outside Braid. :raise 403: anyone but the DSL."""
    learner = get_or_404(Learner, public_id, current_user, Action.RECORD_CP_TRANSFER)
    form = ChildProtectionTransferForm()

    def save():
        services.record_cp_transfer(current_user, learner, receiving_school=form.receiving_school.data,
                                    method=form.method.data, sent_on=form.sent_on.data, reference=form.reference.data)
        return Saved(url_for("cases.transfers", public_id=learner.public_id),
                     "The child-protection transfer was recorded.")

    return handle_form(form, save, render=lambda: render_template(
        "cases/transfers/cp_transfer_new.html", form=form, learner=learner))


@bp.route("/child-protection-transfers/<public_id>/receipt", methods=["GET", "POST"])
@login_required
def cp_receipt(public_id: str):
    """The DSL records that the receiving school confirmed receipt (once). :raise 404: for anyone but the DSL."""
    transfer = get_or_404(ChildProtectionTransfer, public_id, current_user, Action.CONFIRM_CP_RECEIPT)
    form = ReceiptForm()

    def save():
        services.confirm_cp_receipt(current_user, transfer, confirmed_on=form.confirmed_on.data,
                                    confirmed_by=form.confirmed_by.data)
        return Saved(url_for("cases.transfers", public_id=transfer.learner.public_id), "Receipt was recorded.")

    return handle_form(form, save, render=lambda: render_template(
        "cases/transfers/cp_receipt.html", form=form, transfer=transfer, learner=transfer.learner))
