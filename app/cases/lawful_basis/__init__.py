"""The lawful basis of processing and sharing a case (UK GDPR Articles 6 and 9): the lists, their plain-English
explanations and each role's default. Pure data and small helpers: no models, no database."""
