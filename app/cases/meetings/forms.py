"""Forms for recording, amending and signing off meetings, and updating actions. They validate only.

The meeting form is built per request: one attendance question per person on the case and one
rating per outcome of the cycle, named by public id so that a changed team cannot shift answers.
"""
from __future__ import annotations

import re

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp

from app.cases.meetings.models import ActionStatus, Attendance, MeetingKind
from app.cases.plans.models import ProgressRating
from app.form_fields import DayMonthYearField

NOT_INVITED = "not_invited"
ATTENDANCE_CHOICES = [SelectChoice(Attendance.PRESENT.value, "Present"),
                      SelectChoice(Attendance.APOLOGIES.value, "Apologies"), SelectChoice(NOT_INVITED, "Not invited")]
RATING_CHOICES = [SelectChoice("", "Not reviewed at this meeting")] + [
    SelectChoice(rating.value, rating.label)
    for rating in ProgressRating if rating is not ProgressRating.NOT_YET_REVIEWED
]
TIME_PATTERN = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")  # ASCII digits only, as every pattern here
BLANK_ACTION_ROWS = 3


def _blank(value) -> bool:
    return not (value or "").strip()


class ActionRowForm(Form):
    """One action agreed at the meeting. A wholly blank row is ignored; a partly filled one is an error."""

    action_id = HiddenField()
    description = StringField("What needs to be done", widget=GovTextInput(), validators=[Length(max=500)])
    owner = SelectField("Who will do it", widget=GovSelect(), choices=[SelectChoice("", "Choose who")])
    due_on = DayMonthYearField("Due by", validators=[Optional()])

    def is_blank(self) -> bool:
        return (_blank(self.description.data) and not self.owner.data
                and all(_blank(part) for part in self.due_on.raw_data or []))

    def validate(self, extra_validators=None) -> bool:
        if self.is_blank():
            for field in self:
                field.errors = []
            return True
        valid = super().validate(extra_validators)
        if _blank(self.description.data):
            self.description.errors = ["Enter what needs to be done, or clear this action"]
            valid = False
        if not self.owner.data:
            self.owner.errors = ["Choose who will do this action"]
            valid = False
        if self.due_on.data is None:
            self.due_on.errors = ["Enter the date this action is due by"]
            valid = False
        return valid


class MeetingForm(FlaskForm):
    kind = RadioField("Kind of meeting", widget=GovRadioInput(),
                      choices=[SelectChoice(kind.value, kind.label) for kind in MeetingKind],
                      validators=[InputRequired(message="Choose the kind of meeting")])
    held_on = DayMonthYearField("Date of the meeting",
                        validators=[InputRequired(message="Enter the date of the meeting")])
    starts_at = StringField("Start time", widget=GovTextInput(),
                            validators=[InputRequired(message="Enter the start time"),
                                        Regexp(TIME_PATTERN, message="Enter the start time as hours and minutes "
                                                                     "on the 24-hour clock, for example 09:30")])
    duration_minutes = IntegerField("Length in minutes", widget=GovTextInput(),
                                    validators=[InputRequired(message="Enter how long the meeting lasted, in minutes"),
                                                NumberRange(min=1, max=480,
                                                            message="Length must be between 1 and 480 minutes")])
    chair = SelectField("Chair", widget=GovSelect(), choices=[SelectChoice("", "Choose the chair")],
                        validators=[DataRequired(message="Choose who chaired the meeting")])
    other_attendees = TextAreaField("Others at the meeting (optional)", widget=GovTextArea(),
                                    validators=[Optional(), Length(max=2000)])
    agenda = TextAreaField("Agenda", widget=GovTextArea(),
                           validators=[DataRequired(message="Enter the agenda"), Length(max=20000)])
    minutes = TextAreaField("Minutes", widget=GovTextArea(), validators=[Optional(), Length(max=50000)])
    decisions = TextAreaField("Decisions (optional)", widget=GovTextArea(), validators=[Optional(), Length(max=20000)])
    shared_with_family = BooleanField("Share this meeting with the family once it is signed off",
                                      widget=GovCheckboxInput())
    actions = FieldList(FormField(ActionRowForm), min_entries=BLANK_ACTION_ROWS)
    version = HiddenField()
    submit = SubmitField("Save meeting", widget=GovSubmitInput())

    # Set by meeting_form(): (field name, person) and (rating name, comment name, outcome).
    attendance_fields: list = []
    outcome_fields: list = []

    def set_owner_choices(self, choices) -> None:
        choices = [SelectChoice("", "Choose who")] + [SelectChoice(value, label) for value, label in choices]
        for row in self.actions:
            row.form.owner.choices = list(choices)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for rating_name, comment_name, _outcome in self.outcome_fields:
            rating, comment = self[rating_name], self[comment_name]
            if not rating.data and not _blank(comment.data):
                rating.errors = list(rating.errors) + ["Choose a rating for this outcome, or clear the comment"]
                valid = False
        return valid


def meeting_form(people, outcomes, **kwargs) -> MeetingForm:
    """A MeetingForm with an attendance question for each of `people` and a rating for each of `outcomes`."""
    attrs, attendance_fields, outcome_fields = {}, [], []
    for person in people:
        name = f"attendance-{person.public_id}"
        attrs[name] = RadioField(f"{person.display_name}, {person.role.label}", widget=GovRadioInput(),
                                 choices=ATTENDANCE_CHOICES, default=NOT_INVITED,
                                 validators=[Optional()])  # not answered: not invited
        attendance_fields.append((name, person))
    for number, outcome in enumerate(outcomes, start=1):
        rating_name, comment_name = f"rating-{outcome.public_id}", f"comment-{outcome.public_id}"
        attrs[rating_name] = SelectField(f"Rating for outcome {number}", widget=GovSelect(), choices=RATING_CHOICES,
                                         default="")
        attrs[comment_name] = TextAreaField(f"Comment on outcome {number} (optional)", widget=GovTextArea(),
                                            validators=[Optional(), Length(max=5000)])
        outcome_fields.append((rating_name, comment_name, outcome))
    attrs["attendance_fields"] = attendance_fields
    attrs["outcome_fields"] = outcome_fields
    form_class = type("BoundMeetingForm", (MeetingForm,), attrs)
    return form_class(**kwargs)


class SignOffForm(FlaskForm):
    version = HiddenField()
    submit = SubmitField("Sign off this record", widget=GovSubmitInput())


class ActionUpdateForm(FlaskForm):
    status = RadioField("Status", widget=GovRadioInput(),
                        choices=[SelectChoice(status.value, status.label) for status in ActionStatus],
                        validators=[InputRequired(message="Choose a status")])
    version = HiddenField()
    submit = SubmitField("Update action", widget=GovSubmitInput())
