"""Who has seen a child's record, told to their family in plain English (the trail's side is app.audit.family)."""
