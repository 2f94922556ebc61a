"""Joint-planning meetings: recording, amending and signing off the record, and the actions agreed."""
