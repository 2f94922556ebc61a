"""Asking for a reset link (the new password's form is accounts.forms.NewPasswordForm). It validates only."""
from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextInput
from wtforms import EmailField, SubmitField
from wtforms.validators import DataRequired, Length, ValidationError


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
