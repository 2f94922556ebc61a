"""Reflective entries: the Appendix 5 record, its standards and its links to one's own case work."""
