"""Progress reviews with the line manager (Appendix 4)."""
