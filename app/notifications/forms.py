"""The notification settings form: one choice of delivery per kind the person can be told of. It validates only."""
from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSubmitInput
from wtforms import RadioField, SelectChoice, SubmitField
from wtforms.validators import InputRequired

from app.notifications.models import Delivery, NotificationKind


class MarkAllReadForm(FlaskForm):
    submit = SubmitField("Mark all as read", widget=GovSubmitInput())


def settings_form(kinds: list[NotificationKind], chosen: dict[NotificationKind, Delivery], formdata=None):
    """A form with a radio group named after each kind that can be turned off (the concern kind has none: it
    cannot be changed, so nothing posted for it is read)."""

    class SettingsForm(FlaskForm):
        submit = SubmitField("Save settings", widget=GovSubmitInput())

    for kind in kinds:
        if kind.can_turn_off:
            setattr(SettingsForm, kind.value, RadioField(
                kind.label, widget=GovRadioInput(),
                choices=[SelectChoice(delivery.value, delivery.label) for delivery in Delivery],
                validators=[InputRequired(message=f"Choose how to be told: {kind.label.lower()}")],
                default=chosen[kind].value))
    return SettingsForm(formdata=formdata) if formdata is not None else SettingsForm()
