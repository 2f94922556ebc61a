"""The form that designates a data protection officer or clears the designation: a confirmation."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import AnyOf


class DesignationForm(FlaskForm):
    designate = HiddenField(validators=[AnyOf(("yes", "no"), message="Choose whether to designate")])
