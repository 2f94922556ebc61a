"""Forms of the MIS import: the upload, matching the file's columns, and confirming the preview. They validate only."""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxesInput, GovFileInput, GovSelect, GovSubmitInput
from wtforms import SelectChoice, SelectField, SelectMultipleField, SubmitField

from app.cases.mis_import.columns import Field
from app.cases.mis_import.reading import column_letter

NOT_IN_FILE = -1


class ImportUploadForm(FlaskForm):
    file = FileField("CSV file exported from your MIS", widget=GovFileInput(),
                     validators=[FileRequired(message="Choose the CSV file exported from your MIS")])
    submit = SubmitField("Upload and preview", widget=GovSubmitInput())


def columns_form(header: list[str], chosen: dict[Field, int], formdata=None) -> FlaskForm:
    """A select per Braid field, offering each of the file's columns (by letter and heading)."""

    class ImportColumnsForm(FlaskForm):
        submit = SubmitField("Save and preview", widget=GovSubmitInput())

    choices = [SelectChoice(NOT_IN_FILE, "Not in this file")] + [
        SelectChoice(index, f"Column {column_letter(index)}: {heading}") for index, heading in enumerate(header)]
    for field in Field:
        setattr(ImportColumnsForm, field.value, SelectField(field.label, widget=GovSelect(), coerce=int,
                                                            choices=choices, default=chosen.get(field, NOT_IN_FILE)))
    return ImportColumnsForm(formdata=formdata) if formdata is not None else ImportColumnsForm()


def confirm_form(duplicate_rows: list[int]) -> FlaskForm:
    class ImportConfirmForm(FlaskForm):
        different = SelectMultipleField(
            "Rows that are a different learner", widget=GovCheckboxesInput(), coerce=int,
            choices=[SelectChoice(number, f"Row {number} is a different learner: register them as well")
                     for number in duplicate_rows])
        submit = SubmitField("Import these learners", widget=GovSubmitInput())

    return ImportConfirmForm()


class ImportActionForm(FlaskForm):
    """One button (cancel, try again): the CSRF token is all it carries."""

    submit = SubmitField("Continue", widget=GovSubmitInput())
