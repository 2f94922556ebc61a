"""Data protection: the school's duties as controller (UK GDPR). The data protection officer's subject access
requests and their bundles, the retention schedule, legal holds and erasure, and the record of processing.

It reads every domain (a subject access bundle gathers all that is held about a learner); no domain imports it.
"""
