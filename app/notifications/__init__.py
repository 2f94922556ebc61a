"""Notifications: what Braid tells a person about (a page, a count in the header, and email), and how they want it.

The package knows no domain: each domain calls `services.notify` from the service that does the thing, and
registers the subjects it notifies about in `subjects` so that the page can check visibility again when shown.
"""
