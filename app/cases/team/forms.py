"""Forms for managing the team and accepting an invitation. They validate only; choices come from the view."""
from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovSelect, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import (
    EmailField,
    HiddenField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, EqualTo, InputRequired, Length, Optional

from app.agencies.accounts.models import AgencyKind
from app.cases.lawful_basis.bases import ROLE_DEFAULT, Article6
from app.cases.lawful_basis.forms import SharingBasisForm
from app.cases.team.services import AGENCY_KINDS_BY_ROLE, INVITABLE_ROLES
from app.form_fields import DayMonthYearField

_INVITABLE_KINDS = [kind for kind in AgencyKind if any(kind in kinds for kinds in AGENCY_KINDS_BY_ROLE.values())]


class AddStaffForm(FlaskForm):
    staff = SelectField("Member of staff", widget=GovSelect(),
                        validators=[DataRequired(message="Choose a member of staff")],
                        validate_choice=False)  # the service checks the choice against the school's staff
    ends_on = DayMonthYearField("On the team until (optional)",
                        validators=[Optional()])
    submit = SubmitField("Add to team", widget=GovSubmitInput())


class InviteForm(SharingBasisForm):
    display_name = StringField("Full name", widget=GovTextInput(),
                               validators=[DataRequired(message="Enter the person's full name"), Length(max=120)])
    email = EmailField("Email address", widget=GovTextInput(), validators=[
        DataRequired(message="Enter an email address"),
        Length(max=254, message="Email address must be 254 characters or fewer"),
        Email(message="Enter an email address in the correct format, like name@example.org",
              check_deliverability=False),
    ])
    role = SelectField("Role", widget=GovSelect(), validators=[DataRequired(message="Choose a role")],
                       choices=[SelectChoice("", "Choose a role")]
                               + [SelectChoice(role.value, role.label) for role in INVITABLE_ROLES])
    agency = SelectField("Agency", widget=GovSelect(), validators=[DataRequired(message="Choose the person's agency")],
                         validate_choice=False)
    new_agency_name = StringField("Name of the new agency", widget=GovTextInput(),
                                  validators=[Optional(), Length(max=200)])
    new_agency_kind = SelectField("Kind of new agency", widget=GovSelect(), validators=[Optional()],
                                  choices=[SelectChoice("", "Choose a kind")]
                                  + [SelectChoice(kind.value, kind.label) for kind in _INVITABLE_KINDS])
    access_ends_on = DayMonthYearField("Access ends on",
                               validators=[InputRequired(message="Enter the date access ends")])
    submit = SubmitField("Send invitation", widget=GovSubmitInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_submitted():
            # Every invited role's default: public task, and the usual Article 9 condition for the role chosen.
            self.article6.data = self.article6.data or Article6.PUBLIC_TASK.value
            self.article9.data = self.article9.data or ROLE_DEFAULT


class RevokeInvitationForm(FlaskForm):
    """The confirmation page's form: `confirm` says the SENCo read what revoking does."""

    confirm = HiddenField()


END_REASON_MAX = 2000


class EndMembershipForm(FlaskForm):
    """The confirmation page's form: `confirm` says the SENCo read the page; `version` what the page showed;
    `reason` why (kept sealed; required by the view for a parent or carer, whose access may end under a court order)."""

    confirm = HiddenField()
    version = HiddenField()
    reason = TextAreaField("Why are you ending their access?", widget=GovTextArea(), validators=[
        Optional(), Length(max=END_REASON_MAX, message=f"The reason must be {END_REASON_MAX:,} characters or fewer")])


class AcceptForm(FlaskForm):
    submit = SubmitField("Accept invitation", widget=GovSubmitInput())


class AcceptWithPasswordForm(FlaskForm):
    password = PasswordField("Password", widget=GovPasswordInput(),
                             validators=[InputRequired(message="Enter your password"), Length(max=1024)])
    submit = SubmitField("Sign in and accept", widget=GovSubmitInput())


class AcceptWithNewAccountForm(FlaskForm):
    display_name = StringField("Your full name", widget=GovTextInput(),
                               validators=[DataRequired(message="Enter your full name"), Length(max=120)])
    new_password = PasswordField("Create a password", widget=GovPasswordInput(),
                                 validators=[InputRequired(message="Enter a password"), Length(max=1024)])
    confirm_password = PasswordField("Confirm your password", widget=GovPasswordInput(), validators=[
        InputRequired(message="Confirm your password"),
        EqualTo("new_password", message="The passwords do not match"),
    ])
    submit = SubmitField("Create account and accept", widget=GovSubmitInput())
