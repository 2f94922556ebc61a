"""Forms for recording and withdrawing consent. They validate only; the service checks the choices."""
from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSelect, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import HiddenField, RadioField, SelectChoice, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.cases.consents.models import ConsentMethod, ConsentPurpose
from app.cases.consents.services import NAME_MAX, TEXT_MAX
from app.form_fields import DayMonthYearField

# Through Braid is how a parent gives their own: the SENCo records consent given in writing or at a meeting.
RECORDED_METHODS = (ConsentMethod.IN_WRITING, ConsentMethod.VERBALLY_AT_MEETING)


class ConsentForm(FlaskForm):
    """The view sets `agency.choices`. A parent's form shows only what the consent is for: the rest is theirs."""

    purpose = RadioField("What is the consent for?", widget=GovRadioInput(),
                         choices=[SelectChoice(purpose.value, purpose.label) for purpose in ConsentPurpose],
                         validators=[DataRequired(message="Choose what the consent is for")])
    agency = SelectField("Outside agency", widget=GovSelect(), choices=[], validate_choice=False,
                         validators=[Optional()])
    recipient_name = StringField("Named person (optional)", widget=GovTextInput(),
                                 validators=[Optional(), Length(max=NAME_MAX)])
    given_by_name = StringField("Who gave consent", widget=GovTextInput(),
                                validators=[Optional(), Length(max=NAME_MAX)])
    giver_relationship = StringField("Their relationship to the child", widget=GovTextInput(),
                                     validators=[Optional(), Length(max=NAME_MAX)])
    given_on = DayMonthYearField("When consent was given", validators=[Optional()])
    method = RadioField("How consent was given", widget=GovRadioInput(), validators=[Optional()],
                        choices=[SelectChoice(method.value, method.label) for method in RECORDED_METHODS])
    submit = SubmitField("Record consent", widget=GovSubmitInput())


class WithdrawConsentForm(FlaskForm):
    """The confirmation page's form: `confirm` says the page was read."""

    confirm = HiddenField()
    method = RadioField("How was consent withdrawn?", widget=GovRadioInput(), validators=[Optional()],
                        choices=[SelectChoice(method.value, method.label) for method in RECORDED_METHODS])
    reason = TextAreaField("Reason (optional)", widget=GovTextArea(), validators=[
        Optional(), Length(max=TEXT_MAX, message=f"The reason must be {TEXT_MAX:,} characters or fewer")])
    submit = SubmitField("Withdraw consent", widget=GovSubmitInput())
