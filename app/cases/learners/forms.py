"""Forms for registering, finding and filtering learners. They validate only."""
from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    HiddenField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.cases.learners.models import YEAR_GROUPS, AreaOfNeed, SenStatus
from app.cases.learners.services import NO_PLAN, NOT_RECORDED
from app.cases.plans.models import CycleStage
from app.form_fields import DayMonthYearField, RememberedCheckboxInput, RememberedSelect


class LearnerForm(FlaskForm):
    name = StringField("Full name", widget=GovTextInput(),
                       validators=[DataRequired(message="Enter the learner's full name"), Length(max=200)])
    preferred_name = StringField("Preferred name (optional)", widget=GovTextInput(),
                                 validators=[Optional(), Length(max=100)])
    date_of_birth = DayMonthYearField("Date of birth",
                              validators=[InputRequired(message="Enter the learner's date of birth")])
    year_group = SelectField("Year group", widget=GovSelect(), coerce=int,
                             choices=[SelectChoice(year, label) for year, label in YEAR_GROUPS.items()])
    areas_of_need = SelectMultipleField(
        "Areas of need", widget=GovCheckboxesInput(),
        choices=[SelectChoice(area.value, area.label) for area in AreaOfNeed],
        validators=[DataRequired(message="Select at least one area of need")],
    )
    sen_status = SelectField("SEN status (optional)", widget=GovSelect(), default="",
                             choices=[SelectChoice("", "Not recorded")]
                             + [SelectChoice(status.value, status.label) for status in SenStatus])
    registration_group = StringField("Registration group (optional)", widget=GovTextInput(),
                                     validators=[Optional(), Length(max=40)])
    upn = StringField("Unique pupil number (UPN) (optional)", widget=GovTextInput(),
                      validators=[Optional(), Length(max=20)])
    notes = TextAreaField("Notes (optional)", widget=GovTextArea(), validators=[Optional(), Length(max=20000)])
    # Shown only once a learner with the same name and date of birth has been found (LooksLikeRegistered).
    not_a_duplicate = BooleanField("This is a different child with the same name and date of birth: register them",
                                   widget=GovCheckboxInput())
    submit = SubmitField("Register learner", widget=GovSubmitInput())


class FindLearnerForm(FlaskForm):
    """Searched by POST so that a name or UPN never appears in a URL or a server log."""

    query = StringField("Full name or UPN", widget=GovTextInput(),
                        validators=[DataRequired(message="Enter a full name or a UPN"), Length(max=200)])
    include_archived = BooleanField("Include archived learners (leavers)", widget=GovCheckboxInput())
    submit = SubmitField("Find learner", widget=GovSubmitInput())


class LearnerFilterForm(FlaskForm):
    """The learner list's filters, read from the query string: nothing changes, so no CSRF token."""

    class Meta:
        csrf = False

    year = SelectField("Year group", widget=RememberedSelect(), default="",
                       choices=[SelectChoice("", "Any")]
                       + [SelectChoice(str(year), label) for year, label in YEAR_GROUPS.items()],
                       invalid_choice_message="Choose a year group from the list")
    need = SelectField("Area of need", widget=RememberedSelect(), default="",
                       choices=[SelectChoice("", "Any")]
                       + [SelectChoice(area.value, area.label) for area in AreaOfNeed],
                       invalid_choice_message="Choose an area of need from the list")
    status = SelectField("SEN status", widget=RememberedSelect(), default="",
                         choices=[SelectChoice("", "Any")]
                         + [SelectChoice(status.value, status.label) for status in SenStatus]
                         + [SelectChoice(NOT_RECORDED, "Not recorded")],
                         invalid_choice_message="Choose an SEN status from the list")
    stage = SelectField("Stage", widget=RememberedSelect(), default="",
                        choices=[SelectChoice("", "Any")]
                        + [SelectChoice(stage.value, stage.label) for stage in CycleStage
                           if stage is not CycleStage.CLOSED]
                        + [SelectChoice(NO_PLAN, "No plan yet")],
                        invalid_choice_message="Choose a stage from the list")

    archived = BooleanField("Include archived learners (leavers)", widget=RememberedCheckboxInput(),
                            false_values=("", "0"))

    def filters(self) -> dict:
        """The validated filters as `filter_learners` takes them (call after `validate()` succeeded)."""
        year, need, status, stage = self.year.data, self.need.data, self.status.data, self.stage.data
        return {
            "year": int(year) if year else None,
            "need": AreaOfNeed(need) if need else None,
            "status": None if not status else NOT_RECORDED if status == NOT_RECORDED else SenStatus(status),
            "stage": None if not stage else NO_PLAN if stage == NO_PLAN else CycleStage(stage),
            "include_archived": bool(self.archived.data),
        }

    def link_args(self) -> dict:
        """The filters as the query string of a link to another page of the same list."""
        args = {name: self[name].data for name in ("year", "need", "status", "stage") if self[name].data}
        if self.archived.data:
            args["archived"] = "1"
        return args

    @property
    def narrowed(self) -> bool:
        """Is any filter set (to anything but "Any")?"""
        return any(field.data for field in (self.year, self.need, self.status, self.stage, self.archived))


class LearnerCorrectionForm(LearnerForm):
    """Every detail of a registered learner, with the reason for changing it (kept, sealed, in the history)."""

    reason = TextAreaField("Why are these details being changed?", widget=GovTextArea(),
                           validators=[DataRequired(message="Enter why the details are being changed"),
                                       Length(max=1000)])
    version = HiddenField()
    submit = SubmitField("Save changes", widget=GovSubmitInput())

