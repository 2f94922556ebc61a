"""Forms for support plans: a cycle's dates and views, outcomes, provision and the review. They validate only."""
from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import HiddenField, SelectChoice, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.cases.plans.models import ProgressRating
from app.cases.plans.services import REVIEW_RATINGS
from app.form_fields import DayMonthYearField


def _rich(label: str) -> TextAreaField:
    return TextAreaField(label, widget=GovTextArea(), validators=[Optional(), Length(max=20000)])


class CycleForm(FlaskForm):
    assess_on = DayMonthYearField("Assess on (optional)", validators=[Optional()])
    plan_on = DayMonthYearField("Plan on (optional)", validators=[Optional()])
    do_from = DayMonthYearField("Do from (optional)", validators=[Optional()])
    review_on = DayMonthYearField("Review on (optional)", validators=[Optional()])
    learner_views = _rich("The learner's views (optional)")
    family_views = _rich("The family's views (optional)")
    aspirations = _rich("Aspirations (optional)")
    needs_communication = _rich("Communication and interaction (optional)")
    needs_cognition = _rich("Cognition and learning (optional)")
    needs_semh = _rich("Social, emotional and mental health (optional)")
    needs_sensory = _rich("Sensory and/or physical (optional)")
    version = HiddenField()
    submit = SubmitField("Save cycle", widget=GovSubmitInput())


class StageForm(FlaskForm):
    """The confirmation page's form: `confirm` says the SENCo read the page; `version` what the page showed."""

    confirm = HiddenField()
    version = HiddenField()


class MoveStageBackForm(FlaskForm):
    reason = TextAreaField("Why are you moving the stage back?", widget=GovTextArea(),
                           validators=[DataRequired(message="Enter why the stage is being moved back"),
                                       Length(max=2000, message="Use 2000 characters or fewer")])
    version = HiddenField()
    submit = SubmitField("Move the stage back", widget=GovSubmitInput())


class OutcomeForm(FlaskForm):
    description = TextAreaField("What the learner will achieve", widget=GovTextArea(),
                                validators=[DataRequired(message="Enter what the learner will achieve"),
                                            Length(max=4000)])
    measure = TextAreaField("How it will be measured", widget=GovTextArea(),
                            validators=[DataRequired(message="Enter how progress will be measured"),
                                        Length(max=4000)])
    target_on = DayMonthYearField("Achieved by", validators=[
        InputRequired(message="Enter the date this outcome should be achieved by"),
    ])
    owner = SelectField("Who owns it", widget=GovSelect(), choices=[],
                        validators=[DataRequired(message="Choose who owns this outcome")])
    progress = SelectField("Progress", widget=GovSelect(),
                           choices=[SelectChoice(rating.value, rating.label) for rating in ProgressRating],
                           default=ProgressRating.NOT_YET_REVIEWED.value)
    version = HiddenField()
    submit = SubmitField("Save outcome", widget=GovSubmitInput())


class ProvisionForm(FlaskForm):
    description = TextAreaField("What will be provided", widget=GovTextArea(),
                                validators=[DataRequired(message="Enter what will be provided"), Length(max=4000)])
    delivered_by = StringField("Delivered by", widget=GovTextInput(),
                               validators=[DataRequired(message="Enter who delivers it"), Length(max=120)])
    frequency = StringField("How often", widget=GovTextInput(),
                            validators=[DataRequired(message="Enter how often it happens"), Length(max=120)])
    starts_on = DayMonthYearField("Starts on", validators=[InputRequired(message="Enter the date it starts")])
    ends_on = DayMonthYearField("Ends on (optional)", validators=[Optional()])
    version = HiddenField()
    submit = SubmitField("Save provision", widget=GovSubmitInput())


class CloseCycleForm(FlaskForm):
    review_summary = TextAreaField("Summary of the review", widget=GovTextArea(),
                                   validators=[DataRequired(message="Enter a summary of the review"),
                                               Length(max=20000)])
    version = HiddenField()
    submit = SubmitField("Close this cycle and open the next", widget=GovSubmitInput())


def rating_field_name(outcome) -> str:
    return f"rating_{outcome.public_id}"


def close_cycle_form(cycle, **kwargs) -> CloseCycleForm:
    """The review form with one progress rating per outcome of `cycle`."""

    class ReviewForm(CloseCycleForm):
        pass

    # A closed cycle takes no more ratings: its form is refused as a whole by the service.
    for outcome in [] if cycle.is_closed else cycle.outcomes:
        setattr(ReviewForm, rating_field_name(outcome), SelectField(
            "Progress", widget=GovSelect(),
            choices=[SelectChoice("", "Choose a rating")] + [SelectChoice(r.value, r.label) for r in REVIEW_RATINGS],
            validators=[DataRequired(message="Rate the progress made towards this outcome")],
        ))
    return ReviewForm(**kwargs)
