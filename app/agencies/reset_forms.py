"""Forms for resetting a forgotten password. They validate; they never look up accounts or links."""
from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovSubmitInput, GovTextInput
from wtforms import EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, ValidationError


def _looks_like_an_address(form, field) -> None:
    # Only the shape: whether an account has the address is never told (the reply is the same).
    local, at, domain = (field.data or "").strip().rpartition("@")
    if not at or not local or "." not in domain.strip("."):
        raise ValidationError("Enter an email address in the correct format, like name@example.org")


class RequestResetForm(FlaskForm):
    email = EmailField(
        "Email address",
        widget=GovTextInput(),
        validators=[
            DataRequired(message="Enter your email address"),
            Length(max=254, message="Email address must be 254 characters or fewer"),
            _looks_like_an_address,
        ],
    )
    submit = SubmitField("Send me a link", widget=GovSubmitInput())


class NewPasswordForm(FlaskForm):
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
