"""Forms for attaching and removing files. They validate only: the file itself is checked by the service."""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import GovFileInput, GovSubmitInput, GovTextInput
from wtforms import StringField, SubmitField
from wtforms.validators import Length, Optional

from app.cases.attachments.services import DESCRIPTION_MAX

FILE_HINT = "A PDF, Word (DOCX), OpenDocument text (ODT), PNG or JPEG file, up to 20 MB"
ACCEPT = ".pdf,.docx,.odt,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg"


def optional_file(label: str = "Attach a report (optional)") -> FileField:
    """A file input a form may leave empty (the add-contribution form's report)."""
    return FileField(label, widget=GovFileInput())


class AttachmentForm(FlaskForm):
    file = FileField("Choose a file", widget=GovFileInput(),
                     validators=[FileRequired(message="Choose a file to attach")])
    description = StringField("Short description (optional)", widget=GovTextInput(),
                              validators=[Optional(), Length(max=DESCRIPTION_MAX, message=(
                                  f"The description must be {DESCRIPTION_MAX} characters or fewer"))])
    submit = SubmitField("Attach file", widget=GovSubmitInput())


class RemoveAttachmentForm(FlaskForm):
    submit = SubmitField("Remove this file", widget=GovSubmitInput())
