"""How the audit trail names a subject access bundle's records and forms, and the purposes of its download."""
from __future__ import annotations

from app.audit import directory
from app.data_protection.bundles.purposes import DOWNLOAD_PURPOSES


def register() -> None:
    directory.label("object_type", {
        "subject_access_bundle": "Subject access bundle",
        "bundle_redaction": "Redaction in a subject access bundle",
        "concern_release": "Safeguarding concern released to (or kept out of) a subject access bundle",
        # What a refused request asked to see or do (app.policy.attempts)
        "subject_access_bundle_form": "Subject access bundle review form",
        "subject_access_download_form": "Subject access bundle download form",
        "concern_release_form": "Release of safeguarding concerns form",
    })
    directory.label("purpose", {code: f"Subject access bundle download: {label.lower()}"
                                for code, label in DOWNLOAD_PURPOSES.items()})
