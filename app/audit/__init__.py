"""The tamper-evident GDPR audit trail and the DSL's review of it (issue 5)."""
