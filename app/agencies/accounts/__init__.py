"""Accounts: agencies, their people and roles, and the administrator's pages; `flask users`."""
