"""Merging two records of one learner into one: the survivor keeps the case, the other its row and its id."""
