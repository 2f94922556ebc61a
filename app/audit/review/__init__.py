"""The DSL's review of the school's trail: filtered pages, histories, flags, exports and verification."""
