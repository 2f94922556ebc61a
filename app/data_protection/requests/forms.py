"""The register's forms: registering a request, the identity check, the extension and closing. They validate the
shape of what was typed; the services decide the rest (the dates, who may)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSelect, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import HiddenField, RadioField, SelectChoice, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.data_protection.requests.models import RequesterRelationship, RequestKind
from app.form_fields import DayMonthYearField

TEXT_LIMIT = Length(max=2000, message="This must be 2,000 characters or fewer")


class RegisterRequestForm(FlaskForm):
    learner = SelectField("Which learner is the request about?", widget=GovSelect(),
                          validators=[DataRequired(message="Select the learner the request is about")])
    kind = RadioField("What kind of request is it?", widget=GovRadioInput(),
                      choices=[SelectChoice(kind.value, kind.label) for kind in RequestKind],
                      validators=[InputRequired(message="Select what kind of request it is")])
    requester_name = StringField("Requester’s name", widget=GovTextInput(),
                                 validators=[DataRequired(message="Enter the requester’s name"),
                                             Length(max=200, message="The name must be 200 characters or fewer")])
    relationship = RadioField("Their relationship to the learner", widget=GovRadioInput(),
                              choices=[SelectChoice(item.value, item.label) for item in RequesterRelationship],
                              validators=[InputRequired(
                                  message="Select the requester’s relationship to the learner")])
    entitlement = TextAreaField("Their entitlement (optional)", widget=GovTextArea(),
                                validators=[Optional(), TEXT_LIMIT])
    received_on = DayMonthYearField("Date the request was received",
                                    validators=[InputRequired(message="Enter the date the request was received")])
    submit = SubmitField("Register the request", widget=GovSubmitInput())


class IdentityForm(FlaskForm):
    confirmed_on = DayMonthYearField("Date identity was confirmed",
                                     validators=[InputRequired(message="Enter the date identity was confirmed")])
    note = TextAreaField("How was identity (and entitlement) checked?", widget=GovTextArea(),
                         validators=[DataRequired(message="Enter how identity was checked"), TEXT_LIMIT])
    clock_waited = RadioField(
        "Could the request be acted on before identity was confirmed?", widget=GovRadioInput(),
        choices=[SelectChoice("no", "Yes: the clock runs from the day the request was received"),
                 SelectChoice("yes", "No: the clock runs from the day identity was confirmed")],
        validators=[InputRequired(message="Select whether the request could be acted on before identity was "
                                          "confirmed")])
    version = HiddenField()
    submit = SubmitField("Record the identity check", widget=GovSubmitInput())


class ExtendForm(FlaskForm):
    months = RadioField("Extend by", widget=GovRadioInput(),
                        choices=[SelectChoice("1", "One further month"), SelectChoice("2", "Two further months")],
                        validators=[InputRequired(message="Select by how many months to extend")])
    reason = TextAreaField("Why is the request complex?", widget=GovTextArea(),
                           validators=[DataRequired(message="Enter why the request is complex"), TEXT_LIMIT])
    version = HiddenField()
    submit = SubmitField("Extend the deadline", widget=GovSubmitInput())


class CloseForm(FlaskForm):
    outcome = RadioField("How does the request end?", widget=GovRadioInput(),
                         choices=[SelectChoice("complete", "Completed: the requester has their answer"),
                                  SelectChoice("withdraw", "Withdrawn by the requester"),
                                  SelectChoice("refuse", "Refused")],
                         validators=[InputRequired(message="Select how the request ends")])
    reason = TextAreaField("Why is it refused? (only for a refusal)", widget=GovTextArea(),
                           validators=[Optional(), TEXT_LIMIT])
    version = HiddenField()
    submit = SubmitField("Close the request", widget=GovSubmitInput())
