"""Forms for restricting processing of a learner's record and lifting the restriction. They validate only."""
from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextArea
from wtforms import SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length


class RestrictForm(FlaskForm):
    reason = TextAreaField("Why is processing of this record being restricted?", widget=GovTextArea(),
                           validators=[DataRequired(message="Enter why processing of this record is being restricted"),
                                       Length(max=2000, message="The reason must be 2,000 characters or fewer")])
    submit = SubmitField("Restrict processing", widget=GovSubmitInput())


class LiftForm(FlaskForm):
    reason = TextAreaField("Why is the restriction being lifted?", widget=GovTextArea(),
                           validators=[DataRequired(message="Enter why the restriction is being lifted"),
                                       Length(max=2000, message="The reason must be 2,000 characters or fewer")])
    submit = SubmitField("Lift the restriction", widget=GovSubmitInput())
