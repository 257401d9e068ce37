"""Dialog conferences: rounds, groups, referents' points, plenary and summary documents."""
