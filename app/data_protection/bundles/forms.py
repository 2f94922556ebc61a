"""Forms of a subject access bundle: build, redact, remove a redaction, finalise, release concerns, download.
They validate only; the services decide."""
from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSelect, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import HiddenField, IntegerField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.data_protection.bundles.models import REDACTION_REASONS
from app.data_protection.bundles.purposes import DOWNLOAD_PURPOSES

REASON_CHOICES = [(reason.value, label[:1].upper() + label[1:]) for reason, label in REDACTION_REASONS.items()]


class ActionForm(FlaskForm):
    """A button that changes something (build, finalise, remove a redaction): the CSRF token only."""


class RedactionForm(FlaskForm):
    item_key = HiddenField(validators=[DataRequired(message="Choose an item")])
    whole_item = HiddenField(default="")  # "yes": withhold the whole item
    field = SelectField("Which part", widget=GovSelect(), validate_choice=False, validators=[Optional()])
    passage = TextAreaField("Passage to redact", widget=GovTextArea(),
                            description="Type or paste the exact words, as they appear in the item.",
                            validators=[Optional(), Length(max=2000, message="The passage must be 2,000 characters "
                                                                             "or fewer")])
    occurrence = IntegerField("Which occurrence (leave empty for every one)", widget=GovTextInput(),
                              validators=[Optional(), NumberRange(min=1, message="Enter 1 or more")])
    reason = RadioField("Reason", widget=GovRadioInput(), choices=REASON_CHOICES,
                        validators=[DataRequired(message="Choose why this is being redacted")])
    details = StringField("Details (required for other)", widget=GovTextInput(),
                          validators=[Optional(), Length(max=300, message="The details must be 300 characters or "
                                                                          "fewer")])
    submit = SubmitField("Redact", widget=GovSubmitInput())


class ConcernReleaseForm(FlaskForm):
    decision = RadioField("Decision", widget=GovRadioInput(),
                          choices=[("release", "Release to this request"), ("keep_out", "Keep out")],
                          validators=[DataRequired(message="Choose whether to release this concern")])
    reason = TextAreaField("Reason", widget=GovTextArea(),
                           validators=[Optional(), Length(max=2000, message="The reason must be 2,000 characters or "
                                                                            "fewer")])
    submit = SubmitField("Save the decision", widget=GovSubmitInput())


class DownloadForm(FlaskForm):
    purpose = RadioField("Why are you downloading the bundle?", widget=GovRadioInput(),
                         choices=list(DOWNLOAD_PURPOSES.items()),
                         validators=[DataRequired(message="Choose why you are downloading the bundle")])
    submit = SubmitField("Download the bundle", widget=GovSubmitInput())
