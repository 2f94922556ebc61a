"""The chronology's filters, read from the query string: kinds of entry and a range of days. They validate only."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectMultipleField
from wtforms.validators import ValidationError

# The audit review's day field: a GOV.UK date input that keeps what was typed and names what is missing.
from app.audit.review.forms import DayField
from app.cases.chronology.services import EntryGroup
from app.form_fields import RememberedCheckboxesInput, RememberedDateInput


class ChronologyFilterForm(FlaskForm):
    """Nothing changes when it is sent, so no CSRF token; its values are kept in the "Older entries" link."""

    class Meta:
        csrf = False

    kind = SelectMultipleField("What to show", widget=RememberedCheckboxesInput(), choices=[], validate_choice=False)
    date_from = DayField("Date from", widget=RememberedDateInput())
    date_to = DayField("Date to", widget=RememberedDateInput())

    def __init__(self, *args, groups: tuple[EntryGroup, ...] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [SelectChoice(group.value, group.label) for group in groups]

    def validate_kind(self, field) -> None:
        allowed = {choice.value for choice in field.choices}
        if any(value not in allowed for value in field.data or []):
            raise ValidationError("Choose what to show from the list")

    def validate_date_to(self, field) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError("Date to must be the same as or after date from")

    def chosen_groups(self) -> frozenset[EntryGroup]:
        """The groups ticked, or every group offered when none is."""
        offered = {EntryGroup(choice.value) for choice in self.kind.choices}
        ticked = {EntryGroup(value) for value in self.kind.data or [] if value in {g.value for g in offered}}
        return frozenset(ticked or offered)
