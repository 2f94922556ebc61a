"""Braid's security primitives: password hashing and policy (more arrive with field encryption)."""
