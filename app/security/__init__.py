"""Security primitives that know no domain.

crypto, keys and rotation (sealed values, the keyring, blind indexes), sanitize, passwords, limits, hosts,
redirects, and deploy (what production refuses to start with).
"""
