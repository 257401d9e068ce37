"""The synthesis across a project's conferences: themes, tags and the combined document."""
