"""Forms for managing accounts and one's own password. They validate; they never write or look up accounts."""
from __future__ import annotations

from decimal import Decimal

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovPasswordInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import (
    DecimalField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    EqualTo,
    InputRequired,
    Length,
    NumberRange,
    Optional,
)

from app.core.dates import MONTHS
from app.form_fields import DayMonthYearField


class AccountForm(FlaskForm):
    display_name = StringField(
        "Full name",
        widget=GovTextInput(),
        validators=[DataRequired(message="Enter the person's full name"), Length(max=120)],
    )
    email = EmailField(
        "Email address",
        widget=GovTextInput(),
        validators=[
            DataRequired(message="Enter an email address"),
            Length(max=254, message="Email address must be 254 characters or fewer"),
            Email(message="Enter an email address in the correct format, like name@example.org",
                  check_deliverability=False),
        ],
    )
    role = SelectField("Role", widget=GovSelect(), validators=[DataRequired(message="Select a role")])
    fte = DecimalField(
        "Full-time equivalent (FTE)",
        widget=GovTextInput(),
        places=2,
        default=Decimal("1.00"),
        validators=[
            InputRequired(message="Enter the full-time equivalent, for example 1 or 0.6"),
            NumberRange(min=Decimal("0.01"), max=Decimal("1"), message="FTE must be between 0.01 and 1"),
        ],
    )
    cpd_year_start_month = SelectField(
        "CPD year starts in",
        widget=GovSelect(),
        choices=[SelectChoice(str(month), name) for month, name in enumerate(MONTHS, start=1)],
        default="9",
        validators=[Optional()],  # September when not given
    )
    line_manager = SelectField("Line manager", widget=GovSelect(), validators=[Optional()])
    access_ends_on = DayMonthYearField("Access ends on", validators=[Optional()])
    submit = SubmitField("Create account", widget=GovSubmitInput())


class AccountEditForm(AccountForm):
    """The administrator's changes to an account: as when creating it, less the access end date."""

    access_ends_on = None  # an outside account's access follows its cases (app.cases.team)
    version = HiddenField()
    submit = SubmitField("Save changes", widget=GovSubmitInput())


class NewPasswordForm(FlaskForm):
    """A new password typed twice: for a reset link, and (with the current one) for changing it."""

    new_password = PasswordField(
        "New password",
        widget=GovPasswordInput(),
        validators=[InputRequired(message="Enter a new password"), Length(max=1024)],
    )
    confirm_password = PasswordField(
        "Confirm new password",
        widget=GovPasswordInput(),
        validators=[
            InputRequired(message="Confirm your new password"),
            EqualTo("new_password", message="The passwords do not match"),
        ],
    )
    submit = SubmitField("Set new password", widget=GovSubmitInput())


class ChangePasswordForm(NewPasswordForm):
    current_password = PasswordField(
        "Current password",
        widget=GovPasswordInput(),
        validators=[InputRequired(message="Enter your current password"), Length(max=1024)],
    )
    submit = SubmitField("Change password", widget=GovSubmitInput())


class ConfirmForm(FlaskForm):
    """A form with nothing but its CSRF token, for confirmed actions."""

    submit = SubmitField("Confirm", widget=GovSubmitInput())
