"""Agencies and accounts: signing in (password, then the second step), password reset, and each agency
administrator's management of its people. Routes register on app.agencies.blueprint."""
