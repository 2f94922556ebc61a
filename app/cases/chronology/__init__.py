"""A learner's chronology: one time-ordered page of what happened in their support, as the viewer may read it."""
