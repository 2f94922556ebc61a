"""Subject access requests: the DPO's register of who asked to see what is held about a learner, and when the
answer is due (UK GDPR Article 15; the Education (Pupil Information) (England) Regulations 2005 for a parent's
request to see the educational record at a maintained school)."""
