"""The form for exporting a reflective record: which year, which format, and why. It validates only."""
from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSubmitInput
from wtforms import RadioField, SelectChoice, SubmitField
from wtforms.validators import StopValidation

from app.cpd.export.models import ExportFormat, ExportPurpose
from app.cpd.hours import CpdYear


class ChoiceRadios(RadioField):
    """Radios with one clear message for "nothing chosen" and another for a value not offered.

    (WTForms' own "Not a valid choice" would sit beside DataRequired's message for an empty answer.)
    """

    def __init__(self, label=None, *, missing: str, invalid: str | None = None, **kwargs):
        super().__init__(label, widget=GovRadioInput(), **kwargs)
        self.missing, self.invalid = missing, invalid or missing

    def pre_validate(self, form):
        if not self.data:
            raise StopValidation(self.missing)
        if not any(match for _, _, match, *_ in self.iter_choices()):
            raise StopValidation(self.invalid)


class ExportRecordForm(FlaskForm):
    year = ChoiceRadios("Which CPD year?", missing="Choose the CPD year to export",
                        invalid="Choose this CPD year or the one before")
    file_format = ChoiceRadios(
        "Format", missing="Choose PDF or CSV",
        choices=[SelectChoice(choice.value, choice.label) for choice in ExportFormat],
    )
    purpose = ChoiceRadios(
        "Why are you exporting the record?", missing="Choose why you are exporting the record",
        choices=[SelectChoice(choice.value, choice.label) for choice in ExportPurpose],
    )
    submit = SubmitField("Download the record", widget=GovSubmitInput())

    def offer_years(self, years: list[CpdYear], current: CpdYear) -> None:
        """The years are the owner's own (their CPD year may not start in September)."""
        self.year.choices = [
            SelectChoice(year.starts_on.isoformat(), f"{year.label}{' (this year)' if year == current else ''}")
            for year in years
        ]
        if not self.is_submitted():
            self.year.data = self.year.data or current.starts_on.isoformat()
            self.file_format.data = self.file_format.data or ExportFormat.PDF.value

    def chosen_year(self) -> CpdYear:
        """The year chosen (call after `validate()` succeeded: it is one of those offered)."""
        return CpdYear.starting_on(date.fromisoformat(self.year.data))
