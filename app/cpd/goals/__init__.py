"""SMART development goals."""
