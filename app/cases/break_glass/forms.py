"""The form for opening a case with break-glass. It validates only; the service checks the reason again."""
from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import RadioField, SelectChoice, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.audit.models import PurposeCategory
from app.cases.break_glass.services import REASON_MAX, REASON_MIN
from app.core.forms import stripped


class FindLearnerForm(FlaskForm):
    """Finding the learner by the full name or UPN typed (a GET: nothing changes, so no CSRF token)."""

    class Meta:
        csrf = False

    learner_name = StringField("Learner’s full name or UPN", widget=GovTextInput(), filters=[stripped],
                               validators=[Optional(), Length(max=200, message="Enter 200 characters or fewer")])
    find = SubmitField("Find the learner", widget=GovSubmitInput())


class BreakGlassForm(FlaskForm):
    """The view fills `learner.choices` with the learners found (or the one a link named) that the policy lets the
    user open."""

    learner = SelectField("Learner", widget=GovSelect(), choices=[],
                          validators=[DataRequired(message="Choose the learner whose case you need to open")],
                          validate_choice=False)  # the view asks the policy about the learner itself
    purpose = RadioField(
        "Why do you need to open this case?", widget=GovRadioInput(),
        choices=[SelectChoice(purpose.value, purpose.label) for purpose in PurposeCategory],
        validators=[DataRequired(message="Choose why you need to open this case")],
    )
    reason = TextAreaField(
        "Explain what has happened and why you cannot wait for someone on the case", widget=GovCharacterCount(),
        validators=[DataRequired(message="Explain why you need to open this case"),
                    Length(min=REASON_MIN, message=f"Your reason must be at least {REASON_MIN} characters"),
                    Length(max=REASON_MAX, message=f"Your reason must be {REASON_MAX:,} characters or fewer")],
    )
    submit = SubmitField("Open the case for one hour", widget=GovSubmitInput())

    def fill_learners(self, learners) -> None:
        self.learner.choices = [SelectChoice("", "Choose a learner" if learners else "Find the learner first")] + [
            SelectChoice(learner.public_id, f"{learner.name}, {learner.year_group_label}") for learner in learners
        ]
        if len(learners) == 1 and not self.learner.data:
            self.learner.data = learners[0].public_id  # the one learner with the name typed
