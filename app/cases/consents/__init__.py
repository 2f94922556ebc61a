"""Consent to a referral or to sharing a case, recorded as what it is (apart from the lawful basis), and withdrawn."""
