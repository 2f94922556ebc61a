"""Each learner's own data key, kept in a key store apart from the database (crypto-shredding).

Destroying a learner's key makes every copy of that learner's sealed values unreadable, backups included.
"""
from __future__ import annotations


def destroy_learner_key(learner_public_id: str) -> bool:
    """Destroy the data key of the learner with this public id; True if there was one to destroy.

    (The key store comes with crypto-shredding: until then no learner has a key of their own.)
    """
    return False
