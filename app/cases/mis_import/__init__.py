"""Bringing a school's learners in from its MIS: a CSV read in memory, previewed, then imported by a background job."""
