"""Forms for transfers to the next school. They validate only."""
from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import RadioField, SelectChoice, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.cases.transfers.models import TransferMethod
from app.form_fields import DayMonthYearField


class TransferBundleForm(FlaskForm):
    receiving_school = StringField("Receiving school", widget=GovTextInput(),
                                   validators=[DataRequired(message="Enter the name of the receiving school"),
                                               Length(max=200)])
    submit = SubmitField("Make the transfer bundle", widget=GovSubmitInput())


class DownloadBundleForm(FlaskForm):
    """A POST with its CSRF token: a download link cannot be replayed from a history or a log."""

    submit = SubmitField("Download", widget=GovSubmitInput())


class ChildProtectionTransferForm(FlaskForm):
    receiving_school = StringField("Receiving school", widget=GovTextInput(),
                                   validators=[DataRequired(message="Enter the name of the receiving school"),
                                               Length(max=200)])
    method = RadioField("How was the file sent?", widget=GovRadioInput(),
                        choices=[SelectChoice(method.value, method.label) for method in TransferMethod],
                        validators=[InputRequired(message="Select how the file was sent")])
    sent_on = DayMonthYearField("Date sent", validators=[InputRequired(message="Enter the date the file was sent")])
    reference = TextAreaField("Reference or who it was sent to (optional)", widget=GovTextArea(),
                              validators=[Optional(), Length(max=1000)])
    submit = SubmitField("Record the transfer", widget=GovSubmitInput())


class ReceiptForm(FlaskForm):
    confirmed_on = DayMonthYearField("Date receipt was confirmed",
                                     validators=[InputRequired(message="Enter the date receipt was confirmed")])
    confirmed_by = StringField("Who at the receiving school confirmed receipt?", widget=GovTextInput(),
                               validators=[DataRequired(message="Enter who at the receiving school confirmed receipt"),
                                           Length(max=200)])
    submit = SubmitField("Record receipt", widget=GovSubmitInput())
