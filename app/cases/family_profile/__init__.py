"""The family one-page profile: what the child is good at, what helps, what we work on together, who to talk to."""
