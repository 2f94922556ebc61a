"""Two-step verification: TOTP authenticators, recovery codes, the code page and one's own settings."""
