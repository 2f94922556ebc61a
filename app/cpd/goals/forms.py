"""Forms for SMART development goals. They validate only; the services decide what is saved.

The relevance question is one radio group whose answers each reveal their own box: a standard
reveals a select of the standards, the job description and feedback each reveal a text box. Only
the box that belongs to the chosen answer is read.
"""
from __future__ import annotations

from datetime import datetime

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
)
from wtforms import HiddenField, RadioField, SelectChoice, SelectField, SelectMultipleField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.core.dates import day
from app.cpd.goals.models import GoalStatus, RelevantTo
from app.form_fields import DayMonthYearField

GOAL_TEXT_MAX = 2_000


class DateParts(DayMonthYearField):
    """A GOV.UK day, month, year input whose impossible dates get a message that says what to type."""

    def __init__(self, label=None, validators=None, *, invalid: str, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.invalid_message = invalid

    def process_formdata(self, valuelist):
        if not valuelist or not any((part or "").strip() for part in valuelist):
            self.data = None
            return
        text = " ".join((part or "").strip() for part in valuelist)
        try:
            self.data = datetime.strptime(text, "%d %m %Y").date()
        except ValueError:
            self.data = None
            raise ValueError(self.invalid_message) from None


def _text(label: str, missing: str, what: str) -> TextAreaField:
    return TextAreaField(label, widget=GovTextArea(), validators=[
        DataRequired(message=missing),
        Length(max=GOAL_TEXT_MAX, message=f"{what} must be {GOAL_TEXT_MAX:,} characters or fewer")])


class GoalForm(FlaskForm):
    specific = _text("What will you be able to do?", "Say specifically what you will be able to do", "The goal")
    measure = _text("How will you and your line manager know you have done it?", "Say how you will measure it",
                    "The measure")
    relevant_to = RadioField("What is the goal relevant to?", widget=GovRadioInput(),
                             choices=[SelectChoice(choice.value, choice.label) for choice in RelevantTo],
                             validators=[InputRequired(message="Say what the goal is relevant to")],
                             validate_choice=False)  # the service names a wrong answer in its own words
    standard_code = SelectField("Standard", widget=GovSelect(), choices=[SelectChoice("", "Choose a standard")],
                                validate_choice=False)  # the service checks the code against the standards
    job_description_part = TextAreaField("Which part of your job description?", widget=GovTextArea(),
                                         validators=[Optional(), Length(max=GOAL_TEXT_MAX)])
    feedback = TextAreaField("What feedback, and from whom?", widget=GovTextArea(),
                             validators=[Optional(), Length(max=GOAL_TEXT_MAX)])
    target_on = DateParts("Achieve it by", invalid="The date must be a real date",
                          validators=[InputRequired(message="Enter the date you will achieve the goal by")])
    entries = SelectMultipleField("Entries in your log that evidence this goal (optional)",
                                  widget=GovCheckboxesInput(), choices=[], validate_choice=False)
    submit = SubmitField("Save goal", widget=GovSubmitInput())

    # Which text box each answer reveals: read only the one that belongs to the answer given.
    RELEVANCE_BOX = {RelevantTo.JOB_DESCRIPTION.value: "job_description_part", RelevantTo.FEEDBACK.value: "feedback"}

    def relevance_text(self) -> str | None:
        box = self.RELEVANCE_BOX.get(self.relevant_to.data)
        return self[box].data if box else None

    def set_choices(self, standards, entries) -> None:
        self.standard_code.choices = [SelectChoice("", "Choose a standard")] + [
            SelectChoice(standard.code, f"{standard.code}: {_short(standard.title)}") for standard in standards]
        self.entries.choices = [
            SelectChoice(entry.public_id, f"{entry.title} ({day(entry.activity_on)})")
            for entry in entries]


class GoalEditForm(GoalForm):
    status = RadioField("Status", widget=GovRadioInput(),
                        choices=[SelectChoice(status.value, status.label) for status in GoalStatus],
                        validators=[InputRequired(message="Choose the goal's status")], validate_choice=False)
    version = HiddenField()


def _short(title: str, limit: int = 90) -> str:
    return title if len(title) <= limit else title[: limit - 1].rstrip() + "…"
