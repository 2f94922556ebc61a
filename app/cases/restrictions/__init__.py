"""Restriction of processing (UK GDPR Article 18): a learner's record kept, readable by the SENCo and the DSL,
changed and shared by nobody, until the restriction is lifted."""
