"""Retention: the schedule of record classes (IRMS defaults, editable by the school), legal holds, the sweep that
destroys what is due, the destruction register, and erasure of a learner (UK GDPR Article 17)."""
