"""The school year's end: year groups move up, leavers are archived (read-only, out of everyday lists)."""
