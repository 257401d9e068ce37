"""Facilitation: the live overview, the group pages, the plenary view and moderation."""
