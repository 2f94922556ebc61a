"""Subject access bundles: gathering, review and redaction, the DSL's release of concerns, building and download."""
