"""The year end's forms: its date and the top year group, the confirmation to run it now, a leaving date."""
from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovSelect, GovSubmitInput
from wtforms import BooleanField, SelectChoice, SelectField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Optional

from app.cases.learners.models import YEAR_GROUPS
from app.form_fields import DayMonthYearField


class YearEndForm(FlaskForm):
    year_end_on = DayMonthYearField("Year end date", validators=[InputRequired(message="Enter the year end date")])
    top_year_group = SelectField("Top year group (its learners leave)", widget=GovSelect(), coerce=int, default=6,
                                 choices=[SelectChoice(year, label) for year, label in YEAR_GROUPS.items()])
    submit = SubmitField("Save the year end", widget=GovSubmitInput())


class RunYearEndForm(FlaskForm):
    confirm = BooleanField("I have checked the numbers: move year groups up and archive the leavers now",
                           widget=GovCheckboxInput(),
                           validators=[DataRequired(message="Confirm that the year end should be carried out now")])
    submit = SubmitField("Carry out the year end now", widget=GovSubmitInput())


class LeavingForm(FlaskForm):
    leaving_on = DayMonthYearField("Leaving date", validators=[Optional()])
    not_leaving = BooleanField("Not leaving after all", widget=GovCheckboxInput())
    submit = SubmitField("Save", widget=GovSubmitInput())

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        if not self.not_leaving.data and self.leaving_on.data is None:
            self.leaving_on.errors.append("Enter the leaving date")
            return False
        return True
