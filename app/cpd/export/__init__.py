"""Exporting the year's record as a PDF laid out like Appendix 5, or as CSV."""
