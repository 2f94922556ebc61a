"""Forms for the retention schedule, legal holds, child-protection reviews and erasure requests. They validate only."""
from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovDateInput, GovRadioInput, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import IntegerField, RadioField, SelectChoice, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from app.audit.review.forms import DayField

REASON_MAX = 2000


def _reason(label: str, missing: str):
    return TextAreaField(label, widget=GovTextArea(), validators=[
        DataRequired(message=missing), Length(max=REASON_MAX, message="The reason must be 2,000 characters or fewer")])


class RuleForm(FlaskForm):
    years = IntegerField("How many years?", widget=GovTextInput(), validators=[
        InputRequired(message="Enter how many years the records are kept"),
        NumberRange(min=1, max=100, message="The number of years must be between 1 and 100")])
    action = RadioField("What happens then?", widget=GovRadioInput(), validators=[
        InputRequired(message="Choose what happens when the period has passed")])
    submit = SubmitField("Save the rule", widget=GovSubmitInput())


class HoldForm(FlaskForm):
    reason = _reason("Why are this learner's records held?", "Enter why the records are held")
    reference = StringField("Reference (optional)", widget=GovTextInput(), validators=[
        Optional(), Length(max=200, message="The reference must be 200 characters or fewer")])
    submit = SubmitField("Place the legal hold", widget=GovSubmitInput())


class LiftHoldForm(FlaskForm):
    reason = _reason("Why is the legal hold lifted?", "Enter why the legal hold is lifted")
    submit = SubmitField("Lift the legal hold", widget=GovSubmitInput())


class ReviewForm(FlaskForm):
    decision = RadioField("Your decision", widget=GovRadioInput(), choices=[
        SelectChoice("destroy", "Destroy the child-protection file"),
        SelectChoice("keep", "Keep it until a later date")],
        validators=[InputRequired(message="Choose whether to destroy or keep the file")])
    keep_until = DayField("Keep until", widget=GovDateInput())
    reason = TextAreaField("Reason", widget=GovTextArea(), validators=[
        Optional(), Length(max=REASON_MAX, message="The reason must be 2,000 characters or fewer")])
    submit = SubmitField("Record the decision", widget=GovSubmitInput())

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.decision.data == "keep":
            if self.keep_until.data is None and not self.keep_until.errors:
                self.keep_until.errors = [*self.keep_until.errors, "Enter the date to keep the file until"]
                valid = False
            if not (self.reason.data or "").strip():
                self.reason.errors = [*self.reason.errors, "Enter why the file is kept"]
                valid = False
        return valid


class ErasureForm(FlaskForm):
    requested_by = _reason("Who asked, and what is their relationship to the learner?",
                           "Enter who asked for the erasure")
    received_on = DayField("Date the request was received", widget=GovDateInput())
    confirm_name = StringField("To confirm, type the learner's full name", widget=GovTextInput(), validators=[
        Optional(), Length(max=200)])
    submit = SubmitField("Record the request", widget=GovSubmitInput())

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.received_on.data is None and not self.received_on.errors:
            self.received_on.errors = [*self.received_on.errors, "Enter the date the request was received"]
            valid = False
        return valid
