"""Form fields shared by every package's forms."""
from __future__ import annotations

from collections import OrderedDict
from threading import Lock

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovDateInput,
    GovSelect,
)
from markupsafe import Markup
from wtforms import DateField
from wtforms.utils import unset_value


class RememberedRender:
    """A GOV.UK widget that renders each set of its macro's parameters once: the macro's output depends on them alone,
    and a filter form shown on every visit (the same labels, hints and mostly empty values) costs a page a tenth of
    its time to draw again. Bounded: values typed into a filter are part of the key, so only for fields whose
    parameters name nobody (kinds, days, actions): a name typed or a list of people is drawn afresh, never kept."""

    _REMEMBERED = 512
    _rendered: OrderedDict[tuple[str, str], Markup] = OrderedDict()  # one for every such widget
    _lock = Lock()  # gunicorn's threads share them

    def render(self, params):
        key = (self.template, repr(params))  # plain dicts, lists and strings: the same parameters, the same text
        with self._lock:
            rendered = self._rendered.get(key)
            if rendered is not None:
                self._rendered.move_to_end(key)
                return rendered
        rendered = super().render(params)
        with self._lock:
            self._rendered[key] = rendered
            if len(self._rendered) > self._REMEMBERED:
                self._rendered.popitem(last=False)
        return rendered


class RememberedDateInput(RememberedRender, GovDateInput):
    pass


class RememberedCheckboxesInput(RememberedRender, GovCheckboxesInput):
    pass


class RememberedCheckboxInput(RememberedRender, GovCheckboxInput):
    pass


class RememberedSelect(RememberedRender, GovSelect):
    pass


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
