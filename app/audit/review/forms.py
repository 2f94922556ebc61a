"""Forms for the DSL's review: the filters, the export's stated purpose, verifying the chain. They validate only."""
from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    DateField,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import AnyOf, DataRequired, Length, Optional, ValidationError

from app.audit.directory import lookup
from app.audit.models import AuditAction, AuditOutcome, PurposeCategory
from app.audit.review.services import AuditFilters
from app.core.forms import stripped
from app.form_fields import RememberedDateInput, RememberedSelect

DETAILS_MAX = 2000


class DayField(DateField):
    """A GOV.UK date input (day, month, year), which also takes one ISO date (2025-03-27) from a link.

    Empty is allowed (no limit); what was typed is kept for the page to show again.
    """

    def process_formdata(self, valuelist):
        values = [(value or "").strip() for value in valuelist]
        self.data = None
        label = self.label.text
        if not any(values):
            self.raw_data = None
            return
        if len(values) == 1:
            try:
                self.data = date.fromisoformat(values[0])
            except ValueError:
                self.raw_data = None
                raise ValueError(f"{label} must be a real date") from None
            self.raw_data = [str(self.data.day), str(self.data.month), str(self.data.year)]
            return
        if len(values) != 3:
            self.raw_data = None
            raise ValueError(f"{label} must be a real date")
        day, month, year = values
        missing = [part for part, value in (("day", day), ("month", month), ("year", year)) if not value]
        if missing:
            raise ValueError(f"{label} must include a {' and a '.join(missing)}")
        try:
            if len(year) != 4:
                raise ValueError
            self.data = date(int(year), int(month), int(day))
        except (ValueError, OverflowError):
            self.data = None
            raise ValueError(f"{label} must be a real date") from None


class DateRangeForm(FlaskForm):
    """Only dates: the flags page's window. Read from the query string; nothing changes, so no CSRF token."""

    class Meta:
        csrf = False

    date_from = DayField("Date from", widget=RememberedDateInput())
    date_to = DayField("Date to", widget=RememberedDateInput())

    def validate_date_to(self, field) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError("Date to must be the same as or after date from")


class AuditFilterForm(DateRangeForm):
    """The review's filters. The view fills the learner and person choices from the DSL's school."""

    # Only the widgets whose parameters name nobody are remembered (app.form_fields.RememberedRender): a name or
    # address typed, and the learners and people offered, are drawn afresh and never kept past the request.
    # A school has thousands of learners: one is found by the name or UPN typed (a list of all of them would open
    # every name on every view); the select offers only what was found, or the learner a link chose.
    learner_name = StringField("Learner’s full name or UPN", widget=GovTextInput(), filters=[stripped],
                               validators=[Optional(), Length(max=200)])
    learner = SelectField("Learner", widget=GovSelect(), choices=[], default="",
                          invalid_choice_message="Choose a learner from the list")
    user = SelectField("Person", widget=GovSelect(), choices=[], default="",
                       invalid_choice_message="Choose a person from the list")
    # Parents and carers are as many as the learners: one is found by the address typed, not listed.
    person_email = StringField("Or a parent’s or carer’s email address", widget=GovTextInput(), filters=[stripped],
                               validators=[Optional(), Length(max=320)])
    action = SelectField("Action", widget=RememberedSelect(), default="",
                         choices=[SelectChoice("", "Any action")]
                         + [SelectChoice(action.value, action.label) for action in AuditAction],
                         invalid_choice_message="Choose an action from the list")
    outcome = SelectField("Outcome", widget=RememberedSelect(), default="",
                          choices=[SelectChoice("", "Allowed or refused")]
                          + [SelectChoice(outcome.value, outcome.label) for outcome in AuditOutcome],
                          invalid_choice_message="Choose allowed or refused")

    # Declared again so that the dates come after the choices (on the page and in the error summary).
    date_from = DayField("Date from", widget=RememberedDateInput())
    date_to = DayField("Date to", widget=RememberedDateInput())

    def validate_learner_name(self, field) -> None:
        if field.data and not self.learner.data:
            found = len(self.learner.choices) - 1
            raise ValidationError("No learner at your school has this full name or UPN" if found == 0 else
                                  "More than one learner has this name: choose one from the list")

    def validate_person_email(self, field) -> None:
        if field.data and not self.user.data:
            raise ValidationError("No parent or carer of your school’s learners has this email address")

    def fill_choices(self, learners, people) -> None:
        """`learners`: those the filter may choose (the one a link named, or those the name typed found)."""
        if self.learner_name.data and not self.learner.data and len(learners) == 1:
            self.learner.data = learners[0].public_id  # the one learner with the name typed
        self.learner.choices = [SelectChoice("", "All learners")] + [
            SelectChoice(learner.public_id, f"{learner.name}, {learner.year_group_label}") for learner in learners
        ]
        if self.person_email.data and not self.user.data:
            # By the blind index the query found them with: no one's address is opened to compare.
            wanted = lookup.email_index(self.person_email.data)
            found = [person for person in people if person.email_index == wanted]
            if len(found) == 1:
                self.user.data = found[0].public_id  # the person with the address typed
        self.user.choices = [SelectChoice("", "Everyone")] + [
            SelectChoice(person.public_id, f"{person.display_name}, {person.role.label}") for person in people
        ]

    def filters(self) -> AuditFilters:
        """The validated filters (call after `validate()` succeeded)."""
        return AuditFilters(
            learner=self.learner.data or None,
            user=self.user.data or None,
            action=AuditAction(self.action.data) if self.action.data else None,
            outcome=AuditOutcome(self.outcome.data) if self.outcome.data else None,
            date_from=self.date_from.data,
            date_to=self.date_to.data,
        )


class ExportForm(FlaskForm):
    purpose = RadioField(
        "Why are you exporting the audit trail?", widget=GovRadioInput(),
        choices=[SelectChoice(purpose.value, purpose.label) for purpose in PurposeCategory],
        validators=[DataRequired(message="Choose why you are exporting the audit trail")],
    )
    details = TextAreaField(
        "Details", widget=GovTextArea(),
        validators=[DataRequired(message="Explain what the export is for"),
                    Length(max=DETAILS_MAX, message=f"The details must be {DETAILS_MAX:,} characters or fewer")],
    )
    submit = SubmitField("Export to CSV", widget=GovSubmitInput())


class VerifyForm(FlaskForm):
    """No fields: the CSRF token is the point (verifying writes a verification and an event)."""

    submit = SubmitField("Verify the chain now", widget=GovSubmitInput())


REASON_MAX = 2000


class FamilyVisibilityForm(FlaskForm):
    """Withhold one opening from the family's summary, or release it: the DSL's reason is required (kept sealed)."""

    decision = HiddenField(validators=[AnyOf(["withhold", "release"], message="Choose to withhold or release")])
    reason = TextAreaField(
        "Reason", widget=GovTextArea(),
        validators=[DataRequired(message="Enter the reason for your decision"),
                    Length(max=REASON_MAX, message=f"The reason must be {REASON_MAX:,} characters or fewer")],
    )
    submit = SubmitField("Save decision", widget=GovSubmitInput())
