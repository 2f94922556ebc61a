"""The tamper-evident GDPR audit trail (events, chain, checkpoints, verification) and the DSL's review of it."""
