"""Safeguarding concerns: recorded by anyone working on a case, read only by the DSL and their author."""
