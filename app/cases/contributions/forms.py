"""Forms for writing and editing contributions. They validate only."""
from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSelect, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import HiddenField, RadioField, SelectChoice, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from app.cases.attachments.forms import optional_file
from app.cases.contributions.models import Visibility
from app.cases.contributions.services import TITLE_MAX
from app.cases.lawful_basis.forms import LawfulBasisForm

BODY_MAX = 50_000


class _ContributionText(LawfulBasisForm):
    visibility = RadioField(
        "Who can see this contribution", widget=GovRadioInput(),
        choices=[SelectChoice(visibility.value, visibility.label) for visibility in Visibility],
        validators=[DataRequired(message="Choose who can see this contribution")],
    )
    title = StringField("Title", widget=GovTextInput(),
                        validators=[DataRequired(message="Enter a title"), Length(max=TITLE_MAX)])
    body = TextAreaField("Contribution", widget=GovTextArea(),
                         validators=[DataRequired(message="Enter the contribution"), Length(max=BODY_MAX)])


class ContributionForm(_ContributionText):
    """The view sets `kind.choices` to the kinds of the user's own role."""

    kind = SelectField("Kind of contribution", widget=GovSelect(), choices=[])
    file = optional_file()
    submit = SubmitField("Save contribution", widget=GovSubmitInput())

    def __init__(self, *args, kinds=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [SelectChoice(kind.value, kind.label) for kind in kinds]


class ContributionEditForm(_ContributionText):
    version = HiddenField()
    submit = SubmitField("Save changes", widget=GovSubmitInput())


class WithdrawContributionForm(FlaskForm):
    reason = TextAreaField("Why are you withdrawing this contribution?", widget=GovTextArea(),
                           validators=[DataRequired(message="Enter why the contribution is being withdrawn"),
                                       Length(max=1000, message="The reason must be 1000 characters or fewer")])
    version = HiddenField()
    submit = SubmitField("Withdraw this contribution", widget=GovSubmitInput())


class MoveContributionForm(FlaskForm):
    """The view sets `learner.choices` to the learners the SENCo may move it to."""

    # The service checks the choice against the learners the SENCo sees, with a clear message.
    learner = SelectField("Move it to", widget=GovSelect(), choices=[], validate_choice=False,
                          validators=[DataRequired(message="Choose a learner from the list")])
    reason = TextAreaField("Why are you moving this contribution?", widget=GovTextArea(),
                           validators=[DataRequired(message="Enter why the contribution is being moved"),
                                       Length(max=1000, message="The reason must be 1000 characters or fewer")])
    version = HiddenField()
    submit = SubmitField("Move this contribution", widget=GovSubmitInput())

    def __init__(self, *args, learners=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.learner.choices = [SelectChoice("", "Choose a learner")] + [
            SelectChoice(learner.public_id, learner.name) for learner in learners]
