"""Support plans in assess-plan-do-review cycles: outcomes, provision and the review that closes a cycle."""
