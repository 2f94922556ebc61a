"""Mechanisms every domain uses and no domain owns (jobs: background work). Imports no domain."""
