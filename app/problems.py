"""Refusals a service raises for input it cannot accept, and how a view shows them on its form."""
from __future__ import annotations


class Refusal(ValueError):
    """A change that cannot be made, with a message fit to show the user and the field it concerns."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def show_on_form(form, refusal: Refusal, fields: dict[str, str] | None = None) -> None:
    """Put the refusal beside its field (or at the top of the form) so the page re-renders with it."""
    name = (fields or {}).get(refusal.field, refusal.field)
    field = getattr(form, name, None) if name else None
    (field.errors if field is not None else form.form_errors).append(str(refusal))
