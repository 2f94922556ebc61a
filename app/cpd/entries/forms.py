"""Forms for reflective CPD entries. They validate only; app.cpd.entries.services decides what is saved.

The entry form is built per request for one reflective model: one text box per prompt of that
model, named `prompt_<key>` as the service names its problems, so a refusal lands beside its box.
"""
from __future__ import annotations

from datetime import datetime

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSelect, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import (
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, StopValidation, ValidationError

from app.cpd.entries.models import ActivityType, ReflectiveModel
from app.cpd.entries.services import TEXT_MAX, TITLE_MAX, WITHDRAW_REASON_MAX, CpdError, parse_hours
from app.cpd.hours import Participation
from app.form_fields import DayMonthYearField


class EntryDate(DayMonthYearField):
    """A GOV.UK day, month, year input: all three blank is 'missing', anything else must be a real date."""

    def __init__(self, label=None, *, missing: str, invalid: str, **kwargs):
        super().__init__(label, [_date_given(missing)], **kwargs)
        self.invalid_message = invalid

    def process_formdata(self, valuelist):
        parts = [(part or "").strip() for part in valuelist or []]
        if not any(parts):
            self.data = None
            return
        day, month, year = (parts + ["", "", ""])[:3]
        try:
            if len(parts) != 3 or not (day.isdigit() and month.isdigit() and year.isdigit() and len(year) == 4):
                raise ValueError
            self.data = datetime.strptime(f"{day} {month} {year}", "%d %m %Y").date()
        except ValueError:
            self.data = None
            raise ValueError(self.invalid_message) from None


def _date_given(message: str):
    def check(form, field):
        if not any((part or "").strip() for part in field.raw_data or []):
            field.errors[:] = []
            raise StopValidation(message)

    return check


def _hours_valid(form, field):
    """The service's own rule, so the form and the service can never disagree about what an hour is."""
    try:
        parse_hours(field.data)
    except CpdError as problem:
        raise ValidationError(str(problem)) from None


def _text(label: str, missing: str, what: str, limit: int = TEXT_MAX) -> TextAreaField:
    return TextAreaField(label, widget=GovTextArea(), validators=[
        DataRequired(message=missing),
        Length(max=limit, message=f"{what} must be {limit:,} characters or fewer")])


# Case work is offered only on a form started from one's own contribution or meeting.
ACTIVITY_CHOICES = [SelectChoice("", "Choose the type of activity")] + [
    SelectChoice(kind.value, kind.label) for kind in ActivityType if kind is not ActivityType.CASE_WORK
]
PARTICIPATION_CHOICES = [SelectChoice(choice.value, choice.label) for choice in Participation]


class EntryForm(FlaskForm):
    reflective_model = HiddenField()
    activity_on = EntryDate("Date of the activity", missing="Enter the date of the activity",
                            invalid="The date of the activity must be a real date")
    hours = StringField("Length in hours", widget=GovTextInput(), validators=[
        DataRequired(message="Enter the length of the activity in hours, like 1.5"), _hours_valid])
    activity_type = SelectField("Type of activity", widget=GovSelect(), choices=ACTIVITY_CHOICES,
                                validate_choice=False)  # the service names a bad choice in its own words
    participation = RadioField("Did you do this with others or on your own?", widget=GovRadioInput(),
                               choices=PARTICIPATION_CHOICES, validate_choice=False)
    title = StringField("Activity title", widget=GovTextInput(), validators=[
        DataRequired(message="Enter the activity title"),
        Length(max=TITLE_MAX, message=f"The activity title must be {TITLE_MAX:,} characters or fewer")])
    content = _text("Content and learning", "Enter the content and what you learned", "Content and learning")
    action_what = _text("What will you do differently?", "Say what you will do differently",
                        "What you will do differently")
    action_how = _text("How will you do it?", "Say how you will do it", "How you will do it")
    action_by = EntryDate("By when?", missing="Enter the date by which you will do it",
                          invalid="The action plan's date must be a real date")
    standard_codes = SelectMultipleField("Standards this entry evidences (optional)", choices=[],
                                         validate_choice=False)  # checked against the reference data
    version = HiddenField()
    submit = SubmitField("Save entry", widget=GovSubmitInput())

    # Set by entry_form(): the model the prompts belong to and (field name, prompt) for each.
    model: ReflectiveModel
    prompt_fields: list = []

    def prompt_answers(self) -> dict[str, str]:
        return {prompt.key: self[name].data or "" for name, prompt in self.prompt_fields}


def entry_form(model: ReflectiveModel, **kwargs) -> EntryForm:
    """An EntryForm asking `model`'s own prompts, one text box each, between the content and the action plan."""
    attrs, prompt_fields = {}, []
    for prompt in model.prompts:
        name = f"prompt_{prompt.key}"
        attrs[name] = TextAreaField(prompt.label, widget=GovTextArea(), description=prompt.hint, validators=[
            DataRequired(message=f"Answer ‘{prompt.label}’: {model.label} asks it"),
            Length(max=TEXT_MAX, message=f"{prompt.label} must be {TEXT_MAX:,} characters or fewer")])
        prompt_fields.append((name, prompt))
    attrs["model"] = model
    attrs["prompt_fields"] = prompt_fields
    form = type("ModelEntryForm", (EntryForm,), attrs)(**kwargs)
    form.reflective_model.data = model.value
    return form


class WithdrawForm(FlaskForm):
    """Withdrawing an entry: the reason is required (the service words it the same way)."""

    reason = TextAreaField(
        "Why are you withdrawing this entry?", widget=GovTextArea(),
        validators=[DataRequired(message="Enter why you are withdrawing this entry"),
                    Length(max=WITHDRAW_REASON_MAX,
                           message=f"The reason must be {WITHDRAW_REASON_MAX:,} characters or fewer")])
    submit = SubmitField("Withdraw this entry", widget=GovSubmitInput())
