"""Forms for two-step verification: a code to sign in, to confirm an authenticator, or to change the set-up."""
from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextInput
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, Length


def _code_field(label: str, message: str) -> StringField:
    return StringField(label, widget=GovTextInput(), validators=[DataRequired(message=message), Length(max=32)])


class SecondStepForm(FlaskForm):
    """The code page of sign-in: a code from the authenticator app, or a recovery code in the same box."""

    code = _code_field("Code", "Enter the 6-digit code from your authenticator app, or a recovery code")
    submit = SubmitField("Continue", widget=GovSubmitInput())


class ConfirmAuthenticatorForm(FlaskForm):
    code = _code_field("Code from your authenticator app", "Enter the 6-digit code from your authenticator app")
    submit = SubmitField("Turn on two-step verification", widget=GovSubmitInput())


class RecoveryCodesForm(FlaskForm):
    code = _code_field("Code from your authenticator app, or a recovery code",
                       "Enter a code from your authenticator app, or a recovery code")
    submit = SubmitField("Get new recovery codes", widget=GovSubmitInput())


class TurnOffForm(FlaskForm):
    code = _code_field("Code from your authenticator app, or a recovery code",
                       "Enter a code from your authenticator app, or a recovery code")
    submit = SubmitField("Turn off two-step verification", widget=GovSubmitInput())
