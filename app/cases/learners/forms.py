"""Forms for registering and finding learners. They validate only."""
from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import SelectChoice, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.cases.learners.models import YEAR_GROUPS, AreaOfNeed
from app.form_fields import DayMonthYearField


class LearnerForm(FlaskForm):
    name = StringField("Full name", widget=GovTextInput(),
                       validators=[DataRequired(message="Enter the learner's full name"), Length(max=200)])
    preferred_name = StringField("Preferred name (optional)", widget=GovTextInput(),
                                 validators=[Optional(), Length(max=100)])
    date_of_birth = DayMonthYearField("Date of birth",
                              validators=[InputRequired(message="Enter the learner's date of birth")])
    year_group = SelectField("Year group", widget=GovSelect(), coerce=int,
                             choices=[SelectChoice(year, label) for year, label in YEAR_GROUPS.items()])
    areas_of_need = SelectMultipleField(
        "Areas of need", widget=GovCheckboxesInput(),
        choices=[SelectChoice(area.value, area.label) for area in AreaOfNeed],
        validators=[DataRequired(message="Select at least one area of need")],
    )
    upn = StringField("Unique pupil number (UPN) (optional)", widget=GovTextInput(),
                      validators=[Optional(), Length(max=20)])
    notes = TextAreaField("Notes (optional)", widget=GovTextArea(), validators=[Optional(), Length(max=20000)])
    submit = SubmitField("Register learner", widget=GovSubmitInput())


class FindLearnerForm(FlaskForm):
    """Searched by POST so that a name or UPN never appears in a URL or a server log."""

    query = StringField("Full name or UPN", widget=GovTextInput(),
                        validators=[DataRequired(message="Enter a full name or a UPN"), Length(max=200)])
    submit = SubmitField("Find learner", widget=GovSubmitInput())
