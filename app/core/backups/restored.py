"""A restored copy opened as an app of its own (the drill's checks, erasing again after a restore)."""
from __future__ import annotations

from alembic.script import ScriptDirectory
from flask import current_app


def code_heads() -> set[str]:
    return set(ScriptDirectory(str(current_app.extensions["migrate"].directory)).get_heads())


def restored_app_settings(database_url: str, store_url: str) -> dict:
    config = current_app.config
    return {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "BRAID_KEY_STORE_URL": store_url,
        # The keyring and audit key of the app that runs the drill: the ones a real restore would have.
        "BRAID_FIELD_KEYS": config["BRAID_FIELD_KEYS"],
        "BRAID_FIELD_KEY_FILE": config["BRAID_FIELD_KEY_FILE"],
        "BRAID_AUDIT_KEY": config["BRAID_AUDIT_KEY"],
        "CREATE_FIELD_KEYS": False,
        # The live heads file runs ahead of any backup: the chain's head is compared with the manifest's instead.
        "BRAID_AUDIT_HEAD_FILE": None,
        "AUDIT_SEAL_INTERVAL": None,  # no sealing timer on the restored copy: the app that runs on it seals
    }
