"""Learners' cases: the learner, the team around the child, support plans, contributions, meetings,
safeguarding concerns and break-glass access. Routes register on app.cases.blueprint."""
