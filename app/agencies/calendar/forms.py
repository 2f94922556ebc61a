"""The school calendar's forms: a period (term, half term, closure), and England's default year."""
from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSelect, GovSubmitInput, GovTextInput
from wtforms import HiddenField, RadioField, SelectChoice, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length

from app.agencies.calendar.models import PeriodKind
from app.form_fields import DayMonthYearField


class PeriodForm(FlaskForm):
    kind = RadioField("What kind of period is this?", widget=GovRadioInput(),
                      choices=[SelectChoice(kind.value, kind.label) for kind in PeriodKind],
                      validators=[InputRequired(message="Choose what kind of period this is")])
    name = StringField("Name", widget=GovTextInput(),
                       validators=[DataRequired(message="Enter a name, for example Autumn term or INSET day"),
                                   Length(max=100)])
    starts_on = DayMonthYearField("First day", validators=[InputRequired(message="Enter the first day")])
    ends_on = DayMonthYearField("Last day", validators=[InputRequired(message="Enter the last day")])
    version = HiddenField()
    submit = SubmitField("Save", widget=GovSubmitInput())


class DefaultYearForm(FlaskForm):
    school_year = SelectField("School year", widget=GovSelect(), coerce=int)
    submit = SubmitField("Add the usual terms and half terms", widget=GovSubmitInput())


class RemoveForm(FlaskForm):
    submit = SubmitField("Remove", widget=GovSubmitInput())
