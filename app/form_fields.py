"""Form fields shared by every package's forms."""
from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovDateInput
from wtforms import DateField
from wtforms.utils import unset_value


class DayMonthYearField(DateField):
    """A GOV.UK date input: always three parts, so a page re-renders even when some were not sent.

    govuk-frontend-wtf's widget unpacks exactly three values when it redraws the field: a hand-made
    POST with fewer would otherwise be a server error instead of a form error.
    """

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, format="%d %m %Y", widget=GovDateInput(), **kwargs)

    def process(self, formdata, data=unset_value, extra_filters=None):
        super().process(formdata, data, extra_filters)
        if self.raw_data is not None and len(self.raw_data) != 3:
            self.raw_data = (list(self.raw_data) + ["", "", ""])[:3]
