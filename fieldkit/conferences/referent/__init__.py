"""The referent's tablet: the group's page and its sync API (no login)."""
