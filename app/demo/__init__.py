"""The demo: `flask demo load` and the fictional records of every domain, kept out of the domains."""
