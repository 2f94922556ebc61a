"""Forgotten passwords: a single-use link emailed to the account, and the page it opens."""
