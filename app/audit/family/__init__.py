"""What a learner's family sees of the trail: the openings of the record, less what the DSL withholds."""
