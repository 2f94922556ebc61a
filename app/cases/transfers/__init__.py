"""Transfers to the next school: the SENCo's sealed transfer bundle, the DSL's child-protection file records."""
