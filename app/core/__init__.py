"""Mechanisms every domain uses and no domain owns: conflicts, mail, forms, dates, jobs. Imports no domain."""
