"""Signing in with a password, and the server-side rules of a signed-in session."""
