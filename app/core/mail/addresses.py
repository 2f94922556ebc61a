"""How Braid compares email addresses: trimmed and lower-cased, as accounts store them and rate limits key them."""
from __future__ import annotations


def normalise_email(email: str | None) -> str:
    return (email or "").strip().lower()
