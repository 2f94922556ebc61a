"""Learners' cases: the team around the child, support plans, contributions and meetings (issue 4)."""
