"""Contributions: each author's section of a learner's plan, written from their role, with every edit kept."""
