"""Forms for a progress review (Appendix 4) and for signing it. They validate only.

"Review of targets" is a list of rows: one offered per goal of the practitioner (named by the goal's
public id, which the service checks belongs to them) and a few free rows for targets that are not goals.
"""
from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSubmitInput, GovTextArea
from wtforms import FieldList, Form, FormField, HiddenField, RadioField, SelectChoice, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from app.cpd.goals.forms import DateParts
from app.cpd.reviews.models import Achieved, ReviewKind
from app.cpd.reviews.services import FREE_TARGET_ROWS, REVIEW_TEXT_MAX, TARGET_TEXT_MAX, TARGETS_MAX


def _text(label: str, limit: int = REVIEW_TEXT_MAX) -> TextAreaField:
    return TextAreaField(label, widget=GovTextArea(), validators=[
        Optional(), Length(max=limit, message=f"{label} must be {limit:,} characters or fewer")])


class TargetRowForm(Form):
    """One target reviewed. A row nobody answered is left out; the service decides which rows count."""

    goal = HiddenField()
    target = _text("Target", TARGET_TEXT_MAX)
    achieved = RadioField("Achieved?", widget=GovRadioInput(),
                          choices=[SelectChoice(answer.value, answer.label) for answer in Achieved],
                          validators=[Optional()], validate_choice=False)  # the service words a wrong answer
    comments = _text("Comments (optional)", TARGET_TEXT_MAX)


class ReviewForm(FlaskForm):
    kind = RadioField("Kind of review", widget=GovRadioInput(),
                      choices=[SelectChoice(kind.value, kind.label) for kind in ReviewKind],
                      validators=[InputRequired(message="Choose the kind of review: annual or mid-year")],
                      validate_choice=False)
    held_on = DateParts("Date of the review", invalid="The date must be a real date",
                        validators=[InputRequired(message="Enter the date the review was held")])
    individual_summary = _text("Individual summary of the previous 12 months’ performance")
    manager_summary = _text("Manager summary of the previous 12 months’ performance")
    key_targets = _text("Key targets for the next 12 months")
    personal_development = _text("Personal development")
    targets = FieldList(FormField(TargetRowForm), min_entries=0, max_entries=TARGETS_MAX + FREE_TARGET_ROWS)
    revised_targets = _text("New or amended targets")
    development_needs = _text("Revised personal development and training needs")
    comments = _text("Any further comments")
    version = HiddenField()
    submit = SubmitField("Save progress review", widget=GovSubmitInput())


class SignForm(FlaskForm):
    version = HiddenField()
    submit = SubmitField("I agree this is a fair and accurate record", widget=GovSubmitInput())
