"""Learners: registering, finding (by blind index) and reading a learner's record."""
