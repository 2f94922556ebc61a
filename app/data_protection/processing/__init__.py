"""The record of processing (UK GDPR Article 30): every column of every table classified in one place."""
