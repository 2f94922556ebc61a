"""Which fields a service changed, by name, for the event it records (app.audit.events): never the values."""
from __future__ import annotations


def values_of(obj, names) -> dict:
    """The current values of `names` on `obj`, to compare with after a change (never recorded)."""
    return {name: getattr(obj, name) for name in names}


def fields_changed(obj, before: dict) -> list[str]:
    """Names whose value differs from `before` (taken by values_of).

    Compared as values: a sealed field gets a new ciphertext even when the same text is saved
    again, so the ORM's history would report every sealed field of a form as changed.
    """
    return [field_name(name) for name, value in before.items() if getattr(obj, name) != value]


def fields_given(obj, names) -> list[str]:
    """Names of `names` that hold a value on a new record."""
    return [field_name(name) for name in names if getattr(obj, name) not in (None, "", [], ())]


def field_name(name: str) -> str:
    """The name people know a field by: `learner_id` is "learner"."""
    return name[: -len("_id")] if name.endswith("_id") else name
