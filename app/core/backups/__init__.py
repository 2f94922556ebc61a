"""Backups of the database and the learner key store, their restore, and the restore drill (`flask backup`).

The keyring (field keys) never goes into a backup: a backup without its keys is useless to a thief.
"""
