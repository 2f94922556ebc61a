"""The family profile's form: four sections in plain text and the step that shares it with the family."""
from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovSubmitInput, GovTextArea
from wtforms import BooleanField, HiddenField, SubmitField, TextAreaField
from wtforms.validators import Length, Optional


def _section(label: str) -> TextAreaField:
    return TextAreaField(label, widget=GovTextArea(), validators=[Optional(), Length(max=4000)])


class FamilyProfileForm(FlaskForm):
    good_at = _section("What they are good at")  # the view puts the learner's name in the label
    what_helps = _section("What helps me")
    working_on = _section("What we are working on together")
    who_to_talk_to = _section("Who to talk to")
    shared = BooleanField("Shared with the family", widget=GovCheckboxInput())
    version = HiddenField()
    submit = SubmitField("Save the profile", widget=GovSubmitInput())
