"""Forms for merging two records of one learner. They validate only."""
from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSubmitInput, GovTextArea
from wtforms import HiddenField, RadioField, SelectChoice, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from app.cases.learners.corrections import CORRECTABLE


class MergePickForm(FlaskForm):
    """The other record of the learner, to merge into this one (the view fills the choices)."""

    other = RadioField("Which record is the same learner?", widget=GovRadioInput(), choices=[],
                       validators=[InputRequired(message="Choose the other record of this learner")],
                       invalid_choice_message="Choose the other record of this learner from the list")
    submit = SubmitField("Continue", widget=GovSubmitInput())


class LearnerMergeForm(FlaskForm):
    """Which value of each differing detail survives, which open plan cycle continues, and why (kept sealed).

    The choices are checked by the service (it knows which details differ); the view shows only those."""

    survivor_version = HiddenField()
    other_version = HiddenField()
    continuing_cycle = RadioField("Which plan cycle continues?", widget=GovRadioInput(), choices=[],
                                  validate_choice=False)
    reason = TextAreaField("Why are these records being merged?", widget=GovTextArea(),
                           validators=[DataRequired(message="Enter why these records are being merged"),
                                       Length(max=1000)])
    submit = SubmitField("Merge these records", widget=GovSubmitInput())


for _field, _label in CORRECTABLE.items():
    setattr(LearnerMergeForm, f"keep_{_field}", RadioField(
        _label, widget=GovRadioInput(), default="survivor", validate_choice=False,
        choices=[SelectChoice("survivor", "This record's"), SelectChoice("other", "The other record's")]))
