"""Attachments: files (reports, images) on a contribution, a meeting or a concern, sealed in the database."""
