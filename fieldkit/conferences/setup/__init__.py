"""Setting up a conference: rounds, participants, groups and the referents' cards."""
