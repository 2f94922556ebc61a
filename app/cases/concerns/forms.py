"""Forms for recording a safeguarding concern and the DSL's action on it. They validate only."""
from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextArea
from wtforms import HiddenField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from app.cases.concerns.services import CONCERN_MAX


class ConcernForm(FlaskForm):
    concern = TextAreaField(
        "What is your concern?", widget=GovTextArea(),
        validators=[DataRequired(message="Describe your concern"),
                    Length(max=CONCERN_MAX, message=f"Your concern must be {CONCERN_MAX:,} characters or fewer")],
    )
    submit = SubmitField("Record concern", widget=GovSubmitInput())


class ConcernActionForm(FlaskForm):
    action_taken = TextAreaField(
        "Action taken", widget=GovTextArea(),
        validators=[DataRequired(message="Describe the action taken"),
                    Length(max=CONCERN_MAX, message=f"The action taken must be {CONCERN_MAX:,} characters or fewer")],
    )
    version = HiddenField()
    submit = SubmitField("Save action taken", widget=GovSubmitInput())
