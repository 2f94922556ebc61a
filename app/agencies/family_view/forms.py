"""The school's family-view settings form. It validates only."""
from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSubmitInput
from wtforms import RadioField, SelectChoice, SubmitField
from wtforms.validators import InputRequired


class FamilyViewSettingsForm(FlaskForm):
    show_staff_names = RadioField(
        "When a family looks at who has seen their child’s record, show staff by", widget=GovRadioInput(),
        choices=[SelectChoice("no", "Their role and organisation only (for example, “A class teacher”)"),
                 SelectChoice("yes", "Their name as well as their role and organisation")],
        validators=[InputRequired(message="Choose how staff are shown to families")],
    )
    submit = SubmitField("Save", widget=GovSubmitInput())
